/**
 * Runs tasks concurrently, at most `perKey` at a time for one key (a webhook's host) and at most
 * `total` at a time overall; resolves when every task has finished. Tasks must not throw (they
 * record their own outcome); a task that throws anyway rejects the whole run after the others
 * have finished.
 */
export async function runLimited<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  limits: { readonly perKey: number; readonly total: number },
  task: (item: T) => Promise<void>,
): Promise<void> {
  const perKey = Math.max(1, Math.floor(limits.perKey));
  const total = Math.max(1, Math.floor(limits.total));
  const queues = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const q = queues.get(key);
    if (q) q.push(item);
    else queues.set(key, [item]);
  }
  const active = new Map<string, number>();
  let running = 0;
  let failure: { error: unknown } | null = null;
  return new Promise<void>((resolve, reject) => {
    const pump = () => {
      // Round-robin over the keys, so one busy host does not hold the others back.
      let started = true;
      while (started && running < total) {
        started = false;
        for (const [key, q] of queues) {
          if (running >= total) break;
          if (q.length === 0 || (active.get(key) ?? 0) >= perKey) continue;
          const item = q.shift()!;
          if (q.length === 0) queues.delete(key);
          active.set(key, (active.get(key) ?? 0) + 1);
          running++;
          started = true;
          task(item)
            .catch((error: unknown) => {
              failure ??= { error };
            })
            .finally(() => {
              active.set(key, active.get(key)! - 1);
              running--;
              pump();
            });
        }
      }
      if (running === 0 && queues.size === 0) {
        if (failure) reject(failure.error);
        else resolve();
      }
    };
    pump();
  });
}

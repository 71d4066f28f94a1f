/**
 * The one back-off of Werkflow: after the n-th failed attempt (1-based), wait
 * `min(maxMs, baseMs · 2^(n-1))` — the step. Actions retry on the plain step
 * (`retryDelayMs`, src/domain/action/action.ts); mails with "equal jitter" on top of it
 * (`retryDelay`). Pure: the random number is passed in.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** The step after attempt `attempt` (1-based; below 1 counts as 1). */
export function backoffStep(attempt: number, policy: BackoffPolicy): number {
  const n = Math.max(1, Math.floor(attempt));
  // 2^(n-1) grows past maxMs long before it overflows; cap the exponent to stay finite.
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(n - 1, 40));
}

/**
 * The step with "equal jitter": between half and all of it — never sooner than half the step,
 * so a struggling server gets its rest, and spread out, so many messages that failed together
 * do not come back together.
 */
export function retryDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const step = backoffStep(attempt, policy);
  const r = Math.min(Math.max(random, 0), 1);
  return Math.round(step / 2 + (step / 2) * r);
}

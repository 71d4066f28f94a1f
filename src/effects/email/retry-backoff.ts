/**
 * When to try a message again after a temporary failure: exponential back-off with jitter.
 * Attempt n (1-based, the one that just failed) waits between half and all of
 * `min(maxMs, baseMs · 2^(n-1))` ("equal jitter"): never sooner than half the step, so a
 * struggling server gets its rest, and spread out, so many messages that failed together do not
 * come back together. Pure: the random number is passed in.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export function retryDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const n = Math.max(1, Math.floor(attempt));
  // 2^(n-1) grows past maxMs long before it overflows; cap the exponent to stay finite.
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(n - 1, 40));
  const r = Math.min(Math.max(random, 0), 1);
  return Math.round(step / 2 + (step / 2) * r);
}

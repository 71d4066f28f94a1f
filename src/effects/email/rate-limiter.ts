/**
 * A per-mailbox rate limit as a token bucket: `ratePerMinute` tokens a minute, at most ten
 * seconds' worth saved up, so a provider that allows 60 a minute sees at most 10 at once, not 60.
 * In memory, per process: with several mailer processes each keeps its own bucket (documented in
 * docs/email.md). Pure apart from its own state; the time is passed in.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes a token for `key`; when none is left, says when the next one comes. */
  take(
    key: string,
    ratePerMinute: number | null,
    now: number,
  ): { ok: true } | { ok: false; retryAt: number } {
    if (ratePerMinute === null || ratePerMinute <= 0) return { ok: true };
    const perMs = ratePerMinute / 60_000;
    const capacity = Math.max(1, Math.ceil(ratePerMinute / 6));
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAt: now + Math.ceil((1 - bucket.tokens) / perMs) };
  }
}

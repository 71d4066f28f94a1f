import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { retryDelay } from '../../../src/effects/email/retry-backoff.js';
import { RateLimiter } from '../../../src/effects/email/rate-limiter.js';

describe('retry back-off', () => {
  const policy = fc
    .record({ baseMs: fc.integer({ min: 1, max: 600_000 }), extra: fc.integer({ min: 0, max: 86_400_000 }) })
    .map(({ baseMs, extra }) => ({ baseMs, maxMs: baseMs + extra }));

  it('waits between half and all of the exponential step, never more than the maximum (property)', () => {
    fc.assert(
      fc.property(
        policy,
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (p, attempt, r) => {
          const step = Math.min(p.maxMs, p.baseMs * 2 ** (attempt - 1));
          const d = retryDelay(attempt, p, r);
          expect(Number.isFinite(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(Math.floor(step / 2));
          expect(d).toBeLessThanOrEqual(Math.ceil(step));
          expect(d).toBeLessThanOrEqual(p.maxMs);
        },
      ),
    );
  });

  it('never waits less after a later attempt than the earliest wait of an earlier one (property)', () => {
    fc.assert(
      fc.property(
        policy,
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (p, attempt, r) => {
          expect(retryDelay(attempt + 1, p, r)).toBeGreaterThanOrEqual(retryDelay(attempt, p, 0));
        },
      ),
    );
  });

  it('spreads messages that failed together (jitter)', () => {
    const p = { baseMs: 60_000, maxMs: 7_200_000 };
    expect(retryDelay(1, p, 0)).toBe(30_000);
    expect(retryDelay(1, p, 1)).toBe(60_000);
    expect(retryDelay(3, p, 0.5)).toBe(180_000);
    expect(retryDelay(30, p, 1)).toBe(7_200_000);
  });
});

describe('rate limiter', () => {
  it('lets a burst of ten seconds through, then says when the next token comes', () => {
    const limiter = new RateLimiter();
    const now = 1_000_000;
    for (let i = 0; i < 10; i++) expect(limiter.take('mb', 60, now).ok).toBe(true);
    const refused = limiter.take('mb', 60, now);
    expect(refused).toEqual({ ok: false, retryAt: now + 1000 });
    expect(limiter.take('mb', 60, now + 1000).ok).toBe(true);
    expect(limiter.take('other', 60, now).ok).toBe(true);
    expect(limiter.take('mb', null, now).ok).toBe(true);
  });

  it('never lets more through than the rate allows over a minute (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600 }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 300 }),
        (rate, gaps) => {
          const limiter = new RateLimiter();
          let now = 0;
          let passed = 0;
          for (const g of gaps) {
            now += g;
            if (limiter.take('m', rate, now).ok) passed++;
          }
          const allowed = Math.max(1, Math.ceil(rate / 6)) + (now * rate) / 60_000;
          expect(passed).toBeLessThanOrEqual(Math.floor(allowed) + 1);
        },
      ),
    );
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ACTION_BACKOFF, retryDelayMs } from '../../src/domain/action/action.js';
import { backoffStep, retryDelay } from '../../src/domain/backoff.js';

describe('the one back-off function', () => {
  it('actions wait the plain step: 30 s doubling, at most 6 hours, as before (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), (attempt) => {
        const before = Math.min(30_000 * 2 ** Math.max(0, attempt - 1), 6 * 3_600_000);
        expect(retryDelayMs(attempt)).toBe(before);
        expect(retryDelayMs(attempt)).toBe(backoffStep(attempt, ACTION_BACKOFF));
      }),
    );
  });

  it('mails wait between half and all of the same step (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 600_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, baseMs, r) => {
          const policy = { baseMs, maxMs: baseMs * 100 };
          const step = backoffStep(attempt, policy);
          const d = retryDelay(attempt, policy, r);
          expect(d).toBeGreaterThanOrEqual(Math.floor(step / 2));
          expect(d).toBeLessThanOrEqual(step);
        },
      ),
    );
  });
});

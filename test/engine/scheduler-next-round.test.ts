import { describe, expect, it } from 'vitest';
import { nextRound } from '../../src/engine/scheduler.js';

const base = { maxSleepMs: 30_000, idleRounds: 0 };

describe('the scheduler loop: when it runs next', () => {
  it('runs at once for work that fell due after the round looked (not taken for another worker’s)', () => {
    // Looked at 1,000 (nothing due), the round ended at 1,003; the next action fell due at 1,002.
    const plan = nextRound({ ...base, executed: 0, next: 1_002, lookedAt: 1_000, now: 1_003 });
    expect(plan).toEqual({ idleRounds: 0, wakeAt: 1_003 }); // now: at once
  });

  it('backs off, 50 ms doubling, from work that was due when it looked but could not be claimed', () => {
    const first = nextRound({ ...base, executed: 0, next: 900, lookedAt: 1_000, now: 1_003 });
    expect(first).toEqual({ idleRounds: 1, wakeAt: 1_053 });
    const second = nextRound({ ...base, idleRounds: 1, executed: 0, next: 900, lookedAt: 1_060, now: 1_061 });
    expect(second).toEqual({ idleRounds: 2, wakeAt: 1_161 });
  });

  it('plans the next due time after a round that executed work, and forgets its back-off', () => {
    expect(
      nextRound({ ...base, idleRounds: 3, executed: 5, next: 5_000, lookedAt: 1_000, now: 1_010 }),
    ).toEqual({
      idleRounds: 0,
      wakeAt: 5_000,
    });
  });
});

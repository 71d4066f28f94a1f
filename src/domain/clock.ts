/**
 * The clock is passed in everywhere below the engine: domain functions take `now` (epoch
 * milliseconds) as an argument, and the engine takes a Clock. Sandbox mode swaps in a clock an
 * administrator can move forward (src/engine/clock.ts).
 */
export interface Clock {
  /** Current time in epoch milliseconds (UTC). */
  now(): number;
}

/** A clock fixed at a given time, for tests and pure computations. */
export function fixedClock(at: number | string | Date): Clock {
  const ms = typeof at === 'number' ? at : new Date(at).getTime();
  return { now: () => ms };
}

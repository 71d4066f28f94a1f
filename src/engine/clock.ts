import type { Clock } from '../domain/clock.js';

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock an administrator can move forward (sandbox mode, `werkflow clock advance 3d`): it
 * runs with real time from an offset that only ever grows, so due times still come in order.
 */
export class SandboxClock implements Clock {
  private offsetMs = 0;
  private readonly listeners: ((now: number) => void)[] = [];

  constructor(private readonly base: Clock = systemClock) {}

  now(): number {
    return this.base.now() + this.offsetMs;
  }

  /** Moves the clock forward by `ms` milliseconds and tells listeners (the scheduler wakes up). */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new Error('The sandbox clock only moves forward.');
    this.offsetMs += ms;
    const now = this.now();
    for (const l of this.listeners) l(now);
    return now;
  }

  onAdvance(listener: (now: number) => void): void {
    this.listeners.push(listener);
  }
}

/** Parses a duration such as "3d", "2h", "90m", "1w" or "45s" into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(w|d|h|m|s)\s*$/i.exec(text);
  if (!m)
    throw new Error(
      `"${text}" is not a duration: write a number and a unit, such as 3d, 2h, 90m, 1w or 45s.`,
    );
  const unit = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[
    m[2]!.toLowerCase() as 'w' | 'd' | 'h' | 'm' | 's'
  ];
  return Math.round(Number(m[1]) * unit);
}

/**
 * Expiry: when a stamped action that is still open counts as expired ("the call task expires
 * 2 working days after its start"), which is what Econobis's "expired task" workflow reacts to.
 */
import type { ErrorDetail } from '../errors.js';
import { MAX_TIMING_OFFSET, shiftInstant, TIMING_UNITS, type Calendar, type TimingUnit } from './timing.js';

export interface Expiry {
  /** Whole number, at least 1: an action cannot expire before or at its own start. */
  offset: number;
  unit: TimingUnit;
}

/**
 * The instant an action started at `startAt` expires, or null when it never expires; counted
 * like a timing from the event (days keep the local time of day, working days skip holidays).
 *
 * @example computeExpiry(Date.parse('2026-12-24T09:00:00Z'), { offset: 2, unit: 'workingDays' }, calendar)
 * // Date.parse('2026-12-29T09:00:00Z'): the Christmas days and the weekend do not count
 */
export function computeExpiry(
  startAt: number,
  expiry: Expiry | undefined,
  calendar: Calendar,
): number | null {
  if (expiry === undefined) return null;
  return shiftInstant(startAt, expiry.offset, expiry.unit, calendar);
}

/** The problems of a template's expiry setting, with paths and sentences for an administrator; empty when valid. */
export function validateExpiry(expiry: unknown, path: string): ErrorDetail[] {
  if (expiry === undefined) return [];
  if (typeof expiry !== 'object' || expiry === null || Array.isArray(expiry)) {
    return [
      {
        path,
        message: `${path} must say after how long the action expires: a whole-number offset and a unit such as days.`,
      },
    ];
  }
  const { offset, unit, ...rest } = expiry as Record<string, unknown>;
  const problems: ErrorDetail[] = Object.keys(rest).map((key) => ({
    path: `${path}.${key}`,
    message: `${path}.${key} is not an expiry setting; remove it (the settings are offset and unit).`,
  }));
  const unitOk = typeof unit === 'string' && (TIMING_UNITS as readonly string[]).includes(unit);
  if (!unitOk) {
    const got = unit === undefined ? 'it is missing' : `got ${JSON.stringify(unit)}`;
    problems.push({
      path: `${path}.unit`,
      message: `${path}.unit must be one of minutes, hours, days, weeks or workingDays (${got}).`,
    });
  }
  const units = unitOk ? (unit === 'workingDays' ? 'working days' : unit) : 'minutes, hours or days';
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 1) {
    problems.push({
      path: `${path}.offset`,
      message: `${path}.offset must be a whole number of ${units} of at least 1, such as 3: an action cannot expire before it starts.`,
    });
  } else if (unitOk && offset > MAX_TIMING_OFFSET[unit as TimingUnit]) {
    problems.push({
      path: `${path}.offset`,
      message: `${path}.offset is too large: use at most ${MAX_TIMING_OFFSET[unit as TimingUnit]} ${units} (about ten years).`,
    });
  }
  return problems;
}

/**
 * How urgent an action is, the way Coachview colours its to-do list: late (its due time has
 * passed), today (due later today, in the organisation's zone), later. Always shown with words
 * beside the colour. Also the shared formatting of capped counts ("10.000+") and of a calendar
 * day as a range of instants, used by the to-do list and the start page.
 */
import { fromZoned, toZoned } from './zoned.js';

export type Urgency = 'late' | 'today' | 'later';

const OPEN = new Set(['waiting', 'pending', 'due', 'failed']);

/** The urgency of open work with a due time; undefined for closed work or no due time. */
export function urgencyOf(
  action: { status: string; dueAt: string | null },
  now: number,
  timeZone: string,
): Urgency | undefined {
  if (!action.dueAt || !OPEN.has(action.status)) return undefined;
  const due = Date.parse(action.dueAt);
  if (Number.isNaN(due)) return undefined;
  if (due < now) return 'late';
  return toZoned(due, timeZone).slice(0, 10) === toZoned(now, timeZone).slice(0, 10) ? 'today' : 'later';
}

/** Orange dark enough for small text on white and on a striped row (contrast ≥ 4.5:1; Mantine's orange.9 is 3.9:1). */
export const DARK_ORANGE = '#9a3412';

/** The Mantine colour of each urgency (with text beside it, never alone). */
export const URGENCY_COLOR: Readonly<Record<Urgency, string>> = {
  late: 'red.9',
  today: DARK_ORANGE,
  later: 'teal.9',
};

/** A count the server cut off at its cap reads "10.000+" (in the reader's locale). */
export function countText(count: number, capped: boolean, locale: string): string {
  return `${new Intl.NumberFormat(locale).format(count)}${capped ? '+' : ''}`;
}

/** A calendar day `YYYY-MM-DD` in a zone as the instants it starts and (with `end`) ends at. */
export function dayStart(day: string, timeZone: string): string | null {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? fromZoned(`${day}T00:00`, timeZone) : null;
}

/** The instant the day after `day` starts: "up to and including `day`". */
export function dayEnd(day: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const next = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]! + 1)).toISOString().slice(0, 10);
  return fromZoned(`${next}T00:00`, timeZone);
}

/** Today's date `YYYY-MM-DD` in a zone. */
export function today(now: number, timeZone: string): string {
  return toZoned(now, timeZone).slice(0, 10);
}

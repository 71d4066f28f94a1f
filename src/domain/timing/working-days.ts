/**
 * Arithmetic on local calendar dates ('YYYY-MM-DD' in the calendar's time zone) and on working
 * days: Monday to Friday, minus the calendar's holidays.
 *
 * Dates are counted as whole days since 1970-01-01 (an "epoch day"), so adding days never meets
 * a time zone or a DST change: those belong to the instant ↔ wall-clock step in timing.ts.
 */
import type { Calendar } from './timing.js';

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/**
 * The epoch day of a real 'YYYY-MM-DD' date, or null when the text is not one
 * ('2026-02-30', '2026-2-3' and '03-04-2026' are not).
 */
function epochDayOrNull(localDate: string): number | null {
  const match = LOCAL_DATE.exec(localDate);
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  // setUTCFullYear, not Date.UTC: Date.UTC maps the years 0–99 to 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return null;
  }
  return Math.round(date.getTime() / MS_PER_DAY);
}

/** Whether `value` is a real calendar date written as 'YYYY-MM-DD'. */
export function isLocalDate(value: string): boolean {
  return epochDayOrNull(value) !== null;
}

/** Days since 1970-01-01 of a 'YYYY-MM-DD' date; throws a RangeError for anything else. */
export function toEpochDay(localDate: string): number {
  const day = epochDayOrNull(localDate);
  if (day === null) throw new RangeError(`Expected a date written as YYYY-MM-DD, got "${localDate}".`);
  return day;
}

/** The 'YYYY-MM-DD' date of an epoch day: `fromEpochDay(0) === '1970-01-01'`. */
export function fromEpochDay(epochDay: number): string {
  return new Date(epochDay * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The date `n` calendar days after (negative: before) a local date: `addLocalDays('2026-12-31', 1) === '2027-01-01'`. */
export function addLocalDays(localDate: string, n: number): string {
  requireWholeNumber(n, 'addLocalDays');
  return fromEpochDay(toEpochDay(localDate) + n);
}

/** ISO weekday of a local date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(localDate: string): number {
  return isoWeekdayOfEpochDay(toEpochDay(localDate));
}

function isoWeekdayOfEpochDay(epochDay: number): number {
  // 1970-01-01 was a Thursday (ISO weekday 4).
  return ((((epochDay + 3) % 7) + 7) % 7) + 1;
}

function isWorkingEpochDay(epochDay: number, calendar: Calendar): boolean {
  return isoWeekdayOfEpochDay(epochDay) <= 5 && !calendar.holidays.has(fromEpochDay(epochDay));
}

/** Whether a local date is a working day: Monday to Friday and not one of the calendar's holidays. */
export function isWorkingDay(localDate: string, calendar: Calendar): boolean {
  return isWorkingEpochDay(toEpochDay(localDate), calendar);
}

/**
 * The n-th working day after (n > 0) or before (n < 0) a local date; the date itself never
 * counts, so the result is always a working day, strictly after (before) the start, with exactly
 * |n| - 1 working days in between.
 *
 * n = 0 returns the date unchanged, even when it is a weekend day or a holiday: "0 working days
 * after Saturday" is that Saturday. Rolling it to Monday would silently move actions that an
 * administrator anchored on a date on purpose, and would make n = 0 and n = 1 land on the same day.
 *
 * @example addWorkingDays('2027-01-04', -2, dutchCalendar) === '2026-12-30' // skips the weekend and Nieuwjaarsdag
 */
export function addWorkingDays(localDate: string, n: number, calendar: Calendar): string {
  requireWholeNumber(n, 'addWorkingDays');
  let day = toEpochDay(localDate);
  const step = Math.sign(n);
  // Walks day by day: offsets are bounded (validateTiming caps them at about ten years) and
  // holidays are an arbitrary set, so there is no closed form worth its bugs.
  for (let remaining = Math.abs(n); remaining > 0;) {
    day += step;
    if (isWorkingEpochDay(day, calendar)) remaining -= 1;
  }
  return fromEpochDay(day);
}

function requireWholeNumber(n: number, where: string): void {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${where} needs a whole number of days, got ${n}.`);
}

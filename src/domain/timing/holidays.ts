/**
 * Dutch public holidays and the calendar built from them, for working-day arithmetic.
 *
 * The default is the list of the Algemene termijnenwet (art. 3): Nieuwjaarsdag, Tweede Paasdag,
 * Koningsdag, Bevrijdingsdag (5 May), Hemelvaartsdag, Tweede Pinksterdag, Eerste and Tweede
 * Kerstdag. Organisations differ, so two options switch on what many of them do (Goede Vrijdag
 * off; Bevrijdingsdag only in lustrum years), and holidayCalendar takes closing days to add and
 * dates to remove.
 */
import { IANAZone } from 'luxon';
import { WerkflowError } from '../errors.js';
import type { Calendar } from './timing.js';
import { addLocalDays, isLocalDate, isoWeekday } from './working-days.js';

/** The organisation's time zone when none is configured. */
export const DEFAULT_TIME_ZONE = 'Europe/Amsterdam';

export interface Holiday {
  /** Local date, 'YYYY-MM-DD'. */
  date: string;
  name: { nl: string; en: string };
}

/** Years the Gregorian Easter rule applies to (the calendar started in 1583) and that fit 'YYYY'. */
const FIRST_YEAR = 1583;
const LAST_YEAR = 9999;

function requireYear(year: number): void {
  if (!Number.isInteger(year) || year < FIRST_YEAR || year > LAST_YEAR) {
    throw new WerkflowError(
      'configuration',
      `Holidays can be computed for the years ${FIRST_YEAR} to ${LAST_YEAR}, not for ${year}.`,
    );
  }
}

function localDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * Easter Sunday of a Gregorian year, with the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
 *
 * @example easterSunday(2027) === '2027-03-28'
 */
export function easterSunday(year: number): string {
  requireYear(year);
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return localDate(year, month, day);
}

/** What an organisation changes about the Algemene termijnenwet list; both off by default. */
export interface HolidayOptions {
  /** Goede Vrijdag (Friday before Easter) is a day off too. */
  readonly goodFriday?: boolean;
  /** Bevrijdingsdag is a day off only in lustrum years (2025, 2030, …), not every year. */
  readonly liberationDayLustrumOnly?: boolean;
}

/** A lustrum year of the liberation (1945): every fifth year, the years ending in 0 or 5. */
export function isLustrumYear(year: number): boolean {
  return year % 5 === 0;
}

/**
 * The Dutch public holidays of a year, in date order: the Algemene termijnenwet list, changed by
 * the options.
 *
 * Koningsdag follows the rule in force since 2014 (27 April, or 26 April when the 27th is a
 * Sunday) for every year. Two holidays can share a date (Hemelvaartsdag fell on 5 May in 2016);
 * both are listed.
 *
 * @example dutchPublicHolidays(2025).find((h) => h.name.nl === 'Koningsdag')?.date === '2025-04-26'
 */
export function dutchPublicHolidays(year: number, options: HolidayOptions = {}): Holiday[] {
  const easter = easterSunday(year);
  const kingsDay = isoWeekday(localDate(year, 4, 27)) === 7 ? localDate(year, 4, 26) : localDate(year, 4, 27);
  const liberationDay = !options.liberationDayLustrumOnly || isLustrumYear(year);
  const holidays: Holiday[] = [
    { date: localDate(year, 1, 1), name: { nl: 'Nieuwjaarsdag', en: "New Year's Day" } },
    ...(options.goodFriday
      ? [{ date: addLocalDays(easter, -2), name: { nl: 'Goede Vrijdag', en: 'Good Friday' } }]
      : []),
    { date: addLocalDays(easter, 1), name: { nl: 'Tweede Paasdag', en: 'Easter Monday' } },
    { date: kingsDay, name: { nl: 'Koningsdag', en: "King's Day" } },
    ...(liberationDay
      ? [{ date: localDate(year, 5, 5), name: { nl: 'Bevrijdingsdag', en: 'Liberation Day' } }]
      : []),
    { date: addLocalDays(easter, 39), name: { nl: 'Hemelvaartsdag', en: 'Ascension Day' } },
    { date: addLocalDays(easter, 50), name: { nl: 'Tweede Pinksterdag', en: 'Whit Monday' } },
    { date: localDate(year, 12, 25), name: { nl: 'Eerste Kerstdag', en: 'Christmas Day' } },
    { date: localDate(year, 12, 26), name: { nl: 'Tweede Kerstdag', en: 'Boxing Day' } },
  ];
  // 'YYYY-MM-DD' sorts as text in date order; sort() is stable, so same-day holidays keep the order above.
  return holidays.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
}

/**
 * A calendar with the Dutch public holidays of the years `from`…`to` (changed by `options`), plus
 * `extra` dates (closing days) and minus `removed` dates (a holiday the organisation works on).
 *
 * Holidays outside the range are unknown, so working days counted past it only skip weekends:
 * choose a range that covers the furthest due time the templates can produce.
 *
 * @example holidayCalendar(DEFAULT_TIME_ZONE, { from: 2026, to: 2027 }, ['2026-12-31'], ['2026-05-05'])
 */
export function holidayCalendar(
  timeZone: string,
  years: { from: number; to: number },
  extra: readonly string[] = [],
  removed: readonly string[] = [],
  options: HolidayOptions = {},
): Calendar {
  if (!IANAZone.isValidZone(timeZone)) {
    throw new WerkflowError(
      'configuration',
      `Unknown time zone "${timeZone}": use an IANA name such as ${DEFAULT_TIME_ZONE}.`,
    );
  }
  requireYear(years.from);
  requireYear(years.to);
  if (years.from > years.to) {
    throw new WerkflowError(
      'configuration',
      `The holiday years run from ${years.from} to ${years.to}: the first year must not be after the last.`,
    );
  }
  for (const [list, what] of [
    [extra, 'extra holiday'],
    [removed, 'removed holiday'],
  ] as const) {
    const wrong = list.find((date) => !isLocalDate(date));
    if (wrong !== undefined) {
      throw new WerkflowError(
        'configuration',
        `The ${what} "${wrong}" is not a date: write it as YYYY-MM-DD, such as 2026-12-31.`,
      );
    }
  }
  const holidays = new Set<string>();
  for (let year = years.from; year <= years.to; year += 1) {
    for (const holiday of dutchPublicHolidays(year, options)) holidays.add(holiday.date);
  }
  for (const date of extra) holidays.add(date);
  for (const date of removed) holidays.delete(date);
  return { timeZone, holidays };
}

/**
 * The first `count` non-working days (other than weekends) from `from` on (inclusive), as the
 * calendar settings make them: holidays with their names, closing days named as such, removed
 * dates left out. Looks at most ten years ahead.
 *
 * @example nextHolidays('2026-04-01', 2) // Tweede Paasdag 2026-04-06, Koningsdag 2026-04-27
 */
export function nextHolidays(
  from: string,
  count: number,
  extra: readonly string[] = [],
  removed: readonly string[] = [],
  options: HolidayOptions = {},
): Holiday[] {
  const year = Number(from.slice(0, 4));
  const removedSet = new Set(removed);
  const byDate = new Map<string, Holiday>();
  for (let y = year; y <= Math.min(year + 10, LAST_YEAR); y += 1) {
    for (const holiday of dutchPublicHolidays(y, options)) {
      if (!byDate.has(holiday.date)) byDate.set(holiday.date, holiday);
    }
  }
  for (const date of extra) {
    if (!byDate.has(date)) byDate.set(date, { date, name: { nl: 'Sluitingsdag', en: 'Closing day' } });
  }
  return [...byDate.values()]
    .filter((holiday) => holiday.date >= from && !removedSet.has(holiday.date))
    .sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0))
    .slice(0, count);
}

import { IANAZone } from 'luxon';
import type { Clock } from '../domain/clock.js';
import { type ErrorDetail, throwIfProblems } from '../domain/errors.js';
import { DEFAULT_TIME_ZONE, holidayCalendar, isLocalDate, type Calendar } from '../domain/timing/index.js';
import type { Store } from '../store/database.js';

export interface CalendarSettings {
  readonly timeZone: string;
  /** Extra non-working days ('YYYY-MM-DD'), e.g. the office's closing days. */
  readonly extraHolidays: readonly string[];
  /** Dutch public holidays the organisation works on (e.g. Bevrijdingsdag outside lustrum years). */
  readonly removedHolidays: readonly string[];
}

export const DEFAULT_CALENDAR_SETTINGS: CalendarSettings = {
  timeZone: DEFAULT_TIME_ZONE,
  extraHolidays: [],
  removedHolidays: [],
};

/** What is wrong with calendar settings, each with the path of the setting to fix; empty when valid. */
export function calendarProblems(settings: CalendarSettings): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (typeof settings.timeZone !== 'string' || !IANAZone.isValidZone(settings.timeZone)) {
    problems.push({
      path: 'timeZone',
      message: `Unknown time zone "${String(settings.timeZone)}": use an IANA name such as ${DEFAULT_TIME_ZONE}.`,
    });
  }
  for (const key of ['extraHolidays', 'removedHolidays'] as const) {
    const list: unknown = settings[key];
    if (!Array.isArray(list)) {
      problems.push({
        path: key,
        message: `${key} must be a list of dates written as YYYY-MM-DD, such as 2026-12-31.`,
      });
      continue;
    }
    const wrong: unknown = list.find((date: unknown) => typeof date !== 'string' || !isLocalDate(date));
    if (wrong !== undefined) {
      problems.push({
        path: key,
        message: `"${String(wrong)}" in ${key} is not a date: write each as YYYY-MM-DD, such as 2026-12-31.`,
      });
    }
  }
  return problems;
}

/** The organisation's calendar (time zone and working days), read from settings and cached. */
export class CalendarService {
  private cached: { settings: CalendarSettings; calendar: Calendar; year: number } | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async settings(): Promise<CalendarSettings> {
    const row = await this.store.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', 'calendar')
      .executeTakeFirst();
    return row
      ? { ...DEFAULT_CALENDAR_SETTINGS, ...this.store.adapter.fromJson<Partial<CalendarSettings>>(row.value) }
      : DEFAULT_CALENDAR_SETTINGS;
  }

  async save(settings: CalendarSettings): Promise<void> {
    // What an administrator sends is checked as input (422 with the path to fix), not as the
    // configuration error a stored bad zone is when the engine reads it.
    throwIfProblems(calendarProblems(settings));
    holidayCalendar(
      settings.timeZone,
      { from: 2000, to: 2001 },
      settings.extraHolidays,
      settings.removedHolidays,
    );
    const value = JSON.stringify(settings);
    await this.store.db
      .insertInto('settings')
      .values({ key: 'calendar', value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
    await this.load();
  }

  /**
   * Reads the settings; call once at start and after changes. The calendar itself is then built
   * from memory: it is used inside write transactions, where reading through the pool could wait
   * on the very connection the transaction holds (SQLite has one).
   */
  async load(): Promise<void> {
    this.loaded = await this.settings();
    this.cached = undefined;
  }

  private loaded: CalendarSettings | undefined;

  /** The calendar for timing arithmetic: holidays from last year to ten years ahead. */
  async calendar(): Promise<Calendar> {
    const year = new Date(this.clock.now()).getUTCFullYear();
    if (this.cached && this.cached.year === year) return this.cached.calendar;
    const settings = this.loaded ?? DEFAULT_CALENDAR_SETTINGS;
    const calendar = holidayCalendar(
      settings.timeZone,
      { from: year - 1, to: year + 10 },
      settings.extraHolidays,
      settings.removedHolidays,
    );
    this.cached = { settings, calendar, year };
    return calendar;
  }
}

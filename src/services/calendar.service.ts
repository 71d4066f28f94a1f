import { DateTime, IANAZone } from 'luxon';
import type { Clock } from '../domain/clock.js';
import { type ErrorDetail, throwIfProblems } from '../domain/errors.js';
import {
  DEFAULT_TIME_ZONE,
  holidayCalendar,
  isLocalDate,
  nextHolidays,
  type Calendar,
  type Holiday,
  type HolidayOptions,
} from '../domain/timing/index.js';
import type { Store } from '../store/database.js';
import { CALENDAR_KEY } from '../store/email-settings.repository.js';
import { SettingsRepository } from '../store/settings.repository.js';

/**
 * The working days: the holidays of the Algemene termijnenwet by default, two options an
 * administrator switches on, closing days of their own and holidays they work on.
 */
export interface CalendarSettings {
  readonly timeZone: string;
  /** Goede Vrijdag is a day off too (off by default: not in the Algemene termijnenwet). */
  readonly goodFriday: boolean;
  /** Bevrijdingsdag (5 May) is a day off only in lustrum years (2025, 2030, …) instead of every year. */
  readonly liberationDayLustrumOnly: boolean;
  /** Extra non-working days ('YYYY-MM-DD'), e.g. the office's closing days. */
  readonly extraHolidays: readonly string[];
  /** Dutch public holidays the organisation works on. */
  readonly removedHolidays: readonly string[];
}

export const DEFAULT_CALENDAR_SETTINGS: CalendarSettings = {
  timeZone: DEFAULT_TIME_ZONE,
  goodFriday: false,
  liberationDayLustrumOnly: false,
  extraHolidays: [],
  removedHolidays: [],
};

function holidayOptions(settings: CalendarSettings): HolidayOptions {
  return { goodFriday: settings.goodFriday, liberationDayLustrumOnly: settings.liberationDayLustrumOnly };
}

/** What is wrong with calendar settings, each with the path of the setting to fix; empty when valid. */
export function calendarProblems(settings: CalendarSettings): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (typeof settings.timeZone !== 'string' || !IANAZone.isValidZone(settings.timeZone)) {
    problems.push({
      path: 'timeZone',
      message: `Unknown time zone "${String(settings.timeZone)}": use an IANA name such as ${DEFAULT_TIME_ZONE}.`,
    });
  }
  for (const key of ['goodFriday', 'liberationDayLustrumOnly'] as const) {
    if (typeof settings[key] !== 'boolean') {
      problems.push({ path: key, message: `${key} must be true or false.` });
    }
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
  private readonly repo: SettingsRepository;

  constructor(
    store: Store,
    private readonly clock: Clock,
  ) {
    this.repo = new SettingsRepository(store);
  }

  async settings(): Promise<CalendarSettings> {
    const stored = await this.repo.get<Partial<CalendarSettings>>(CALENDAR_KEY);
    return stored ? { ...DEFAULT_CALENDAR_SETTINGS, ...stored } : DEFAULT_CALENDAR_SETTINGS;
  }

  /**
   * The next `count` days off (not weekends) from today in the organisation's zone, as the saved
   * settings make them.
   */
  async nextHolidays(count: number): Promise<Holiday[]> {
    const settings = await this.settings();
    const today = DateTime.fromMillis(this.clock.now(), { zone: settings.timeZone }).toISODate() ?? '';
    return nextHolidays(
      today,
      count,
      settings.extraHolidays,
      settings.removedHolidays,
      holidayOptions(settings),
    );
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
    await this.repo.set(CALENDAR_KEY, {
      timeZone: settings.timeZone,
      goodFriday: settings.goodFriday,
      liberationDayLustrumOnly: settings.liberationDayLustrumOnly,
      extraHolidays: settings.extraHolidays,
      removedHolidays: settings.removedHolidays,
    });
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
      holidayOptions(settings),
    );
    this.cached = { settings, calendar, year };
    return calendar;
  }
}

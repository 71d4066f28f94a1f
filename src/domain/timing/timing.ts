/**
 * Timing: when an action is due — an offset in minutes, hours, days, weeks or working days
 * before or after an anchor (the event, or a date field of the dossier), optionally at a time of
 * day, in the organisation's time zone.
 *
 * Vocabulary used below:
 * - instant: a point in time, epoch milliseconds UTC (what the store keeps).
 * - wall time: what a clock on the wall in the calendar's zone shows — a local date
 *   ('YYYY-MM-DD') and a time of day. Days, weeks and working days are counted on wall time,
 *   minutes and hours on instants.
 * - gap: wall times skipped when the clocks go forward (Amsterdam, 29 March 2026, 02:00–03:00).
 * - overlap: wall times that happen twice when the clocks go back (25 October 2026, 02:00–03:00).
 *
 * Everything here is pure: the time is always passed in, luxon only answers "what is the UTC
 * offset of this zone at this instant".
 */
import { DateTime, IANAZone } from 'luxon';
import { assertNever, WerkflowError, type ErrorDetail } from '../errors.js';
import { addLocalDays, addWorkingDays, fromEpochDay, isLocalDate, toEpochDay } from './working-days.js';

export const TIMING_UNITS = ['minutes', 'hours', 'days', 'weeks', 'workingDays'] as const;
export type TimingUnit = (typeof TIMING_UNITS)[number];

/** What a timing counts from: the moment of the event, or a date/datetime field of the dossier. */
export type TimingAnchor = { type: 'event' } | { type: 'field'; field: string };

export interface Timing {
  /** The event time, or a date/datetime field of the dossier. */
  anchor: TimingAnchor;
  /** Whole number; negative = before the anchor (e.g. -2 workingDays). */
  offset: number;
  unit: TimingUnit;
  /** Optional "HH:MM" local time of day in the calendar's zone; only with days, weeks or workingDays. */
  atTime?: string;
}

/** The organisation's time zone and its non-working days. */
export interface Calendar {
  /** IANA zone name, such as 'Europe/Amsterdam'. */
  timeZone: string;
  /** Holidays as local dates 'YYYY-MM-DD'; Saturdays and Sundays are never working days anyway. */
  holidays: ReadonlySet<string>;
}

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

/**
 * The largest offset accepted per unit: about ten years. Beyond that a timing is a typo, and
 * working-day arithmetic walks day by day.
 */
export const MAX_TIMING_OFFSET: Readonly<Record<TimingUnit, number>> = {
  minutes: 10 * 365 * 24 * 60,
  hours: 10 * 365 * 24,
  days: 10 * 365,
  weeks: 10 * 52,
  workingDays: 10 * 260,
};

const AT_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** An ISO datetime that says its own offset: ends in Z, ±HH, ±HHMM or ±HH:MM. */
const EXPLICIT_ZONE = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

interface WallTime {
  /** Local date, 'YYYY-MM-DD'. */
  date: string;
  /** Milliseconds since local midnight of `date`. */
  msOfDay: number;
}

/** An anchor resolved against the calendar: its instant and its wall time. */
interface ResolvedAnchor {
  instant: number;
  readonly wall: WallTime;
}

/**
 * An instant as an anchor whose wall time is worked out when first read: an exact shift (minutes,
 * hours, no atTime) never reads it, and the zone's offset (Intl) costs more than the rest of a
 * stamp.
 */
function instantAnchor(instant: number, zone: IANAZone): ResolvedAnchor {
  let wall: WallTime | undefined;
  return {
    instant,
    get wall() {
      return (wall ??= wallTimeOf(instant, zone));
    },
  };
}

/** The calendar's zone; an unknown zone name is a configuration error an administrator can fix. */
function zoneOf(calendar: Calendar): IANAZone {
  const zone = IANAZone.create(calendar.timeZone);
  if (!zone.isValid) {
    throw new WerkflowError(
      'configuration',
      `Unknown time zone "${calendar.timeZone}": set the organisation's time zone to an IANA name such as Europe/Amsterdam.`,
    );
  }
  return zone;
}

/** UTC offset of the zone at an instant, in whole milliseconds. */
function offsetMs(zone: IANAZone, instant: number): number {
  // Rounded because historical local mean times have offsets in seconds (+00:19:32).
  return Math.round(zone.offset(instant) * MS_PER_MINUTE);
}

/** The wall time that an instant shows in the zone. */
function wallTimeOf(instant: number, zone: IANAZone): WallTime {
  const local = instant + offsetMs(zone, instant);
  const epochDay = Math.floor(local / MS_PER_DAY);
  return { date: fromEpochDay(epochDay), msOfDay: local - epochDay * MS_PER_DAY };
}

/**
 * The instant at which the zone's clocks show a wall time.
 *
 * Overlap (clocks go back, the wall time happens twice): the earlier instant, so a reminder is
 * never later than the administrator expects. Gap (clocks go forward, the wall time never
 * happens): the first instant after the gap, i.e. the moment of the change — "02:30 on 29 March
 * 2026" in Amsterdam becomes 03:00 CEST. Luxon itself would shift by the gap's length (03:30),
 * which is why this is computed here rather than by DateTime.fromObject.
 */
function instantOfWallTime(wall: WallTime, zone: IANAZone): number {
  const local = toEpochDay(wall.date) * MS_PER_DAY + wall.msOfDay;
  // Every offset in force within a day of the wall time; real zones change at most once in that window.
  const offsets = [offsetMs(zone, local - MS_PER_DAY), offsetMs(zone, local + MS_PER_DAY)];
  const matching = offsets
    .map((offset) => local - offset)
    .filter((candidate) => candidate + offsetMs(zone, candidate) === local);
  if (matching.length > 0) return Math.min(...matching);

  // A gap: find the first instant whose wall time is at or after the requested one. Wall time
  // only runs backwards at overlaps, which this window does not contain, so bisection works.
  let before = local - Math.max(...offsets); // still shows a wall time before `local`
  let after = local - Math.min(...offsets); // already shows a wall time after `local`
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (middle + offsetMs(zone, middle) >= local) after = middle;
    else before = middle;
  }
  return after;
}

/** Parses "HH:MM" into milliseconds since midnight; throws a RangeError for anything else. */
function msOfDayOfAtTime(atTime: string): number {
  const match = AT_TIME.exec(atTime);
  if (!match) throw new RangeError(`timing.atTime must be written as HH:MM, got "${atTime}".`);
  return Number(match[1]) * MS_PER_HOUR + Number(match[2]) * MS_PER_MINUTE;
}

/**
 * The anchor's instant and wall time, or null when the field is empty or not a date.
 *
 * A 'YYYY-MM-DD' value means local midnight of that date (if midnight falls in a gap, as in
 * Santiago, the first instant of the day). A datetime with an offset ('…Z', '…+02:00') is an
 * instant; a datetime without one is read as wall time in the calendar's zone. A value that is
 * none of these is treated as empty: dossier fields are validated when written, so this only
 * happens to data imported around the validator, and no due time beats a made-up one.
 */
function resolveAnchor(
  anchor: TimingAnchor,
  input: { eventAt: number; fieldValue?: string | null },
  zone: IANAZone,
): ResolvedAnchor | null {
  if (anchor.type === 'event') {
    if (!Number.isFinite(input.eventAt))
      throw new RangeError(`eventAt must be epoch milliseconds, got ${input.eventAt}.`);
    return instantAnchor(input.eventAt, zone);
  }
  const value = input.fieldValue?.trim();
  if (!value) return null;
  if (isLocalDate(value)) {
    const wall = { date: value, msOfDay: 0 };
    return { instant: instantOfWallTime(wall, zone), wall };
  }
  if (EXPLICIT_ZONE.test(value)) {
    const parsed = DateTime.fromISO(value, { setZone: true });
    if (!parsed.isValid) return null;
    return instantAnchor(parsed.toMillis(), zone);
  }
  // No offset: parse as if UTC to read the wall-clock fields, then place them in the zone.
  const parsed = DateTime.fromISO(value, { zone: 'utc' });
  if (!parsed.isValid) return null;
  const local = parsed.toMillis();
  const epochDay = Math.floor(local / MS_PER_DAY);
  const wall = { date: fromEpochDay(epochDay), msOfDay: local - epochDay * MS_PER_DAY };
  return { instant: instantOfWallTime(wall, zone), wall };
}

/** The instant on a local date at the given (or the anchor's own) wall-clock time. */
function onLocalDate(
  anchor: ResolvedAnchor,
  date: string,
  atTime: number | undefined,
  zone: IANAZone,
): number {
  // Same day, same time: the anchor itself. Re-resolving its wall time would move an anchor in
  // the second run of an overlap hour back to the first run.
  if (atTime === undefined && date === anchor.wall.date) return anchor.instant;
  return instantOfWallTime({ date, msOfDay: atTime ?? anchor.wall.msOfDay }, zone);
}

function shiftAnchor(
  anchor: ResolvedAnchor,
  offset: number,
  unit: TimingUnit,
  atTimeText: string | undefined,
  calendar: Calendar,
  zone: IANAZone,
): number {
  if (!Number.isSafeInteger(offset))
    throw new RangeError(`timing.offset must be a whole number, got ${offset}.`);
  const atTime = atTimeText === undefined ? undefined : msOfDayOfAtTime(atTimeText);
  switch (unit) {
    case 'minutes':
    case 'hours': {
      // Exact durations: "24 hours later" across a DST change is 24 real hours, 25 on the clock.
      const instant = anchor.instant + offset * (unit === 'minutes' ? MS_PER_MINUTE : MS_PER_HOUR);
      if (atTime === undefined) return instant;
      // validateTiming refuses atTime with minutes/hours; if it arrives anyway it means the same
      // as for days: that time of day on the resulting local date.
      return instantOfWallTime({ date: wallTimeOf(instant, zone).date, msOfDay: atTime }, zone);
    }
    case 'days':
      return onLocalDate(anchor, addLocalDays(anchor.wall.date, offset), atTime, zone);
    case 'weeks':
      return onLocalDate(anchor, addLocalDays(anchor.wall.date, offset * 7), atTime, zone);
    case 'workingDays':
      return onLocalDate(anchor, addWorkingDays(anchor.wall.date, offset, calendar), atTime, zone);
    default:
      return assertNever(unit, 'timing unit');
  }
}

/**
 * The instant an action is due, or null when the anchor field is empty or absent.
 *
 * Minutes and hours are exact durations; days and weeks are calendar days in the calendar's zone
 * (the wall-clock time is kept across DST changes); working days skip weekends and holidays
 * (see addWorkingDays; offset 0 on a non-working day stays on that day). `atTime` sets the wall
 * clock on the resulting date; without it the anchor's own time of day is kept (midnight for a
 * date field). Wall times in a DST gap move to the end of the gap; in an overlap the earlier
 * instant is taken.
 *
 * @example
 * // Two working days before a training that starts on Monday 4 January 2027, at 09:00:
 * computeDueTime(
 *   { anchor: { type: 'field', field: 'startDate' }, offset: -2, unit: 'workingDays', atTime: '09:00' },
 *   { eventAt, fieldValue: '2027-01-04' },
 *   holidayCalendar('Europe/Amsterdam', { from: 2026, to: 2027 }),
 * ); // Date.parse('2026-12-30T08:00:00Z') — Wednesday 09:00 CET; Nieuwjaarsdag and the weekend skipped
 */
export function computeDueTime(
  timing: Timing,
  input: { eventAt: number; fieldValue?: string | null },
  calendar: Calendar,
): number | null {
  const zone = zoneOf(calendar);
  const anchor = resolveAnchor(timing.anchor, input, zone);
  if (anchor === null) return null;
  return shiftAnchor(anchor, timing.offset, timing.unit, timing.atTime, calendar, zone);
}

/**
 * An instant moved by an offset with the same rules as computeDueTime (used for expiry).
 *
 * @example shiftInstant(Date.parse('2026-03-27T13:30:00Z'), 3, 'days', calendar) // 2026-03-30T12:30:00Z, still 14:30 local
 */
export function shiftInstant(instant: number, offset: number, unit: TimingUnit, calendar: Calendar): number {
  const zone = zoneOf(calendar);
  if (!Number.isFinite(instant)) throw new RangeError(`Expected epoch milliseconds, got ${instant}.`);
  return shiftAnchor(instantAnchor(instant, zone), offset, unit, undefined, calendar, zone);
}

// ---------------------------------------------------------------------------------------------
// Validation and description, for the template editor.

/** Unit names per language, singular and plural. */
export const UNIT_WORDS: Record<
  'nl' | 'en',
  Record<TimingUnit, readonly [singular: string, plural: string]>
> = {
  en: {
    minutes: ['minute', 'minutes'],
    hours: ['hour', 'hours'],
    days: ['day', 'days'],
    weeks: ['week', 'weeks'],
    workingDays: ['working day', 'working days'],
  },
  nl: {
    minutes: ['minuut', 'minuten'],
    hours: ['uur', 'uur'],
    days: ['dag', 'dagen'],
    weeks: ['week', 'weken'],
    workingDays: ['werkdag', 'werkdagen'],
  },
};

const TIMING_KEYS = ['anchor', 'offset', 'unit', 'atTime'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTimingUnit(value: unknown): value is TimingUnit {
  return typeof value === 'string' && (TIMING_UNITS as readonly string[]).includes(value);
}

/**
 * The problems of a timing in a template being saved, each with the path of the offending part
 * and a sentence a CRM administrator understands; empty when the timing is valid.
 *
 * Beyond the shape it refuses: an anchor field that is not one of `dateFieldKeys` (the date and
 * datetime fields of the template's dossier type), a negative offset counted from the event (the
 * event has already happened when the action is stamped), offsets beyond about ten years, and
 * atTime with minutes or hours (the offset already fixes the time of day).
 *
 * @example validateTiming({ anchor: { type: 'event' }, offset: 1.5, unit: 'days' }, 'timing', [])
 * // [{ path: 'timing.offset', message: 'timing.offset must be a whole number of days, such as 3 or -2.' }]
 */
export function validateTiming(
  timing: unknown,
  path: string,
  dateFieldKeys: readonly string[],
): ErrorDetail[] {
  if (!isRecord(timing)) {
    return [
      {
        path,
        message: `${path} must say when the action is due: what it counts from (the event or a date field), a whole-number offset and a unit such as days.`,
      },
    ];
  }
  const problems: ErrorDetail[] = [];
  const problem = (at: string, message: string): void => {
    problems.push({ path: at, message });
  };

  for (const key of Object.keys(timing)) {
    if (!(TIMING_KEYS as readonly string[]).includes(key)) {
      problem(
        `${path}.${key}`,
        `${path}.${key} is not a timing setting; remove it (the settings are anchor, offset, unit and atTime).`,
      );
    }
  }

  const anchor = timing.anchor;
  const anchorPath = `${path}.anchor`;
  let anchorIsEvent = false;
  if (!isRecord(anchor)) {
    problem(
      anchorPath,
      `${anchorPath} must say what the timing counts from: the event, or a date field of the dossier.`,
    );
  } else if (anchor.type === 'event') {
    anchorIsEvent = true;
  } else if (anchor.type === 'field') {
    const fieldPath = `${anchorPath}.field`;
    const known = dateFieldKeys.length > 0 ? `choose one of: ${dateFieldKeys.join(', ')}` : '';
    const noDateFields = 'this dossier type has no date fields, so count from the event instead';
    if (typeof anchor.field !== 'string' || anchor.field.trim() === '') {
      problem(fieldPath, `${fieldPath} must name the date field to count from; ${known || noDateFields}.`);
    } else if (!dateFieldKeys.includes(anchor.field)) {
      problem(
        fieldPath,
        `${fieldPath} names "${anchor.field}", which is not a date field of this dossier type; ${known || noDateFields}.`,
      );
    }
  } else {
    problem(
      `${anchorPath}.type`,
      `${anchorPath}.type must be "event" (count from the event) or "field" (count from a date field).`,
    );
  }

  const unit = timing.unit;
  const unitPath = `${path}.unit`;
  if (!isTimingUnit(unit)) {
    const got = unit === undefined ? 'it is missing' : `got ${JSON.stringify(unit)}`;
    problem(unitPath, `${unitPath} must be one of minutes, hours, days, weeks or workingDays (${got}).`);
  }

  const offset = timing.offset;
  const offsetPath = `${path}.offset`;
  const units = isTimingUnit(unit) ? UNIT_WORDS.en[unit][1] : 'minutes, hours or days';
  if (typeof offset !== 'number' || !Number.isInteger(offset)) {
    problem(offsetPath, `${offsetPath} must be a whole number of ${units}, such as 3 or -2.`);
  } else if (isTimingUnit(unit) && Math.abs(offset) > MAX_TIMING_OFFSET[unit]) {
    problem(
      offsetPath,
      `${offsetPath} is too large: use at most ${MAX_TIMING_OFFSET[unit]} ${units} (about ten years) before or after.`,
    );
  } else if (offset < 0 && anchorIsEvent) {
    problem(
      offsetPath,
      `${offsetPath} is ${offset}, but an action cannot be due before the event that creates it: use 0 or more, or count from a date field of the dossier to act before that date.`,
    );
  }

  const atTime = timing.atTime;
  const atTimePath = `${path}.atTime`;
  if (atTime !== undefined) {
    if (typeof atTime !== 'string' || !AT_TIME.test(atTime)) {
      problem(
        atTimePath,
        `${atTimePath} must be a time of day written as HH:MM (00:00 to 23:59), such as 09:00.`,
      );
    } else if (unit === 'minutes' || unit === 'hours') {
      problem(
        atTimePath,
        `${atTimePath} can only be used with days, weeks or working days: an offset in ${unit} already fixes the time. Remove atTime, or count in days.`,
      );
    }
  }
  return problems;
}

/**
 * A timing as one sentence for the template list and editor.
 *
 * @example describeTiming({ anchor: { type: 'event' }, offset: 3, unit: 'workingDays', atTime: '09:00' }, 'nl')
 * // '3 werkdagen na de gebeurtenis om 09:00'
 * @example describeTiming({ anchor: { type: 'field', field: 'startDate' }, offset: -2, unit: 'workingDays', atTime: '09:00' }, 'en')
 * // '2 working days before startDate at 09:00'
 */
export function describeTiming(
  timing: Timing,
  lang: 'nl' | 'en',
  fieldLabels: Readonly<Record<string, string>> = {},
): string {
  const en = lang === 'en';
  const anchor =
    timing.anchor.type === 'event'
      ? en
        ? 'the event'
        : 'de gebeurtenis'
      : (fieldLabels[timing.anchor.field] ?? timing.anchor.field);
  const at = timing.atTime === undefined ? '' : en ? ` at ${timing.atTime}` : ` om ${timing.atTime}`;
  if (timing.offset === 0) {
    const exact = timing.unit === 'minutes' || timing.unit === 'hours';
    const when = exact
      ? en
        ? 'at the time of'
        : 'op het moment van'
      : en
        ? 'on the day of'
        : 'op de dag van';
    return `${when} ${anchor}${at}`;
  }
  const count = Math.abs(timing.offset);
  const [singular, plural] = UNIT_WORDS[lang][timing.unit];
  const direction = timing.offset < 0 ? (en ? 'before' : 'voor') : en ? 'after' : 'na';
  return `${count} ${count === 1 ? singular : plural} ${direction} ${anchor}${at}`;
}

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import {
  computeDueTime,
  holidayCalendar,
  isWorkingDay,
  TIMING_UNITS,
  type Calendar,
  type Timing,
  type TimingUnit,
} from '../../../src/domain/timing/index.js';

const amsterdam = holidayCalendar('Europe/Amsterdam', { from: 2019, to: 2037 });
const at = (iso: string): number => Date.parse(iso);
const event = { type: 'event' } as const;
const startDate = { type: 'field', field: 'startDate' } as const;

function due(
  timing: Timing,
  eventAt: number,
  fieldValue?: string | null,
  calendar: Calendar = amsterdam,
): string | null {
  const result = computeDueTime(timing, { eventAt, fieldValue }, calendar);
  return result === null ? null : new Date(result).toISOString();
}

/** 'YYYY-MM-DD HH:mm:ss.SSS' as the zone's wall clock shows it at an instant. */
function wall(instant: number, zone: string): string {
  return DateTime.fromMillis(instant, { zone }).toFormat('yyyy-MM-dd HH:mm:ss.SSS');
}

describe('computeDueTime: concrete cases', () => {
  it('2 working days before a training that starts on Monday 2027-01-04, at 09:00, is Wednesday 2026-12-30 09:00 CET', () => {
    const timing: Timing = { anchor: startDate, offset: -2, unit: 'workingDays', atTime: '09:00' };
    expect(due(timing, at('2026-11-01T10:00:00Z'), '2027-01-04')).toBe('2026-12-30T08:00:00.000Z');
  });

  it('without atTime, a date field counts from local midnight', () => {
    expect(due({ anchor: startDate, offset: -2, unit: 'workingDays' }, 0, '2027-01-04')).toBe(
      '2026-12-29T23:00:00.000Z',
    );
    expect(due({ anchor: startDate, offset: 0, unit: 'days' }, 0, '2026-07-01')).toBe(
      '2026-06-30T22:00:00.000Z',
    );
  });

  it('"3 days later at 09:00" is 09:00 local across spring-forward (29 March 2026)', () => {
    const timing: Timing = { anchor: event, offset: 3, unit: 'days', atTime: '09:00' };
    // Friday 27 March 2026 16:45 CET → Monday 30 March 09:00 CEST.
    expect(due(timing, at('2026-03-27T15:45:00Z'))).toBe('2026-03-30T07:00:00.000Z');
  });

  it('"3 days later at 09:00" is 09:00 local across fall-back (25 October 2026)', () => {
    const timing: Timing = { anchor: event, offset: 3, unit: 'days', atTime: '09:00' };
    // Friday 23 October 2026 11:00 CEST → Monday 26 October 09:00 CET.
    expect(due(timing, at('2026-10-23T09:00:00Z'))).toBe('2026-10-26T08:00:00.000Z');
  });

  it('days keep the anchor’s wall-clock time across a DST change; hours do not', () => {
    const eventAt = at('2026-03-27T13:30:00Z'); // 14:30 CET
    expect(due({ anchor: event, offset: 3, unit: 'days' }, eventAt)).toBe('2026-03-30T12:30:00.000Z'); // 14:30 CEST
    expect(due({ anchor: event, offset: 72, unit: 'hours' }, eventAt)).toBe('2026-03-30T13:30:00.000Z'); // 15:30 CEST
    expect(due({ anchor: event, offset: 1, unit: 'weeks' }, at('2026-10-20T07:00:00Z'))).toBe(
      '2026-10-27T08:00:00.000Z', // 09:00 CEST → 09:00 CET
    );
  });

  it('moves a wall time in the spring-forward gap to the first valid instant (03:00 CEST)', () => {
    // Saturday 28 March 2026 02:30 CET; 02:30 on Sunday does not exist.
    expect(due({ anchor: event, offset: 1, unit: 'days' }, at('2026-03-28T01:30:00Z'))).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    expect(due({ anchor: event, offset: 0, unit: 'days', atTime: '02:15' }, at('2026-03-29T10:00:00Z'))).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    expect(due({ anchor: event, offset: 0, unit: 'days', atTime: '03:00' }, at('2026-03-29T10:00:00Z'))).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    expect(due({ anchor: event, offset: 0, unit: 'days', atTime: '01:59' }, at('2026-03-29T10:00:00Z'))).toBe(
      '2026-03-29T00:59:00.000Z',
    );
  });

  it('takes the earlier instant for a wall time that happens twice at fall-back', () => {
    // Saturday 24 October 2026 02:30 CEST; 02:30 on Sunday happens at 00:30Z (CEST) and 01:30Z (CET).
    expect(due({ anchor: event, offset: 1, unit: 'days' }, at('2026-10-24T00:30:00Z'))).toBe(
      '2026-10-25T00:30:00.000Z',
    );
    expect(due({ anchor: event, offset: 0, unit: 'days', atTime: '02:30' }, at('2026-10-25T12:00:00Z'))).toBe(
      '2026-10-25T00:30:00.000Z',
    );
    // Offset 0 without atTime is the anchor itself, also in the second run of the hour.
    expect(due({ anchor: event, offset: 0, unit: 'days' }, at('2026-10-25T01:30:00Z'))).toBe(
      '2026-10-25T01:30:00.000Z',
    );
    expect(due({ anchor: event, offset: 1, unit: 'days' }, at('2026-10-25T01:30:00Z'))).toBe(
      '2026-10-26T01:30:00.000Z',
    );
  });

  it('moves a date field whose midnight does not exist to the first instant of the day (Santiago, 6 September 2026)', () => {
    const santiago: Calendar = { timeZone: 'America/Santiago', holidays: new Set() };
    expect(due({ anchor: startDate, offset: 0, unit: 'days' }, 0, '2026-09-06', santiago)).toBe(
      '2026-09-06T04:00:00.000Z',
    );
    expect(wall(at('2026-09-06T04:00:00Z'), 'America/Santiago')).toBe('2026-09-06 01:00:00.000');
  });

  it('counts working days on the local date, not the UTC date', () => {
    // 23:30Z on Thursday 4 June 2026 is 01:30 on Friday 5 June in Amsterdam: +1 working day is Monday.
    const timing: Timing = { anchor: { type: 'field', field: 'sentAt' }, offset: 1, unit: 'workingDays' };
    expect(due(timing, 0, '2026-06-04T23:30:00Z')).toBe('2026-06-07T23:30:00.000Z');
    expect(due(timing, 0, '2026-06-05T01:30:00+02:00')).toBe('2026-06-07T23:30:00.000Z');
    // A datetime without an offset is wall time in the calendar's zone.
    expect(due(timing, 0, '2026-06-05T01:30:00')).toBe('2026-06-07T23:30:00.000Z');
  });

  it('skips Koningsdag and keeps the time of day of the event', () => {
    // Friday 24 April 2026 10:00 CEST + 1 working day: Monday 27 April is Koningsdag → Tuesday 10:00.
    expect(due({ anchor: event, offset: 1, unit: 'workingDays' }, at('2026-04-24T08:00:00Z'))).toBe(
      '2026-04-28T08:00:00.000Z',
    );
  });

  it('keeps a non-working day for offset 0 working days', () => {
    // Saturday 2 January 2027 at 09:00.
    expect(due({ anchor: startDate, offset: 0, unit: 'workingDays', atTime: '09:00' }, 0, '2027-01-02')).toBe(
      '2027-01-02T08:00:00.000Z',
    );
  });

  it('adds exact durations for minutes and hours', () => {
    const eventAt = at('2026-10-25T00:15:00Z');
    expect(due({ anchor: event, offset: 90, unit: 'minutes' }, eventAt)).toBe('2026-10-25T01:45:00.000Z');
    expect(due({ anchor: event, offset: -2, unit: 'hours' }, eventAt)).toBe('2026-10-24T22:15:00.000Z');
  });

  it('returns null when the anchor field is empty, absent or not a date', () => {
    const timing: Timing = { anchor: startDate, offset: 1, unit: 'days' };
    expect(due(timing, 0, null)).toBeNull();
    expect(due(timing, 0, undefined)).toBeNull();
    expect(due(timing, 0, '')).toBeNull();
    expect(due(timing, 0, '   ')).toBeNull();
    expect(due(timing, 0, '2026-02-30')).toBeNull();
    expect(due(timing, 0, 'morgen')).toBeNull();
  });

  it('refuses a calendar with an unknown time zone', () => {
    expect(() =>
      computeDueTime(
        { anchor: event, offset: 1, unit: 'days' },
        { eventAt: 0 },
        { timeZone: 'Mars/Olympus', holidays: new Set() },
      ),
    ).toThrow(/Unknown time zone "Mars\/Olympus"/);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const ZONES = [
  'Europe/Amsterdam',
  'America/New_York',
  'America/Santiago',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
];
const instantArb = fc.integer({ min: at('2020-01-01T00:00:00Z'), max: at('2035-12-31T00:00:00Z') });
const zoneArb = fc.constantFrom(...ZONES);
const dayUnitArb = fc.constantFrom<TimingUnit>('days', 'weeks', 'workingDays');
const atTimeArb = fc.option(
  fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
  { nil: undefined },
);

function calendarIn(zone: string): Calendar {
  return { timeZone: zone, holidays: amsterdam.holidays };
}

describe('computeDueTime: properties', () => {
  it('days keep the local wall-clock time, except in DST gaps where the due time is the end of the gap', () => {
    fc.assert(
      fc.property(instantArb, zoneArb, fc.integer({ min: -400, max: 400 }), (eventAt, zone, offset) => {
        const result = computeDueTime({ anchor: event, offset, unit: 'days' }, { eventAt }, calendarIn(zone));
        if (result === null) throw new Error('an event anchor always has a due time');
        const anchor = DateTime.fromMillis(eventAt, { zone });
        const target =
          anchor.plus({ days: offset }).toFormat('yyyy-MM-dd') + anchor.toFormat(' HH:mm:ss.SSS');
        const exists =
          DateTime.fromFormat(target, 'yyyy-MM-dd HH:mm:ss.SSS', { zone }).toFormat(
            'yyyy-MM-dd HH:mm:ss.SSS',
          ) === target;
        if (exists) {
          expect(wall(result, zone)).toBe(target);
          // The earlier of two instants showing the same wall time (fall-back).
          if (offset !== 0) {
            for (const earlier of [30, 60].map((minutes) => result - minutes * 60_000)) {
              expect(wall(earlier, zone)).not.toBe(target);
            }
          }
        } else {
          const tz = IANAZone.create(zone);
          expect(tz.offset(result - 1)).not.toBe(tz.offset(result)); // a DST change happens at `result`
          expect(wall(result, zone) > target).toBe(true);
        }
      }),
    );
  });

  it('any wall time in the Amsterdam spring-forward gap becomes 03:00 CEST on 29 March 2026', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3_599_999 }),
        fc.integer({ min: -60, max: 60 }),
        fc.constantFrom<TimingUnit>('days', 'weeks'),
        (msIntoHour, weeksOrDays, unit) => {
          const stepDays = unit === 'weeks' ? 7 : 1;
          // An anchor at 02:xx CET/CEST on a day `offset` steps before 29 March 2026.
          const anchorDate = DateTime.fromISO('2026-03-29', { zone: 'Europe/Amsterdam' }).minus({
            days: weeksOrDays * stepDays,
          });
          const anchor = anchorDate.set({ hour: 2 }).plus({ milliseconds: msIntoHour });
          fc.pre(anchor.hour === 2); // the anchor itself must show 02:xx
          const result = computeDueTime(
            { anchor: event, offset: weeksOrDays, unit },
            { eventAt: anchor.toMillis() },
            amsterdam,
          );
          expect(result).toBe(at('2026-03-29T01:00:00Z'));
        },
      ),
    );
  });

  it('is strictly increasing in the offset', () => {
    fc.assert(
      fc.property(
        instantArb,
        zoneArb,
        fc.constantFrom(...TIMING_UNITS),
        atTimeArb,
        fc.integer({ min: -500, max: 500 }),
        fc.integer({ min: 1, max: 500 }),
        (eventAt, zone, unit, atTime, offset, step) => {
          const calendar = calendarIn(zone);
          const withAtTime = unit === 'minutes' || unit === 'hours' ? undefined : atTime;
          const dueAt = (n: number): number | null =>
            computeDueTime({ anchor: event, offset: n, unit, atTime: withAtTime }, { eventAt }, calendar);
          const a = dueAt(offset);
          const b = dueAt(offset + step);
          if (a === null || b === null) throw new Error('an event anchor always has a due time');
          expect(a).toBeLessThan(b);
        },
      ),
    );
  });

  it('adds exactly offset × 60 000 ms for minutes and offset × 3 600 000 ms for hours', () => {
    fc.assert(
      fc.property(
        instantArb,
        zoneArb,
        fc.integer({ min: -100_000, max: 100_000 }),
        (eventAt, zone, offset) => {
          const calendar = calendarIn(zone);
          expect(computeDueTime({ anchor: event, offset, unit: 'minutes' }, { eventAt }, calendar)).toBe(
            eventAt + offset * 60_000,
          );
          expect(computeDueTime({ anchor: event, offset, unit: 'hours' }, { eventAt }, calendar)).toBe(
            eventAt + offset * 3_600_000,
          );
        },
      ),
    );
  });

  it('lands working-day timings on a local working day, at atTime when given', () => {
    fc.assert(
      fc.property(
        instantArb,
        fc.integer({ min: -200, max: 200 }).filter((n) => n !== 0),
        atTimeArb,
        (eventAt, offset, atTime) => {
          const result = computeDueTime(
            { anchor: event, offset, unit: 'workingDays', atTime },
            { eventAt },
            amsterdam,
          );
          if (result === null) throw new Error('an event anchor always has a due time');
          const local = DateTime.fromMillis(result, { zone: 'Europe/Amsterdam' });
          expect(isWorkingDay(local.toFormat('yyyy-MM-dd'), amsterdam)).toBe(true);
          // Working days never fall on 29 March or 25 October (Sundays), so no gap can move the time.
          const expectedTime =
            atTime ?? DateTime.fromMillis(eventAt, { zone: 'Europe/Amsterdam' }).toFormat('HH:mm');
          expect(local.toFormat('HH:mm')).toBe(expectedTime);
        },
      ),
    );
  });

  it('reads a date field as local midnight, whatever the unit of a zero offset', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 365 * 15 })
          .map((n) => DateTime.fromISO('2020-01-01').plus({ days: n }).toISODate() ?? ''),
        dayUnitArb,
        (date, unit) => {
          const result = computeDueTime(
            { anchor: startDate, offset: 0, unit },
            { eventAt: 0, fieldValue: date },
            amsterdam,
          );
          expect(result).toBe(DateTime.fromISO(date, { zone: 'Europe/Amsterdam' }).toMillis());
        },
      ),
    );
  });
});

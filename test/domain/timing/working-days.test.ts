import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  addLocalDays,
  addWorkingDays,
  holidayCalendar,
  isLocalDate,
  isoWeekday,
  isWorkingDay,
} from '../../../src/domain/timing/index.js';
import { fromEpochDay, toEpochDay } from '../../../src/domain/timing/working-days.js';

const calendar = holidayCalendar('Europe/Amsterdam', { from: 2019, to: 2037 });

/** Local dates 2020–2035, so ±100 working days stay inside the calendar's holiday years. */
const localDateArb = fc
  .integer({ min: toEpochDay('2020-01-01'), max: toEpochDay('2035-12-31') })
  .map(fromEpochDay);
const workingDateArb = localDateArb.filter((date) => isWorkingDay(date, calendar));
const nonZeroArb = fc.integer({ min: -100, max: 100 }).filter((n) => n !== 0);

function workingDaysStrictlyBetween(a: string, b: string): number {
  const [from, to] = a < b ? [a, b] : [b, a];
  let count = 0;
  for (let day = addLocalDays(from, 1); day < to; day = addLocalDays(day, 1)) {
    if (isWorkingDay(day, calendar)) count += 1;
  }
  return count;
}

describe('local dates', () => {
  it('accepts only real YYYY-MM-DD dates', () => {
    expect(isLocalDate('2028-02-29')).toBe(true);
    expect(isLocalDate('2027-02-29')).toBe(false);
    expect(isLocalDate('2026-13-01')).toBe(false);
    expect(isLocalDate('2026-1-01')).toBe(false);
    expect(isLocalDate('04-01-2027')).toBe(false);
    expect(isLocalDate('2026-01-01T00:00:00Z')).toBe(false);
  });

  it('adds calendar days across month and year ends', () => {
    expect(addLocalDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addLocalDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(addLocalDays('2026-03-28', 2)).toBe('2026-03-30');
    expect(fromEpochDay(0)).toBe('1970-01-01');
    expect(toEpochDay('0050-06-01')).toBeLessThan(toEpochDay('1950-06-01'));
  });

  it('knows the weekday', () => {
    expect(isoWeekday('2027-01-04')).toBe(1); // Monday
    expect(isoWeekday('2026-12-30')).toBe(3); // Wednesday
    expect(isoWeekday('2025-04-27')).toBe(7); // Sunday
  });

  it('refuses text that is not a date', () => {
    expect(() => addWorkingDays('2026-02-30', 1, calendar)).toThrow(RangeError);
    expect(() => addWorkingDays('2026-02-03', 1.5, calendar)).toThrow(RangeError);
  });
});

describe('isWorkingDay', () => {
  it('is false on weekends and Dutch holidays, true on other weekdays', () => {
    expect(isWorkingDay('2026-12-30', calendar)).toBe(true); // Wednesday
    expect(isWorkingDay('2027-01-02', calendar)).toBe(false); // Saturday
    expect(isWorkingDay('2027-01-03', calendar)).toBe(false); // Sunday
    expect(isWorkingDay('2027-01-01', calendar)).toBe(false); // Nieuwjaarsdag, a Friday
    expect(isWorkingDay('2026-04-27', calendar)).toBe(false); // Koningsdag, a Monday
    expect(isWorkingDay('2026-05-14', calendar)).toBe(false); // Hemelvaartsdag
  });
});

describe('addWorkingDays', () => {
  it('goes back over New Year and the weekend: 2 working days before Monday 4 January 2027 is Wednesday 30 December', () => {
    expect(addWorkingDays('2027-01-04', -2, calendar)).toBe('2026-12-30');
    expect(addWorkingDays('2027-01-04', -1, calendar)).toBe('2026-12-31');
  });

  it('skips both Christmas days', () => {
    // Before Monday 28 December 2026: Sun 27, Sat 26 (Tweede Kerstdag), Fri 25 (Eerste Kerstdag) do not count.
    expect(addWorkingDays('2026-12-28', -1, calendar)).toBe('2026-12-24');
    expect(addWorkingDays('2026-12-28', -2, calendar)).toBe('2026-12-23');
    expect(addWorkingDays('2026-12-24', 1, calendar)).toBe('2026-12-28');
  });

  it('skips Koningsdag and the Easter and Whitsun Mondays', () => {
    expect(addWorkingDays('2026-04-24', 1, calendar)).toBe('2026-04-28'); // Fri → Tue, Mon 27 April is Koningsdag
    expect(addWorkingDays('2026-04-03', 1, calendar)).toBe('2026-04-07'); // Fri → Tue: weekend, Easter Monday
    // Goede Vrijdag is a working day by default (not in the Algemene termijnenwet)…
    expect(addWorkingDays('2026-04-02', 1, calendar)).toBe('2026-04-03');
    // …and a day off when the organisation switches it on.
    const goodFriday = holidayCalendar('Europe/Amsterdam', { from: 2026, to: 2026 }, [], [], {
      goodFriday: true,
    });
    expect(addWorkingDays('2026-04-02', 1, goodFriday)).toBe('2026-04-07');
    expect(addWorkingDays('2026-05-22', 1, calendar)).toBe('2026-05-26'); // Fri → Tue: Whit Monday
  });

  it('keeps the date for n = 0, even on a weekend day or holiday', () => {
    expect(addWorkingDays('2027-01-02', 0, calendar)).toBe('2027-01-02');
    expect(addWorkingDays('2026-12-25', 0, calendar)).toBe('2026-12-25');
    // …and then n = 1 and n = -1 still move to the next and previous working day.
    expect(addWorkingDays('2027-01-02', 1, calendar)).toBe('2027-01-04');
    expect(addWorkingDays('2027-01-02', -1, calendar)).toBe('2026-12-31');
  });

  it('respects extra and removed holidays', () => {
    const organisation = holidayCalendar(
      'Europe/Amsterdam',
      { from: 2026, to: 2027 },
      ['2026-12-31'],
      ['2026-05-05'],
    );
    expect(isWorkingDay('2026-05-05', calendar)).toBe(false);
    expect(isWorkingDay('2026-05-05', organisation)).toBe(true);
    expect(addWorkingDays('2026-12-30', 1, calendar)).toBe('2026-12-31');
    // The closing day on 31 December, Nieuwjaarsdag and the weekend are skipped.
    expect(addWorkingDays('2026-12-30', 1, organisation)).toBe('2027-01-04');
  });

  it('is always a working day for n ≠ 0', () => {
    fc.assert(
      fc.property(localDateArb, nonZeroArb, (date, n) => {
        expect(isWorkingDay(addWorkingDays(date, n, calendar), calendar)).toBe(true);
      }),
    );
  });

  it('comes back to the start: addWorkingDays(addWorkingDays(d, n), -n) === d for a working day d', () => {
    fc.assert(
      fc.property(workingDateArb, fc.integer({ min: -100, max: 100 }), (date, n) => {
        expect(addWorkingDays(addWorkingDays(date, n, calendar), -n, calendar)).toBe(date);
      }),
    );
  });

  it('lands strictly after (before) the start with exactly |n| - 1 working days in between', () => {
    fc.assert(
      fc.property(localDateArb, nonZeroArb, (date, n) => {
        const result = addWorkingDays(date, n, calendar);
        if (n > 0) expect(result > date).toBe(true);
        else expect(result < date).toBe(true);
        expect(workingDaysStrictlyBetween(date, result)).toBe(Math.abs(n) - 1);
      }),
    );
  });

  it('is strictly increasing in n', () => {
    fc.assert(
      fc.property(localDateArb, fc.integer({ min: -100, max: 99 }), (date, n) => {
        expect(addWorkingDays(date, n, calendar) < addWorkingDays(date, n + 1, calendar)).toBe(true);
      }),
    );
  });
});

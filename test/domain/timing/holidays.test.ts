import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_TIME_ZONE,
  dutchPublicHolidays,
  easterSunday,
  addLocalDays,
  holidayCalendar,
  isLustrumYear,
  isoWeekday,
  nextHolidays,
} from '../../../src/domain/timing/index.js';
import { WerkflowError } from '../../../src/domain/errors.js';

function holidayDate(year: number, nl: string): string | undefined {
  return dutchPublicHolidays(year).find((holiday) => holiday.name.nl === nl)?.date;
}

describe('easterSunday', () => {
  it('matches published Easter dates', () => {
    const known: [number, string][] = [
      [1818, '1818-03-22'], // earliest possible
      [1943, '1943-04-25'], // latest possible
      [2000, '2000-04-23'],
      [2008, '2008-03-23'],
      [2011, '2011-04-24'],
      [2019, '2019-04-21'],
      [2024, '2024-03-31'],
      [2025, '2025-04-20'],
      [2026, '2026-04-05'],
      [2027, '2027-03-28'],
      [2038, '2038-04-25'],
      [2285, '2285-03-22'],
    ];
    for (const [year, date] of known) expect(easterSunday(year), String(year)).toBe(date);
  });

  it('is always a Sunday between 22 March and 25 April', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1583, max: 9999 }), (year) => {
        const easter = easterSunday(year);
        expect(isoWeekday(easter)).toBe(7);
        expect(easter.slice(5) >= '03-22' && easter.slice(5) <= '04-25').toBe(true);
      }),
    );
  });

  it('refuses years outside the Gregorian calendar', () => {
    expect(() => easterSunday(1500)).toThrow(WerkflowError);
    expect(() => easterSunday(2026.5)).toThrow(WerkflowError);
  });
});

describe('dutchPublicHolidays', () => {
  it('lists the eight holidays of the Algemene termijnenwet for 2026 in date order', () => {
    expect(dutchPublicHolidays(2026).map((holiday) => `${holiday.date} ${holiday.name.nl}`)).toEqual([
      '2026-01-01 Nieuwjaarsdag',
      '2026-04-06 Tweede Paasdag',
      '2026-04-27 Koningsdag',
      '2026-05-05 Bevrijdingsdag',
      '2026-05-14 Hemelvaartsdag',
      '2026-05-25 Tweede Pinksterdag',
      '2026-12-25 Eerste Kerstdag',
      '2026-12-26 Tweede Kerstdag',
    ]);
    expect(dutchPublicHolidays(2026)[2]?.name.en).toBe("King's Day");
  });

  it('adds Goede Vrijdag and keeps Bevrijdingsdag to lustrum years only when switched on', () => {
    expect(holidayDate(2026, 'Goede Vrijdag')).toBeUndefined();
    const options = { goodFriday: true, liberationDayLustrumOnly: true };
    expect(dutchPublicHolidays(2026, options).find((h) => h.name.nl === 'Goede Vrijdag')?.date).toBe(
      '2026-04-03',
    );
    expect(dutchPublicHolidays(2026, options).some((h) => h.name.nl === 'Bevrijdingsdag')).toBe(false);
    expect(dutchPublicHolidays(2030, options).find((h) => h.name.nl === 'Bevrijdingsdag')?.date).toBe(
      '2030-05-05',
    );
    expect(dutchPublicHolidays(2025, options).find((h) => h.name.nl === 'Bevrijdingsdag')?.date).toBe(
      '2025-05-05',
    );
  });

  it('moves Koningsdag to 26 April when the 27th is a Sunday', () => {
    expect(holidayDate(2025, 'Koningsdag')).toBe('2025-04-26'); // 27 April 2025 is a Sunday
    expect(holidayDate(2026, 'Koningsdag')).toBe('2026-04-27');
    expect(holidayDate(2031, 'Koningsdag')).toBe('2031-04-26'); // 27 April 2031 is a Sunday
    expect(holidayDate(2027, 'Koningsdag')).toBe('2027-04-27');
  });

  it('derives the moveable feasts from Easter 2027 (28 March)', () => {
    expect(
      dutchPublicHolidays(2027, { goodFriday: true }).find((h) => h.name.nl === 'Goede Vrijdag')?.date,
    ).toBe('2027-03-26');
    expect(holidayDate(2027, 'Tweede Paasdag')).toBe('2027-03-29');
    expect(holidayDate(2027, 'Hemelvaartsdag')).toBe('2027-05-06');
    expect(holidayDate(2027, 'Tweede Pinksterdag')).toBe('2027-05-17');
  });

  it('keeps both names when two holidays share a date (Hemelvaartsdag on Bevrijdingsdag, 2016)', () => {
    const onFifthOfMay = dutchPublicHolidays(2016).filter((holiday) => holiday.date === '2016-05-05');
    expect(onFifthOfMay.map((holiday) => holiday.name.nl)).toEqual(['Bevrijdingsdag', 'Hemelvaartsdag']);
  });
});

describe('holidayCalendar', () => {
  it('holds the holidays of every year in the range, plus extra, minus removed', () => {
    const calendar = holidayCalendar(
      DEFAULT_TIME_ZONE,
      { from: 2025, to: 2027 },
      ['2026-12-31'],
      ['2026-05-05'],
    );
    expect(calendar.timeZone).toBe('Europe/Amsterdam');
    expect(calendar.holidays.size).toBe(24 + 1 - 1);
    expect(calendar.holidays.has('2025-04-26')).toBe(true);
    expect(calendar.holidays.has('2027-12-26')).toBe(true);
    expect(calendar.holidays.has('2026-12-31')).toBe(true);
    expect(calendar.holidays.has('2026-05-05')).toBe(false);
    expect(calendar.holidays.has('2025-05-05')).toBe(true);
    expect(calendar.holidays.has('2028-01-01')).toBe(false);
  });

  it('refuses an unknown zone, a reversed range and dates that are not dates', () => {
    expect(() => holidayCalendar('Europe/Amsterdm', { from: 2026, to: 2026 })).toThrow(
      /Unknown time zone "Europe\/Amsterdm"/,
    );
    expect(() => holidayCalendar(DEFAULT_TIME_ZONE, { from: 2027, to: 2026 })).toThrow(/must not be after/);
    expect(() => holidayCalendar(DEFAULT_TIME_ZONE, { from: 2026, to: 2026 }, ['31-12-2026'])).toThrow(
      /extra holiday "31-12-2026" is not a date/,
    );
  });
});

describe('holiday rules for every year (property)', () => {
  const year = fc.integer({ min: 1583, max: 9999 });
  const options = fc.record({ goodFriday: fc.boolean(), liberationDayLustrumOnly: fc.boolean() });
  const dateOf = (holidays: { date: string; name: { nl: string } }[], nl: string) =>
    holidays.find((h) => h.name.nl === nl)?.date;

  it('places the Easter-based days at fixed distances from Easter Sunday, on their weekdays', () => {
    fc.assert(
      fc.property(year, options, (y, opts) => {
        const holidays = dutchPublicHolidays(y, opts);
        const easter = easterSunday(y);
        expect(dateOf(holidays, 'Tweede Paasdag')).toBe(addLocalDays(easter, 1));
        expect(dateOf(holidays, 'Hemelvaartsdag')).toBe(addLocalDays(easter, 39));
        expect(dateOf(holidays, 'Tweede Pinksterdag')).toBe(addLocalDays(easter, 50));
        expect(isoWeekday(dateOf(holidays, 'Tweede Paasdag')!)).toBe(1);
        expect(isoWeekday(dateOf(holidays, 'Hemelvaartsdag')!)).toBe(4);
        expect(isoWeekday(dateOf(holidays, 'Tweede Pinksterdag')!)).toBe(1);
        const goodFriday = dateOf(holidays, 'Goede Vrijdag');
        if (opts.goodFriday) {
          expect(goodFriday).toBe(addLocalDays(easter, -2));
          expect(isoWeekday(goodFriday!)).toBe(5);
        } else expect(goodFriday).toBeUndefined();
      }),
    );
  });

  it('puts Koningsdag on 27 April, or on 26 April when the 27th is a Sunday, never on a Sunday', () => {
    fc.assert(
      fc.property(year, (y) => {
        const kingsDay = dateOf(dutchPublicHolidays(y), 'Koningsdag')!;
        const pad = String(y).padStart(4, '0');
        const sunday27 = isoWeekday(`${pad}-04-27`) === 7;
        expect(kingsDay).toBe(sunday27 ? `${pad}-04-26` : `${pad}-04-27`);
        expect(isoWeekday(kingsDay)).not.toBe(7);
      }),
    );
  });

  it('keeps Bevrijdingsdag every year by default, and in lustrum years only when switched on', () => {
    fc.assert(
      fc.property(year, fc.boolean(), (y, lustrumOnly) => {
        const liberation = dateOf(
          dutchPublicHolidays(y, { liberationDayLustrumOnly: lustrumOnly }),
          'Bevrijdingsdag',
        );
        const expected = !lustrumOnly || (y - 1945) % 5 === 0;
        expect(isLustrumYear(y)).toBe((y - 1945) % 5 === 0);
        expect(liberation).toBe(expected ? `${String(y).padStart(4, '0')}-05-05` : undefined);
      }),
    );
  });

  it('lists the fixed and Easter-based days, sorted, all in the year, nothing on Easter Sunday', () => {
    fc.assert(
      fc.property(year, options, (y, opts) => {
        const dates = dutchPublicHolidays(y, opts).map((h) => h.date);
        expect([...dates].sort()).toEqual(dates);
        expect(dates.every((d) => Number(d.slice(0, 4)) === y)).toBe(true);
        expect(dates).not.toContain(easterSunday(y));
        const expected =
          7 + (opts.goodFriday ? 1 : 0) + (!opts.liberationDayLustrumOnly || y % 5 === 0 ? 1 : 0);
        expect(dates).toHaveLength(expected);
      }),
    );
  });
});

describe('nextHolidays', () => {
  it('lists the coming days off from a date, with closing days and without removed days', () => {
    const next = nextHolidays('2026-04-01', 4, ['2026-04-30'], ['2026-04-27'], { goodFriday: true });
    expect(next.map((h) => `${h.date} ${h.name.nl}`)).toEqual([
      '2026-04-03 Goede Vrijdag',
      '2026-04-06 Tweede Paasdag',
      '2026-04-30 Sluitingsdag',
      '2026-05-05 Bevrijdingsdag',
    ]);
  });
});

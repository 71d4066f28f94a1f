import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { explainTiming, type TimingStep } from '../../../src/domain/timing/explain-timing.js';
import { computeDueTime, holidayCalendar, type Timing } from '../../../src/domain/timing/index.js';
import { fromEpochDay, toEpochDay } from '../../../src/domain/timing/working-days.js';

const calendar = holidayCalendar('Europe/Amsterdam', { from: 2019, to: 2037 }, ['2027-12-31']);
const dateArb = fc
  .integer({ min: toEpochDay('2020-01-01'), max: toEpochDay('2035-12-31') })
  .map(fromEpochDay);

function skippedDays(steps: readonly TimingStep[]): string[] {
  return steps.flatMap((s) =>
    s.code === 'timing.skippedWeekend'
      ? [...s.params.dates]
      : s.code === 'timing.skippedHoliday'
        ? [s.params.date]
        : [],
  );
}

describe('explainTiming', () => {
  it('the example of the issue: 2 working days before Monday 12 January 2026 at 09:00 is Thursday 8 January', () => {
    const r = explainTiming(
      { anchor: { type: 'field', field: 'startDate' }, offset: -2, unit: 'workingDays', atTime: '09:00' },
      { eventAt: 0, fieldValue: '2026-01-12' },
      calendar,
    );
    expect(r.dueAt).toBe(Date.parse('2026-01-08T08:00:00Z'));
    expect(r.steps.map((s) => s.code)).toEqual([
      'timing.anchorField',
      'timing.offset',
      'timing.skippedWeekend',
      'timing.atTime',
      'timing.due',
    ]);
    expect(skippedDays(r.steps)).toEqual(['2026-01-10', '2026-01-11']);
  });

  it('names holidays and the organisation’s own closing days', () => {
    const r = explainTiming(
      { anchor: { type: 'field', field: 'd' }, offset: 1, unit: 'workingDays' },
      { eventAt: 0, fieldValue: '2027-12-30' },
      calendar,
    );
    // Friday 31 December 2027 is a closing day; Saturday 1 January 2028 (Nieuwjaarsdag) is weekend anyway.
    expect(r.steps.filter((s) => s.code !== 'timing.anchorField').map((s) => [s.code, s.params])).toEqual([
      ['timing.offset', { offset: 1, unit: 'workingDays' }],
      ['timing.skippedHoliday', { date: '2027-12-31', nameNl: 'sluitingsdag', nameEn: 'closing day' }],
      ['timing.skippedWeekend', { dates: ['2028-01-01', '2028-01-02'] }],
      ['timing.due', { at: '2028-01-02T23:00:00.000Z' }],
    ]);
  });

  it('an empty anchor date gives no due time and says so', () => {
    const r = explainTiming(
      { anchor: { type: 'field', field: 'd' }, offset: 1, unit: 'days' },
      { eventAt: 0, fieldValue: null },
      calendar,
    );
    expect(r).toEqual({ dueAt: null, steps: [{ code: 'timing.anchorEmpty', params: { field: 'd' } }] });
  });

  it('always agrees with computeDueTime, and the days it skips are exactly the non-working days passed', () => {
    fc.assert(
      fc.property(
        dateArb,
        fc.integer({ min: -40, max: 40 }),
        fc.constantFrom<Timing['unit'][]>('days', 'weeks', 'workingDays'),
        fc.option(fc.constantFrom('09:00', '17:30'), { nil: undefined }),
        (date, offset, unit, atTime) => {
          const timing: Timing = {
            anchor: { type: 'field', field: 'd' },
            offset,
            unit,
            ...(atTime ? { atTime } : {}),
          };
          const input = { eventAt: 0, fieldValue: date };
          const r = explainTiming(timing, input, calendar);
          expect(r.dueAt).toBe(computeDueTime(timing, input, calendar));
          const skipped = skippedDays(r.steps);
          if (unit !== 'workingDays') expect(skipped).toEqual([]);
          else {
            // Walked from the anchor to the due date: |offset| working days, the rest skipped.
            const due = new Date(r.dueAt!).toISOString().slice(0, 10);
            const span = Math.abs(toEpochDay(due) - toEpochDay(date));
            // due is local midnight or 09:00/17:30 in Amsterdam: its UTC date can be the day before at midnight.
            expect([span, span + 1, span - 1]).toContain(Math.abs(offset) + skipped.length);
            for (const d of skipped)
              expect(calendar.holidays.has(d) || [0, 6].includes(new Date(d).getUTCDay())).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

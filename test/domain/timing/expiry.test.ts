import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { computeExpiry, holidayCalendar, validateExpiry } from '../../../src/domain/timing/index.js';

const calendar = holidayCalendar('Europe/Amsterdam', { from: 2026, to: 2027 });
const at = (iso: string): number => Date.parse(iso);

describe('computeExpiry', () => {
  it('never expires without an expiry setting', () => {
    expect(computeExpiry(at('2026-03-27T13:30:00Z'), undefined, calendar)).toBeNull();
  });

  it('keeps the local time of day for days across the spring DST change', () => {
    // Started Friday 27 March 2026 14:30 CET, expires Monday 30 March 14:30 CEST.
    expect(computeExpiry(at('2026-03-27T13:30:00Z'), { offset: 3, unit: 'days' }, calendar)).toBe(
      at('2026-03-30T12:30:00Z'),
    );
  });

  it('skips Christmas and the weekend for working days', () => {
    // Started Thursday 24 December 2026 10:00 CET; 25, 26 (holidays) and 27 (Sunday) do not count.
    expect(computeExpiry(at('2026-12-24T09:00:00Z'), { offset: 2, unit: 'workingDays' }, calendar)).toBe(
      at('2026-12-29T09:00:00Z'),
    );
  });

  it('is exact for hours', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000_000_000_000 }),
        fc.integer({ min: 1, max: 1000 }),
        (startAt, hours) => {
          expect(computeExpiry(startAt, { offset: hours, unit: 'hours' }, calendar)).toBe(
            startAt + hours * 3_600_000,
          );
        },
      ),
    );
  });
});

describe('validateExpiry', () => {
  it('accepts no expiry and positive whole offsets', () => {
    expect(validateExpiry(undefined, 'expiry')).toEqual([]);
    expect(validateExpiry({ offset: 2, unit: 'workingDays' }, 'expiry')).toEqual([]);
  });

  it('refuses expiring at or before the start', () => {
    expect(validateExpiry({ offset: 0, unit: 'days' }, 'expiry')).toEqual([
      {
        path: 'expiry.offset',
        message:
          'expiry.offset must be a whole number of days of at least 1, such as 3: an action cannot expire before it starts.',
      },
    ]);
  });

  it('refuses unknown units and settings', () => {
    expect(
      validateExpiry({ offset: 2, unit: 'months', after: true }, 'expiry').map((problem) => problem.path),
    ).toEqual(['expiry.after', 'expiry.unit']);
  });
});

/**
 * The to-do list's urgency and day arithmetic (src/web/app/urgency.ts): late is before now, today
 * is from now to the end of the organisation's day, later is after; a day is 23, 24 or 25 hours
 * long (daylight saving) and the days follow each other without gap or overlap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countText, dayEnd, dayStart, today, urgencyOf } from '../../src/web/app/urgency.js';

const ZONES = ['Europe/Amsterdam', 'UTC', 'America/New_York', 'Pacific/Auckland'];
const HOUR = 3_600_000;
const instant = fc.integer({
  min: Date.parse('2020-01-01T00:00:00Z'),
  max: Date.parse('2035-12-31T00:00:00Z'),
});

describe('urgency and days in the organisation’s zone', () => {
  it('a day starts where the one before ends and lasts 23, 24 or 25 hours', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (at, zone) => {
        const day = today(at, zone);
        const start = Date.parse(dayStart(day, zone)!);
        const end = Date.parse(dayEnd(day, zone)!);
        expect([23 * HOUR, 24 * HOUR, 25 * HOUR]).toContain(end - start);
        expect(at).toBeGreaterThanOrEqual(start);
        expect(at).toBeLessThan(end);
        expect(today(end, zone)).not.toBe(day);
        expect(Date.parse(dayStart(today(end, zone), zone)!)).toBe(end);
      }),
    );
  });

  it('late before now, today until the day ends, later after; closed work has none', () => {
    fc.assert(
      fc.property(
        instant,
        fc.integer({ min: -30 * 24 * HOUR, max: 30 * 24 * HOUR }),
        fc.constantFrom(...ZONES),
        (now, offset, zone) => {
          const due = now + offset;
          const end = Date.parse(dayEnd(today(now, zone), zone)!);
          const dueAt = new Date(due).toISOString();
          const expected = due < now ? 'late' : due < end ? 'today' : 'later';
          expect(urgencyOf({ status: 'pending', dueAt }, now, zone)).toBe(expected);
          expect(urgencyOf({ status: 'done', dueAt }, now, zone)).toBeUndefined();
          expect(urgencyOf({ status: 'cancelled', dueAt }, now, zone)).toBeUndefined();
        },
      ),
    );
    expect(urgencyOf({ status: 'due', dueAt: null }, 0, 'UTC')).toBeUndefined();
  });

  it('a count cut off at the cap reads with a plus, in the reader’s locale', () => {
    expect(countText(10_000, true, 'nl-NL')).toBe('10.000+');
    expect(countText(10_000, true, 'en-GB')).toBe('10,000+');
    expect(countText(42, false, 'nl-NL')).toBe('42');
    expect(dayStart('2026-13-01x', 'UTC')).toBeNull();
    expect(dayEnd('nope', 'UTC')).toBeNull();
  });
});

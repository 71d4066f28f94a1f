import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ActiveTemplate, withDefaults } from '../../../src/domain/template/action-template.js';
import { dueTimeOf, expiryOf, idempotencyKey } from '../../../src/domain/template/stamp.js';
import { DEFAULT_TIME_ZONE, computeDueTime, holidayCalendar } from '../../../src/domain/timing/index.js';

const calendar = holidayCalendar(DEFAULT_TIME_ZONE, { from: 2026, to: 2027 });

function template(repeat: 'once' | 'everyTime', templateId = 'tpl', version = 1): ActiveTemplate {
  return {
    templateId,
    version,
    definition: withDefaults({
      name: 'x',
      dossierType: 'task',
      event: { type: 'created' },
      effect: { type: 'none' },
      repeat,
    }),
  };
}

describe('idempotencyKey', () => {
  it('everyTime: one key per template version, dossier and trigger', () => {
    const t = template('everyTime');
    expect(idempotencyKey(t, 'd1', 'e7')).toBe(idempotencyKey(t, 'd1', 'e7'));
    const keys = new Set([
      idempotencyKey(t, 'd1', 'e7'),
      idempotencyKey(t, 'd1', 'e8'),
      idempotencyKey(t, 'd2', 'e7'),
      idempotencyKey(template('everyTime', 'tpl', 2), 'd1', 'e7'),
      idempotencyKey(template('everyTime', 'other'), 'd1', 'e7'),
      idempotencyKey(t, 'd1', 'e7', 'reminder'),
    ]);
    expect(keys.size).toBe(6);
  });

  it('once: one key per template and dossier, whatever the version or the trigger', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 50 }),
        fc.string(),
        fc.string(),
        (v1, v2, trigger1, trigger2) => {
          expect(idempotencyKey(template('once', 'tpl', v1), 'd1', trigger1)).toBe(
            idempotencyKey(template('once', 'tpl', v2), 'd1', trigger2),
          );
        },
      ),
    );
    expect(idempotencyKey(template('once'), 'd1', 'e1')).not.toBe(
      idempotencyKey(template('once'), 'd2', 'e1'),
    );
    expect(idempotencyKey(template('once'), 'd1', 'e1')).not.toBe(
      idempotencyKey(template('once', 'other'), 'd1', 'e1'),
    );
    // The reminder of a once-template is a different action from the template's own.
    expect(idempotencyKey(template('once'), 'd1', 'e1', 'reminder')).not.toBe(
      idempotencyKey(template('once'), 'd1', 'e1'),
    );
  });

  it('distinct inputs give distinct keys (no two stampings collide by accident)', () => {
    const part = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
    fc.assert(
      fc.property(
        fc.tuple(part, fc.integer({ min: 1, max: 9 }), part, part),
        fc.tuple(part, fc.integer({ min: 1, max: 9 }), part, part),
        ([t1, v1, d1, e1], [t2, v2, d2, e2]) => {
          const k1 = idempotencyKey(template('everyTime', t1, v1), d1, e1);
          const k2 = idempotencyKey(template('everyTime', t2, v2), d2, e2);
          expect(k1 === k2).toBe(t1 === t2 && v1 === v2 && d1 === d2 && e1 === e2);
        },
      ),
    );
  });
});

describe('dueTimeOf and expiryOf', () => {
  const def = withDefaults({
    name: 'x',
    dossierType: 'task',
    event: { type: 'dateReached', field: 'plannedFinishDate' },
    timing: { anchor: { type: 'field', field: 'plannedFinishDate' }, offset: 1, unit: 'days' },
    expiry: { offset: 2, unit: 'workingDays' },
    effect: { type: 'none' },
  });

  it('counts from the date field, in the organisation’s time zone', () => {
    expect(dueTimeOf(def, { eventAt: 0, data: { plannedFinishDate: '2026-12-24' } }, calendar)).toBe(
      Date.parse('2026-12-25T00:00:00+01:00'),
    );
    expect(expiryOf(def, Date.parse('2026-12-24T09:00:00+01:00'), calendar)).toBe(
      Date.parse('2026-12-29T09:00:00+01:00'),
    );
  });

  it('is null while the date field is empty: nothing to plan yet', () => {
    expect(dueTimeOf(def, { eventAt: 0, data: {} }, calendar)).toBeNull();
    expect(dueTimeOf(def, { eventAt: 0, data: { plannedFinishDate: null } }, calendar)).toBeNull();
    expect(expiryOf({ ...def, expiry: undefined }, 0, calendar)).toBeNull();
  });

  it('counts from the event time for event timings', () => {
    const fromEvent = {
      ...def,
      event: { type: 'created' as const },
      timing: { anchor: { type: 'event' as const }, offset: 3, unit: 'hours' as const },
    };
    const at = Date.parse('2026-03-29T00:30:00+01:00'); // the night the clocks go forward
    expect(dueTimeOf(fromEvent, { eventAt: at, data: {} }, calendar)).toBe(at + 3 * 3_600_000);
  });
});

describe('dueTimeOf remembers its last answer per timing', () => {
  it('answers as computeDueTime does for any sequence of events, field values and calendars', () => {
    const other = holidayCalendar('America/New_York', { from: 2026, to: 2027 });
    const byField = withDefaults({
      name: 'x',
      dossierType: 'task',
      event: { type: 'created' },
      effect: { type: 'none' },
      timing: { anchor: { type: 'field', field: 'start' }, offset: 2, unit: 'workingDays', atTime: '09:00' },
    });
    const byEvent = withDefaults({
      name: 'x',
      dossierType: 'task',
      event: { type: 'created' },
      effect: { type: 'none' },
      timing: { anchor: { type: 'event' }, offset: 3, unit: 'hours' },
    });
    const start = Date.parse('2026-03-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            def: fc.constantFrom(byField, byEvent),
            // Few distinct values, so that repeats (cache hits) and changes alternate.
            eventAt: fc.integer({ min: 0, max: 3 }).map((d) => start + d * 86_400_000),
            start: fc.constantFrom('2026-04-01', '2026-12-24', null),
            cal: fc.constantFrom(calendar, other),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        (steps) => {
          for (const s of steps) {
            const got = dueTimeOf(s.def, { eventAt: s.eventAt, data: { start: s.start } }, s.cal);
            const want = computeDueTime(s.def.timing, { eventAt: s.eventAt, fieldValue: s.start }, s.cal);
            expect(got).toBe(want);
          }
        },
      ),
    );
  });
});

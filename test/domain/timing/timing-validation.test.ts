import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { describeTiming, validateTiming, type Timing } from '../../../src/domain/timing/index.js';

const DATE_FIELDS = ['startDate', 'endDate'] as const;

describe('validateTiming', () => {
  it('accepts valid timings', () => {
    const valid: Timing[] = [
      { anchor: { type: 'event' }, offset: 3, unit: 'days' },
      { anchor: { type: 'event' }, offset: 0, unit: 'minutes' },
      { anchor: { type: 'field', field: 'startDate' }, offset: -2, unit: 'workingDays', atTime: '09:00' },
      { anchor: { type: 'field', field: 'endDate' }, offset: 1, unit: 'weeks', atTime: '23:59' },
    ];
    for (const timing of valid) expect(validateTiming(timing, 'timing', DATE_FIELDS)).toEqual([]);
  });

  it('asks for a whole number of the chosen unit', () => {
    expect(
      validateTiming({ anchor: { type: 'event' }, offset: 1.5, unit: 'days' }, 'timing', DATE_FIELDS),
    ).toEqual([
      { path: 'timing.offset', message: 'timing.offset must be a whole number of days, such as 3 or -2.' },
    ]);
    expect(
      validateTiming(
        { anchor: { type: 'event' }, offset: '3', unit: 'workingDays' },
        'templates[2].timing',
        DATE_FIELDS,
      ),
    ).toEqual([
      {
        path: 'templates[2].timing.offset',
        message: 'templates[2].timing.offset must be a whole number of working days, such as 3 or -2.',
      },
    ]);
  });

  it('refuses an anchor field that is not a date field, naming the date fields', () => {
    expect(
      validateTiming(
        { anchor: { type: 'field', field: 'email' }, offset: 1, unit: 'days' },
        'timing',
        DATE_FIELDS,
      ),
    ).toEqual([
      {
        path: 'timing.anchor.field',
        message:
          'timing.anchor.field names "email", which is not a date field of this dossier type; choose one of: startDate, endDate.',
      },
    ]);
    expect(
      validateTiming(
        { anchor: { type: 'field', field: 'startDate' }, offset: 1, unit: 'days' },
        'timing',
        [],
      ),
    ).toEqual([
      {
        path: 'timing.anchor.field',
        message:
          'timing.anchor.field names "startDate", which is not a date field of this dossier type; this dossier type has no date fields, so count from the event instead.',
      },
    ]);
  });

  it('refuses a negative offset from the event, which cannot be scheduled', () => {
    const problems = validateTiming(
      { anchor: { type: 'event' }, offset: -2, unit: 'days' },
      'timing',
      DATE_FIELDS,
    );
    expect(problems.map((problem) => problem.path)).toEqual(['timing.offset']);
    expect(problems[0]?.message).toMatch(/cannot be due before the event .* count from a date field/);
  });

  it('refuses atTime with minutes or hours, and times that are not HH:MM', () => {
    expect(
      validateTiming(
        { anchor: { type: 'event' }, offset: 2, unit: 'hours', atTime: '09:00' },
        'timing',
        DATE_FIELDS,
      ),
    ).toEqual([
      {
        path: 'timing.atTime',
        message:
          'timing.atTime can only be used with days, weeks or working days: an offset in hours already fixes the time. Remove atTime, or count in days.',
      },
    ]);
    for (const atTime of ['9:00', '24:00', '09:60', '0900', 9, null]) {
      const problems = validateTiming(
        { anchor: { type: 'event' }, offset: 1, unit: 'days', atTime },
        'timing',
        DATE_FIELDS,
      );
      expect(problems, String(atTime)).toEqual([
        {
          path: 'timing.atTime',
          message: 'timing.atTime must be a time of day written as HH:MM (00:00 to 23:59), such as 09:00.',
        },
      ]);
    }
  });

  it('caps offsets at about ten years', () => {
    expect(
      validateTiming({ anchor: { type: 'event' }, offset: 3650, unit: 'days' }, 'timing', DATE_FIELDS),
    ).toEqual([]);
    expect(
      validateTiming({ anchor: { type: 'event' }, offset: 3651, unit: 'days' }, 'timing', DATE_FIELDS),
    ).toEqual([
      {
        path: 'timing.offset',
        message: 'timing.offset is too large: use at most 3650 days (about ten years) before or after.',
      },
    ]);
  });

  it('reports every problem of a malformed timing, each at its own path', () => {
    const problems = validateTiming(
      { anchor: { type: 'yesterday' }, unit: 'dagen', atTime: '9u', atime: '09:00' },
      'timing',
      DATE_FIELDS,
    );
    expect(problems.map((problem) => problem.path)).toEqual([
      'timing.atime',
      'timing.anchor.type',
      'timing.unit',
      'timing.offset',
      'timing.atTime',
    ]);
    expect(problems[2]?.message).toBe(
      'timing.unit must be one of minutes, hours, days, weeks or workingDays (got "dagen").',
    );
    expect(validateTiming('3 days', 'timing', DATE_FIELDS)).toEqual([
      {
        path: 'timing',
        message:
          'timing must say when the action is due: what it counts from (the event or a date field), a whole-number offset and a unit such as days.',
      },
    ]);
    expect(
      validateTiming({ offset: 1, unit: 'days' }, 'timing', DATE_FIELDS).map((problem) => problem.path),
    ).toEqual(['timing.anchor']);
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const problems = validateTiming(value, 'timing', DATE_FIELDS);
        for (const problem of problems) expect(problem.message.startsWith(problem.path)).toBe(true);
      }),
    );
  });
});

describe('describeTiming', () => {
  it('describes timings in Dutch and English', () => {
    const afterEvent: Timing = { anchor: { type: 'event' }, offset: 3, unit: 'workingDays', atTime: '09:00' };
    const beforeStart: Timing = {
      anchor: { type: 'field', field: 'startDate' },
      offset: -2,
      unit: 'workingDays',
      atTime: '09:00',
    };
    expect(describeTiming(afterEvent, 'nl')).toBe('3 werkdagen na de gebeurtenis om 09:00');
    expect(describeTiming(afterEvent, 'en')).toBe('3 working days after the event at 09:00');
    expect(describeTiming(beforeStart, 'en')).toBe('2 working days before startDate at 09:00');
    expect(describeTiming(beforeStart, 'nl')).toBe('2 werkdagen voor startDate om 09:00');
    expect(describeTiming(beforeStart, 'nl', { startDate: 'de startdatum' })).toBe(
      '2 werkdagen voor de startdatum om 09:00',
    );
  });

  it('uses the singular for one and says "on the day of" for zero', () => {
    expect(describeTiming({ anchor: { type: 'event' }, offset: 1, unit: 'days' }, 'en')).toBe(
      '1 day after the event',
    );
    expect(describeTiming({ anchor: { type: 'event' }, offset: 1, unit: 'hours' }, 'nl')).toBe(
      '1 uur na de gebeurtenis',
    );
    expect(describeTiming({ anchor: { type: 'event' }, offset: 90, unit: 'minutes' }, 'nl')).toBe(
      '90 minuten na de gebeurtenis',
    );
    expect(describeTiming({ anchor: { type: 'event' }, offset: -1, unit: 'weeks' }, 'nl')).toBe(
      '1 week voor de gebeurtenis',
    );
    expect(
      describeTiming({ anchor: { type: 'event' }, offset: 0, unit: 'days', atTime: '08:30' }, 'nl'),
    ).toBe('op de dag van de gebeurtenis om 08:30');
    expect(describeTiming({ anchor: { type: 'event' }, offset: 0, unit: 'minutes' }, 'en')).toBe(
      'at the time of the event',
    );
  });
});

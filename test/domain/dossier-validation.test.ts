import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import type { DossierType, FieldKind } from '../../src/domain/dossier-type.js';
import { FIELD_KINDS, checkDossierTypes } from '../../src/domain/dossier-type.js';
import { type DossierData, validateDossierWrite } from '../../src/domain/dossier.js';
import { WerkflowError } from '../../src/domain/errors.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { BACKENDS, openTestWerkflow } from '../support/backends.js';

const label = (en: string) => ({ nl: en, en });

/** A dossier type with one field of every kind, so each kind's rules can be tried on it. */
const SAMPLE: DossierType = {
  key: 'sample',
  label: label('Sample'),
  titleField: 'title',
  statuses: [
    { code: 'open', label: label('Open'), order: 1, active: true },
    { code: 'closed', label: label('Closed'), order: 2, active: true },
  ],
  fields: [
    { key: 'title', kind: 'text', label: label('Title'), required: true },
    { key: 'notes', kind: 'longText', label: label('Notes') },
    { key: 'count', kind: 'number', label: label('Count') },
    { key: 'amount', kind: 'money', label: label('Amount') },
    { key: 'active', kind: 'boolean', label: label('Active') },
    { key: 'birthDate', kind: 'date', label: label('Birth date') },
    { key: 'appointmentAt', kind: 'datetime', label: label('Appointment') },
    { key: 'email', kind: 'email', label: label('E-mail') },
    { key: 'phone', kind: 'phone', label: label('Phone') },
    {
      key: 'colour',
      kind: 'enum',
      label: label('Colour'),
      options: [
        { code: 'rood', label: label('Red') },
        { code: 'groen', label: label('Green') },
      ],
    },
    { key: 'status', kind: 'status', label: label('Status') },
    { key: 'parent', kind: 'reference', refType: 'sampleParent', label: label('Parent') },
    { key: 'owner', kind: 'user', label: label('Owner') },
    { key: 'team', kind: 'team', label: label('Team') },
  ],
};
const SAMPLE_PARENT: DossierType = {
  key: 'sampleParent',
  label: label('Sample parent'),
  statuses: [],
  fields: [{ key: 'name', kind: 'text', label: label('Name'), required: true }],
};

const base = { title: 'A title' };

function problemsOf(input: unknown, mode: 'create' | 'patch' = 'create', previous?: DossierData) {
  const result = validateDossierWrite(SAMPLE, input, mode, previous);
  return result.ok ? [] : result.problems;
}

function normalised(input: Record<string, unknown>): DossierData {
  const result = validateDossierWrite(SAMPLE, { ...base, ...input }, 'create');
  if (!result.ok) throw new Error(`expected valid, got ${JSON.stringify(result.problems)}`);
  return result.write.data;
}

/** For each kind: the field of SAMPLE, values it refuses and values it accepts. */
const CASES: Record<FieldKind, { field: string; bad: unknown[]; good: unknown[] }> = {
  text: { field: 'title', bad: [42, true, ['a'], { a: 1 }, 'x'.repeat(1001)], good: ['Jansen', 'ë€ 😀'] },
  longText: { field: 'notes', bad: [1, false, 'x'.repeat(100_001)], good: ['Lang\nverhaal', ''] },
  number: { field: 'count', bad: ['12', true, [], {}], good: [0, -3, 12.75, 1e9] },
  money: { field: 'amount', bad: ['12,50', 'twaalf', 1.005, '1.005', true], good: [1250.5, '12.50', -3, 0] },
  boolean: { field: 'active', bad: ['true', 1, 0, 'ja'], good: [true, false] },
  date: {
    field: 'birthDate',
    bad: [
      '2027-02-30',
      '2027-13-01',
      '2027-00-10',
      '2026-02-29',
      '3-2-2027',
      '2027-02-03T10:00:00Z',
      20270203,
    ],
    good: ['2027-02-28', '2028-02-29', '2000-02-29', '0050-03-01'],
  },
  datetime: {
    field: 'appointmentAt',
    bad: [
      '2027-02-30T10:00:00Z',
      '2027-02-03T24:00:00Z',
      '2027-02-03T10:60:00Z',
      '2027-02-03T10:00:60Z',
      '2027-02-03T10:00:00',
      '2027-02-03T10:00:00+24:00',
      '2027-02-03',
      1801647000000,
    ],
    good: ['2027-02-03T09:30:00+01:00', '2027-02-03T08:30Z', '2027-02-03T08:30:00.5-05:30'],
  },
  email: {
    field: 'email',
    bad: ['jan', 'jan@', '@example.nl', 'jan @example.nl', 'jan@example', 5, `${'a'.repeat(250)}@example.nl`],
    good: ['jan@example.nl', ' jan.jansen+crm@sub.example.nl '],
  },
  phone: {
    field: 'phone',
    bad: ['call me', '12', 612345678, '+31 6 1234567890123456789'],
    good: ['+31 6 12345678'],
  },
  enum: { field: 'colour', bad: ['blauw', 'Rood', 1], good: ['rood', 'groen'] },
  status: { field: 'status', bad: ['bogus', 'Open', 2], good: ['open', 'closed'] },
  reference: { field: 'parent', bad: [12, '', 'x'.repeat(101), { id: 'a' }], good: ['0190f4d6-aaaa'] },
  user: { field: 'owner', bad: [7, '', ['u1']], good: ['user-1'] },
  team: { field: 'team', bad: [false, ''], good: ['team-1'] },
};

describe('dossier validation: each field kind', () => {
  it('the sample type is consistent and covers every kind', () => {
    expect(checkDossierTypes([SAMPLE, SAMPLE_PARENT])).toEqual([]);
    expect(new Set(SAMPLE.fields.map((f) => f.kind))).toEqual(new Set(FIELD_KINDS));
  });

  describe.each(FIELD_KINDS.map((kind) => ({ kind, ...CASES[kind] })))('$kind', ({ field, bad, good }) => {
    it.each(bad.map((value) => [JSON.stringify(value).slice(0, 60), value]))(
      `refuses %s with a problem at data.${field} that names the field`,
      (_shown, value) => {
        const problems = problemsOf({ ...base, [field]: value });
        expect(problems).toHaveLength(1);
        expect(problems[0]!.path).toBe(`data.${field}`);
        expect(problems[0]!.message).toContain(`"${field}"`);
      },
    );
    it.each(good.map((value) => [JSON.stringify(value), value]))('accepts %s', (_shown, value) => {
      expect(problemsOf({ ...base, [field]: value })).toEqual([]);
    });
    it('accepts null, which clears the field (unless required)', () => {
      const problems = problemsOf({ ...base, [field]: null });
      if (field === 'title') expect(problems.map((p) => p.path)).toEqual(['data.title']);
      else expect(problems).toEqual([]);
    });
  });
});

describe('dossier validation: fields and the whole write', () => {
  it('refuses an unknown field, naming it and listing the known ones', () => {
    const problems = problemsOf({ ...base, favouriteColour: 'rood' });
    expect(problems).toEqual([
      { path: 'data.favouriteColour', message: expect.stringContaining('Unknown field "favouriteColour"') },
    ]);
    expect(problems[0]!.message).toContain('title, notes, count');
  });

  it('refuses a create without a required field, and a patch that clears one', () => {
    expect(problemsOf({ notes: 'x' })).toEqual([
      { path: 'data.title', message: '"title" (Title) is required.' },
    ]);
    expect(problemsOf({ title: '' })[0]?.path).toBe('data.title');
    expect(problemsOf({ notes: 'x' }, 'patch', { title: 'Kept' })).toEqual([]);
    expect(problemsOf({ title: null }, 'patch', { title: 'Kept' })[0]?.path).toBe('data.title');
  });

  it('reports every problem of a write, each with its own path', () => {
    const problems = problemsOf({ count: 'many', email: 'nope', unknown: 1 });
    expect(problems.map((p) => p.path).sort()).toEqual(
      ['data.count', 'data.email', 'data.title', 'data.unknown'].sort(),
    );
  });

  it('refuses data that is not an object', () => {
    for (const input of [null, [], 'text', 3]) {
      expect(problemsOf(input)).toEqual([{ path: 'data', message: expect.stringContaining('JSON object') }]);
    }
  });

  it('refuses text the database cannot store (NUL, unpaired surrogates) in any string field', () => {
    for (const field of ['title', 'notes', 'email', 'parent', 'owner']) {
      for (const bad of ['a\u0000b', 'half \ud800 pair', '\udc00']) {
        const problems = problemsOf({ ...base, [field]: bad });
        expect(problems.map((p) => p.path)).toEqual([`data.${field}`]);
      }
    }
    expect(problemsOf({ ...base, notes: 'emoji 😀 is a whole pair' })).toEqual([]);
  });

  it('normalises: e-mail and phone trimmed, money as a number, datetime to UTC ISO', () => {
    expect(normalised({ email: '  Jan@Example.nl \n' }).email).toBe('Jan@Example.nl');
    expect(normalised({ phone: ' +31 6 12345678 ' }).phone).toBe('+31 6 12345678');
    expect(normalised({ amount: '12.50' }).amount).toBe(12.5);
    expect(normalised({ appointmentAt: '2027-02-03T09:30:00+01:00' }).appointmentAt).toBe(
      '2027-02-03T08:30:00.000Z',
    );
    expect(normalised({ appointmentAt: '2027-03-28T03:15-04:00' }).appointmentAt).toBe(
      '2027-03-28T07:15:00.000Z',
    );
    expect(normalised({ birthDate: '2027-02-03' }).birthDate).toBe('2027-02-03');
  });

  it('derives the status and the references to check', () => {
    const result = validateDossierWrite(
      SAMPLE,
      { ...base, status: 'open', parent: 'p1', owner: 'u1', team: 't1' },
      'create',
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.write.status).toBe('open');
    expect(result.write.references).toEqual([
      { path: 'data.parent', refType: 'sampleParent', refKind: 'dossier', id: 'p1' },
      { path: 'data.owner', refType: 'user', refKind: 'user', id: 'u1' },
      { path: 'data.team', refType: 'team', refKind: 'team', id: 't1' },
    ]);
  });
});

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

describe('dossier validation: properties', () => {
  it('a date YYYY-MM-DD is accepted iff it is a real calendar date', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        (year, month, day) => {
          const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
          const real = DateTime.fromObject({ year, month, day }, { zone: 'utc' }).isValid;
          const problems = problemsOf({ ...base, birthDate: text });
          expect(problems.length === 0).toBe(real);
          if (real) expect(normalised({ birthDate: text }).birthDate).toBe(text);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a datetime with a zone is accepted iff it is a real moment, and stored as UTC ISO', () => {
    fc.assert(
      fc.property(
        fc.record({
          year: fc.integer({ min: 1000, max: 9998 }),
          month: fc.integer({ min: 0, max: 13 }),
          day: fc.integer({ min: 0, max: 32 }),
          hour: fc.integer({ min: 0, max: 25 }),
          minute: fc.integer({ min: 0, max: 61 }),
          second: fc.option(fc.integer({ min: 0, max: 61 })),
          millis: fc.option(fc.integer({ min: 0, max: 999 })),
          zone: fc.oneof(
            fc.constant('Z'),
            fc.tuple(
              fc.constantFrom('+', '-'),
              fc.integer({ min: 0, max: 25 }),
              fc.integer({ min: 0, max: 61 }),
            ),
          ),
        }),
        ({ year, month, day, hour, minute, second, millis, zone }) => {
          const time =
            `${pad(hour)}:${pad(minute)}` +
            (second === null ? '' : `:${pad(second)}` + (millis === null ? '' : `.${pad(millis, 3)}`));
          const offset = typeof zone === 'string' ? zone : `${zone[0]}${pad(zone[1])}:${pad(zone[2])}`;
          const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${time}${offset}`;
          const realOffset = typeof zone === 'string' || (zone[1] <= 23 && zone[2] <= 59);
          const real =
            realOffset &&
            hour <= 23 &&
            minute <= 59 &&
            (second ?? 0) <= 59 &&
            DateTime.fromObject({ year, month, day }, { zone: 'utc' }).isValid;
          const problems = problemsOf({ ...base, appointmentAt: text });
          expect(problems.length === 0).toBe(real);
          if (real) {
            const expected = DateTime.fromISO(text, { setZone: true }).toUTC().toISO();
            expect(normalised({ appointmentAt: text }).appointmentAt).toBe(expected);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws, whatever a client sends as a field value; accepted values have the kind’s JSON type', () => {
    const jsonType: Record<FieldKind, string> = {
      text: 'string',
      longText: 'string',
      number: 'number',
      money: 'number',
      boolean: 'boolean',
      date: 'string',
      datetime: 'string',
      email: 'string',
      phone: 'string',
      enum: 'string',
      status: 'string',
      reference: 'string',
      user: 'string',
      team: 'string',
    };
    fc.assert(
      fc.property(fc.constantFrom(...SAMPLE.fields), fc.jsonValue(), (field, value) => {
        const result = validateDossierWrite(SAMPLE, { ...base, [field.key]: value }, 'create');
        if (result.ok) {
          const stored = result.write.data[field.key];
          if (stored !== null) expect(typeof stored).toBe(jsonType[field.kind]);
        } else {
          expect(result.problems.every((p) => p.path === `data.${field.key}`)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe.each(BACKENDS)('dossier validation through the service on $name', (backend) => {
  let werkflow: Werkflow;
  let parentId: string;

  beforeAll(async () => {
    werkflow = await openTestWerkflow(backend);
    await werkflow.saveDossierTypes([SAMPLE_PARENT, SAMPLE], null);
    parentId = (await werkflow.dossiers.create('sampleParent', { data: { name: 'Ouder' } }, null)).id;
  });
  afterAll(async () => {
    await werkflow?.close();
  });

  async function refusal(data: unknown): Promise<WerkflowError> {
    const error = await werkflow.dossiers.create('sample', { data }, null).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WerkflowError);
    return error as WerkflowError;
  }

  it.each(FIELD_KINDS.map((kind) => ({ kind, ...CASES[kind] })))(
    'refuses a wrong $kind value with validation_failed at data.<field> and writes nothing',
    async ({ field, bad }) => {
      const before = await werkflow.dossiers.dossiers.count('sample');
      const error = await refusal({ ...base, [field]: bad[0] });
      expect(error.code).toBe('validation_failed');
      expect(error.path).toBe(`data.${field}`);
      expect(error.message).toContain(`"${field}"`);
      expect(await werkflow.dossiers.dossiers.count('sample')).toBe(before);
    },
  );

  it('refuses references to a missing dossier, user or team, naming each field', async () => {
    for (const [field, id] of [
      ['parent', 'no-such-dossier'],
      ['owner', 'no-such-user'],
      ['team', 'no-such-team'],
    ] as const) {
      const error = await refusal({ ...base, [field]: id });
      expect(error.code).toBe('validation_failed');
      expect(error.path).toBe(`data.${field}`);
      expect(error.message).toContain(`"${field}"`);
      expect(error.message).toContain(id);
    }
  });

  it('stores every kind normalised and reads it back unchanged', async () => {
    const userId = 'user-sample-1';
    const teamId = 'team-sample-1';
    await werkflow.dossiers.users.insert({
      id: userId,
      name: 'Anja Kramer',
      email: 'anja.sample@example.nl',
      phone: null,
      jobTitle: null,
      active: true,
      createdAt: 0,
    });
    await werkflow.dossiers.users.insertTeam({ id: teamId, name: 'Coaches (sample)', createdAt: 0 });
    const created = await werkflow.dossiers.create(
      'sample',
      {
        data: {
          title: 'Alles',
          notes: 'Regel één\nRegel twee',
          count: 12.25,
          amount: '1250.50',
          active: false,
          birthDate: '2027-02-28',
          appointmentAt: '2027-02-03T09:30:00+01:00',
          email: ' jan@example.nl ',
          phone: '+31 6 12345678',
          colour: 'groen',
          status: 'open',
          parent: parentId,
          owner: userId,
          team: teamId,
        },
      },
      null,
    );
    const read = await werkflow.dossiers.get('sample', created.id);
    expect(read.status).toBe('open');
    expect(read.data).toEqual({
      title: 'Alles',
      notes: 'Regel één\nRegel twee',
      count: 12.25,
      amount: 1250.5,
      active: false,
      birthDate: '2027-02-28',
      appointmentAt: '2027-02-03T08:30:00.000Z',
      email: 'jan@example.nl',
      phone: '+31 6 12345678',
      colour: 'groen',
      status: 'open',
      parent: parentId,
      owner: userId,
      team: teamId,
    });
  });
});

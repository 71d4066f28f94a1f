import { describe, expect, it } from 'vitest';
import { catalogOf } from '../../../src/domain/dossier-type.js';
import { WerkflowError } from '../../../src/domain/errors.js';
import { ENERGY_COOPERATIVE_TYPES } from '../../../src/domain/presets/energy-cooperative.js';
import {
  MAX_CONDITION_DEPTH,
  TRUE_CONDITION,
  requireValidCondition,
  validateCondition,
  type Condition,
} from '../../../src/domain/condition/index.js';

const catalog = catalogOf(ENERGY_COOPERATIVE_TYPES);
const opportunity = catalog.get('opportunity')!;
const quotationRequest = catalog.get('quotationRequest')!;
const visit = catalog.get('visit')!;

const validate = (condition: unknown, type = opportunity) => validateCondition(condition, type, catalog);
/** A comparison wrapped as the third condition of an `all`, so paths show the nesting. */
const third = (comparison: unknown) => ({
  type: 'all',
  conditions: [
    { type: 'compare', field: 'status', op: 'eq', value: 'actief' },
    { type: 'compare', field: 'name', op: 'isNotEmpty' },
    comparison,
  ],
});

describe('validateCondition accepts', () => {
  it('well-formed conditions on every kind of field, through references', () => {
    const valid: Condition[] = [
      TRUE_CONDITION,
      { type: 'any', conditions: [] },
      {
        type: 'all',
        conditions: [
          {
            type: 'compare',
            field: 'status',
            op: 'in',
            value: ['offerte-aangevraagd', 'bewoner-is-akkoord'],
          },
          { type: 'compare', field: 'opportunity.intake.contact.email', op: 'isNotEmpty' },
          {
            type: 'compare',
            field: 'opportunity.intake.contact.email',
            op: 'contains',
            value: '@example.nl',
          },
          { type: 'compare', field: 'opportunity.intake.contact.kind', op: 'eq', value: 'persoon' },
          { type: 'compare', field: 'opportunity.intake.contact.isCoach', op: 'ne', value: true },
          { type: 'compare', field: 'opportunity.amount', op: 'gte', value: 1250.5 },
          { type: 'compare', field: 'quotationAmount', op: 'lt', value: 10_000 },
          { type: 'compare', field: 'dateRequested', op: 'dateBefore', value: { days: -3 } },
          { type: 'compare', field: 'datePlanned', op: 'gt', value: '2027-02-03' },
          { type: 'compare', field: 'opportunity', op: 'eq', value: 'dos_123' },
          { type: 'compare', field: 'responsibleUser', op: 'notIn', value: ['usr_1'] },
          { type: 'compare', field: 'status', op: 'changed', from: 'offerte-nog-niet-aangevraagd', to: null },
          {
            type: 'not',
            condition: { type: 'compare', field: 'description', op: 'startsWith', value: 'Test' },
          },
        ],
      },
    ];
    for (const condition of valid) expect(validate(condition, quotationRequest)).toEqual([]);
    expect(
      validate(
        { type: 'compare', field: 'appointmentAt', op: 'lte', value: '2027-02-03T09:30:00+01:00' },
        visit,
      ),
    ).toEqual([]);
  });

  it(`groups nested ${MAX_CONDITION_DEPTH} deep, and refuses one more`, () => {
    const nest = (levels: number): unknown => {
      let c: unknown = { type: 'compare', field: 'name', op: 'isEmpty' };
      for (let i = 1; i < levels; i++) c = { type: 'not', condition: c };
      return c;
    };
    expect(validate(nest(MAX_CONDITION_DEPTH))).toEqual([]);
    const deep = validate(nest(MAX_CONDITION_DEPTH + 1));
    expect(deep).toHaveLength(1);
    expect(deep[0]!.path).toBe('conditions' + '.condition'.repeat(MAX_CONDITION_DEPTH));
    expect(deep[0]!.message).toMatch(/at most 10 groups deep/);
  });
});

describe('validateCondition refuses, with the path and a sentence', () => {
  it('a field that does not exist, listing the known fields of the type it looked in', () => {
    expect(validate(third({ type: 'compare', field: 'intake.contcat', op: 'isEmpty' }))).toEqual([
      {
        path: 'conditions.conditions[2].field',
        message:
          '"intake.contcat" is not a field of intake. Known fields: contact, campaign, status, address, measureCategory, responsibleUser, note.',
      },
    ]);
    expect(validate({ type: 'compare', field: 'naam', op: 'isEmpty' })).toEqual([
      {
        path: 'conditions.field',
        message:
          '"naam" is not a field of opportunity. Known fields: name, intake, measureCategory, status, desiredDate, evaluationDate, amount, responsibleUser, note.',
      },
    ]);
  });

  it('a path that looks through a field that is not a reference, naming the references', () => {
    expect(validate(third({ type: 'compare', field: 'name.first', op: 'isEmpty' }))).toEqual([
      {
        path: 'conditions.conditions[2].field',
        message:
          '"name" is a text field, not a reference, so "name.first" cannot look further through it. References of opportunity: intake, measureCategory.',
      },
    ]);
  });

  it('a field that is not a name at all, or missing', () => {
    expect(validate({ type: 'compare', field: 'intake..contact', op: 'isEmpty' })[0]).toMatchObject({
      path: 'conditions.field',
      message: expect.stringMatching(
        /^"intake\.\.contact" is not a field name\. Write a field key such as "email"/,
      ),
    });
    expect(validate({ type: 'compare', op: 'isEmpty' })[0]).toMatchObject({
      path: 'conditions.field',
      message: expect.stringMatching(/^A comparison needs "field"/),
    });
  });

  it('an operator that does not fit the kind of field, listing those that do', () => {
    expect(validate(third({ type: 'compare', field: 'name', op: 'gt', value: 'M' }))).toEqual([
      {
        path: 'conditions.conditions[2].op',
        message:
          '"gt" does not apply to "name", which is a text field. Operators for it: eq, ne, in, notIn, contains, startsWith, isEmpty, isNotEmpty, changed.',
      },
    ]);
    expect(validate({ type: 'compare', field: 'status', op: 'contains', value: 'act' })).toEqual([
      {
        path: 'conditions.op',
        message:
          '"contains" does not apply to "status", which is the status field. Operators for it: eq, ne, in, notIn, isEmpty, isNotEmpty, changed.',
      },
    ]);
    expect(
      validate({ type: 'compare', field: 'amount', op: 'dateAfter', value: { days: 1 } })[0],
    ).toMatchObject({
      path: 'conditions.op',
      message: expect.stringMatching(
        /^"dateAfter" does not apply to "amount", which is an amount \(money\) field\./,
      ),
    });
    expect(
      validate({ type: 'compare', field: 'intake.contact.isCoach', op: 'in', value: [true] })[0],
    ).toMatchObject({
      path: 'conditions.op',
      message: expect.stringMatching(/which is a yes\/no field\. Operators for it: eq, ne, isEmpty/),
    });
  });

  it('an operator that does not exist', () => {
    expect(validate({ type: 'compare', field: 'amount', op: 'between', value: [1, 2] })).toEqual([
      {
        path: 'conditions.op',
        message:
          '"between" is not an operator. Use one of: eq, ne, in, notIn, gt, gte, lt, lte, contains, startsWith, isEmpty, isNotEmpty, changed, dateBefore, dateAfter.',
      },
    ]);
  });

  it('an unknown status or option, listing the known codes', () => {
    expect(
      validate(third({ type: 'compare', field: 'status', op: 'in', value: ['actief', 'nieuw'] })),
    ).toEqual([
      {
        path: 'conditions.conditions[2].value[1]',
        message: expect.stringMatching(
          /^"nieuw" is not a status of opportunity\. Known statuses: inactief \(Inactive\), actief \(Active\), in-afwachting \(Pending\),/,
        ),
      },
    ]);
    expect(validate({ type: 'compare', field: 'intake.contact.kind', op: 'eq', value: 'bedrijf' })).toEqual([
      {
        path: 'conditions.value',
        message:
          '"bedrijf" is not an option of "intake.contact.kind". Options: persoon (Person), organisatie (Organisation).',
      },
    ]);
    // The status list is the one of the type that holds the field, not of the root.
    expect(
      validate({ type: 'compare', field: 'intake.status', op: 'eq', value: 'actief' })[0]!.message,
    ).toMatch(/^"actief" is not a status of intake\. Known statuses: open \(Open\), in-behandeling/);
  });

  it('values of the wrong type for the field', () => {
    expect(validate({ type: 'compare', field: 'amount', op: 'gt', value: '1250' })).toEqual([
      {
        path: 'conditions.value',
        message:
          '"amount" is an amount (money) field: compare it with an amount in euros such as 1250.50 (a number, without quotes), not the text "1250".',
      },
    ]);
    expect(
      validate({ type: 'compare', field: 'desiredDate', op: 'lt', value: '03-02-2027' })[0],
    ).toMatchObject({
      path: 'conditions.value',
      message: expect.stringMatching(
        /date written as YYYY-MM-DD, such as 2027-02-03, not the text "03-02-2027"/,
      ),
    });
    expect(validate({ type: 'compare', field: 'desiredDate', op: 'eq', value: '2027-02-30' })).toHaveLength(
      1,
    );
    expect(
      validate({ type: 'compare', field: 'appointmentAt', op: 'gt', value: '2027-02-03 09:30' }, visit)[0],
    ).toMatchObject({
      path: 'conditions.value',
      message: expect.stringMatching(/with a zone, such as 2027-02-03T09:30:00\+01:00/),
    });
    expect(validate({ type: 'compare', field: 'name', op: 'eq', value: 5 })[0]!.message).toBe(
      '"name" is a text field: compare it with text, not number 5.',
    );
  });

  it('eq with null, pointing at isEmpty', () => {
    expect(validate({ type: 'compare', field: 'note', op: 'eq', value: null })).toEqual([
      {
        path: 'conditions.value',
        message:
          '"eq" needs a "value" to compare "note" with. To test for an empty field use "isEmpty" or "isNotEmpty".',
      },
    ]);
  });

  it('in / notIn without a list of values', () => {
    expect(validate({ type: 'compare', field: 'status', op: 'in', value: 'actief' })[0]).toEqual({
      path: 'conditions.value',
      message:
        '"in" needs a "value" that is a list of one or more values for "status", such as ["a", "b"]; got the text "actief".',
    });
    expect(validate({ type: 'compare', field: 'status', op: 'notIn', value: [] })[0]!.path).toBe(
      'conditions.value',
    );
    expect(
      validate({ type: 'compare', field: 'status', op: 'in', value: ['actief', null] })[0],
    ).toMatchObject({
      path: 'conditions.value[1]',
      message: expect.stringMatching(/holds an empty value; to include empty fields combine with "isEmpty"/),
    });
  });

  it('contains and startsWith without text to look for', () => {
    expect(validate({ type: 'compare', field: 'name', op: 'contains', value: '' })[0]).toMatchObject({
      path: 'conditions.value',
      message: expect.stringMatching(
        /^"contains" needs a "value" with the text to look for in "name" \(matched case-sensitively\)/,
      ),
    });
  });

  it('a value on isEmpty, and a from/to outside changed', () => {
    expect(validate({ type: 'compare', field: 'name', op: 'isEmpty', value: '' })).toEqual([
      { path: 'conditions.value', message: '"isEmpty" takes no "value"; remove it.' },
    ]);
    expect(validate({ type: 'compare', field: 'status', op: 'eq', value: 'actief', to: 'opdracht' })).toEqual(
      [
        {
          path: 'conditions.to',
          message: '"to" belongs to the "changed" operator only; remove it or use "changed".',
        },
      ],
    );
  });

  it('changed on a field of a referenced dossier, or with a value, or an unknown from/to', () => {
    expect(validate({ type: 'compare', field: 'intake.status', op: 'changed' })).toEqual([
      {
        path: 'conditions.field',
        message:
          '"changed" looks at the fields of the dossier whose event started the template; "intake.status" is a field of another dossier. Start a template on intake to react to its changes.',
      },
    ]);
    expect(validate({ type: 'compare', field: 'status', op: 'changed', value: 'actief' })[0]!.path).toBe(
      'conditions.value',
    );
    expect(
      validate({ type: 'compare', field: 'status', op: 'changed', from: 'actief', to: 'klaar' }),
    ).toEqual([
      { path: 'conditions.to', message: expect.stringMatching(/^"klaar" is not a status of opportunity/) },
    ]);
  });

  it('dateBefore / dateAfter without a whole number of days, or too many', () => {
    expect(validate({ type: 'compare', field: 'desiredDate', op: 'dateBefore', value: 3 })).toEqual([
      {
        path: 'conditions.value',
        message:
          '"dateBefore" needs a "value" such as {"days": 3} (3 days from now) or {"days": -7} (7 days ago): a whole number of days; got number 3.',
      },
    ]);
    expect(
      validate({ type: 'compare', field: 'desiredDate', op: 'dateAfter', value: { days: 1.5 } })[0]!.message,
    ).toMatch(/got \{"days":1\.5\}\.$/);
    expect(
      validate({ type: 'compare', field: 'desiredDate', op: 'dateAfter', value: { days: 4000 } }),
    ).toEqual([
      {
        path: 'conditions.value.days',
        message: '4000 days is more than ten years; use at most 3650 days before or after now.',
      },
    ]);
  });

  it('shapes that are not conditions', () => {
    expect(validate('status = actief')).toEqual([
      {
        path: 'conditions',
        message:
          'conditions must be a condition object such as {"type": "compare", "field": "status", "op": "eq", "value": "…"}, not the text "status = actief".',
      },
    ]);
    expect(validate({ type: 'and', conditions: [] })).toEqual([
      {
        path: 'conditions.type',
        message: 'A condition\'s "type" must be "all", "any", "not" or "compare", not "and".',
      },
    ]);
    expect(validate({ conditions: [] })[0]!.message).toBe(
      'A condition needs a "type": "all", "any", "not" or "compare".',
    );
    expect(validate({ type: 'all', conditions: {} })).toEqual([
      {
        path: 'conditions.conditions',
        message: 'An "all" group needs "conditions": a list of conditions (an empty list means always).',
      },
    ]);
    expect(validate({ type: 'not', condition: [] })[0]!.path).toBe('conditions.condition');
    expect(validate({ type: 'not' })).toEqual([
      {
        path: 'conditions.condition',
        message: 'A "not" group needs "condition": the condition that must not hold.',
      },
    ]);
    expect(validate({ type: 'any', conditions: [null] })[0]!.path).toBe('conditions.conditions[0]');
  });

  it('unknown properties, suggesting the one that was meant', () => {
    expect(validate({ type: 'compare', field: 'status', op: 'eq', vaule: 'actief' })).toEqual([
      {
        path: 'conditions.vaule',
        message:
          'Unknown property "vaule". Did you mean "value"? A comparison has "type", "field", "op" and "value" ("from" and "to" only with "changed").',
      },
      {
        path: 'conditions.value',
        message:
          '"eq" needs a "value" to compare "status" with. To test for an empty field use "isEmpty" or "isNotEmpty".',
      },
    ]);
    expect(validate({ type: 'all', condition: [] }).map((p) => p.path)).toEqual([
      'conditions.condition',
      'conditions.conditions',
    ]);
  });

  it('reports every problem, under a caller-given path', () => {
    const problems = validateCondition(
      {
        type: 'any',
        conditions: [
          { type: 'compare', field: 'x', op: 'eq', value: 1 },
          { type: 'compare', field: 'name', op: 'gt' },
        ],
      },
      opportunity,
      catalog,
      'templates[3].conditions',
    );
    expect(problems.map((p) => p.path)).toEqual([
      'templates[3].conditions.conditions[0].field',
      'templates[3].conditions.conditions[1].op',
    ]);
  });
});

describe('requireValidCondition', () => {
  it('throws one validation error carrying every problem', () => {
    const error = (() => {
      try {
        requireValidCondition(
          { type: 'all', conditions: [{ type: 'compare', field: 'x', op: 'isEmpty' }, 5] },
          opportunity,
          catalog,
        );
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(WerkflowError);
    expect((error as WerkflowError).code).toBe('validation_failed');
    expect((error as WerkflowError).path).toBe('conditions.conditions[0].field');
    expect((error as WerkflowError).details).toHaveLength(2);
  });
});

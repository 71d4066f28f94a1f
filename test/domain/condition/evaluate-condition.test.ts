import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalogOf, type DossierType } from '../../../src/domain/dossier-type.js';
import { WerkflowError } from '../../../src/domain/errors.js';
import {
  evaluateCondition,
  referencePaths,
  resolverFromDossiers,
  type CompareCondition,
  type Condition,
  type ConditionContext,
  type LoadedDossier,
} from '../../../src/domain/condition/index.js';

const l = (nl: string, en: string) => ({ nl, en });

const customer: DossierType = {
  key: 'customer',
  label: l('Klant', 'Customer'),
  statuses: [
    { code: 'lead', label: l('Lead', 'Lead'), order: 1, active: true },
    { code: 'klant', label: l('Klant', 'Customer'), order: 2, active: true },
  ],
  fields: [
    { key: 'name', kind: 'text', label: l('Naam', 'Name') },
    { key: 'email', kind: 'email', label: l('E-mail', 'E-mail') },
    { key: 'status', kind: 'status', label: l('Status', 'Status') },
    {
      key: 'referredBy',
      kind: 'reference',
      refType: 'customer',
      label: l('Aangebracht door', 'Referred by'),
    },
  ],
};

const order: DossierType = {
  key: 'order',
  label: l('Bestelling', 'Order'),
  statuses: [
    { code: 'nieuw', label: l('Nieuw', 'New'), order: 1, active: true },
    { code: 'betaald', label: l('Betaald', 'Paid'), order: 2, active: true },
  ],
  fields: [
    { key: 'customer', kind: 'reference', refType: 'customer', label: l('Klant', 'Customer') },
    { key: 'status', kind: 'status', label: l('Status', 'Status') },
    { key: 'title', kind: 'text', label: l('Titel', 'Title') },
    { key: 'amount', kind: 'money', label: l('Bedrag', 'Amount') },
    { key: 'quantity', kind: 'number', label: l('Aantal', 'Quantity') },
    { key: 'paid', kind: 'boolean', label: l('Betaald', 'Paid') },
    { key: 'due', kind: 'date', label: l('Vervaldatum', 'Due date') },
    { key: 'shippedAt', kind: 'datetime', label: l('Verzonden', 'Shipped at') },
    {
      key: 'channel',
      kind: 'enum',
      label: l('Kanaal', 'Channel'),
      options: [
        { code: 'web', label: l('Web', 'Web') },
        { code: 'winkel', label: l('Winkel', 'Shop') },
      ],
    },
  ],
};

const catalog = catalogOf([customer, order]);
/** Monday 23 November 2026, 09:00 in Amsterdam. */
const NOW = Date.parse('2026-11-23T08:00:00Z');

const dossiers = new Map<string, LoadedDossier>([
  [
    'c1',
    { type: 'customer', data: { name: 'Anna', email: 'anna@example.nl', status: 'klant', referredBy: 'c2' } },
  ],
  ['c2', { type: 'customer', data: { name: 'Bob', email: '', status: 'lead' } }],
  ['o9', { type: 'order', data: { title: 'not a customer' } }],
]);

function ctx(data: Record<string, unknown>, extra: Partial<ConditionContext> = {}): ConditionContext {
  return {
    type: order,
    catalog,
    data,
    resolve: resolverFromDossiers(order, catalog, data, (id) => dossiers.get(id)),
    now: NOW,
    ...extra,
  };
}

const cmp = (field: string, op: CompareCondition['op'], value?: unknown): CompareCondition =>
  value === undefined ? { type: 'compare', field, op } : { type: 'compare', field, op, value };
const holds = (condition: Condition, data: Record<string, unknown>, extra?: Partial<ConditionContext>) =>
  evaluateCondition(condition, ctx(data, extra));

describe('evaluateCondition', () => {
  it('compares text exactly: case-sensitive, literal contains and startsWith', () => {
    const data = { title: 'Zonnepanelen 10%' };
    expect(holds(cmp('title', 'eq', 'Zonnepanelen 10%'), data)).toBe(true);
    expect(holds(cmp('title', 'eq', 'zonnepanelen 10%'), data)).toBe(false);
    expect(holds(cmp('title', 'contains', '10%'), data)).toBe(true);
    expect(holds(cmp('title', 'contains', '_0'), data)).toBe(false);
    expect(holds(cmp('title', 'contains', 'panelen'), data)).toBe(true);
    expect(holds(cmp('title', 'contains', 'PANELEN'), data)).toBe(false);
    expect(holds(cmp('title', 'startsWith', 'Zon'), data)).toBe(true);
    expect(holds(cmp('title', 'startsWith', 'panelen'), data)).toBe(false);
  });

  it('compares numbers numerically and dates as ISO text', () => {
    const data = { amount: 1250.5, quantity: 9, due: '2026-12-01', shippedAt: '2026-11-20T08:00:00.000Z' };
    expect(holds(cmp('amount', 'gt', 1250), data)).toBe(true);
    expect(holds(cmp('amount', 'lte', 1250.5), data)).toBe(true);
    expect(holds(cmp('quantity', 'lt', 10), data)).toBe(true); // 9 < 10, where '9' > '10' as text
    expect(holds(cmp('quantity', 'in', [1, 9]), data)).toBe(true);
    expect(holds(cmp('due', 'gte', '2026-12-01'), data)).toBe(true);
    expect(holds(cmp('due', 'gt', '2026-12-01'), data)).toBe(false);
    // A datetime in the condition may carry any zone; it is compared as the UTC text stored.
    expect(holds(cmp('shippedAt', 'eq', '2026-11-20T09:00:00+01:00'), data)).toBe(true);
    expect(holds(cmp('shippedAt', 'lt', '2026-11-20T09:00:01+01:00'), data)).toBe(true);
  });

  it('booleans: eq true only for true; ne true also for an empty field', () => {
    expect(holds(cmp('paid', 'eq', true), { paid: true })).toBe(true);
    expect(holds(cmp('paid', 'eq', false), { paid: true })).toBe(false);
    expect(holds(cmp('paid', 'eq', false), {})).toBe(false);
    expect(holds(cmp('paid', 'ne', true), {})).toBe(true);
    expect(holds(cmp('paid', 'ne', true), { paid: 'true' })).toBe(true); // text is not a boolean
  });

  it('null, absent and wrongly typed values: comparisons false, their negations true', () => {
    for (const data of [{}, { status: null }, { status: 7 }]) {
      expect(holds(cmp('status', 'eq', 'nieuw'), data)).toBe(false);
      expect(holds(cmp('status', 'in', ['nieuw', 'betaald']), data)).toBe(false);
      expect(holds(cmp('status', 'ne', 'nieuw'), data)).toBe(true);
      expect(holds(cmp('status', 'notIn', ['nieuw']), data)).toBe(true);
      expect(holds({ type: 'not', condition: cmp('status', 'eq', 'nieuw') }, data)).toBe(true);
      expect(holds(cmp('status', 'isEmpty'), data)).toBe(true);
    }
    expect(holds(cmp('amount', 'gt', -1), { amount: '12' })).toBe(false);
    expect(holds(cmp('amount', 'lte', 0), {})).toBe(false);
    expect(holds(cmp('amount', 'gt', 0), {})).toBe(false);
  });

  it('isEmpty: null, absent, of the wrong type, or the empty text', () => {
    expect(holds(cmp('title', 'isEmpty'), { title: '' })).toBe(true);
    expect(holds(cmp('title', 'isEmpty'), { title: ' ' })).toBe(false);
    expect(holds(cmp('title', 'isNotEmpty'), { title: 'x' })).toBe(true);
    expect(holds(cmp('amount', 'isEmpty'), { amount: 0 })).toBe(false);
    expect(holds(cmp('paid', 'isEmpty'), { paid: false })).toBe(false);
    // A field key that is also an Object.prototype member is still just absent.
    expect(
      holds(cmp('title', 'isEmpty'), Object.create({ title: 'inherited' }) as Record<string, unknown>),
    ).toBe(true);
  });

  it('reads fields through reference paths, and a broken chain as empty', () => {
    const referredEmail = cmp('customer.referredBy.email', 'isEmpty');
    expect(holds(cmp('customer.name', 'eq', 'Anna'), { customer: 'c1' })).toBe(true);
    expect(holds(cmp('customer.status', 'eq', 'klant'), { customer: 'c1' })).toBe(true);
    expect(holds(cmp('customer.referredBy.name', 'eq', 'Bob'), { customer: 'c1' })).toBe(true);
    expect(holds(referredEmail, { customer: 'c1' })).toBe(true); // Bob's e-mail is ''
    expect(holds(cmp('customer.referredBy.name', 'eq', 'Bob'), { customer: 'c2' })).toBe(false); // Bob has no referrer
    expect(holds(cmp('customer.referredBy.name', 'isEmpty'), { customer: 'c2' })).toBe(true);
    for (const broken of [
      {},
      { customer: null },
      { customer: 'c404' },
      { customer: 'o9' },
      { customer: 1 },
    ]) {
      expect(holds(cmp('customer.name', 'ne', 'Anna'), broken)).toBe(true);
      expect(holds(cmp('customer.name', 'eq', 'not a customer'), broken)).toBe(false);
    }
  });

  it('changed: false without an event; with one, matches from and to (null = empty)', () => {
    const changes = { status: { old: 'nieuw', new: 'betaald' }, title: { old: null, new: 'X' } };
    expect(holds(cmp('status', 'changed'), { status: 'betaald' })).toBe(false);
    expect(holds({ type: 'not', condition: cmp('status', 'changed') }, {})).toBe(true);
    expect(holds(cmp('status', 'changed'), {}, { changes })).toBe(true);
    expect(holds(cmp('amount', 'changed'), {}, { changes })).toBe(false);
    expect(holds({ type: 'compare', field: 'status', op: 'changed', to: 'betaald' }, {}, { changes })).toBe(
      true,
    );
    expect(
      holds(
        { type: 'compare', field: 'status', op: 'changed', from: 'nieuw', to: 'betaald' },
        {},
        { changes },
      ),
    ).toBe(true);
    expect(holds({ type: 'compare', field: 'status', op: 'changed', from: 'betaald' }, {}, { changes })).toBe(
      false,
    );
    expect(holds({ type: 'compare', field: 'title', op: 'changed', from: null }, {}, { changes })).toBe(true);
    expect(holds({ type: 'compare', field: 'title', op: 'changed', to: null }, {}, { changes })).toBe(false);
    expect(
      holds(
        { type: 'compare', field: 'shippedAt', op: 'changed', to: '2026-11-20T09:00:00+01:00' },
        {},
        {
          changes: { shippedAt: { old: null, new: '2026-11-20T08:00:00.000Z' } },
        },
      ),
    ).toBe(true);
  });

  it('dateBefore / dateAfter: date fields against the local date, datetime fields against the instant', () => {
    // 23:30 UTC on the 23rd is already the 24th in Amsterdam: "today" is the organisation's date.
    const lateEvening = Date.parse('2026-11-23T23:30:00Z');
    const at = { now: lateEvening };
    expect(holds(cmp('due', 'dateBefore', { days: 0 }), { due: '2026-11-23' }, at)).toBe(true);
    expect(holds(cmp('due', 'dateBefore', { days: 0 }), { due: '2026-11-24' }, at)).toBe(false);
    expect(holds(cmp('due', 'dateAfter', { days: 0 }), { due: '2026-11-24' }, at)).toBe(false);
    expect(holds(cmp('due', 'dateAfter', { days: 2 }), { due: '2026-11-27' }, at)).toBe(true);
    expect(holds(cmp('due', 'dateBefore', { days: -3 }), { due: '2026-11-20' }, at)).toBe(true);
    expect(
      holds(cmp('due', 'dateBefore', { days: 0 }), { due: '2026-11-23' }, { ...at, timeZone: 'UTC' }),
    ).toBe(false);
    // Datetimes: strictly before / after now ± N calendar days.
    expect(
      holds(cmp('shippedAt', 'dateBefore', { days: -3 }), { shippedAt: '2026-11-20T07:59:59.999Z' }),
    ).toBe(true);
    expect(
      holds(cmp('shippedAt', 'dateBefore', { days: -3 }), { shippedAt: '2026-11-20T08:00:00.000Z' }),
    ).toBe(false);
    expect(
      holds(cmp('shippedAt', 'dateAfter', { days: -3 }), { shippedAt: '2026-11-20T08:00:00.000Z' }),
    ).toBe(false);
    expect(
      holds(cmp('shippedAt', 'dateAfter', { days: -3 }), { shippedAt: '2026-11-20T08:00:00.001Z' }),
    ).toBe(true);
    expect(holds(cmp('shippedAt', 'dateAfter', { days: 0 }), {})).toBe(false);
  });

  it('counts datetime days on the wall clock across a DST change', () => {
    // Saturday 24 October 2026, 09:00 in Amsterdam (UTC+2); a day later it is 09:00 in UTC+1.
    const now = Date.parse('2026-10-24T07:00:00Z');
    const data = { shippedAt: '2026-10-25T07:30:00.000Z' }; // 08:30 local on the 25th
    expect(holds(cmp('shippedAt', 'dateBefore', { days: 1 }), data, { now })).toBe(true); // before 09:00 on the 25th
    expect(holds(cmp('shippedAt', 'dateBefore', { days: 1 }), data, { now, timeZone: 'UTC' })).toBe(false);
  });

  it('groups: all of none holds, any of none does not, not negates', () => {
    const data = { status: 'nieuw', title: 'x' };
    expect(holds({ type: 'all', conditions: [] }, data)).toBe(true);
    expect(holds({ type: 'any', conditions: [] }, data)).toBe(false);
    expect(
      holds({ type: 'all', conditions: [cmp('status', 'eq', 'nieuw'), cmp('title', 'eq', 'y')] }, data),
    ).toBe(false);
    expect(
      holds({ type: 'any', conditions: [cmp('status', 'eq', 'nieuw'), cmp('title', 'eq', 'y')] }, data),
    ).toBe(true);
    expect(holds({ type: 'not', condition: { type: 'any', conditions: [] } }, data)).toBe(true);
  });

  it('refuses a condition that does not fit the dossier type', () => {
    expect(() => holds(cmp('colour', 'eq', 'red'), {})).toThrow(WerkflowError);
    expect(() => holds(cmp('colour', 'eq', 'red'), {})).toThrow(/"colour" is not a field of order/);
  });

  it('ne is not eq, notIn is not in, isNotEmpty is not isEmpty — for any stored value', () => {
    const stored = fc.oneof(fc.constantFrom(undefined, null, '', 'nieuw', 'betaald', 0, true), fc.string());
    fc.assert(
      fc.property(stored, fc.constantFrom('nieuw', 'betaald'), (status, code) => {
        const data = status === undefined ? {} : { status };
        const eq = holds(cmp('status', 'eq', code), data);
        expect(holds(cmp('status', 'ne', code), data)).toBe(!eq);
        expect(holds(cmp('status', 'notIn', [code]), data)).toBe(!holds(cmp('status', 'in', [code]), data));
        expect(holds(cmp('status', 'isNotEmpty'), data)).toBe(!holds(cmp('status', 'isEmpty'), data));
      }),
      { numRuns: 200 },
    );
  });
});

describe('referencePaths', () => {
  it('lists each reference chain a condition reads through, once, in order', () => {
    const condition: Condition = {
      type: 'all',
      conditions: [
        cmp('status', 'eq', 'nieuw'),
        cmp('customer.referredBy.name', 'eq', 'Bob'),
        { type: 'not', condition: cmp('customer.name', 'isEmpty') },
        { type: 'any', conditions: [cmp('customer.referredBy.email', 'isEmpty')] },
      ],
    };
    expect(referencePaths(condition)).toEqual([['customer', 'referredBy'], ['customer']]);
    expect(
      referencePaths({ type: 'compare', field: 'opportunity.intake.contact.email', op: 'isNotEmpty' }),
    ).toEqual([['opportunity', 'intake', 'contact']]);
    expect(referencePaths(cmp('status', 'isEmpty'))).toEqual([]);
  });
});

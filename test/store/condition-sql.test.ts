import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { catalogOf, type DossierType, type FieldKind } from '../../src/domain/dossier-type.js';
import { WerkflowError } from '../../src/domain/errors.js';
import {
  OPS_BY_KIND,
  evaluateCondition,
  resolveFieldPath,
  resolverFromDossiers,
  validateCondition,
  type CompareCondition,
  type Condition,
} from '../../src/domain/condition/index.js';
import { addLocalDays } from '../../src/domain/timing/index.js';
import { compileCondition } from '../../src/store/condition-sql.js';
import { openStore, type Store } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrator.js';
import { BACKENDS, TestClock } from '../support/backends.js';

// ---------------------------------------------------------------------------------------------
// A fixed pair of dossier types with a reference chain: order → customer → customer (referrer),
// covering every class of value (text, number, money, boolean, date, datetime, enum, status).

const l = (nl: string, en: string) => ({ nl, en });

const customer: DossierType = {
  key: 'customer',
  label: l('Klant', 'Customer'),
  statuses: [
    { code: 'lead', label: l('Lead', 'Lead'), order: 1, active: true },
    { code: 'klant', label: l('Klant', 'Customer'), order: 2, active: true },
    { code: 'oud-klant', label: l('Oud-klant', 'Former customer'), order: 3, active: false },
  ],
  fields: [
    { key: 'name', kind: 'text', label: l('Naam', 'Name') },
    { key: 'email', kind: 'email', label: l('E-mail', 'E-mail') },
    { key: 'status', kind: 'status', label: l('Status', 'Status') },
    { key: 'score', kind: 'number', label: l('Score', 'Score') },
    { key: 'vip', kind: 'boolean', label: l('VIP', 'VIP') },
    { key: 'since', kind: 'date', label: l('Klant sinds', 'Customer since') },
    {
      key: 'segment',
      kind: 'enum',
      label: l('Segment', 'Segment'),
      options: [
        { code: 'particulier', label: l('Particulier', 'Private') },
        { code: 'zakelijk', label: l('Zakelijk', 'Business') },
      ],
    },
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
    { code: 'geannuleerd', label: l('Geannuleerd', 'Cancelled'), order: 3, active: false },
  ],
  fields: [
    { key: 'customer', kind: 'reference', refType: 'customer', label: l('Klant', 'Customer') },
    { key: 'status', kind: 'status', label: l('Status', 'Status') },
    // Named like the customer's name, so a reference that reaches an order by mistake would show.
    { key: 'name', kind: 'text', label: l('Titel', 'Title') },
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
        { code: 'telefoon', label: l('Telefoon', 'Phone') },
      ],
    },
  ],
};

const TYPES = [customer, order];
const catalog = catalogOf(TYPES);
/** Monday 23 November 2026, 09:00 in Amsterdam. */
const NOW = Date.parse('2026-11-23T08:00:00Z');
const TODAY = '2026-11-23';

const CUSTOMER_IDS = Array.from({ length: 10 }, (_, i) => `c${i}`);
const ORDER_IDS = Array.from({ length: 20 }, (_, i) => `o${String(i).padStart(2, '0')}`);

// ---------------------------------------------------------------------------------------------
// Values: small pools, so that equalities hit; text with LIKE wildcards, quotes, case and accents.

const TEXTS = [
  'Anna',
  'anna',
  'Anne-Marie',
  'Bob',
  'bob de Vries',
  '50%_korting',
  "O'Brien",
  'Zoë',
  'Ånne',
  ' ',
];
const NEEDLES = ['a', 'A', 'nn', 'Anna', '%', '_', "'", 'ë', 'bob', '-', ' '];
const EMAILS = ['anna@example.nl', 'ANNA@example.nl', 'bob@voorbeeld.nl'];
const NUMBERS = [-3, 0, 1, 2.5, 9, 10, 100];
const MONEY = [-5, 0, 0.1, 0.2, 0.3, 12.34, 99.99, 1250.5];
const DATES = Array.from({ length: 11 }, (_, i) => addLocalDays(TODAY, i - 5));
const DATETIMES = Array.from({ length: 13 }, (_, i) =>
  new Date(NOW + (i - 6) * 11 * 3_600_000).toISOString(),
);

function codesOf(type: DossierType, key: string): string[] {
  const field = type.fields.find((f) => f.key === key)!;
  if (field.kind === 'enum') return field.options.map((o) => o.code);
  if (field.kind === 'status') return type.statuses.map((s) => s.code);
  return [];
}

/** A valid value for a field: what conditions compare with. */
function operandArb(type: DossierType, key: string, kind: FieldKind): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'text':
    case 'longText':
    case 'phone':
      return fc.constantFrom(...TEXTS, '');
    case 'email':
      return fc.constantFrom(...EMAILS, '');
    case 'number':
      return fc.constantFrom(...NUMBERS);
    case 'money':
      return fc.constantFrom(...MONEY);
    case 'boolean':
      return fc.boolean();
    case 'date':
      return fc.constantFrom(...DATES);
    case 'datetime':
      // Sometimes with an explicit offset: conditions normalise it to the stored UTC text.
      return fc
        .tuple(fc.constantFrom(...DATETIMES), fc.boolean())
        .map(([iso, shifted]) =>
          shifted ? new Date(Date.parse(iso) + 3_600_000).toISOString().replace('.000Z', '+01:00') : iso,
        );
    case 'enum':
    case 'status':
      return fc.constantFrom(...codesOf(type, key));
    case 'reference':
      return fc.constantFrom(...CUSTOMER_IDS, 'c404');
    case 'user':
    case 'team':
      return fc.constantFrom('u1', 'u2');
  }
}

/** A stored value: often valid, sometimes null, '', absent (undefined) or of the wrong JSON type. */
function storedArb(type: DossierType, key: string, kind: FieldKind): fc.Arbitrary<unknown> {
  const valid =
    kind === 'reference'
      ? fc.constantFrom(...CUSTOMER_IDS, 'c404', 'o00', 'o01') // o00, o01: dossiers of the wrong type
      : kind === 'datetime'
        ? fc.constantFrom(...DATETIMES)
        : operandArb(type, key, kind);
  const wrongType =
    kind === 'number' || kind === 'money' || kind === 'boolean'
      ? fc.constantFrom('12', 'true', '')
      : fc.constantFrom(7, true, 20261123);
  return fc.oneof(
    { arbitrary: valid, weight: 6 },
    { arbitrary: fc.constantFrom(undefined, null), weight: 2 },
    { arbitrary: wrongType, weight: 1 },
  );
}

function dataArb(type: DossierType): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.fromEntries(type.fields.map((f) => [f.key, storedArb(type, f.key, f.kind)]));
  // A round trip through JSON: the in-memory side sees exactly what the database stores.
  return fc.record(fields).map((data) => JSON.parse(JSON.stringify(data)) as Record<string, unknown>);
}

interface Row {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

const dossiersArb: fc.Arbitrary<Row[]> = fc
  .tuple(
    fc.array(dataArb(customer), { minLength: CUSTOMER_IDS.length, maxLength: CUSTOMER_IDS.length }),
    fc.array(dataArb(order), { minLength: ORDER_IDS.length, maxLength: ORDER_IDS.length }),
  )
  .map(([customers, orders]) => [
    ...customers.map((data, i) => ({ id: CUSTOMER_IDS[i]!, type: 'customer', data })),
    ...orders.map((data, i) => ({ id: ORDER_IDS[i]!, type: 'order', data })),
  ]);

/** Every field path a condition on `root` can name, up to two references deep. */
function pathsOf(root: DossierType): string[] {
  const paths: string[] = [];
  const walk = (type: DossierType, prefix: string, depth: number) => {
    for (const field of type.fields) {
      paths.push(prefix + field.key);
      if (field.kind === 'reference' && depth < 2)
        walk(catalog.get(field.refType)!, `${prefix}${field.key}.`, depth + 1);
    }
  };
  walk(root, '', 0);
  return paths;
}

function comparisonArb(root: DossierType): fc.Arbitrary<CompareCondition> {
  return fc.constantFrom(...pathsOf(root)).chain((path) => {
    const resolved = resolveFieldPath(root, catalog, path);
    if ('problem' in resolved) throw new Error(resolved.problem);
    const { field, owner } = resolved;
    const ops = OPS_BY_KIND[field.kind].filter((op) => op !== 'changed' || resolved.chain.length === 0);
    const operand = operandArb(owner, field.key, field.kind);
    return fc.constantFrom(...ops).chain((op): fc.Arbitrary<CompareCondition> => {
      const base = { type: 'compare' as const, field: path, op };
      switch (op) {
        case 'eq':
        case 'ne':
        case 'gt':
        case 'gte':
        case 'lt':
        case 'lte':
          return operand.map((value) => ({ ...base, value }));
        case 'in':
        case 'notIn':
          return fc.array(operand, { minLength: 1, maxLength: 3 }).map((value) => ({ ...base, value }));
        case 'contains':
        case 'startsWith':
          return fc.constantFrom(...NEEDLES).map((value) => ({ ...base, value }));
        case 'dateBefore':
        case 'dateAfter':
          return fc.integer({ min: -4, max: 4 }).map((days) => ({ ...base, value: { days } }));
        case 'changed':
          return fc
            .record({ from: fc.option(operand), to: fc.option(operand) }, { requiredKeys: [] })
            .map((ft) => ({ ...base, ...ft }));
        case 'isEmpty':
        case 'isNotEmpty':
          return fc.constant(base);
      }
    });
  });
}

function conditionArb(root: DossierType, depth: number): fc.Arbitrary<Condition> {
  const leaf = comparisonArb(root);
  if (depth === 0) return leaf;
  const child = conditionArb(root, depth - 1);
  return fc.oneof(
    { arbitrary: leaf, weight: 3 },
    {
      arbitrary: fc
        .array(child, { maxLength: 3 })
        .map((conditions): Condition => ({ type: 'all', conditions })),
      weight: 1,
    },
    {
      arbitrary: fc
        .array(child, { maxLength: 3 })
        .map((conditions): Condition => ({ type: 'any', conditions })),
      weight: 1,
    },
    { arbitrary: child.map((condition): Condition => ({ type: 'not', condition })), weight: 1 },
  );
}

const ROOTS = { order, customer } as const;
const casesArb = fc.array(
  fc
    .constantFrom('order' as const, 'customer' as const)
    .chain((root) => conditionArb(ROOTS[root], 3).map((condition) => ({ root, condition }))),
  { minLength: 1, maxLength: 5 },
);

// ---------------------------------------------------------------------------------------------

describe.each(BACKENDS)('conditions in SQL on $name', (backend) => {
  let store: Store;

  beforeAll(async () => {
    store = await openStore(backend.fresh());
    await migrate(store, new TestClock());
  });
  afterAll(async () => {
    await store?.close();
  });

  async function load(rows: readonly Row[]): Promise<void> {
    await store.db.deleteFrom('dossiers').execute();
    await store.db
      .insertInto('dossiers')
      .values(
        rows.map((r) => ({
          id: r.id,
          type: r.type,
          external_id: null,
          // The store keeps the column equal to data.status; conditions read the column.
          status: typeof r.data.status === 'string' ? r.data.status : null,
          data: store.adapter.toJson(r.data) as string,
          version: 1,
          created_at: NOW,
          updated_at: NOW,
        })),
      )
      .execute();
  }

  async function selectIds(root: DossierType, condition: Condition, alias = 'd'): Promise<string[]> {
    const rows = await store.db
      .selectFrom(`dossiers as ${alias}` as 'dossiers as d')
      .select(sql<string>`${sql.ref(`${alias}.id`)}`.as('id'))
      .where(sql.ref(`${alias}.type`), '=', root.key)
      .where(compileCondition(condition, { type: root, catalog, adapter: store.adapter, now: NOW, alias }))
      .execute();
    return rows.map((r) => r.id).sort();
  }

  function evaluateIds(rows: readonly Row[], root: DossierType, condition: Condition): string[] {
    const byId = new Map(rows.map((r) => [r.id, r]));
    return rows
      .filter((r) => r.type === root.key)
      .filter((r) =>
        evaluateCondition(condition, {
          type: root,
          catalog,
          data: r.data,
          resolve: resolverFromDossiers(root, catalog, r.data, (id) => byId.get(id)),
          now: NOW,
        }),
      )
      .map((r) => r.id)
      .sort();
  }

  it('selects exactly the dossiers for which the in-memory evaluation holds', async () => {
    let compared = 0;
    let nonTrivial = 0;
    await fc.assert(
      fc.asyncProperty(dossiersArb, casesArb, async (rows, cases) => {
        await load(rows);
        for (const { root: key, condition } of cases) {
          const root = ROOTS[key];
          expect(validateCondition(condition, root, catalog)).toEqual([]);
          const inMemory = evaluateIds(rows, root, condition);
          const inSql = await selectIds(root, condition);
          expect(inSql, JSON.stringify(condition)).toEqual(inMemory);
          compared++;
          const all = rows.filter((r) => r.type === root.key).length;
          if (inMemory.length > 0 && inMemory.length < all) nonTrivial++;
        }
      }),
      { numRuns: 40 },
    );
    // The generator must produce conditions that split the dossiers, or agreement proves little.
    expect(nonTrivial).toBeGreaterThan(compared / 4);
  });

  it('agrees on the cases where SQL NULL differs from false', async () => {
    const rows: Row[] = [
      { id: 'c0', type: 'customer', data: { name: 'Anna', status: 'klant', vip: true } },
      { id: 'c1', type: 'customer', data: { name: '', referredBy: 'c0' } },
      {
        id: 'o00',
        type: 'order',
        data: { customer: 'c1', status: 'nieuw', name: '50%_korting', paid: false },
      },
      { id: 'o01', type: 'order', data: { customer: 'c404', paid: 'true', amount: '12' } },
      { id: 'o02', type: 'order', data: { customer: 'o00', name: "O'Brien", amount: 12, status: null } },
      { id: 'o03', type: 'order', data: {} },
    ];
    await load(rows);
    const cases: Condition[] = [
      { type: 'not', condition: { type: 'compare', field: 'status', op: 'eq', value: 'nieuw' } },
      { type: 'compare', field: 'status', op: 'ne', value: 'nieuw' },
      { type: 'compare', field: 'status', op: 'notIn', value: ['nieuw', 'betaald'] },
      { type: 'not', condition: { type: 'compare', field: 'amount', op: 'gt', value: 1 } },
      { type: 'compare', field: 'paid', op: 'ne', value: true },
      { type: 'compare', field: 'paid', op: 'eq', value: false },
      { type: 'not', condition: { type: 'compare', field: 'paid', op: 'eq', value: false } },
      { type: 'compare', field: 'customer.name', op: 'isEmpty' },
      { type: 'compare', field: 'customer.referredBy.vip', op: 'eq', value: true },
      {
        type: 'not',
        condition: { type: 'compare', field: 'customer.referredBy.name', op: 'startsWith', value: 'A' },
      },
      { type: 'compare', field: 'name', op: 'contains', value: '%_' },
      { type: 'compare', field: 'name', op: 'contains', value: '0_k' },
      { type: 'compare', field: 'name', op: 'eq', value: "O'Brien" },
      { type: 'not', condition: { type: 'compare', field: 'status', op: 'changed' } },
      { type: 'not', condition: { type: 'any', conditions: [] } },
    ];
    for (const condition of cases) {
      expect(await selectIds(order, condition), JSON.stringify(condition)).toEqual(
        evaluateIds(rows, order, condition),
      );
    }
    expect(await selectIds(order, cases[0]!)).toEqual(['o01', 'o02', 'o03']);
    expect(await selectIds(order, cases[7]!)).toEqual(['o00', 'o01', 'o02', 'o03']);
    expect(await selectIds(order, cases[8]!)).toEqual(['o00']);
  });

  it('binds values as parameters, and works under another table alias', async () => {
    const hostile = "x'); delete from dossiers; --";
    await load([{ id: 'o00', type: 'order', data: { name: hostile } }]);
    const condition: Condition = {
      type: 'any',
      conditions: [
        { type: 'compare', field: 'name', op: 'eq', value: hostile },
        { type: 'compare', field: 'name', op: 'contains', value: hostile },
      ],
    };
    expect(await selectIds(order, condition, 'dossiers')).toEqual(['o00']);
    expect(await selectIds(order, condition, 'x')).toEqual(['o00']);
    const compiled = store.db
      .selectFrom('dossiers as d')
      .select('d.id')
      .where(compileCondition(condition, { type: order, catalog, adapter: store.adapter, now: NOW }))
      .compile();
    expect(compiled.sql).not.toContain('delete');
    expect(compiled.parameters).toContain(hostile);
  });

  it('refuses a condition that does not fit the dossier type, and a bad alias', () => {
    const options = { type: order, catalog, adapter: store.adapter, now: NOW };
    expect(() => compileCondition({ type: 'compare', field: 'name', op: 'gt', value: 'a' }, options)).toThrow(
      WerkflowError,
    );
    expect(() =>
      compileCondition(
        { type: 'compare', field: 'name', op: 'isEmpty' },
        { ...options, alias: 'd; drop table x' },
      ),
    ).toThrow(/alias/);
  });
});

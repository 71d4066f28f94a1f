/**
 * Statements built once per shape and afterwards only bound (src/store/shaped-statements.ts): a
 * statement taken from a kept shape is exactly what Kysely compiles for the same structure (SQL
 * text and parameters), on both dialects' compilers; and on PostgreSQL, the single creates (the
 * dossier + event statement, and the one that also stamps actions) of several shapes — without
 * actions, with an externalId, with one and with two actions, with and without an actor — are.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type Compilable,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely';
import type { Action } from '../../src/domain/action/action.js';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import { Werkflow } from '../../src/engine/werkflow.js';
import { ActionRepository } from '../../src/store/action.repository.js';
import type { Store } from '../../src/store/database.js';
import { postgresAdapter } from '../../src/store/dialect-adapter.js';
import { PLANNED_EVENT_ID } from '../../src/store/event.repository.js';
import { Part, ShapedStatements } from '../../src/store/shaped-statements.js';
import { openAction } from '../support/action-fixture.js';
import { postgresBackend } from '../support/backends.js';

interface Table {
  a: string | null;
  b: number | null;
  c: string | null;
}

/** A Kysely that only compiles, with one dialect's adapter and compiler. */
function compileOnly(
  adapter: () => PostgresAdapter | SqliteAdapter,
  introspector: (db: Kysely<unknown>) => PostgresIntrospector | SqliteIntrospector,
  compiler: () => PostgresQueryCompiler | SqliteQueryCompiler,
) {
  return new Kysely<{ t: Table }>({
    dialect: {
      createAdapter: adapter,
      createDriver: () => new DummyDriver(),
      createIntrospector: introspector,
      createQueryCompiler: compiler,
    },
  });
}

const compilers = {
  postgres: compileOnly(
    () => new PostgresAdapter(),
    (db) => new PostgresIntrospector(db),
    () => new PostgresQueryCompiler(),
  ),
  sqlite: compileOnly(
    () => new SqliteAdapter(),
    (db) => new SqliteIntrospector(db),
    () => new SqliteQueryCompiler(),
  ),
};

/** Rows of [a, b, c] (a Part 'x' for `a` stands for `upper(<its value>)`), returning `c`. */
function insertRows(db: (typeof compilers)['postgres'], structure: readonly unknown[]) {
  const [rows, tail] = structure as [unknown[][], unknown[]];
  return db
    .insertInto('t')
    .values(
      rows.map(([a, b, c]) => ({
        a: a instanceof Part ? sql<string>`upper(${a.values[0]})` : (a as string | null),
        b: b as number | null,
        c: c as string | null,
      })),
    )
    .returning(['c', sql<string>`${tail[0]}`.as('tail')]);
}

describe.each(Object.entries(compilers))('statements kept per shape (%s compiler)', (_name, compiler) => {
  const db = compiler as (typeof compilers)['postgres'];
  /** Compiles through `shapes` and checks the result against Kysely's own compile of the structure. */
  function same(
    shapes: ShapedStatements,
    structure: readonly unknown[],
    build: (s: readonly unknown[]) => Compilable<unknown> = (s) => insertRows(db, s),
  ) {
    const got = shapes.compile(db, 'p', structure, build);
    const want = build(structure).compile();
    expect(got.sql).toBe(want.sql);
    expect(got.parameters).toEqual(want.parameters);
  }

  it('binds later statements of a shape to the SQL kept, with the same text and parameters', () => {
    const shapes = new ShapedStatements();
    same(shapes, [[['a', 1, 'c']], ['t1']]);
    same(shapes, [[['b', 2, null]], ['t2']]);
    same(shapes, [[[new Part('x', ['y']), 3, 'z']], [null]]);
    same(shapes, [[[new Part('x', ['w']), 4, 'v']], ['t4']]);
    const twoRows = (x: string, tail: string) => [
      [
        [x, 5, 'e'],
        ['d', 6, x],
      ],
      [tail],
    ];
    same(shapes, twoRows('a', 't5'));
    same(shapes, twoRows('f', 't6'));
    // Three shapes learned (one row; one row with a Part; two rows), each bound once after.
    expect(shapes.hits).toBe(3);
  });

  it('takes a value left undefined (a column left out) as another shape', () => {
    const shapes = new ShapedStatements();
    same(shapes, [[['a', 1, 'c']], ['t']]);
    same(shapes, [[['a', undefined, 'c']], ['t']]);
    same(shapes, [[['b', undefined, 'd']], ['u']]);
    expect(shapes.hits).toBe(1);
  });

  it('keeps no shape whose builder puts a value into the text', () => {
    const shapes = new ShapedStatements();
    const inlined = (s: readonly unknown[]) =>
      db.selectNoFrom([sql.lit(String((s[0] as unknown[])[0])).as('x'), sql<string>`${s[1]}`.as('y')]);
    same(shapes, [['one'], 'a'], inlined);
    same(shapes, [['two'], 'b'], inlined);
    expect(shapes.hits).toBe(0);
  });

  it('builds through Kysely every time for a database with plugins (which see each statement)', () => {
    const shapes = new ShapedStatements();
    const seen: string[] = [];
    const watched = db.withPlugin({
      transformQuery: ({ node }) => {
        seen.push(node.kind);
        return node;
      },
      transformResult: async ({ result }) => result,
    });
    for (const tail of ['t1', 't2']) {
      const structure = [[['a', 1, 'c']], [tail]];
      const got = shapes.compile(watched, 'p', structure, (s) => insertRows(watched, s));
      expect(got.parameters).toEqual(insertRows(db, structure).compile().parameters);
    }
    expect(shapes.hits).toBe(0);
    expect(seen).toEqual(['InsertQueryNode', 'InsertQueryNode']);
    // Without plugins the same shape is learned and kept.
    same(shapes, [[['a', 1, 'c']], ['t3']]);
    same(shapes, [[['a', 1, 'c']], ['t4']]);
    expect(shapes.hits).toBe(1);
  });

  it('keeps at most `max` shapes and builds the others every time', () => {
    const shapes = new ShapedStatements(1);
    const rows = (n: number) => [Array.from({ length: n }, (_, i) => ['a', i, 'c']), ['t']];
    same(shapes, rows(1));
    same(shapes, rows(1));
    same(shapes, rows(2));
    same(shapes, rows(2));
    expect(shapes.hits).toBe(1);
  });
});

/** What `insertWithCreated` builds from (private: its row of an action, and its Kysely builder). */
interface CreatedBuilder {
  createdRow(a: Action): unknown[];
  createdStatement(
    db: unknown,
    dossiers: unknown,
    events: unknown,
    rows: unknown,
    actor: unknown,
    announce: string | null,
  ): Compilable<unknown>;
}

describe('the stamping create built once per shape, compile only (PostgreSQL compiler, no server)', () => {
  it('binds exactly what Kysely builds, every value in its own place', () => {
    const db = compilers.postgres;
    const store = {
      adapter: postgresAdapter,
      db,
      notifyExpression: (channel: string, payload: unknown) => sql`pg_notify(${'s_' + channel}, ${payload})`,
    } as unknown as Store;
    const repo = new ActionRepository(store) as unknown as CreatedBuilder;
    const shapes = new ShapedStatements();
    let n = 0;
    // Every value differs from every other (created and updated too), so a swapped pair shows.
    const action = (over: Partial<Action> = {}): Action =>
      openAction({
        id: `a${++n}`,
        title: `T${n}`,
        dossierId: `d${n}`,
        dossierType: 'contact',
        idempotencyKey: `k${n}|e${PLANNED_EVENT_ID}|x${n}`,
        createdAt: 1_000 + n,
        updatedAt: 2_000 + n,
        dueAt: 3_000 + n,
        status: 'pending',
        executionMode: 'automatic',
        triggerEventId: PLANNED_EVENT_ID,
        templateId: `t${n}`,
        templateVersion: n,
        ...over,
      });
    const dossier = (i: number) => [
      [
        `d${i}`,
        'contact',
        i % 2 ? null : `ext${i}`,
        'open',
        `{"i":${i}}`,
        1,
        10 + i,
        20 + i,
        'nl',
        'en',
        `s${i}`,
      ],
    ];
    const event = (i: number, actor: string | null) => [
      [`d${i}`, 'contact', 'created', undefined, `{"i":${i}}`, 'open', actor, 30 + i],
    ];
    const run = (i: number, actions: Action[], actor: string | null, announce: string | null) => {
      const structure = [dossier(i), event(i, actor), actions.map((a) => repo.createdRow(a)), [actor]];
      const build = ([d, e, r, by]: readonly unknown[]) =>
        repo.createdStatement(db, d, e, r, (by as unknown[])[0], announce);
      const got = shapes.compile(db, announce ?? '', structure, build);
      const want = build(structure).compile();
      expect(got.sql).toBe(want.sql);
      expect(got.parameters).toEqual(want.parameters);
    };
    run(1, [action()], 'x', 'actions');
    run(2, [action()], null, 'actions');
    run(3, [action({ triggerEventId: 7, idempotencyKey: 'plain' })], null, 'actions');
    run(4, [action({ statusReason: 'because' })], 'y', 'actions');
    run(5, [action({ dueAt: undefined as unknown as number }), action()], 'y', null);
    run(6, [action({ dueAt: undefined as unknown as number }), action()], null, null);
    run(7, [action(), action({ triggerEventId: 3 })], 'z', 'actions');
    run(8, [action(), action({ triggerEventId: 3 })], 'w', 'actions');
    expect(shapes.hits).toBe(4);
  });
});

const url = process.env.WERKFLOW_TEST_PG_URL;

describe.skipIf(!url)('PostgreSQL single creates built once per shape', () => {
  let wf: Werkflow | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await wf?.close();
    wf = undefined;
  });

  it('sends exactly what Kysely builds, for creates with and without actions and an externalId', async () => {
    // Every statement of a ShapedStatements, kept shape or not, against Kysely's own build of it.
    const compile = ShapedStatements.prototype.compile;
    let hits = 0;
    let checked = 0;
    vi.spyOn(ShapedStatements.prototype, 'compile').mockImplementation(function (
      this: ShapedStatements,
      db,
      prefix,
      structure,
      build,
    ) {
      const before = this.hits;
      const got = compile.call(this, db, prefix, structure, build);
      const want = build(structure).compile();
      expect(got.sql).toBe(want.sql);
      expect(got.parameters).toEqual(want.parameters);
      hits += this.hits - before;
      checked++;
      return got;
    } as typeof compile);
    wf = await Werkflow.open({ ...postgresBackend(url ?? '').fresh(), preset: 'energy-cooperative' });
    const create = (name: string, actor: string | null, externalId?: string) =>
      wf!.dossiers.create('contact', { data: { kind: 'persoon', name }, externalId }, actor);
    const template = (name: string) =>
      wf!.templates.create(
        { name, dossierType: 'contact', event: { type: 'created' }, effect: { type: 'none' } },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );

    // No template: the dossier and its event (twice: the second from the kept shape).
    await create('A', 'test');
    await create('B', null);
    // With an externalId: the same statement, not the transaction's last.
    await create('C', 'test', 'ext-c');
    await create('D', 'test', 'ext-d');
    expect(hits).toBe(3);
    // One action, then two.
    await template('One');
    await create('E', 'test');
    await create('F', null);
    await template('Two');
    await create('G', 'test');
    const last = await create('H', 'someone');
    await create('I', 'test', 'ext-i');
    expect(hits).toBe(6);
    expect(checked).toBe(9);

    // The kept statement wrote what it says: each action's event id, in its idempotency key too.
    const rows = await wf.store.db
      .selectFrom('actions as a')
      .innerJoin('events as e', 'e.id', 'a.trigger_event_id')
      .innerJoin('action_history as h', 'h.action_id', 'a.id')
      .select(['a.idempotency_key', 'e.id as event_id', 'h.actor'])
      .where('a.dossier_id', '=', last.id)
      .execute();
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r.idempotency_key).toContain(`|e${r.event_id}`);
      expect(r.actor).toBe('someone');
    }
    const counts = await wf.store.db
      .selectFrom('actions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(counts.n)).toBe(2 + 4 + 2);
  });
});

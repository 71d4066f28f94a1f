/**
 * Draining due automatic actions (issue 12): an action with nothing to do but be done (no effect,
 * no follow-up, nothing to re-check) goes from pending to done in one write per batch, with one
 * history entry (`pending → done`), instead of being written as running first and as done after.
 * Counted with a Kysely plugin on the store's connection (statements, never timings), on SQLite
 * and PostgreSQL.
 * Actions that may not simply be done (their dossier is gone, their conditions no longer hold)
 * still take the executor's full path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import type { SchedulerOptions } from '../../src/engine/scheduler.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';
import { type StatementNode, sentBy, watchStatements } from '../support/query-count.js';

const HOUR = 3_600_000;

/** The tables a statement inserts into: at its top and in its WITH (data-modifying CTEs). */
function insertsOf(n: StatementNode): string[] {
  const own = n.kind === 'InsertQueryNode' && n.into ? [n.into.table.identifier.name] : [];
  return [...(n.with?.expressions ?? []).flatMap((e) => insertsOf(e.expression)), ...own];
}

describe.each(BACKENDS)('draining a batch on $name', (backend) => {
  let wf: Werkflow | undefined;
  afterEach(async () => {
    await wf?.close();
    wf = undefined;
  });

  async function open(
    conditions?: unknown,
    scheduler?: SchedulerOptions,
  ): Promise<{ w: Werkflow; clock: TestClock }> {
    const clock = new TestClock('2026-11-23T10:00:00+01:00');
    const w = await openTestWerkflow(backend, { clock, ...(scheduler ? { scheduler } : {}) });
    wf = w;
    await w.templates.create(
      {
        name: 'Niets te doen',
        dossierType: 'contact',
        event: { type: 'created' },
        timing: { anchor: { type: 'event' }, offset: 1, unit: 'hours' },
        effect: { type: 'none' },
        ...(conditions ? { conditions } : {}),
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    return { w, clock };
  }

  async function contacts(w: Werkflow, n: number, from = 0): Promise<string[]> {
    const ids: string[] = [];
    for (let i = from; i < from + n; i++) {
      const d = await w.dossiers.create(
        'contact',
        { data: { kind: 'persoon', name: `Contact ${i}`, email: `c${i}@example.nl` } },
        null,
      );
      ids.push(d.id);
    }
    return ids;
  }

  /** Counts the statements `fn` sends, by kind and table (writes only). */
  async function writesOf(w: Werkflow, fn: () => Promise<unknown>): Promise<Map<string, number>> {
    const writes = new Map<string, number>();
    await watchStatements(
      w.store,
      (n) => {
        for (const table of insertsOf(n)) writes.set(table, (writes.get(table) ?? 0) + 1);
      },
      fn,
    );
    return writes;
  }

  it('stamps an action and its first history entry in one statement on PostgreSQL (two on SQLite)', async () => {
    const { w } = await open();
    const writes = await writesOf(w, () => contacts(w, 1));
    // Each table once; on PostgreSQL both inside the create's one statement (counted below).
    expect([writes.get('actions'), writes.get('action_history')]).toEqual([1, 1]);
    const statements: string[][] = [];
    await watchStatements(
      w.store,
      (n) => {
        const tables = insertsOf(n).filter((t) => t === 'actions' || t === 'action_history');
        if (tables.length > 0) statements.push(tables);
      },
      () => contacts(w, 1, 1),
    );
    expect(statements).toEqual(
      w.store.adapter.writableCte ? [['actions', 'action_history']] : [['actions'], ['action_history']],
    );
    const [action] = await w.actions.list({ limit: 10 });
    const history = await w.engine.actions.history(action!.id);
    expect(history.map((h) => [h.fromStatus, h.toStatus, h.note, h.at])).toEqual([
      [null, 'pending', 'stamped', action!.createdAt],
    ]);
  });

  it('creates a dossier that stamps an action in one statement and one round trip on PostgreSQL (four statements on SQLite)', async () => {
    const { w } = await open();
    await contacts(w, 1); // the first create reads the templates once
    const sent: string[] = [];
    const texts = await sentBy(() =>
      watchStatements(
        w.store,
        (n) => sent.push(`${n.kind}:${insertsOf(n).join(',')}`),
        () => contacts(w, 1, 1),
      ),
    );
    if (w.store.adapter.writableCte) {
      // PostgreSQL: the dossier, its event, the action, its history entry and the notification
      // in one statement (data-modifying WITH), stamped before it is sent; being the whole
      // transaction, it is sent without BEGIN and COMMIT: one round trip.
      expect(sent).toEqual(['SelectQueryNode:dossiers,events,actions,action_history']);
      expect(texts).toHaveLength(1);
    } else {
      expect(sent).toEqual([
        'InsertQueryNode:dossiers',
        'InsertQueryNode:events',
        'InsertQueryNode:actions',
        'InsertQueryNode:action_history',
      ]);
    }
    const actions = await w.actions.list({ limit: 10 });
    expect(actions).toHaveLength(2);
    // The event's id, written in the same statement, is in the action's trigger and key.
    const [event] = await w.store.db
      .selectFrom('events')
      .select('id')
      .where('dossier_id', '=', actions.find((a) => a.title && a.dossierId)!.dossierId)
      .execute();
    const stamped = actions.find((a) => a.triggerEventId === Number(event!.id));
    expect(stamped?.triggerEventId).toBe(Number(event!.id));
    const row = await w.store.db
      .selectFrom('actions')
      .select('idempotency_key')
      .where('id', '=', stamped!.id)
      .executeTakeFirstOrThrow();
    expect(row.idempotency_key.endsWith(`|e${event!.id}`)).toBe(true);
  });

  /** Runs one tick and counts the writes it sends per table, by kind of statement (and all statements). */
  async function tickCounting(
    w: Werkflow,
  ): Promise<{ executed: number; writes: Map<string, number>; statements: number }> {
    const writes = new Map<string, number>();
    let statements = 0;
    const { executed } = await watchStatements(
      w.store,
      (n) => {
        statements++;
        const table = n.table?.table.identifier.name ?? n.into?.table.identifier.name;
        if (n.kind !== 'SelectQueryNode' && table) {
          const key = `${n.kind}:${table}`;
          writes.set(key, (writes.get(key) ?? 0) + 1);
        }
      },
      () => w.scheduler.tick(),
    );
    return { executed, writes, statements };
  }

  it('completes no-op actions from pending in one write per batch, whatever its size, with one history entry', async () => {
    const { w, clock } = await open();
    await contacts(w, 3);
    clock.advance(HOUR);
    const small = await tickCounting(w);
    expect(small.executed).toBe(3);
    await contacts(w, 40, 3);
    clock.advance(HOUR);
    const large = await tickCounting(w);
    expect(large.executed).toBe(40);
    // The same statements for 3 actions as for 40: nothing per action.
    expect([...large.writes].sort()).toEqual([...small.writes].sort());
    // One update of the actions and one insert of history (PostgreSQL: both in one statement).
    const updates = large.writes.get('UpdateQueryNode:actions') ?? 0;
    const inserts = large.writes.get('InsertQueryNode:action_history') ?? 0;
    expect(updates + inserts).toBe(w.store.adapter.writableCte ? 1 : 2);
    expect(inserts).toBe(1);

    const all = await w.actions.list({ limit: 100 });
    expect(all).toHaveLength(43);
    for (const a of all) {
      expect(a.status).toBe('done');
      expect(a.attempts).toBe(1);
      expect(a.completedAt).toBe(a.dueAt);
      expect(a.lockedBy).toBeNull();
      const history = await w.engine.actions.history(a.id);
      // One entry for the completion: no one saw it running, so there is no claim step.
      expect(history.map((h) => [h.fromStatus, h.toStatus])).toEqual([
        [null, 'pending'],
        ['pending', 'done'],
      ]);
      expect(history[1]!.actor).toBe(`worker:${w.scheduler.workerId}`);
      expect(history[1]!.at).toBe(a.completedAt);
    }
  });

  it('writes the completion entries of a batch in action id order, whatever order the actions were picked in', async () => {
    // SQLite sorts the ids in JavaScript and inserts the history in the list's order, without a
    // sort step in the statement (PostgreSQL orders in the statement).
    const { w, clock } = await open();
    await contacts(w, 6);
    clock.advance(HOUR);
    const picked = await w.store.db.transaction().execute(async (db) => {
      const batch = await w.engine.actions.pickDue(clock.now(), 100, db);
      const reversed = [...batch].sort((a, b) => (a.id < b.id ? 1 : -1));
      const done = await w.engine.actions.completePicked(reversed, 'worker:t', clock.now(), db);
      expect([...done].sort()).toEqual(batch.map((a) => a.id).sort());
      return batch;
    });
    expect(picked).toHaveLength(6);
    const rows = await w.store.db
      .selectFrom('action_history')
      .select('action_id')
      .where('to_status', '=', 'done')
      .orderBy('id')
      .execute();
    expect(rows.map((r) => r.action_id)).toEqual(picked.map((a) => a.id).sort());
  });

  it('claims a backlog in batches that double while they come back full, and starts small again', async () => {
    const batches: number[] = [];
    const { w, clock } = await open(undefined, {
      batchSize: 2,
      maxBatchSize: 8,
      observer: { batch: (b) => batches.push(b.length) },
    });
    await contacts(w, 21);
    clock.advance(HOUR);
    expect((await w.scheduler.tick()).executed).toBe(21);
    // 2, then 4 and 8 (each after a full one; 8 at most): the 7 left are not a full batch, so the
    // next claim takes 2 again.
    expect(batches).toEqual([2, 4, 8, 7]);
    await contacts(w, 3, 21);
    clock.advance(HOUR);
    expect((await w.scheduler.tick()).executed).toBe(3);
    expect(batches.slice(4)).toEqual([2, 1]);
    const all = await w.actions.list({ limit: 100 });
    expect(all).toHaveLength(24);
    for (const a of all) expect(a).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('an idle tick is one statement: nothing due, waiting, expiring or to sweep', async () => {
    const { w, clock } = await open();
    await contacts(w, 2);
    await w.scheduler.tick(); // not due yet: reads the templates' change stamp once
    const idle = await tickCounting(w);
    expect(idle).toMatchObject({ executed: 0, statements: 1 });
    clock.advance(HOUR);
    const busy = await tickCounting(w);
    expect(busy.executed).toBe(2);
    expect(busy.statements).toBeGreaterThan(1);
  });

  it('does not complete a no-op action whose dossier is gone: it is cancelled with the reason', async () => {
    const { w, clock } = await open();
    const [gone, kept] = await contacts(w, 2);
    // Removed behind the engine's back (a delete through the engine cancels the actions itself).
    await sql`delete from dossiers where id = ${gone!}`.execute(w.store.db);
    clock.advance(HOUR);
    expect((await w.scheduler.tick()).executed).toBe(2);
    const [ofGone] = await w.actions.list({ dossierId: gone!, limit: 10 });
    expect(ofGone?.status).toBe('cancelled');
    expect(ofGone?.statusReason).toBe('the dossier was deleted');
    const [ofKept] = await w.actions.list({ dossierId: kept!, limit: 10 });
    expect(ofKept?.status).toBe('done');
  });

  it('re-checks the conditions of a no-op action at due time (not a plain completion)', async () => {
    const { w, clock } = await open({
      type: 'all',
      conditions: [{ type: 'compare', field: 'email', op: 'isNotEmpty' }],
    });
    const [changed, same] = await contacts(w, 2);
    // The e-mail address removed without an event (as an import straight into the table would).
    const data = w.store.adapter.toJson({ kind: 'persoon', name: 'Contact 0' }) as string;
    await sql`update dossiers set data = ${data} where id = ${changed!}`.execute(w.store.db);
    clock.advance(HOUR);
    expect((await w.scheduler.tick()).executed).toBe(2);
    const [ofChanged] = await w.actions.list({ dossierId: changed!, limit: 10 });
    expect(ofChanged?.status).toBe('cancelled');
    expect(ofChanged?.statusReason).toBe('the conditions no longer held when it was due');
    const [ofSame] = await w.actions.list({ dossierId: same!, limit: 10 });
    expect(ofSame?.status).toBe('done');
  });
});

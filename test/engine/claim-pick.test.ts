/**
 * The claim's pick (`ActionRepository.pickDue`) with several workers on PostgreSQL (issue 12): the
 * row locks decide who runs what, so two transactions picking side by side get disjoint rows, and
 * rows a transaction locked and let go of (committed without a write, or rolled back) are picked
 * as any other, in due order. On SQLite (one writer) the same picks, without row locks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { newId } from '../../src/domain/id.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { openAction } from '../support/action-fixture.js';
import { BACKENDS, openTestWerkflow } from '../support/backends.js';

describe.each(BACKENDS)('picking due actions on $name', (backend) => {
  let wf: Werkflow | undefined;
  afterEach(async () => {
    await wf?.close();
    wf = undefined;
  });

  /** Four pending automatic actions due long ago (before anything the preset stamps), in due order. */
  async function seed(): Promise<string[]> {
    wf = await openTestWerkflow(backend);
    const contact = await wf.dossiers.create('contact', { data: { kind: 'persoon', name: 'P' } }, 'test');
    const now = wf.clock.now();
    const actions = [1, 2, 3, 4].map((i) =>
      openAction({
        id: newId(now + i),
        dossierId: contact.id,
        dossierType: 'contact',
        title: `A${i}`,
        idempotencyKey: `pick|${i}`,
        status: 'pending',
        executionMode: 'automatic',
        dueAt: i,
        createdAt: now,
      }),
    );
    await wf.store.db.transaction().execute((db) => wf!.engine.actions.insertMany(actions, 'test', db));
    return actions.map((a) => a.id);
  }

  const pick = (limit: number) =>
    wf!.store.db
      .transaction()
      .execute(async (db) => (await wf!.engine.actions.pickDue(10, limit, db)).map((a) => a.id));

  /** Locks the rows and lets go of them: A1 committed without a write, A2 rolled back. */
  async function touch(ids: string[]): Promise<void> {
    const { db } = wf!.store;
    // (SQLite has no row locks: the same transactions, reading.)
    const forUpdate = sql.raw(backend.name === 'postgres' ? 'for update' : '');
    await db.transaction().execute(async (trx) => {
      await sql`select id from actions where id = ${ids[0]} ${forUpdate}`.execute(trx);
    });
    await db
      .transaction()
      .execute(async (trx) => {
        await sql`select id from actions where id = ${ids[1]} ${forUpdate}`.execute(trx);
        throw new Error('roll back');
      })
      .catch(() => undefined);
  }

  it('rows a transaction locked and let go of are still picked, in due order with the others', async () => {
    const ids = await seed();
    await touch(ids);
    expect(await pick(4)).toEqual(ids);
  });

  it('two transactions picking side by side get disjoint rows', async () => {
    const ids = await seed();
    const { db } = wf!.store;
    if (backend.name !== 'postgres') return; // SQLite: one writer, transactions do not overlap
    const [first, second] = await db.transaction().execute(async (t1) => {
      const a = (await wf!.engine.actions.pickDue(10, 2, t1)).map((x) => x.id);
      // Another connection while the first transaction holds its rows.
      const b = await db
        .transaction()
        .execute(async (t2) => (await wf!.engine.actions.pickDue(10, 4, t2)).map((x) => x.id));
      return [a, b];
    });
    expect(first).toEqual([ids[0], ids[1]]);
    expect(second).toEqual([ids[2], ids[3]]);
  });
});

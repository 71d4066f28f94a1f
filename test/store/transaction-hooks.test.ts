/**
 * The driver around Kysely's (src/store/transaction-hooks.ts): work after a commit, BEGIN sent
 * with a transaction's first statement on PostgreSQL, and a transaction of one final statement
 * sent as that statement alone (one round trip). Statements are counted at the pg client, never
 * timed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { type Store, openStore } from '../../src/store/database.js';
import { afterCommit, finalStatement } from '../../src/store/transaction-hooks.js';
import { BACKENDS } from '../support/backends.js';
import { sentBy } from '../support/query-count.js';

describe.each(BACKENDS)('transaction hooks on $name', (backend) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  async function open(): Promise<Store> {
    store = await openStore(backend.fresh());
    await sql`create table t (n integer)`.execute(store.db);
    return store;
  }

  it('runs afterCommit once the transaction commits, never after a rollback, at once outside one', async () => {
    const s = await open();
    const seen: string[] = [];
    await s.db.transaction().execute(async (trx) => {
      await sql`insert into t values (1)`.execute(trx);
      await afterCommit(trx, () => seen.push('committed'));
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual(['committed']);
    await expect(
      s.db.transaction().execute(async (trx) => {
        await sql`insert into t values (2)`.execute(trx);
        await afterCommit(trx, () => seen.push('rolled back'));
        throw new Error('on purpose');
      }),
    ).rejects.toThrow('on purpose');
    await afterCommit(s.db, () => seen.push('outside'));
    expect(seen).toEqual(['committed', 'outside']);
    // The next transaction on the same connection starts with no callbacks of the last one.
    await s.db.transaction().execute((trx) => sql`insert into t values (3)`.execute(trx));
    expect(seen).toEqual(['committed', 'outside']);
  });

  it.runIf(backend.name === 'postgres')(
    'sends a transaction whose only statement is final as that statement alone, and refuses one after it',
    async () => {
      const s = await open();
      const insert = (n: number) => finalStatement(sql`insert into t values (${n})`.compile(s.db));
      const alone = await sentBy(() => s.db.transaction().execute((trx) => trx.executeQuery(insert(1))));
      expect(alone).toEqual(['insert into t values ($1)']);
      // A read first: BEGIN goes with it, and the final statement is part of the transaction.
      const after = await sentBy(() =>
        s.db.transaction().execute(async (trx) => {
          await sql`select count(*) from t`.execute(trx);
          await trx.executeQuery(insert(2));
        }),
      );
      expect(after).toEqual(['begin', 'select count(*) from t', 'insert into t values ($1)', 'commit']);
      // Nothing sent at all: no BEGIN and no COMMIT either.
      expect(await sentBy(() => s.db.transaction().execute(async () => {}))).toEqual([]);
      await expect(
        s.db.transaction().execute(async (trx) => {
          await trx.executeQuery(insert(3));
          await sql`insert into t values (4)`.execute(trx);
        }),
      ).rejects.toThrow(/after the final statement/);
      const rows = await sql<{ n: number }>`select n from t order by n`.execute(s.db);
      // 3 committed on its own before the refused statement: a final statement is the last one.
      expect(rows.rows.map((r) => r.n)).toEqual([1, 2, 3]);
    },
  );

  it.runIf(backend.name === 'postgres')(
    'runs no afterCommit work when a final statement that ran on its own failed (it wrote nothing)',
    async () => {
      const s = await open();
      const seen: string[] = [];
      const failing = finalStatement(sql`insert into t values (1 / 0)`.compile(s.db));
      await expect(
        s.db.transaction().execute(async (trx) => {
          await afterCommit(trx, () => seen.push('woken'));
          await trx.executeQuery(failing);
        }),
      ).rejects.toThrow(/division by zero/);
      expect(seen).toEqual([]);
      // The connection goes on as usual.
      await s.db.transaction().execute(async (trx) => {
        await afterCommit(trx, () => seen.push('next'));
        await trx.executeQuery(finalStatement(sql`insert into t values (2)`.compile(trx)));
      });
      expect(seen).toEqual(['next']);
    },
  );
});

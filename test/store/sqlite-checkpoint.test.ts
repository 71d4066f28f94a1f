import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { SQLITE_AUTOCHECKPOINT_PAGES, SQLITE_INLINE_CHECKPOINT_PAGES } from '../../src/store/database.js';
import { BackgroundCheckpointer } from '../../src/store/sqlite-checkpointer.js';
import { Werkflow } from '../../src/engine/werkflow.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SQLite checkpoints', () => {
  it('the automatic checkpoint waits for a larger log; an idle scheduler tick copies the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'werkflow-checkpoint-'));
    dirs.push(dir);
    const wf = await Werkflow.open({ url: join(dir, 'werkflow.db'), preset: 'energy-cooperative' });
    try {
      const pragma = async (text: string) =>
        (await sql.raw<Record<string, number>>(`pragma ${text}`).execute(wf.store.db)).rows[0]!;
      expect(Object.values(await pragma('wal_autocheckpoint'))[0]).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
      // The database file alone (a copy without its log): does it hold the dossier?
      const inFile = (id: string) => {
        const copy = join(dir, `copy-${Math.random()}.db`);
        copyFileSync(join(dir, 'werkflow.db'), copy);
        const db = new BetterSqlite3(copy);
        try {
          return db.prepare('select count(*) as n from dossiers where id = ?').get(id) as { n: number };
        } finally {
          db.close();
        }
      };
      await wf.scheduler.tick(); // idle: the schema goes into the file
      const d = await wf.dossiers.create('contact', { data: { kind: 'persoon', name: 'Written' } }, 'test');
      expect(inFile(d.id).n).toBe(0); // still in the log only: no checkpoint at this commit
      const report = await wf.scheduler.tick();
      expect(report.executed).toBe(0);
      expect(inFile(d.id).n).toBe(1); // a small log: copied before the tick ends
    } finally {
      await wf.close();
    }
  });
});

describe('large checkpoints in a thread of their own', () => {
  /** A SQLite file in WAL mode whose log holds `rows` rows of 3 KB that the file does not. */
  const withLog = (rows: number) => {
    const dir = mkdtempSync(join(tmpdir(), 'werkflow-checkpoint-'));
    dirs.push(dir);
    const file = join(dir, 'big.db');
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('create table t (id integer primary key, v text)');
    const insert = db.prepare('insert into t (v) values (?)');
    db.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run('x'.repeat(3000));
    })();
    const inFile = () => {
      const copy = join(dir, `copy-${Math.random()}.db`);
      copyFileSync(file, copy);
      const c = new BetterSqlite3(copy);
      try {
        return (c.prepare('select count(*) as n from t').get() as { n: number }).n;
      } catch {
        return 0; // the table itself is still in the log only
      } finally {
        c.close();
      }
    };
    return { db, file, inFile };
  };

  it('copies the log in the thread while the main connection stays usable, and closes cleanly', async () => {
    const { db, file, inFile } = withLog(2_000);
    const checkpointer = new BackgroundCheckpointer(file);
    expect(inFile()).toBe(0);
    checkpointer.start();
    checkpointer.start(); // one at a time: a second start while one runs is the same checkpoint
    expect((db.prepare('select count(*) as n from t').get() as { n: number }).n).toBe(2_000);
    await checkpointer.close();
    expect(checkpointer.done).toBe(1);
    expect(inFile()).toBe(2_000);
    db.close();
  });

  it('a checkpoint that failed in the thread is thrown at the next start', async () => {
    const checkpointer = new BackgroundCheckpointer(join(tmpdir(), `werkflow-no-such-${Date.now()}.db`));
    checkpointer.start();
    await expect
      .poll(() => {
        try {
          checkpointer.start();
          return 'no error yet';
        } catch (error) {
          return (error as Error).message;
        }
      })
      .toMatch(/SQLite checkpoint in its thread failed/);
    await checkpointer.close();
  });

  it('the store copies a large log in the thread: an idle tick starts it and the file fills', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'werkflow-checkpoint-'));
    dirs.push(dir);
    const wf = await Werkflow.open({ url: join(dir, 'werkflow.db'), preset: 'energy-cooperative' });
    try {
      await wf.scheduler.tick();
      const items = Array.from({ length: 3_000 }, (_, i) => ({
        externalId: `crm-${i}`,
        data: { kind: 'persoon', name: `Contact ${i} ${'x'.repeat(500)}` },
      }));
      await wf.dossiers.upsertByExternalId('contact', items, 'test');
      const [wal] = (
        await sql<{ log: number; checkpointed: number }>`pragma wal_checkpoint(noop)`.execute(wf.store.db)
      ).rows;
      expect(wal!.log - wal!.checkpointed).toBeGreaterThan(SQLITE_INLINE_CHECKPOINT_PAGES);
      await wf.scheduler.tick();
      await expect
        .poll(
          async () => {
            const [now] = (
              await sql<{ log: number; checkpointed: number }>`pragma wal_checkpoint(noop)`.execute(
                wf.store.db,
              )
            ).rows;
            return now!.log - now!.checkpointed;
          },
          { timeout: 30_000 },
        )
        .toBe(0);
    } finally {
      await wf.close();
    }
  });
});

import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { SQLITE_AUTOCHECKPOINT_PAGES } from '../../src/store/database.js';
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
      expect(inFile(d.id).n).toBe(1);
    } finally {
      await wf.close();
    }
  });
});

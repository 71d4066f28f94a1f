import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openStore } from '../../src/store/database.js';
import { migrate, schemaVersion } from '../../src/store/migrator.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { WerkflowError } from '../../src/domain/errors.js';
import { BACKENDS, TestClock } from '../support/backends.js';
import { runTsChild } from '../support/run-child.js';

describe.each(BACKENDS)('migrations on $name', (backend) => {
  it('brings an empty database to the newest schema, and a second run does nothing', async () => {
    const store = await openStore(backend.fresh());
    try {
      const first = await migrate(store, new TestClock());
      expect(first.from).toBe(0);
      expect(first.to).toBe(MIGRATIONS.length);
      expect(first.applied).toEqual(MIGRATIONS.map((m) => m.name));
      const second = await migrate(store, new TestClock());
      expect(second.applied).toEqual([]);
      expect(await schemaVersion(store)).toBe(MIGRATIONS.length);
    } finally {
      await store.close();
    }
  });

  it('applies each migration once when several processes start at the same time', async () => {
    // Real processes: SQLite's locks are between processes, and so is the race we guard against.
    const options = backend.fresh();
    const children = await Promise.all(
      [1, 2, 3, 4].map(() => runTsChild('test/support/migrate-child.ts', [JSON.stringify(options)])),
    );
    for (const c of children) expect(c.stderr).toBe('');
    const applied = children.flatMap((c) => (JSON.parse(c.stdout) as { applied: string[] }).applied);
    expect(applied.sort()).toEqual(MIGRATIONS.map((m) => m.name).sort());
    const store = await openStore(options);
    try {
      const rows = await store.db.selectFrom('werkflow_migrations').select('id').execute();
      expect(rows.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(MIGRATIONS.map((m) => m.id));
    } finally {
      await store.close();
    }
  });

  it('refuses a database whose schema is newer than the code, saying what to do', async () => {
    const store = await openStore(backend.fresh());
    try {
      await migrate(store, new TestClock());
      await sql`insert into werkflow_migrations (id, name, applied_at) values (${MIGRATIONS.length + 1}, 'from-the-future', 0)`.execute(
        store.db,
      );
      const error = await migrate(store, new TestClock()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WerkflowError);
      expect((error as WerkflowError).code).toBe('schema_too_new');
      expect((error as WerkflowError).message).toMatch(/newer Werkflow.*upgrade/);
    } finally {
      await store.close();
    }
  });
});

import { type Kysely, type Transaction, sql } from 'kysely';
import { WerkflowError } from '../domain/errors.js';
import type { Clock } from '../domain/clock.js';
import type { DialectAdapter } from './dialect-adapter.js';
import type { Store } from './database.js';
import { MIGRATIONS } from './migrations/index.js';

export interface Migration {
  /** Numbered from 1 upwards, without gaps; the number is the schema version it brings. */
  readonly id: number;
  readonly name: string;
  up(trx: Transaction<unknown>, adapter: DialectAdapter): Promise<void>;
}

export interface MigrationReport {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly string[];
}

async function ensureMigrationTable(db: Kysely<unknown>, adapter: DialectAdapter): Promise<void> {
  // Two processes may both create this table at once; PostgreSQL can fail one of them on its
  // catalog, so take the same advisory lock as the migrations themselves.
  await db.transaction().execute(async (trx) => {
    await adapter.lockForMigration(trx);
    await sql`create table if not exists werkflow_migrations (
      id integer primary key,
      name text not null,
      applied_at bigint not null
    )`.execute(trx);
  });
}

/** The schema version of the database: the highest migration applied, 0 for an empty one. */
export async function schemaVersion(store: Store): Promise<number> {
  await ensureMigrationTable(store.db as Kysely<unknown>, store.adapter);
  const row = await store.db
    .selectFrom('werkflow_migrations')
    .select((eb) => eb.fn.max('id').as('v'))
    .executeTakeFirst();
  return Number(row?.v ?? 0);
}

/**
 * Brings the database to the schema this code knows. Each migration runs in its own
 * transaction under a lock (an advisory lock on PostgreSQL, SQLite's write lock), and re-reads
 * the applied version inside it, so two processes starting at once apply each migration once.
 * A database whose schema is newer than the code is refused: an older Werkflow must not write
 * to tables it does not understand.
 */
export async function migrate(store: Store, clock: Clock, migrations = MIGRATIONS): Promise<MigrationReport> {
  const db = store.db as Kysely<unknown>;
  await ensureMigrationTable(db, store.adapter);
  const known = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.id;
  migrations.forEach((m, i) => {
    if (m.id !== i + 1)
      throw new Error(`Migration list is out of order at ${m.name}: expected number ${i + 1}.`);
  });
  const from = await schemaVersion(store);
  if (from > known) throw schemaTooNew(from, known);
  const applied: string[] = [];
  for (const migration of migrations) {
    if (migration.id <= from) continue;
    await db.transaction().execute(async (trx) => {
      await store.adapter.lockForMigration(trx);
      const current = await sql<{ v: number | null }>`select max(id) as v from werkflow_migrations`.execute(
        trx,
      );
      const version = Number(current.rows[0]?.v ?? 0);
      if (version > known) throw schemaTooNew(version, known);
      if (version >= migration.id) return; // another process applied it while we waited
      await migration.up(trx, store.adapter);
      await sql`insert into werkflow_migrations (id, name, applied_at) values (${migration.id}, ${migration.name}, ${clock.now()})`.execute(
        trx,
      );
      applied.push(migration.name);
    });
  }
  return { from, to: Math.max(from, known), applied };
}

function schemaTooNew(found: number, known: number): WerkflowError {
  return new WerkflowError(
    'schema_too_new',
    `The database has schema version ${found}, but this Werkflow knows versions up to ${known}. ` +
      `It was used by a newer Werkflow: upgrade this installation (npm install werkflow@latest) ` +
      `or point it at another database.`,
  );
}

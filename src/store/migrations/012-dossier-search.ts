import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

/**
 * Dossier lists at 100,000 dossiers read indexes, not the table (issue 10):
 *
 * - `title_nl`, `title_en`: the title by the type's title rule, kept on every write and when a
 *   dossier the title reads changes (a training renamed → its participants' titles), so lists do
 *   not compute titles per page and search finds a title's date part ("12 jan").
 * - `search_text`: what a search looks in, lower case: both titles, the text fields, and the text
 *   fields of the dossiers the title reads (a participant by its person's e-mail address).
 *   PostgreSQL: a pg_trgm GIN index answers `like '%word%'`. SQLite: an FTS5 trigram index
 *   (`dossiers_fts`, external content on the dossiers' rowid) kept by triggers in the writing
 *   transaction.
 * - `(type, updated_at, id)` for the order by last change.
 *
 * The columns start empty; Werkflow.open fills them once after this migration (it needs the
 * dossier types' title rules). Sorting on a field reads a per-field expression index that the
 * dossier types ask for (DossierRepository.ensureSortIndexes), not one made here.
 */
export const dossierSearchMigration: Migration = {
  id: 12,
  name: '012-dossier-search',
  async up(trx, adapter) {
    await sql`alter table dossiers add column title_nl text`.execute(trx);
    await sql`alter table dossiers add column title_en text`.execute(trx);
    await sql`alter table dossiers add column search_text text not null default ''`.execute(trx);
    await sql`create index dossiers_type_updated on dossiers (type, updated_at, id)`.execute(trx);
    if (adapter.name === 'postgres') {
      // In public, whatever schema this installation uses: an extension lives once per database,
      // and one created inside a schema would go when that schema is dropped (with every index on it).
      // Two installations (schemas) migrating at once in one database would both try to create
      // it: the lock makes the second wait and then find it.
      await sql`select pg_advisory_xact_lock(hashtext('werkflow: create extension pg_trgm'))`.execute(trx);
      await sql`create extension if not exists pg_trgm with schema public`.execute(trx);
      const row = await sql<{ schema: string }>`select n.nspname as schema from pg_extension e
        join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(trx);
      const schema = row.rows[0]?.schema ?? 'public';
      await sql`create index dossiers_search on dossiers using gin (search_text ${sql.id(schema)}.gin_trgm_ops)`.execute(
        trx,
      );
    } else {
      await sql`create virtual table dossiers_fts using fts5(
        search_text, content = 'dossiers', content_rowid = 'rowid', tokenize = 'trigram'
      )`.execute(trx);
      await sql`create trigger dossiers_fts_insert after insert on dossiers begin
        insert into dossiers_fts (rowid, search_text) values (new.rowid, new.search_text);
      end`.execute(trx);
      await sql`create trigger dossiers_fts_delete after delete on dossiers begin
        insert into dossiers_fts (dossiers_fts, rowid, search_text) values ('delete', old.rowid, old.search_text);
      end`.execute(trx);
      await sql`create trigger dossiers_fts_update after update of search_text on dossiers begin
        insert into dossiers_fts (dossiers_fts, rowid, search_text) values ('delete', old.rowid, old.search_text);
        insert into dossiers_fts (rowid, search_text) values (new.rowid, new.search_text);
      end`.execute(trx);
    }
  },
};

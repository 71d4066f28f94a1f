import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

/**
 * PostgreSQL: autovacuum visits `actions` after 1% of its rows changed or were inserted, not the
 * default 20% (issue 12). The to-do tab counts and the start page read covering indexes
 * (`actions_overdue`, `actions_failed`, `actions_open_team`, the primary key; migration 009) as
 * index-only scans, which read no row only on pages the visibility map marks all-visible; every
 * update clears its page's mark until the next vacuum. The actions table takes an update per
 * status change and they fall all over it (by due time, not by insertion order), so by the time
 * 20% of a million actions changed nearly no page is all-visible and each of those counts reads
 * a row per index entry. At 1,000,000 actions (wall-clock medians of 7 calls, load 7; the plans
 * read with `EXPLAIN (ANALYZE, BUFFERS)`) the six tab counts and the start page took 9 and 10 ms
 * after a vacuum, 29 and 41 ms after 1% of the actions were updated (27% of the pages unmarked),
 * 98 and 250 ms after 20% (none left marked); loaded and never vacuumed, 152 and 136 ms in the
 * scale bench. Vacuuming skips all-visible pages, so a run after 1% reads about a quarter of the
 * table (and the indexes), throttled by the cost limit as any autovacuum.
 *
 * PostgreSQL 12 (no `autovacuum_vacuum_insert_scale_factor`) gets the update setting only.
 *
 * SQLite has no visibility map (an index that holds every column a query reads is read alone):
 * nothing to do there.
 */
export const actionAutovacuumMigration: Migration = {
  id: 20,
  name: '020-action-autovacuum',
  async up(trx, adapter) {
    if (adapter.name !== 'postgres') return;
    await sql`alter table actions set (autovacuum_vacuum_scale_factor = 0.01)`.execute(trx);
    // Inserts count towards autovacuum from PostgreSQL 13 on; 12 does not know the setting.
    const { rows } = await sql<{ v: number }>`select current_setting('server_version_num')::int as v`.execute(
      trx,
    );
    if (Number(rows[0]!.v) >= 130000)
      await sql`alter table actions set (autovacuum_vacuum_insert_scale_factor = 0.01)`.execute(trx);
  },
};

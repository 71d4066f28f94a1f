import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

/**
 * SQLite: the index of a dossier's actions is `(dossier_id, id)`, no longer `(dossier_id, status)`,
 * so a status change (pending → done, for every action the scheduler drains) does not move the
 * action's entry in it. SQLite rewrites only the indexes that hold a changed column: this one cost
 * a delete and an insert per completed action, about 5% of the instructions of a drain (issue 12).
 * The dossier's lists read the same range (its timeline, its actions in id order, now without a
 * sort); the open actions of a changed dossier (`openForDossiers`) read the dossier's range and
 * test the status on the row.
 *
 * PostgreSQL keeps `(dossier_id, status)`: an update that changes an indexed column writes a new
 * entry into every index of the table there whichever columns they hold, so leaving `status` out
 * of one index saves nothing.
 */
export const actionDossierIndexMigration: Migration = {
  id: 17,
  name: '017-action-dossier-index',
  async up(trx, adapter) {
    if (adapter.name !== 'sqlite') return;
    await sql`drop index actions_dossier`.execute(trx);
    await sql`create index actions_dossier on actions (dossier_id, id)`.execute(trx);
  },
};

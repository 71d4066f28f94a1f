import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

/**
 * Pending manual and semi-automatic work by due time: what the scheduler's probe asks about
 * ("manual work falling due", `ActionRepository.workProbe`) and what `markDue` turns due. Through
 * `actions_due` (status, due_at) both walked the due pending range from its start, skipping the
 * automatic actions in it one by one: with a large backlog of due automatic work (a million
 * actions falling due at once, or a stopped worker) every idle tick read that whole backlog to
 * learn that no manual work was among it. This index holds only the rows the question is about,
 * so its first entry is the answer. The queries name the same condition with literals and
 * `+status` on SQLite (`statusIn`), as migration 006 explains; the terms stay in this order.
 */
export const actionManualDueIndexMigration: Migration = {
  id: 19,
  name: '019-action-manual-due-index',
  async up(trx, adapter) {
    const status = sql.raw(adapter.notIndexed('status'));
    await sql`create index actions_manual_due on actions (due_at)
      where ${status} = 'pending' and execution_mode in ('manual', 'semiAutomatic')`.execute(trx);
  },
};

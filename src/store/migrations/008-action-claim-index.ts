import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

/**
 * The claim's own index: pending automatic actions by due time, the rows `pickDue` reads in the
 * order it takes them. Through `actions_due` (status, due_at) PostgreSQL also had to filter out
 * manual work, and on a table without fresh statistics (a batch just stamped) it chose to read
 * every pending row and sort them (85 ms for a batch of 500 out of 20,000, with a sort spilled
 * to disk) instead of the first 500 entries of the index (0.5 ms). The query names the same
 * condition with literals (`ActionRepository.pickDue`), as migration 006 explains. And the
 * assignee index holds only assigned actions.
 */
export const actionClaimIndexMigration: Migration = {
  id: 8,
  name: '008-action-claim-index',
  async up(trx, adapter) {
    const status = sql.raw(adapter.notIndexed('status'));
    await sql`create index actions_claim on actions (due_at)
      where ${status} = 'pending' and execution_mode = 'automatic'`.execute(trx);
    // Only assigned actions in the assignee index: automatic work mostly has no assignee, and
    // every status change of an action wrote an entry here for nothing (a query for one
    // assignee, `assignee_user_id = ?`, implies the condition on both databases).
    await sql`drop index actions_assignee`.execute(trx);
    await sql`create index actions_assignee on actions (assignee_user_id, status)
      where assignee_user_id is not null`.execute(trx);
  },
};

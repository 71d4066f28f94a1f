import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

/**
 * Indexes that keep the scheduler and the action lists flat as the actions table grows to
 * millions of rows (closed actions are never deleted). Most are partial: they hold only the open
 * actions a query looks for, so they stay small however many actions are done. A partial index
 * is used only by a query that names the same condition with literal values (SQLite cannot look
 * into bound parameters when it plans), which is why the repository writes those statuses as
 * literals (`ActionRepository`, `statusIn`), and as `+status` on SQLite (`notIndexed`). `test/store/query-plans.test.ts` reads the plans.
 *
 * The statuses in each WHERE must stay in this order: SQLite matches the terms as written.
 */
export const actionIndexesMigration: Migration = {
  id: 6,
  name: '006-action-indexes',
  async up(trx, adapter) {
    const status = sql.raw(adapter.notIndexed('status'));
    // Expiry: `expiring()` and the expiry half of `nextWakeAt()` (before this, both scanned the table).
    await sql`create index actions_open_expiry on actions (expires_at)
      where ${status} in ('waiting', 'pending', 'due') and expires_at is not null`.execute(trx);
    // Waiting actions, least recently re-checked first (every scheduler tick reads a batch).
    await sql`create index actions_waiting on actions (updated_at) where ${status} = 'waiting'`.execute(trx);
    // The lists of the to-do screen, each in the order it pages by (keyset, no sort):
    // failed work ("Mislukt") in id order (partial: a claim or completion does not write it);
    await sql`create index actions_failed on actions (id) where ${status} = 'failed'`.execute(trx);
    // overdue ("Te laat"), the most overdue first;
    await sql`create index actions_overdue on actions (due_at, id)
      where ${status} in ('pending', 'due', 'failed')`.execute(trx);
    // mine and my team's, open work in id order.
    // Only assigned work: most automatic actions have no assignee and need no entry here.
    await sql`create index actions_open_user on actions (assignee_user_id, id)
      where ${status} in ('waiting', 'pending', 'due', 'running', 'failed') and assignee_user_id is not null`.execute(
      trx,
    );
    await sql`create index actions_open_team on actions (assignee_team_id, id)
      where ${status} in ('waiting', 'pending', 'due', 'running', 'failed') and assignee_team_id is not null`.execute(
      trx,
    );
    // The outbox by status, newest first (failed and in-doubt mail).
    await sql`create index email_outbox_status_id on email_outbox (status, id)`.execute(trx);
  },
};

import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

/**
 * The start page's figures at a million actions (issue 10):
 * - `email_outbox.sent_at` indexed: the mails sent this week are a range of it (cut off at 10,000)
 *   instead of a read of the whole outbox;
 * - the overdue and failed indexes of migration 006 also carry `status` and `process`, so "due
 *   today", "overdue" and "failed" per process are counted from the index alone (no row read per
 *   action). Same names, same leading columns and conditions: the lists page through them as before.
 */
export const outboxSentAtMigration: Migration = {
  id: 9,
  name: '009-outbox-sent-at',
  async up(trx, adapter) {
    const status = sql.raw(adapter.notIndexed('status'));
    await sql`create index email_outbox_sent_at on email_outbox (sent_at)`.execute(trx);
    await sql`drop index actions_overdue`.execute(trx);
    await sql`create index actions_overdue on actions (due_at, id, status, process)
      where ${status} in ('pending', 'due', 'failed')`.execute(trx);
    await sql`drop index actions_failed`.execute(trx);
    await sql`create index actions_failed on actions (id, status, process) where ${status} = 'failed'`.execute(
      trx,
    );
  },
};

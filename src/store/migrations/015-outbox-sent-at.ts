import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

/**
 * `email_outbox.sent_at` indexed: the dashboard counts the mails sent this week (a range of this
 * index, cut off at 10,000) instead of reading the whole outbox.
 *
 * Brief number 015. The migrator refuses gaps, so on this branch its id follows the last one
 * (8); at merge it takes the number after the migrations that landed before it.
 */
export const outboxSentAtMigration: Migration = {
  id: 8,
  name: '015-outbox-sent-at',
  async up(trx) {
    await sql`create index email_outbox_sent_at on email_outbox (sent_at)`.execute(trx);
  },
};

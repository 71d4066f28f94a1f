import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

/**
 * `email_outbox.data_sent_at`: when the mailer was about to hand the message's content to the
 * SMTP server (the server had answered DATA), written durably before the first byte of it. A
 * message left `sending` by a dead mailer is in doubt only when this is set; without it the
 * server cannot have the message, and the sweeper queues it again.
 */
export const outboxDataSentMigration: Migration = {
  id: 7,
  name: '007-outbox-data-sent',
  async up(trx) {
    await sql`alter table email_outbox add column data_sent_at bigint`.execute(trx);
  },
};

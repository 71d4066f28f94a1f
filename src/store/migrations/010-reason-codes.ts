import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

/**
 * Reasons as a code with parameters, next to the English text kept for integrators: the UI and
 * the API render the code in the reader's language (nl/en). `actions.status_reason_code/params`
 * (why it is cancelled, waiting, failed), `actions.error_code/params` (why the effect failed),
 * `action_history.note_code/params` (the note of each step) and
 * `email_outbox.last_reply_code/params` (what went wrong talking to the mail server; the server's
 * own reply stays its words). Rows written before have no code: they are read with the generic
 * code `reason.text` and their text as the one parameter.
 */
export const reasonCodesMigration: Migration = {
  id: 10,
  name: '010-reason-codes',
  async up(trx, adapter) {
    const json = sql.raw(adapter.jsonType);
    await sql`alter table actions add column status_reason_code text`.execute(trx);
    await sql`alter table actions add column status_reason_params ${json}`.execute(trx);
    await sql`alter table actions add column error_code text`.execute(trx);
    await sql`alter table actions add column error_params ${json}`.execute(trx);
    await sql`alter table action_history add column note_code text`.execute(trx);
    await sql`alter table action_history add column note_params ${json}`.execute(trx);
    await sql`alter table email_outbox add column last_reply_code text`.execute(trx);
    await sql`alter table email_outbox add column last_reply_params ${json}`.execute(trx);
  },
};

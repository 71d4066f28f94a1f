import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

/** E-mail templates, mailboxes, the outbox with its dossier links, and the demo mail sink. */
export const emailMigration: Migration = {
  id: 3,
  name: '003-email',
  async up(trx, adapter) {
    const json = sql.raw(adapter.jsonType);
    await sql`create table email_templates (
      id text primary key,
      name text not null,
      root_type text not null,
      language text not null,
      subject text not null,
      html_body text not null,
      text_body text,
      mailbox_id text,
      attachment ${json},
      version integer not null,
      created_at bigint not null,
      updated_at bigint not null
    )`.execute(trx);
    await sql`create unique index email_templates_name on email_templates (name)`.execute(trx);
    await sql`create table mailboxes (
      id text primary key,
      name text not null,
      host text not null,
      port integer not null,
      security text not null,
      username text,
      password_encrypted text,
      from_name text not null,
      from_address text not null,
      reply_to text,
      is_default integer not null default 0,
      categories ${json} not null,
      rate_per_minute integer,
      max_connections integer not null default 5,
      allow_invalid_certificates integer not null default 0,
      version integer not null,
      created_at bigint not null,
      updated_at bigint not null
    )`.execute(trx);
    await sql`create unique index mailboxes_name on mailboxes (name)`.execute(trx);
    await sql`create table email_outbox (
      id text primary key,
      action_id text,
      dossier_id text,
      dossier_type text,
      template_id text,
      mailbox_id text not null,
      message_id text not null,
      from_name text not null,
      from_address text not null,
      reply_to text,
      to_addresses ${json} not null,
      cc_addresses ${json} not null,
      bcc_addresses ${json} not null,
      subject text not null,
      html_body text not null,
      text_body text not null,
      attachments ${json},
      status text not null,
      attempts integer not null default 0,
      next_attempt_at bigint not null,
      locked_by text,
      locked_at bigint,
      last_reply text,
      redirected_to text,
      created_at bigint not null,
      updated_at bigint not null,
      sent_at bigint,
      resolution text,
      resolved_by text,
      resolved_at bigint,
      needs_attention integer not null default 0
    )`.execute(trx);
    // NULLs never collide in a unique index (both databases), so rows without an action are fine.
    await sql`create unique index email_outbox_action on email_outbox (action_id)`.execute(trx);
    await sql`create unique index email_outbox_message_id on email_outbox (message_id)`.execute(trx);
    // The mailer's claim: due queued rows in order; the sweeper: sending rows by lock time.
    await sql`create index email_outbox_due on email_outbox (status, next_attempt_at)`.execute(trx);
    await sql`create table email_outbox_dossiers (
      outbox_id text not null references email_outbox (id) on delete cascade,
      dossier_id text not null,
      primary key (dossier_id, outbox_id)
    )`.execute(trx);
    await sql`create table mail_sink_messages (
      id ${sql.raw(adapter.autoIdPrimaryKey)},
      message_id text,
      envelope_from text,
      envelope_to ${json} not null,
      from_header text,
      to_header text,
      cc_header text,
      subject text,
      html_body text,
      text_body text,
      headers ${json} not null,
      size integer not null,
      received_at bigint not null
    )`.execute(trx);
  },
};

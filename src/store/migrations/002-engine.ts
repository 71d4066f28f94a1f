import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

export const engineMigration: Migration = {
  id: 2,
  name: '002-engine',
  async up(trx, adapter) {
    const json = sql.raw(adapter.jsonType);
    await sql`create table action_templates (
      id text primary key,
      active integer not null,
      draft ${json} not null,
      published_version integer,
      created_by text,
      created_at bigint not null,
      updated_at bigint not null
    )`.execute(trx);
    await sql`create table template_versions (
      template_id text not null references action_templates (id) on delete cascade,
      version integer not null,
      definition ${json} not null,
      published_at bigint not null,
      published_by text,
      primary key (template_id, version)
    )`.execute(trx);
    await sql`create table actions (
      id text primary key,
      template_id text not null,
      template_version integer not null,
      dossier_id text not null,
      dossier_type text not null,
      kind text not null,
      title text not null,
      process text,
      idempotency_key text not null,
      status text not null,
      execution_mode text not null,
      priority text not null,
      due_at bigint,
      expires_at bigint,
      assignee_user_id text,
      assignee_team_id text,
      attempts integer not null default 0,
      next_attempt_at bigint,
      locked_by text,
      locked_at bigint,
      result ${json},
      error text,
      status_reason text,
      trigger_event_id bigint,
      created_at bigint not null,
      updated_at bigint not null,
      completed_at bigint
    )`.execute(trx);
    await sql`create unique index actions_idempotency on actions (idempotency_key)`.execute(trx);
    // The scheduler's query: due automatic work, and manual work that falls due, in due order.
    await sql`create index actions_due on actions (status, due_at)`.execute(trx);
    await sql`create index actions_dossier on actions (dossier_id, status)`.execute(trx);
    await sql`create index actions_template on actions (template_id, status)`.execute(trx);
    await sql`create index actions_assignee on actions (assignee_user_id, status)`.execute(trx);
    await sql`create table action_history (
      id ${sql.raw(adapter.autoIdPrimaryKey)},
      action_id text not null,
      at bigint not null,
      actor text,
      from_status text,
      to_status text not null,
      note text
    )`.execute(trx);
    await sql`create index action_history_action on action_history (action_id, id)`.execute(trx);
  },
};

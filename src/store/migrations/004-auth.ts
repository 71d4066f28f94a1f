import { type Transaction, sql } from 'kysely';
import type { DialectAdapter } from '../dialect-adapter.js';
import type { Migration } from '../migrator.js';

/**
 * Triggers that make the audit log append-only in the database itself, so that not even a
 * hand-written SQL statement or a future bug can rewrite history. The trigger language differs
 * per dialect; this map is that difference, named once.
 */
const APPEND_ONLY_TRIGGERS: Record<DialectAdapter['name'], (trx: Transaction<unknown>) => Promise<void>> = {
  sqlite: async (trx) => {
    for (const op of ['update', 'delete'] as const) {
      await sql`create trigger ${sql.raw(`audit_log_no_${op}`)} before ${sql.raw(op)} on audit_log
        begin select raise(abort, 'The audit log is append-only: entries cannot be changed or removed.'); end`.execute(
        trx,
      );
    }
  },
  postgres: async (trx) => {
    await sql`create function audit_log_refuse_change() returns trigger language plpgsql as $$
      begin
        raise exception 'The audit log is append-only: entries cannot be changed or removed.'
          using errcode = 'insufficient_privilege';
      end $$`.execute(trx);
    await sql`create trigger audit_log_no_update_delete before update or delete on audit_log
      for each row execute function audit_log_refuse_change()`.execute(trx);
    await sql`create trigger audit_log_no_truncate before truncate on audit_log
      for each statement execute function audit_log_refuse_change()`.execute(trx);
  },
};

/**
 * Users' log-in data, roles, sessions, API tokens, password resets, log-in throttles and the
 * audit log. The users and teams themselves are in 001-core; what is added here lives in side
 * tables keyed by user id, so the people side stays readable without the auth part.
 */
export const authMigration: Migration = {
  id: 4,
  name: '004-auth',
  async up(trx, adapter) {
    const json = sql.raw(adapter.jsonType);
    await sql`create table user_credentials (
      user_id text primary key references users (id) on delete cascade,
      password_hash text not null,
      password_changed_at bigint not null
    )`.execute(trx);
    await sql`create table user_roles (
      user_id text not null references users (id) on delete cascade,
      role text not null,
      primary key (user_id, role)
    )`.execute(trx);
    await sql`create table login_throttles (
      key text primary key,
      failures integer not null,
      window_started_at bigint not null,
      locked_until bigint
    )`.execute(trx);
    await sql`create table sessions (
      id text primary key,
      token_hash text not null,
      user_id text not null references users (id) on delete cascade,
      csrf_token text not null,
      created_at bigint not null,
      last_seen_at bigint not null,
      expires_at bigint not null,
      address text,
      user_agent text
    )`.execute(trx);
    await sql`create unique index sessions_token_hash on sessions (token_hash)`.execute(trx);
    await sql`create index sessions_user on sessions (user_id)`.execute(trx);
    await sql`create table api_tokens (
      id text primary key,
      user_id text not null references users (id) on delete cascade,
      name text not null,
      token_hash text not null,
      hint text not null,
      scopes ${json} not null,
      created_at bigint not null,
      expires_at bigint,
      last_used_at bigint,
      revoked_at bigint,
      revoked_by text
    )`.execute(trx);
    await sql`create unique index api_tokens_token_hash on api_tokens (token_hash)`.execute(trx);
    await sql`create index api_tokens_user on api_tokens (user_id, id)`.execute(trx);
    await sql`create table password_resets (
      token_hash text primary key,
      user_id text not null references users (id) on delete cascade,
      created_at bigint not null,
      expires_at bigint not null,
      used_at bigint
    )`.execute(trx);
    await sql`create index password_resets_user on password_resets (user_id)`.execute(trx);
    // No foreign keys: the log outlives whatever it describes, and its actor may be a token or
    // the system.
    await sql`create table audit_log (
      id ${sql.raw(adapter.autoIdPrimaryKey)},
      occurred_at bigint not null,
      actor text,
      action text not null,
      entity_type text not null,
      entity_id text not null,
      before ${json},
      after ${json}
    )`.execute(trx);
    await sql`create index audit_log_entity on audit_log (entity_type, entity_id, id)`.execute(trx);
    await sql`create index audit_log_actor on audit_log (actor, id)`.execute(trx);
    await sql`create index audit_log_occurred on audit_log (occurred_at, id)`.execute(trx);
    await APPEND_ONLY_TRIGGERS[adapter.name](trx);
  },
};

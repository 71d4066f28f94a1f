import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

export const coreMigration: Migration = {
  id: 1,
  name: '001-core',
  async up(trx, adapter) {
    const json = sql.raw(adapter.jsonType);
    await sql`create table settings (key text primary key, value ${json} not null)`.execute(trx);
    await sql`create table dossier_types (
      key text primary key,
      definition ${json} not null,
      preset text,
      updated_at bigint not null
    )`.execute(trx);
    await sql`create table dossiers (
      id text primary key,
      type text not null,
      external_id text,
      status text,
      data ${json} not null,
      version integer not null,
      created_at bigint not null,
      updated_at bigint not null
    )`.execute(trx);
    await sql`create unique index dossiers_external_id on dossiers (type, external_id)`.execute(trx);
    await sql`create index dossiers_type_id on dossiers (type, id)`.execute(trx);
    await sql`create index dossiers_type_status on dossiers (type, status)`.execute(trx);
    await sql`create table events (
      id ${sql.raw(adapter.autoIdPrimaryKey)},
      dossier_id text not null,
      dossier_type text not null,
      kind text not null,
      changes ${json} not null,
      data ${json} not null,
      status text,
      actor text,
      occurred_at bigint not null
    )`.execute(trx);
    await sql`create index events_dossier on events (dossier_id, id)`.execute(trx);
    // Users and teams are the people actions are assigned to and e-mails go to (Econobis "ik_…"
    // merge fields). Log-in, roles and tokens are added by the auth migration.
    await sql`create table users (
      id text primary key,
      name text not null,
      email text not null,
      phone text,
      job_title text,
      active integer not null default 1,
      created_at bigint not null
    )`.execute(trx);
    await sql`create unique index users_email on users (email)`.execute(trx);
    await sql`create table teams (id text primary key, name text not null, created_at bigint not null)`.execute(
      trx,
    );
    await sql`create unique index teams_name on teams (name)`.execute(trx);
    await sql`create table team_members (
      team_id text not null references teams (id) on delete cascade,
      user_id text not null references users (id) on delete cascade,
      primary key (team_id, user_id)
    )`.execute(trx);
  },
};

import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

/**
 * SQLite: the partial indexes of open work test their cheap column first — `expires_at is not
 * null`, `assignee_user_id is not null`, `assignee_team_id is not null` — and the status list
 * after it. An UPDATE that changes `status` evaluates the condition of every partial index that
 * names it, for the old row and the new, and SQLite evaluates the terms of an AND in the order
 * written: an `in` list of three or more statuses is a probe of a small temporary b-tree, which
 * for the three indexes cost a third of the instructions of completing a drained action (issue
 * 12; most actions have no expiry and no assignee, so the probe is now skipped for them). The
 * indexes hold the same rows, and a query still matches them whatever order it names the terms
 * in (the status list itself must stay as written; see migration 006).
 *
 * PostgreSQL keeps them as they are: it decides index membership by the condition's result only.
 */
export const partialIndexOrderMigration: Migration = {
  id: 18,
  name: '018-partial-index-order',
  async up(trx, adapter) {
    if (adapter.name !== 'sqlite') return;
    const status = sql.raw(adapter.notIndexed('status'));
    await sql`drop index actions_open_expiry`.execute(trx);
    await sql`create index actions_open_expiry on actions (expires_at)
      where expires_at is not null and ${status} in ('waiting', 'pending', 'due')`.execute(trx);
    await sql`drop index actions_open_user`.execute(trx);
    await sql`create index actions_open_user on actions (assignee_user_id, id)
      where assignee_user_id is not null and ${status} in ('waiting', 'pending', 'due', 'running', 'failed')`.execute(
      trx,
    );
    await sql`drop index actions_open_team`.execute(trx);
    await sql`create index actions_open_team on actions (assignee_team_id, id)
      where assignee_team_id is not null and ${status} in ('waiting', 'pending', 'due', 'running', 'failed')`.execute(
      trx,
    );
  },
};

import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

/**
 * SQLite: fewer instructions for a status change, the write every drained action makes (issue 12).
 *
 * The partial indexes of open work test their cheap column first — `expires_at is not
 * null`, `assignee_user_id is not null`, `assignee_team_id is not null` — and the status list
 * after it. An UPDATE that changes `status` evaluates the condition of every partial index that
 * names it, for the old row and the new, and SQLite evaluates the terms of an AND in the order
 * written: an `in` list of three or more statuses is a probe of a small temporary b-tree, which
 * for the three indexes cost a third of the instructions of completing a drained action (issue
 * 12; most actions have no expiry and no assignee, so the probe is now skipped for them). The
 * indexes hold the same rows, and a query still matches them whatever order it names the terms
 * in (the status list itself must stay as written; see migration 006).
 *
 * The index of actions by template is `(template_id)`, and the counts per template and status
 * that `/metrics` reads come from it (all actions of a template) and from a partial index of the
 * actions that are not done, `(template_id, status)`; done is the difference
 * (`MetricsRepository.actionsByTemplateAndStatus`). Completing an action removes its entry from
 * the partial index and moves nothing, where `(template_id, status)` for every action took a
 * delete and an insert.
 *
 * PostgreSQL keeps its indexes as they are: it decides a partial index's membership by the
 * condition's result alone, and an update that changes an indexed column writes a new entry into
 * every index of the table whichever columns they hold (see migration 017).
 */
export const actionStatusWritesMigration: Migration = {
  id: 18,
  name: '018-action-status-writes',
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
    await sql`drop index actions_template`.execute(trx);
    await sql`create index actions_template on actions (template_id)`.execute(trx);
    await sql`create index actions_template_open on actions (template_id, status)
      where ${status} <> 'done'`.execute(trx);
  },
};

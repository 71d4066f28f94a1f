import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

/**
 * SQLite: fewer instructions for a status change, the write every drained action makes (issue 12).
 *
 * An UPDATE that changes `status` evaluates the condition of every partial index that names it,
 * for the old row and the new. In those of open work (expiry, assignee, team, overdue) the status
 * list was an `in` of three or more literals, which SQLite looks up in a temporary b-tree: for the
 * four indexes about half the instructions of completing a drained action. The lists are now a
 * CASE that compares one value after the other (`DialectAdapter.literalIn`; the queries name them
 * in the same words through `statusIn`, as migration 006 explains), and the three with a nullable column test it first
 * (`expires_at is not null`, …): SQLite evaluates an AND's terms in the order written, and most
 * actions have no expiry and no assignee. The indexes hold the same rows.
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
    const statusIn = (...statuses: string[]) =>
      sql.raw(adapter.literalIn(adapter.notIndexed('status'), statuses));
    await sql`drop index actions_open_expiry`.execute(trx);
    await sql`create index actions_open_expiry on actions (expires_at)
      where expires_at is not null and ${statusIn('waiting', 'pending', 'due')}`.execute(trx);
    await sql`drop index actions_open_user`.execute(trx);
    await sql`create index actions_open_user on actions (assignee_user_id, id)
      where assignee_user_id is not null and ${statusIn('waiting', 'pending', 'due', 'running', 'failed')}`.execute(
      trx,
    );
    await sql`drop index actions_open_team`.execute(trx);
    await sql`create index actions_open_team on actions (assignee_team_id, id)
      where assignee_team_id is not null and ${statusIn('waiting', 'pending', 'due', 'running', 'failed')}`.execute(
      trx,
    );
    await sql`drop index actions_overdue`.execute(trx);
    await sql`create index actions_overdue on actions (due_at, id, status, process)
      where ${statusIn('pending', 'due', 'failed')}`.execute(trx);
    await sql`drop index actions_template`.execute(trx);
    await sql`create index actions_template on actions (template_id)`.execute(trx);
    await sql`create index actions_template_open on actions (template_id, status)
      where ${status} <> 'done'`.execute(trx);
  },
};

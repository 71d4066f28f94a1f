import { sql } from 'kysely';
import type { Migration } from '../migrator.js';

/**
 * `action_reads`: which open actions read which dossiers through a reference in their
 * template's conditions (`opportunity.intake.contact.city` reads the intake and the contact of the
 * action's opportunity). When a dossier changes, its readers are found by primary key range on
 * `dossier_id` — no scan of the actions — and re-checked at once (`ActionEngine`). Rows are written
 * when actions are stamped, replaced when an action is re-checked (its reference may have moved),
 * and removed when the action is closed.
 */
export const actionReadsMigration: Migration = {
  id: 11,
  name: '011-action-reads',
  async up(trx) {
    await sql`create table action_reads (
      dossier_id text not null,
      action_id text not null,
      primary key (dossier_id, action_id)
    )`.execute(trx);
    await sql`create index action_reads_action on action_reads (action_id)`.execute(trx);
  },
};

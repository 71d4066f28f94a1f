import { type Transaction, sql } from 'kysely';
import type { Migration } from '../migrator.js';

/**
 * `actions.chain_depth`: how many actions in a row led to this one (an action's effect wrote a
 * dossier, or its completion chained a template, and that stamped this action). Stamped from
 * outside an action it is 0. The executor stops a chain deeper than its template's maxDepth.
 */
export const chainDepthMigration: Migration = {
  id: 5,
  name: 'action-chain-depth',
  async up(trx: Transaction<unknown>) {
    await sql`alter table actions add column chain_depth integer not null default 0`.execute(trx);
  },
};

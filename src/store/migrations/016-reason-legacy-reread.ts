import type { Migration } from '../migrator.js';
import { backfillReasons } from './013-reason-backfill.js';

/**
 * Migration 013 shipped before its parser knew two older wordings of the engine's sentences
 * ("rescheduled to <time>", "attempt N failed, retrying: …") and the sweeper's note: a database
 * migrated then marked those rows `reason.legacy` ("(oude melding) …"). This reads every
 * `reason.legacy` row's text again with today's parser and codes what it now recognises; the
 * rest stays as it is. (013 itself is never edited in what it does: a database that has it is
 * not migrated again.)
 */
export const reasonLegacyRereadMigration: Migration = {
  id: 16,
  name: '016-reason-legacy-reread',
  up: (trx, adapter) => backfillReasons(trx, adapter, 'legacy'),
};

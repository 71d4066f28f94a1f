import type { Migration } from '../migrator.js';
import { coreMigration } from './001-core.js';
import { engineMigration } from './002-engine.js';
import { emailMigration } from './003-email.js';
import { authMigration } from './004-auth.js';
import { chainDepthMigration } from './005-chain-depth.js';
import { actionIndexesMigration } from './006-action-indexes.js';
import { outboxDataSentMigration } from './007-outbox-data-sent.js';
import { actionClaimIndexMigration } from './008-action-claim-index.js';
import { outboxSentAtMigration } from './009-outbox-sent-at.js';
import { reasonCodesMigration } from './010-reason-codes.js';
import { actionReadsMigration } from './011-action-reads.js';
import { dossierSearchMigration } from './012-dossier-search.js';
import { reasonBackfillMigration } from './013-reason-backfill.js';
import { userBlockedMigration } from './014-user-blocked.js';
import { dossierTextsResumeMigration } from './015-dossier-texts-resume.js';
import { reasonLegacyRereadMigration } from './016-reason-legacy-reread.js';
import { actionDossierIndexMigration } from './017-action-dossier-index.js';
import { actionStatusWritesMigration } from './018-action-status-writes.js';
import { actionManualDueIndexMigration } from './019-action-manual-due-index.js';
import { actionAutovacuumMigration } from './020-action-autovacuum.js';

/** Every migration, in order. Append only: a released migration is never edited. */
export const MIGRATIONS: readonly Migration[] = [
  coreMigration,
  engineMigration,
  emailMigration,
  authMigration,
  chainDepthMigration,
  actionIndexesMigration,
  outboxDataSentMigration,
  actionClaimIndexMigration,
  outboxSentAtMigration,
  reasonCodesMigration,
  actionReadsMigration,
  dossierSearchMigration,
  reasonBackfillMigration,
  userBlockedMigration,
  dossierTextsResumeMigration,
  reasonLegacyRereadMigration,
  actionDossierIndexMigration,
  actionStatusWritesMigration,
  actionManualDueIndexMigration,
  actionAutovacuumMigration,
];

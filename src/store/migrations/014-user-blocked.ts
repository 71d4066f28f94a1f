import { type Transaction, sql } from 'kysely';
import type { Migration } from '../migrator.js';

/**
 * `users.blocked_at` (epoch ms, null when not blocked): an administrator blocked the account. A
 * blocked user cannot log in and its sessions and API tokens are refused until it is unblocked;
 * unlike deactivation, its tokens are not revoked, so unblocking restores them.
 */
export const userBlockedMigration: Migration = {
  id: 14,
  name: '014-user-blocked',
  async up(trx: Transaction<unknown>) {
    await sql`alter table users add column blocked_at bigint`.execute(trx);
  },
};

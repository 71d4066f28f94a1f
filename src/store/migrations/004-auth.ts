import type { Migration } from '../migrator.js';

/** Tables of the auth part; filled in by the auth work (nothing is released yet, so it may still change). */
export const authMigration: Migration = {
  id: 4,
  name: '004-auth',
  async up() {},
};

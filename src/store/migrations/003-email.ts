import type { Migration } from '../migrator.js';

/** Tables of the email part; filled in by the email work (nothing is released yet, so it may still change). */
export const emailMigration: Migration = {
  id: 3,
  name: '003-email',
  async up() {},
};

import type { Migration } from '../migrator.js';

/** Tables of the engine part; filled in by the engine work (nothing is released yet, so it may still change). */
export const engineMigration: Migration = {
  id: 2,
  name: '002-engine',
  async up() {},
};

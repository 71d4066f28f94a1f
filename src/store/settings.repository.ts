import type { Db, Store } from './database.js';

/** Reads and writes one JSON value per key of the `settings` table. */
export class SettingsRepository {
  constructor(private readonly store: Store) {}

  async get<T>(key: string, db: Db = this.store.db): Promise<T | undefined> {
    const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row ? this.store.adapter.fromJson<T>(row.value) : undefined;
  }

  async set(key: string, value: unknown, db: Db = this.store.db): Promise<void> {
    const json = this.store.adapter.toJson(value) as string;
    await db
      .insertInto('settings')
      .values({ key, value: json })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: json }))
      .execute();
  }
}

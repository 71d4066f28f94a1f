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

  async delete(key: string, db: Db = this.store.db): Promise<void> {
    await db.deleteFrom('settings').where('key', '=', key).execute();
  }

  /**
   * Writes `key` only when it is not there yet; true when this call wrote it. Two writers at
   * once (two workers): `ON CONFLICT DO NOTHING` makes the second wait for the first and then
   * write nothing, on both databases — a claim that holds across processes and restarts.
   */
  async insertIfAbsent(key: string, value: unknown, db: Db = this.store.db): Promise<boolean> {
    const json = this.store.adapter.toJson(value) as string;
    const inserted = await db
      .insertInto('settings')
      .values({ key, value: json })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  /** The entry with the greatest key starting with `prefix` (no `%` or `_` in it; keys ending in ISO dates). */
  async last<T>(prefix: string, db: Db = this.store.db): Promise<{ key: string; value: T } | undefined> {
    const row = await db
      .selectFrom('settings')
      .select(['key', 'value'])
      .where('key', 'like', `${prefix}%`)
      .orderBy('key', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? { key: row.key, value: this.store.adapter.fromJson<T>(row.value) } : undefined;
  }
}

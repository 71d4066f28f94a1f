import type { DossierType } from '../domain/dossier-type.js';
import type { Db, Store } from './database.js';

/** Dossier types are metadata rows: an administrator can edit status lists without a deploy. */
export class DossierTypeRepository {
  constructor(private readonly store: Store) {}

  async list(db: Db = this.store.db): Promise<DossierType[]> {
    const rows = await db.selectFrom('dossier_types').select(['definition']).orderBy('key').execute();
    return rows.map((r) => this.store.adapter.fromJson<DossierType>(r.definition));
  }

  /** Inserts or replaces the given types (used when a preset is installed). */
  async upsertMany(
    types: readonly DossierType[],
    preset: string | null,
    now: number,
    db: Db = this.store.db,
  ): Promise<void> {
    for (const type of types) {
      const definition = this.store.adapter.toJson(type) as string;
      await db
        .insertInto('dossier_types')
        .values({ key: type.key, definition, preset, updated_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ definition, preset, updated_at: now }))
        .execute();
    }
  }
}

import { type Expression, type Insertable, type Selectable, type SelectQueryBuilder, sql } from 'kysely';
import type { Dossier, DossierData } from '../domain/dossier.js';
import { WerkflowError } from '../domain/errors.js';
import type { Database, Db, DossierTable, Store } from './database.js';

export interface DossierFilter {
  readonly type: string;
  readonly statuses?: readonly string[];
  /** Field equals value; values are compared as text (numbers and booleans as their JSON text). */
  readonly fields?: Readonly<Record<string, string>>;
  /**
   * Words to find (case-insensitive, each must occur): in the type's text fields, or in the
   * text fields of the dossiers its `searchThrough` references point at (a participant by its
   * person's name or its training's name).
   */
  readonly search?: {
    readonly words: readonly string[];
    readonly fields: readonly string[];
    readonly through: readonly {
      readonly field: string;
      readonly type: string;
      readonly fields: readonly string[];
    }[];
  };
  /** The order: by id (creation), by last change, or by a field; ascending unless `desc`. */
  readonly sort?: DossierSort;
  /** Return dossiers with an id after this one (the cursor, id order). */
  readonly after?: string;
  /** Return dossiers after this sort key and id (the cursor of any other order). */
  readonly afterKey?: { readonly value: string | number; readonly id: string };
  readonly limit: number;
}

export interface DossierSort {
  /** `id`, `updatedAt`, or a field key. */
  readonly by: string;
  /** How the field compares: as a number (number, money) or as text (everything else). */
  readonly as: 'number' | 'text';
  readonly desc: boolean;
}

/** A dossier of a page with the key it was sorted by (for the next page's cursor). */
export interface SortedDossier {
  readonly dossier: Dossier;
  readonly sortKey: string | number;
}

/** Whether JSON writes a character of `word` escaped (so a document's text does not hold it as typed). */
function hasJsonEscapes(word: string): boolean {
  return [...word].some((c) => c === '"' || c === '\\' || c.charCodeAt(0) < 0x20);
}

type DossierQuery = SelectQueryBuilder<Database, 'dossiers', object>;

/** One aggregate, one repository: every SQL statement on `dossiers` lives here. */
export class DossierRepository {
  constructor(private readonly store: Store) {}

  private toDomain(row: Selectable<DossierTable>): Dossier {
    return {
      id: row.id,
      type: row.type,
      externalId: row.external_id,
      status: row.status,
      data: this.store.adapter.fromJson<DossierData>(row.data),
      version: Number(row.version),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    };
  }

  private toRow(d: Dossier): Insertable<DossierTable> {
    return {
      id: d.id,
      type: d.type,
      external_id: d.externalId,
      status: d.status,
      data: this.store.adapter.toJson(d.data) as string,
      version: d.version,
      created_at: d.createdAt,
      updated_at: d.updatedAt,
    };
  }

  async get(id: string, db: Db = this.store.db): Promise<Dossier | undefined> {
    const row = await db.selectFrom('dossiers').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.toDomain(row) : undefined;
  }

  /** Dossiers by id, in no particular order; missing ids are simply absent. */
  async getMany(ids: readonly string[], db: Db = this.store.db): Promise<Dossier[]> {
    const out: Dossier[] = [];
    const chunk = 500;
    for (let i = 0; i < ids.length; i += chunk) {
      const rows = await db
        .selectFrom('dossiers')
        .selectAll()
        .where('id', 'in', ids.slice(i, i + chunk))
        .execute();
      for (const r of rows) out.push(this.toDomain(r));
    }
    return out;
  }

  /**
   * Dossiers of one type by external id. With `lock`, the rows are locked for the rest of the
   * transaction where the database locks rows (PostgreSQL), so a read-modify-write cannot lose
   * a concurrent update.
   */
  async getByExternalIds(
    type: string,
    externalIds: readonly string[],
    db: Db,
    lock = false,
  ): Promise<Dossier[]> {
    const out: Dossier[] = [];
    const chunk = 500;
    for (let i = 0; i < externalIds.length; i += chunk) {
      let q = db
        .selectFrom('dossiers')
        .selectAll()
        .where('type', '=', type)
        .where('external_id', 'in', externalIds.slice(i, i + chunk));
      if (lock && this.store.adapter.rowLocking) q = q.forUpdate();
      for (const r of await q.execute()) out.push(this.toDomain(r));
    }
    return out;
  }

  /** The ids among `ids` that exist as dossiers of `type`. */
  async existingIds(type: string, ids: readonly string[], db: Db = this.store.db): Promise<Set<string>> {
    const found = new Set<string>();
    const chunk = 500;
    for (let i = 0; i < ids.length; i += chunk) {
      const rows = await db
        .selectFrom('dossiers')
        .select('id')
        .where('type', '=', type)
        .where('id', 'in', ids.slice(i, i + chunk))
        .execute();
      for (const r of rows) found.add(r.id);
    }
    return found;
  }

  /** Inserts new dossiers, or replaces existing ones by id (bulk upsert); chunked to fit the dialect. */
  async upsertMany(dossiers: readonly Dossier[], db: Db): Promise<void> {
    const chunk = Math.floor(this.store.adapter.maxParameters / 8);
    for (let i = 0; i < dossiers.length; i += chunk) {
      await db
        .insertInto('dossiers')
        .values(dossiers.slice(i, i + chunk).map((d) => this.toRow(d)))
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            status: eb.ref('excluded.status'),
            data: eb.ref('excluded.data'),
            version: eb.ref('excluded.version'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  }

  /**
   * Inserts one new dossier. When another transaction wrote a dossier of the same type with the
   * same external id first (two concurrent creates on PostgreSQL), nothing is inserted and an
   * `already_exists` error is raised instead of the database's unique violation.
   */
  async insert(dossier: Dossier, db: Db): Promise<void> {
    this.checkInserted(dossier, await this.insertMany([dossier], db));
  }

  /**
   * Inserts new dossiers, skipping any whose (type, external id) another transaction has taken
   * meanwhile; returns how many were inserted, so the caller can tell (and roll back).
   * `ON CONFLICT … DO NOTHING` waits for the other transaction and then skips, on both dialects,
   * where a plain INSERT would fail with a dialect-specific unique-violation error.
   */
  async insertMany(dossiers: readonly Dossier[], db: Db): Promise<number> {
    const chunk = Math.floor(this.store.adapter.maxParameters / 8);
    let inserted = 0;
    for (let i = 0; i < dossiers.length; i += chunk) {
      const result = await this.skipTaken(dossiers.slice(i, i + chunk), db).executeTakeFirst();
      inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
    }
    return inserted;
  }

  /**
   * The insert of `insertMany` for dossiers that fit one statement, returning the ids inserted:
   * for sending inside another statement (PostgreSQL's data-modifying WITH, see
   * `EventRepository.appendWith`). Check the count with `checkInserted`.
   */
  insertStatement(dossiers: readonly Dossier[], db: Db) {
    return this.skipTaken(dossiers, db).returning('id');
  }

  private skipTaken(dossiers: readonly Dossier[], db: Db) {
    return db
      .insertInto('dossiers')
      .values(dossiers.map((d) => this.toRow(d)))
      .onConflict((oc) => oc.columns(['type', 'external_id']).doNothing());
  }

  /** Raises what `insert` raises when the one dossier of `insertStatement` was not inserted. */
  checkInserted(dossier: Dossier, inserted: number): void {
    if (inserted !== 1) throw externalIdTaken(dossier);
  }

  /** Writes a new version if the stored one is still `expectedVersion`; false when it is not. */
  async updateIfVersion(dossier: Dossier, expectedVersion: number, db: Db): Promise<boolean> {
    const row = this.toRow(dossier);
    const result = await db
      .updateTable('dossiers')
      .set({
        status: row.status,
        data: row.data,
        version: row.version,
        updated_at: row.updated_at,
        external_id: row.external_id,
      })
      .where('id', '=', dossier.id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(id: string, db: Db): Promise<void> {
    await db.deleteFrom('dossiers').where('id', '=', id).execute();
  }

  /** Up to `limit` dossiers of `type` whose field `field` holds `id` (a reference to it). */
  async referencing(
    type: string,
    field: string,
    id: string,
    limit: number,
    db: Db = this.store.db,
  ): Promise<Dossier[]> {
    const rows = await db
      .selectFrom('dossiers')
      .selectAll()
      .where('type', '=', type)
      .where(this.store.adapter.jsonText('data', field), '=', id)
      .limit(limit)
      .execute();
    return rows.map((r) => this.toDomain(r));
  }

  /** A page of dossiers of one type, ordered by id (creation time); filter by status and fields. */
  async list(filter: DossierFilter, db: Db = this.store.db): Promise<Dossier[]> {
    return (await this.listSorted(filter, db)).map((r) => r.dossier);
  }

  /** The filter's conditions but paging: what `list` and `countMatching` share. */
  private filtered(filter: DossierFilter, db: Db): DossierQuery {
    const { adapter } = this.store;
    let q = db.selectFrom('dossiers').where('type', '=', filter.type) as DossierQuery;
    if (filter.statuses && filter.statuses.length > 0) q = q.where('status', 'in', [...filter.statuses]);
    for (const [key, value] of Object.entries(filter.fields ?? {})) {
      q = q.where(adapter.jsonText('data', key), '=', value);
    }
    const search = filter.search;
    if (search && search.words.length > 0) {
      const like = (column: string, fields: readonly string[], pattern: string) =>
        fields.map((f) => sql<boolean>`lower(${adapter.jsonText(column, f)}) like ${pattern} escape '!'`);
      for (const word of search.words) {
        const pattern = `%${word.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
        // The document as text holds every field value as written (JSON escapes aside): only a
        // document that holds the word somewhere is read field by field.
        const own = like('data', search.fields, pattern);
        const ownMatch = hasJsonEscapes(word)
          ? own
          : own.length > 0
            ? [sql<boolean>`(${adapter.jsonDocumentLike('data', pattern)} and (${sql.join(own, sql` or `)}))`]
            : [];
        q = q.where((eb) =>
          eb.or([
            ...ownMatch,
            ...search.through
              .filter((t) => t.fields.length > 0)
              .map((t) =>
                eb(
                  adapter.jsonText('data', t.field),
                  'in',
                  eb
                    .selectFrom('dossiers as r')
                    .select('r.id')
                    .where('r.type', '=', t.type)
                    .where((rb) => rb.or(like('r.data', t.fields, pattern))),
                ),
              ),
          ]),
        );
      }
    }
    return q;
  }

  /** The expression a sort orders by; missing values first (as the empty text or the lowest number). */
  private sortKey(sort: DossierSort | undefined): Expression<string | number> {
    const { adapter } = this.store;
    if (!sort || sort.by === 'id') return sql.ref('id');
    if (sort.by === 'updatedAt') return sql.ref('updated_at');
    if (sort.as === 'number') return sql<number>`coalesce(${adapter.jsonNumber('data', sort.by)}, -1e300)`;
    return adapter.binaryText(
      sql<string>`lower(coalesce(${adapter.jsonText('data', sort.by)}, ''))`,
    ) as Expression<string>;
  }

  /** A page of dossiers in the filter's order, each with its sort key (keyset paging on key and id). */
  async listSorted(filter: DossierFilter, db: Db = this.store.db): Promise<SortedDossier[]> {
    const key = this.sortKey(filter.sort);
    const desc = filter.sort?.desc === true;
    let q = this.filtered(filter, db);
    if (filter.after !== undefined) q = q.where('id', desc ? '<' : '>', filter.after);
    if (filter.afterKey !== undefined) {
      const { value, id } = filter.afterKey;
      q = desc
        ? q.where(sql<boolean>`(${key} < ${value} or (${key} = ${value} and id < ${id}))`)
        : q.where(sql<boolean>`(${key} > ${value} or (${key} = ${value} and id > ${id}))`);
    }
    const rows = await q
      .selectAll()
      .select(sql<string | number>`${key}`.as('sort_key'))
      .orderBy(sql`${key}`, desc ? 'desc' : 'asc')
      .orderBy('id', desc ? 'desc' : 'asc')
      .limit(filter.limit)
      .execute();
    return rows.map((r) => {
      const { sort_key: sortKey, ...row } = r as typeof r & { sort_key: string | number };
      return {
        dossier: this.toDomain(row as Selectable<DossierTable>),
        sortKey: typeof sortKey === 'bigint' ? Number(sortKey) : sortKey,
      };
    });
  }

  /** How many dossiers match the filter (its conditions, not its paging). */
  async countMatching(filter: DossierFilter, db: Db = this.store.db): Promise<number> {
    const row = await this.filtered(filter, db)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * Dossiers of `type` whose `field` points at a dossier of `via.type` whose `via.field` points
   * at `id` (a contact's opportunities through their intakes): up to `limit`, and how many.
   */
  async referencingThrough(
    type: string,
    field: string,
    via: { readonly type: string; readonly field: string },
    id: string,
    limit: number,
    db: Db = this.store.db,
  ): Promise<{ items: Dossier[]; total: number }> {
    const { adapter } = this.store;
    const base = db
      .selectFrom('dossiers')
      .where('type', '=', type)
      .where((eb) =>
        eb(
          adapter.jsonText('data', field),
          'in',
          eb
            .selectFrom('dossiers as m')
            .select('m.id')
            .where('m.type', '=', via.type)
            .where(adapter.jsonText('m.data', via.field), '=', id),
        ),
      );
    const rows = await base.selectAll().orderBy('id').limit(limit).execute();
    const total =
      rows.length < limit
        ? rows.length
        : Number((await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst())?.n ?? 0);
    return { items: rows.map((r) => this.toDomain(r)), total };
  }

  /** How many dossiers of `type` hold `id` in field `field`. */
  async countReferencing(type: string, field: string, id: string, db: Db = this.store.db): Promise<number> {
    const row = await db
      .selectFrom('dossiers')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('type', '=', type)
      .where(this.store.adapter.jsonText('data', field), '=', id)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** How many dossiers there are of any type (0: an empty database, e.g. for demo seeding). */
  async countAll(db: Db = this.store.db): Promise<number> {
    const row = await db
      .selectFrom('dossiers')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async count(type: string, db: Db = this.store.db): Promise<number> {
    const row = await db
      .selectFrom('dossiers')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('type', '=', type)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}

function externalIdTaken(dossier: Dossier): WerkflowError {
  return new WerkflowError(
    'already_exists',
    `A ${dossier.type} with externalId "${dossier.externalId}" was created by another request at the same moment. Read it, or update it by its externalId.`,
    { path: 'externalId' },
  );
}

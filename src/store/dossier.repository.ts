import {
  type Expression,
  type Insertable,
  type RawBuilder,
  type Selectable,
  type SelectQueryBuilder,
  sql,
} from 'kysely';
import type { Dossier, DossierData } from '../domain/dossier.js';
import { WerkflowError } from '../domain/errors.js';
import type { Database, Db, DossierTable, Store } from './database.js';
import { bulkChunks, bulkInsert, rowObjects } from './bulk-insert.js';
import type { BulkColumn } from './dialect-adapter.js';

/** The columns of a dossier's row as bulk writes send them (`DossierRepository.bulkRow`). */
const DOSSIER_COLUMNS: readonly BulkColumn[] = [
  { name: 'id', type: 'text' },
  { name: 'type', type: 'text' },
  { name: 'external_id', type: 'text' },
  { name: 'status', type: 'text' },
  { name: 'data', type: 'json' },
  { name: 'version', type: 'integer' },
  { name: 'created_at', type: 'bigint' },
  { name: 'updated_at', type: 'bigint' },
  { name: 'title_nl', type: 'text' },
  { name: 'title_en', type: 'text' },
  { name: 'search_text', type: 'text' },
];
const DOSSIER_COLUMN_NAMES = DOSSIER_COLUMNS.map((c) => c.name);

export interface DossierFilter {
  readonly type: string;
  readonly statuses?: readonly string[];
  /** Field equals value; values are compared as text (numbers and booleans as their JSON text). */
  readonly fields?: Readonly<Record<string, string>>;
  /**
   * Words to find (case-insensitive, each must occur) in the dossier's search text: its titles,
   * its text fields and the text fields of the dossiers its title reads (a participant by its
   * person's name or e-mail address, its training's name or date).
   */
  readonly search?: { readonly words: readonly string[] };
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

/** What the database keeps beside a dossier for lists and search (migration 012). */
export interface DossierText {
  readonly titleNl: string;
  readonly titleEn: string;
  /** Lower case; what a search looks in. */
  readonly search: string;
}

/** A LIKE pattern (escape character `!`) for text that contains `word`. */
function containsPattern(word: string): string {
  return `%${word.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/** The search's words, lower case, without empty ones. */
function searchWords(filter: DossierFilter): string[] {
  return (filter.search?.words ?? []).map((w) => w.toLowerCase()).filter((w) => w !== '');
}

/**
 * From this many FTS matches of a type on, a SQLite search walks the type's index in the
 * list's order instead of sorting all matches (see DossierRepository.searchPlan).
 */
const COMMON_MATCHES = 1_000;

/** An FTS5 trigram phrase for `word`, or undefined when the word is too short for trigrams. */
function trigramPhrase(word: string): string | undefined {
  return [...word].length >= 3 ? `"${word.replace(/"/g, '""')}"` : undefined;
}

/** The name of the sort index of one field of one type: identifiers as SQL allows them, unique per pair. */
function sortIndexName(type: string, field: string): string {
  const safe = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '_')
      .slice(0, 20);
  let hash = 0;
  for (const c of `${type}\u0000${field}`) hash = (Math.imul(hash, 31) + c.charCodeAt(0)) | 0;
  return `dossiers_sort_${safe(type)}_${safe(field)}_${(hash >>> 0).toString(36)}`;
}

type DossierQuery = SelectQueryBuilder<Database, 'dossiers', object>;

/**
 * The stored titles and search text of each dossier as read (or just written) with it: the row
 * holds them, so titles need no second query. Null: read without stored texts (before a backfill).
 */
const textsWith = new WeakMap<Dossier, DossierText | null>();

/** The stored texts read or written with this dossier object; undefined when it was not read from the store. */
export function textsReadWith(dossier: Dossier): DossierText | null | undefined {
  return textsWith.get(dossier);
}

/** Records the texts just written with `dossier` (see textsReadWith). */
export function rememberTexts(dossier: Dossier, text: DossierText): void {
  textsWith.set(dossier, text);
}

/** One aggregate, one repository: every SQL statement on `dossiers` lives here. */
export class DossierRepository {
  constructor(private readonly store: Store) {}

  private toDomain(row: Selectable<DossierTable>): Dossier {
    const dossier: Dossier = {
      id: row.id,
      type: row.type,
      externalId: row.external_id,
      status: row.status,
      data: this.store.adapter.fromJson<DossierData>(row.data),
      version: Number(row.version),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    };
    if (row.title_nl !== undefined)
      textsWith.set(
        dossier,
        row.title_nl !== null && row.title_en !== null
          ? { titleNl: row.title_nl, titleEn: row.title_en, search: row.search_text }
          : null,
      );
    return dossier;
  }

  private toRow(d: Dossier, text?: DossierText): Insertable<DossierTable> {
    return {
      ...(text ? { title_nl: text.titleNl, title_en: text.titleEn, search_text: text.search } : {}),
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
    // PostgreSQL binds each chunk as one array (textIn): a bulk upsert's lookup is one statement.
    const chunk = 5_000;
    for (let i = 0; i < externalIds.length; i += chunk) {
      let q = db
        .selectFrom('dossiers')
        .selectAll()
        .where('type', '=', type)
        .where(this.store.adapter.textIn('external_id', externalIds.slice(i, i + chunk)));
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

  /** A dossier with its texts as a row of DOSSIER_COLUMNS (bulk writes). */
  private bulkRow(d: Dossier, text: DossierText): unknown[] {
    return [
      d.id,
      d.type,
      d.externalId,
      d.status,
      this.store.adapter.toJson(d.data),
      d.version,
      d.createdAt,
      d.updatedAt,
      text.titleNl,
      text.titleEn,
      text.search,
    ];
  }

  /** Inserts new dossiers, or replaces existing ones by id (bulk upsert), in bulk statements. */
  async upsertMany(
    dossiers: readonly Dossier[],
    db: Db,
    texts: ReadonlyMap<string, DossierText>,
  ): Promise<void> {
    for (const part of bulkChunks(this.store, dossiers)) {
      const rows = part.map((d) => this.bulkRow(d, textOf(texts, d)));
      await bulkInsert(this.store, db, 'dossiers', DOSSIER_COLUMNS, rows)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            status: eb.ref('excluded.status'),
            data: eb.ref('excluded.data'),
            version: eb.ref('excluded.version'),
            updated_at: eb.ref('excluded.updated_at'),
            title_nl: eb.ref('excluded.title_nl'),
            title_en: eb.ref('excluded.title_en'),
            search_text: eb.ref('excluded.search_text'),
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
  async insert(dossier: Dossier, db: Db, text: DossierText): Promise<void> {
    this.checkInserted(dossier, await this.insertMany([dossier], db, new Map([[dossier.id, text]])));
  }

  /**
   * Inserts new dossiers, skipping any whose (type, external id) another transaction has taken
   * meanwhile; returns how many were inserted, so the caller can tell (and roll back).
   * `ON CONFLICT … DO NOTHING` waits for the other transaction and then skips, on both dialects,
   * where a plain INSERT would fail with a dialect-specific unique-violation error.
   */
  async insertMany(
    dossiers: readonly Dossier[],
    db: Db,
    texts: ReadonlyMap<string, DossierText>,
  ): Promise<number> {
    let inserted = 0;
    for (const part of bulkChunks(this.store, dossiers)) {
      const rows = part.map((d) => this.bulkRow(d, textOf(texts, d)));
      const result = await bulkInsert(this.store, db, 'dossiers', DOSSIER_COLUMNS, rows)
        .onConflict((oc) => oc.columns(['type', 'external_id']).doNothing())
        .executeTakeFirst();
      inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
    }
    return inserted;
  }

  /** Dossiers with their texts as rows of DOSSIER_COLUMNS, for `insertDossierRows`. */
  rowsOf(dossiers: readonly Dossier[], texts: ReadonlyMap<string, DossierText>): unknown[][] {
    return dossiers.map((d) => this.bulkRow(d, textOf(texts, d)));
  }

  /** Raises what `insert` raises when the one dossier of `insertDossierRows` was not inserted. */
  checkInserted(dossier: Dossier, inserted: number): void {
    if (inserted !== 1) throw externalIdTaken(dossier);
  }

  /** Writes a new version if the stored one is still `expectedVersion`; false when it is not. */
  async updateIfVersion(
    dossier: Dossier,
    expectedVersion: number,
    db: Db,
    text: DossierText,
  ): Promise<boolean> {
    const row = this.toRow(dossier, text);
    const result = await db
      .updateTable('dossiers')
      .set({
        title_nl: row.title_nl,
        title_en: row.title_en,
        search_text: row.search_text,
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

  /**
   * How SQLite should read a search (undefined when there is no word long enough for trigrams):
   * - `index`: few dossiers of the type hold the words: start from what the FTS index finds (by
   *   rowid) and sort those; the type is only a filter.
   * - `walk`: many hold them (at least COMMON_MATCHES): walk the type's index in the list's order
   *   and test each dossier's text, stopping at the page's end (about limit × type / matches
   *   rows), instead of collecting and sorting every match; its total reads the type's covering
   *   index against the FTS matches.
   * The choice is one estimate: the FTS matches of the type, counted up to COMMON_MATCHES.
   */
  private async searchPlan(
    filter: DossierFilter,
    db: Db,
  ): Promise<{ phrases: string[]; walk: boolean } | undefined> {
    if (this.store.adapter.name !== 'sqlite') return undefined;
    const phrases = searchWords(filter)
      .map(trigramPhrase)
      .filter((p): p is string => p !== undefined);
    if (phrases.length === 0) return undefined;
    const estimate = await sql<{ n: number }>`select count(*) as n from (
        select dossiers_fts.rowid from dossiers_fts join dossiers as d on d.rowid = dossiers_fts.rowid
        where dossiers_fts match ${phrases.join(' ')} and d.type = ${filter.type} limit ${COMMON_MATCHES})`.execute(
      db,
    );
    return { phrases, walk: Number(estimate.rows[0]?.n ?? 0) >= COMMON_MATCHES };
  }

  /** The filter's conditions but paging: what `list` and `countMatching` share. */
  private filtered(
    filter: DossierFilter,
    db: Db,
    plan: { phrases: string[]; walk: boolean } | undefined,
    purpose: 'page' | 'count',
  ): DossierQuery {
    const { adapter } = this.store;
    // The type (a key of the catalog, checked by the service) as a literal: SQLite uses a partial
    // index (the per-field sort indexes, `where type = 'contact'`) only for the same literal.
    const words = searchWords(filter);
    const fts = plan !== undefined && !(plan.walk && purpose === 'page');
    // Starting from what the FTS index found (by rowid), the type is only a filter: not a walk
    // over every dossier of the type testing each against the list.
    const typeColumn = fts && !plan.walk ? sql.raw(adapter.notIndexed('type')) : sql.ref('type');
    let q = db.selectFrom('dossiers').where(typeColumn, '=', sql.lit(filter.type)) as DossierQuery;
    if (filter.statuses && filter.statuses.length > 0) q = q.where('status', 'in', [...filter.statuses]);
    for (const [key, value] of Object.entries(filter.fields ?? {})) {
      q = q.where(adapter.jsonText('data', key), '=', value);
    }
    // PostgreSQL: pg_trgm's GIN index (dossiers_search) answers each `like '%word%'`, short
    // words aside. SQLite: the FTS5 trigram index answers words of three characters or more;
    // shorter ones (and, on a walk, all) filter the rows read.
    if (fts)
      q = q.where(
        sql<boolean>`dossiers.rowid in (select rowid from dossiers_fts where dossiers_fts match ${plan.phrases.join(' ')})`,
      );
    for (const word of words.filter((w) => !fts || trigramPhrase(w) === undefined))
      q = q.where(sql<boolean>`search_text like ${containsPattern(word)} escape '!'`);
    return q;
  }

  /**
   * The expression a sort orders by; missing values first (as the empty text or the lowest
   * number). A field's key is written into the SQL as a literal, as in its sort index
   * (`ensureSortIndexes`): a planner matches an index expression by its text, and a bound
   * parameter is not the same text.
   */
  private sortKey(sort: DossierSort | undefined): Expression<string | number> {
    const { adapter } = this.store;
    if (!sort || sort.by === 'id') return sql.ref('id');
    if (sort.by === 'updatedAt') return sql.ref('updated_at');
    if (sort.as === 'number')
      return this.inlined(sql<number>`coalesce(${adapter.jsonNumber('data', sort.by)}, -1e300)`);
    return this.inlined(
      adapter.binaryText(sql<string>`lower(coalesce(${adapter.jsonText('data', sort.by)}, ''))`),
    ) as Expression<string>;
  }

  /** An expression with its parameters written in as SQL literals (they are keys, never user text). */
  private inlined<T>(expression: Expression<T>): RawBuilder<T> {
    const compiled = this.store.db.selectNoFrom(sql`${expression}`.as('k')).compile();
    const parameters = compiled.parameters;
    let next = 0;
    const literal = (p: unknown) =>
      typeof p === 'number' ? String(p) : `'${String(p).replace(/'/g, "''")}'`;
    const body = compiled.sql.replace(/^select\s+/i, '').replace(/\s+as\s+"k"$/i, '');
    const text =
      this.store.adapter.name === 'postgres'
        ? body.replace(/\$(\d+)/g, (_, n: string) => literal(parameters[Number(n) - 1]))
        : body.replace(/\?/g, () => literal(parameters[next++]));
    return sql.raw<T>(text);
  }

  /** A page of dossiers in the filter's order, each with its sort key (keyset paging on key and id). */
  async listSorted(filter: DossierFilter, db: Db = this.store.db): Promise<SortedDossier[]> {
    const key = this.sortKey(filter.sort);
    const desc = filter.sort?.desc === true;
    let q = this.filtered(filter, db, await this.searchPlan(filter, db), 'page');
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
    const row = await this.filtered(filter, db, await this.searchPlan(filter, db), 'count')
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

  /** Dossiers of `type` whose `field` holds one of `ids` (the dossiers whose titles read them). */
  async referencingAny(type: string, field: string, ids: readonly string[], db: Db): Promise<Dossier[]> {
    const out: Dossier[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db
        .selectFrom('dossiers')
        .selectAll()
        .where('type', '=', type)
        .where(this.store.adapter.jsonText('data', field), 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) out.push(this.toDomain(r));
    }
    return out;
  }

  /** The stored titles and search text of these dossiers (those that have them). */
  async storedTexts(ids: readonly string[], db: Db = this.store.db): Promise<Map<string, DossierText>> {
    const out = new Map<string, DossierText>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db
        .selectFrom('dossiers')
        .select(['id', 'title_nl', 'title_en', 'search_text'])
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows)
        if (r.title_nl !== null && r.title_en !== null)
          out.set(r.id, { titleNl: r.title_nl, titleEn: r.title_en, search: r.search_text });
    }
    return out;
  }

  /** Writes the titles and search text of existing dossiers (a referenced dossier changed, or a backfill). */
  async setTexts(texts: ReadonlyMap<string, DossierText>, db: Db): Promise<void> {
    const entries = [...texts];
    if (this.store.adapter.name === 'postgres') {
      for (let i = 0; i < entries.length; i += 5_000) {
        const part = entries.slice(i, i + 5_000);
        await sql`update dossiers set title_nl = v.nl, title_en = v.en, search_text = v.search
          from (select unnest(${part.map(([id]) => id)}::text[]) as id,
                       unnest(${part.map(([, t]) => t.titleNl)}::text[]) as nl,
                       unnest(${part.map(([, t]) => t.titleEn)}::text[]) as en,
                       unnest(${part.map(([, t]) => t.search)}::text[]) as search) v
          where dossiers.id = v.id`.execute(db);
      }
      return;
    }
    for (const [id, t] of entries)
      await db
        .updateTable('dossiers')
        .set({ title_nl: t.titleNl, title_en: t.titleEn, search_text: t.search })
        .where('id', '=', id)
        .execute();
  }

  /**
   * Up to `limit` dossiers after id `after` (all types, or those of `types`), in id order: for
   * backfills. Inside a transaction, `lock` holds the rows (PostgreSQL `for update`; SQLite's one
   * writer is held by the transaction itself) so a write in between cannot be overwritten with
   * texts computed from what was read before it.
   */
  async batchAfter(
    after: string,
    limit: number,
    types: readonly string[] | undefined,
    db: Db = this.store.db,
    lock = false,
  ): Promise<Dossier[]> {
    let q = db.selectFrom('dossiers').selectAll().where('id', '>', after);
    if (types) q = q.where('type', 'in', types.length > 0 ? [...types] : ['']);
    q = q.orderBy('id').limit(limit);
    if (lock && this.store.adapter.name === 'postgres') q = q.forUpdate();
    const rows = await q.execute();
    return rows.map((r) => this.toDomain(r));
  }

  /**
   * One index per sortable field of a type (`sortable`: field key and how it compares), on the
   * type, the exact expression `listSorted` orders by, and the id, holding that type's rows only
   * (partial: a write of another type does not touch it): sorting 100,000 contacts by name reads
   * the first page off the index instead of sorting them all. The type leads although it is one
   * value: SQLite, planning without statistics, takes an index for a `type = …` equality, not for
   * the partial condition alone. Idempotent; called whenever the dossier types are loaded.
   */
  async ensureSortIndexes(
    sortable: readonly { readonly type: string; readonly field: string; readonly as: 'number' | 'text' }[],
  ): Promise<void> {
    const existing = new Set(
      this.store.adapter.name === 'postgres'
        ? (
            await sql<{ name: string }>`select indexname as name from pg_indexes
              where schemaname = current_schema() and tablename = 'dossiers'`.execute(this.store.db)
          ).rows.map((r) => r.name)
        : (
            await sql<{ name: string }>`select name from sqlite_master
              where type = 'index' and tbl_name = 'dossiers'`.execute(this.store.db)
          ).rows.map((r) => r.name),
    );
    for (const s of sortable) {
      const name = sortIndexName(s.type, s.field);
      if (existing.has(name)) continue;
      const expression = this.inlined(this.sortKey({ by: s.field, as: s.as, desc: false }));
      try {
        await sql`create index if not exists ${sql.id(name)} on dossiers (type, (${expression}), id)
          where type = ${sql.lit(s.type)}`.execute(this.store.db);
      } catch (error) {
        // Another process created it at the same moment (PostgreSQL's catalog refuses the second).
        if (!/already exists|duplicate key/i.test(String(error))) throw error;
      }
    }
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

/**
 * The insert of `insertMany` for dossiers that fit one statement (`rows`: DossierRepository.rowsOf),
 * returning the ids inserted: for sending inside another statement (PostgreSQL's data-modifying
 * WITH, see `EventRepository.appendWith`). Check the count with `checkInserted`.
 */
export function insertDossierRows(db: Db, rows: readonly (readonly unknown[])[]) {
  return db
    .insertInto('dossiers')
    .values(rowObjects(DOSSIER_COLUMN_NAMES, rows) as Insertable<DossierTable>[])
    .onConflict((oc) => oc.columns(['type', 'external_id']).doNothing())
    .returning('id');
}

function textOf(texts: ReadonlyMap<string, DossierText>, d: Dossier): DossierText {
  const text = texts.get(d.id);
  if (!text) throw new Error(`No title and search text for dossier ${d.id}.`);
  return text;
}

function externalIdTaken(dossier: Dossier): WerkflowError {
  return new WerkflowError(
    'already_exists',
    `A ${dossier.type} with externalId "${dossier.externalId}" was created by another request at the same moment. Read it, or update it by its externalId.`,
    { path: 'externalId' },
  );
}

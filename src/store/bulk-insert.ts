import type { InsertQueryBuilder, InsertResult } from 'kysely';
import type { Database, Db, Store } from './database.js';
import type { BulkColumn } from './dialect-adapter.js';

/**
 * The insert of `rows` (arrays of values in `columns` order) into `table` as one statement of
 * a few query nodes (`DialectAdapter.bulkRows`: the rows are one JSON parameter), to finish with
 * an ON CONFLICT or a RETURNING. At most `adapter.bulkChunk` rows: see `bulkChunks`.
 */
export function bulkInsert<T extends keyof Database & string>(
  store: Store,
  db: Db,
  table: T,
  columns: readonly BulkColumn[],
  rows: readonly (readonly unknown[])[],
): InsertQueryBuilder<Database, T, InsertResult> {
  return db
    .insertInto(table)
    .columns(columns.map((c) => c.name) as never)
    .expression(store.adapter.bulkRows(columns, rows));
}

/** `items` in slices of the dialect's bulk statement size. */
export function bulkChunks<I>(store: Store, items: readonly I[]): (readonly I[])[] {
  const size = store.adapter.bulkChunk;
  if (items.length <= size) return items.length === 0 ? [] : [items];
  const out: I[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Rows (arrays of values in `names` order) as the objects Kysely's `values` takes: for a
 * statement built once per shape (ShapedStatements), whose rows are those of the bulk insert.
 */
export function rowObjects(names: readonly string[], rows: readonly (readonly unknown[])[]) {
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) out[names[i]!] = row[i];
    return out;
  });
}

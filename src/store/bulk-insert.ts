import { CompiledQuery, type QueryResult } from 'kysely';
import type { Db, Store } from './database.js';
import type { BulkColumn } from './dialect-adapter.js';

/**
 * Inserts rows (arrays of values in `columns` order) into `table`, in statements of the
 * dialect's bulk size (`DialectAdapter.bulkRows`): raw SQL of a fixed shape, no query built per
 * row. `tail` follows each statement (an ON CONFLICT clause, a RETURNING list). Returns each
 * statement's result, in order.
 */
export async function bulkInsert<R = unknown>(
  store: Store,
  db: Db,
  table: string,
  columns: readonly BulkColumn[],
  rows: readonly (readonly unknown[])[],
  tail = '',
): Promise<QueryResult<R>[]> {
  const { adapter } = store;
  const names = columns.map((c) => c.name).join(', ');
  const chunk = adapter.bulkChunk(columns.length);
  const results: QueryResult<R>[] = [];
  for (let i = 0; i < rows.length; i += chunk) {
    const part = adapter.bulkRows(columns, i === 0 && rows.length <= chunk ? rows : rows.slice(i, i + chunk));
    results.push(
      await db.executeQuery<R>(
        CompiledQuery.raw(`insert into ${table} (${names}) ${part.sql} ${tail}`, part.parameters),
      ),
    );
  }
  return results;
}

/** The rows a bulk insert's results report as inserted (or updated). */
export function affectedRows(results: readonly QueryResult<unknown>[]): number {
  return results.reduce((sum, r) => sum + Number(r.numAffectedRows ?? 0), 0);
}

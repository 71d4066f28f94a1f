import { CompiledQuery, type KyselyPlugin, type RootOperationNode } from 'kysely';
import type { Db, Store } from '../../src/store/database.js';

/** A connection over `db` whose statements are recorded, compiled, in `captured` as they are sent. */
export function capturing(db: Db): { db: Db; captured: CompiledQuery[] } {
  const captured: CompiledQuery[] = [];
  const executor = db.getExecutor();
  const capture: KyselyPlugin = {
    transformQuery: ({ node, queryId }) => {
      captured.push(executor.compileQuery(node as RootOperationNode, queryId));
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  return { db: db.withPlugin(capture) as Db, captured };
}

/**
 * The plan the database makes for `q`: SQLite `EXPLAIN QUERY PLAN`; PostgreSQL `EXPLAIN` with
 * sequential scans (and, unless `sorts`, sorts) priced out, since a table this small is planned by
 * cost: what still scans or sorts has no index to do otherwise. `priceRows` prices the test per
 * row up (as 100,000 rows would make it).
 */
export function planText(
  store: Store,
  q: CompiledQuery,
  options: { readonly sorts?: boolean; readonly priceRows?: boolean } = {},
): Promise<string> {
  return store.db.transaction().execute(async (db) => {
    if (store.adapter.name === 'sqlite') {
      const r = await db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]),
      );
      return r.rows.map((row) => row.detail).join('\n');
    }
    await db.executeQuery(CompiledQuery.raw('set local enable_seqscan = off'));
    if (!options.sorts) await db.executeQuery(CompiledQuery.raw('set local enable_sort = off'));
    if (options.priceRows) await db.executeQuery(CompiledQuery.raw('set local cpu_operator_cost = 1'));
    const r = await db.executeQuery<Record<string, string>>(
      CompiledQuery.raw(`explain ${q.sql}`, [...q.parameters]),
    );
    return r.rows.map((row) => row['QUERY PLAN']).join('\n');
  });
}

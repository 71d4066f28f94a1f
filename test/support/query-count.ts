import type { KyselyPlugin } from 'kysely';
import pg from 'pg';
import type { Db, Store } from '../../src/store/database.js';

/** A statement's top node, as far as the counting tests read it. */
export interface StatementNode {
  kind: string;
  table?: { table: { identifier: { name: string } } };
  into?: { table: { identifier: { name: string } } };
  with?: { expressions: { expression: StatementNode }[] };
}

/**
 * Runs `run` with the store's connection calling `onStatement` once per statement sent, with its
 * top node: a query built into another one (a WITH) is seen by Kysely's transformQuery too, but
 * only the statement sent has a result. Returns `run`'s result.
 */
export async function watchStatements<T>(
  store: Store,
  onStatement: (node: StatementNode) => void,
  run: () => Promise<T>,
): Promise<T> {
  const nodes = new Map<unknown, StatementNode>();
  const watcher: KyselyPlugin = {
    transformQuery: ({ node, queryId }) => {
      nodes.set(queryId, node as unknown as StatementNode);
      return node;
    },
    transformResult: async ({ result, queryId }) => {
      const node = nodes.get(queryId);
      nodes.delete(queryId);
      if (node) onStatement(node);
      return result;
    },
  };
  const writable = store as { db: Db };
  const original = writable.db;
  writable.db = original.withPlugin(watcher);
  try {
    return await run();
  } finally {
    writable.db = original;
  }
}

/** Runs `run` with the store's connection counting the statements it sends; returns its result and that count. */
export async function countQueries<T>(
  store: Store,
  run: () => Promise<T>,
): Promise<{ result: T; queries: number }> {
  let queries = 0;
  const result = await watchStatements(store, () => queries++, run);
  return { result, queries };
}

/**
 * The SQL texts every pg client sends while `fn` runs (BEGIN and COMMIT included, which Kysely's
 * plugins never see): round trips on PostgreSQL, counted at the driver.
 */
export async function sentBy(fn: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const q = args[0];
    sent.push(typeof q === 'string' ? q : String((q as { text?: string }).text));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = original;
  }
  return sent;
}

import type { KyselyPlugin } from 'kysely';
import type { Db, Store } from '../../src/store/database.js';

/** Runs `run` with the store's connection counting the statements it sends; returns its result and that count. */
export async function countQueries<T>(
  store: Store,
  run: () => Promise<T>,
): Promise<{ result: T; queries: number }> {
  let queries = 0;
  const counter: KyselyPlugin = {
    transformQuery: (args) => {
      queries++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  const writable = store as { db: Db };
  const original = writable.db;
  writable.db = original.withPlugin(counter);
  try {
    return { result: await run(), queries };
  } finally {
    writable.db = original;
  }
}

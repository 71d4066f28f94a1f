import { CompiledQuery, type DatabaseConnection, SqliteDialect, SqliteDriver, type Driver } from 'kysely';
import type { SqliteDatabase, SqliteDialectConfig, SqliteStatement } from 'kysely';
import { TransactionHooksDriver } from './transaction-hooks.js';

/**
 * Kysely's SQLite driver opens transactions with a plain BEGIN (deferred): a transaction that
 * reads first and writes later can then fail with SQLITE_BUSY when another process wrote in
 * between, and busy_timeout does not help. We open every transaction with BEGIN IMMEDIATE
 * instead, which takes the write lock up front and waits for it; reads outside transactions
 * are unaffected (WAL lets them run beside the writer).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new TransactionHooksDriver(new ImmediateSqliteDriver(this.#config), { lazyBegin: false });
  }
}

/**
 * A SQLite connection that keeps its prepared statements: Kysely asks for a new statement for
 * every query, and preparing (parsing and planning the SQL) was about a third of the time of a
 * short query. Statements are kept per SQL text, the most recently used `size` of them; one that
 * is still being iterated is not handed out twice (a fresh one is prepared for that call).
 */
export function withStatementCache(
  database: SqliteDatabase & { prepare(sql: string): SqliteStatement & { readonly busy?: boolean } },
  size = 500,
): SqliteDatabase {
  const cache = new Map<string, SqliteStatement & { readonly busy?: boolean }>();
  return {
    close: () => database.close(),
    prepare(sql) {
      const kept = cache.get(sql);
      if (kept !== undefined && kept.busy !== true) {
        // Map keeps insertion order: moving the entry to the end makes the first the least recent.
        cache.delete(sql);
        cache.set(sql, kept);
        return kept;
      }
      const statement = database.prepare(sql);
      if (kept === undefined) {
        cache.set(sql, statement);
        if (cache.size > size) cache.delete(cache.keys().next().value!);
      }
      return statement;
    },
  };
}

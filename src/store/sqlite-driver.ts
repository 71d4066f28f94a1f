import { CompiledQuery, type DatabaseConnection, SqliteDialect, SqliteDriver, type Driver } from 'kysely';
import type { SqliteDialectConfig } from 'kysely';

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
    return new ImmediateSqliteDriver(this.#config);
  }
}

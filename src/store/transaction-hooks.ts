import type {
  CompiledQuery,
  DatabaseConnection,
  Driver,
  Kysely,
  QueryResult,
  TransactionSettings,
} from 'kysely';

/**
 * A driver around Kysely's own that knows when a transaction commits, so work that must see the
 * committed rows (waking the scheduler for new actions) runs after the commit and not inside the
 * transaction (`afterCommit`). With `lazyBegin` (PostgreSQL) it also sends BEGIN only with the
 * transaction's first statement, and a statement marked final (`finalStatement`) that comes first
 * runs on its own, as a transaction of one statement: a create that is one statement is one round
 * trip instead of three (begin, statement, commit).
 */
export class TransactionHooksDriver implements Driver {
  readonly #inner: Driver;
  readonly #lazyBegin: boolean;
  readonly #wrapped = new WeakMap<DatabaseConnection, HookedConnection>();

  constructor(inner: Driver, options: { lazyBegin: boolean }) {
    this.#inner = inner;
    this.#lazyBegin = options.lazyBegin;
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.#inner.acquireConnection();
    let c = this.#wrapped.get(inner);
    if (!c) {
      c = new HookedConnection(inner, this.#inner);
      this.#wrapped.set(inner, c);
    }
    return c;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = connection as HookedConnection;
    c.reset();
    c.inTransaction = true;
    if (this.#lazyBegin && !settings.isolationLevel && !settings.accessMode) c.pendingBegin = true;
    else await this.#inner.beginTransaction(c.inner, settings);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as HookedConnection;
    // Nothing was sent (a transaction without statements), or its one statement committed itself.
    if (!c.pendingBegin && !c.autocommitted) await this.#inner.commitTransaction(c.inner);
    c.finish(!c.finalFailed);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as HookedConnection;
    try {
      if (!c.pendingBegin && !c.autocommitted) await this.#inner.rollbackTransaction(c.inner);
    } finally {
      // A final statement that ran on its own and succeeded committed: what waits for its commit
      // still runs. One that failed wrote nothing, so nothing waits for it.
      c.finish(c.autocommitted && !c.finalFailed);
    }
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: Parameters<NonNullable<Driver['savepoint']>>[2],
  ): Promise<void> {
    const c = connection as HookedConnection;
    await c.begin();
    await this.#inner.savepoint!(c.inner, name, compileQuery);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: Parameters<NonNullable<Driver['rollbackToSavepoint']>>[2],
  ): Promise<void> {
    await this.#inner.rollbackToSavepoint!((connection as HookedConnection).inner, name, compileQuery);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: Parameters<NonNullable<Driver['releaseSavepoint']>>[2],
  ): Promise<void> {
    await this.#inner.releaseSavepoint!((connection as HookedConnection).inner, name, compileQuery);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const c = connection as HookedConnection;
    c.reset();
    await this.#inner.releaseConnection(c.inner);
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}

/** Statements marked by `finalStatement`. */
const FINAL = new WeakSet<CompiledQuery>();

class HookedConnection implements DatabaseConnection {
  inTransaction = false;
  /** BEGIN is owed: sent with the first statement (lazyBegin). */
  pendingBegin = false;
  /** The transaction's only statement ran as a transaction of its own (it committed). */
  autocommitted = false;
  /** That statement failed: it wrote nothing (a statement is atomic), so nothing committed. */
  finalFailed = false;
  callbacks: (() => void)[] = [];

  constructor(
    readonly inner: DatabaseConnection,
    private readonly driver: Driver,
  ) {}

  async begin(): Promise<void> {
    if (!this.pendingBegin) return;
    await this.driver.beginTransaction(this.inner, {});
    // Owed until sent: a BEGIN that failed opened nothing, so the rollback sends no ROLLBACK
    // (whose error on a dead connection would hide the first one).
    this.pendingBegin = false;
  }

  private check(): void {
    if (this.autocommitted)
      throw new Error('A statement after the final statement of a transaction (finalStatement).');
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    this.check();
    if (this.pendingBegin && FINAL.has(compiledQuery)) {
      this.pendingBegin = false;
      this.autocommitted = true;
      try {
        return await this.inner.executeQuery<R>(compiledQuery);
      } catch (error) {
        this.finalFailed = true;
        throw error;
      }
    }
    await this.begin();
    return this.inner.executeQuery<R>(compiledQuery);
  }

  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    this.check();
    await this.begin();
    yield* this.inner.streamQuery<R>(compiledQuery, chunkSize);
  }

  reset(): void {
    this.inTransaction = false;
    this.pendingBegin = false;
    this.autocommitted = false;
    this.finalFailed = false;
    this.callbacks = [];
  }

  finish(committed: boolean): void {
    const callbacks = this.callbacks;
    this.reset();
    if (!committed) return;
    for (const fn of callbacks) {
      try {
        fn();
      } catch {
        // What runs after a commit (a wake-up) must not make the committed write look failed.
      }
    }
  }
}

/**
 * Runs `fn` once the transaction `db` commits (not when it rolls back); at once when `db` is not
 * a transaction. For work that must see the committed rows, such as waking the scheduler.
 */
export async function afterCommit(
  db: Pick<Kysely<never>, 'isTransaction' | 'getExecutor'>,
  fn: () => void,
): Promise<void> {
  if (!db.isTransaction) {
    fn();
    return;
  }
  let kept = false;
  await db.getExecutor().provideConnection(async (connection) => {
    if (connection instanceof HookedConnection && connection.inTransaction) {
      connection.callbacks.push(fn);
      kept = true;
    }
  });
  if (!kept) fn();
}

/**
 * Marks a compiled statement as the last of its transaction: when it is also the first (nothing
 * was sent yet), it runs as a transaction of its own and the commit sends nothing. A statement
 * sent after it in the same transaction is refused.
 */
export function finalStatement<R>(compiled: CompiledQuery<R>): CompiledQuery<R> {
  FINAL.add(compiled);
  return compiled;
}

import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  type ColumnType,
  type Driver,
  type Generated,
  Kysely,
  PostgresDialect,
  type RawBuilder,
  sql,
} from 'kysely';
import pg from 'pg';
import { backoffStep } from '../domain/backoff.js';
import { type DialectAdapter, postgresAdapter, sqliteAdapter } from './dialect-adapter.js';
import { ImmediateSqliteDialect, withStatementCache } from './sqlite-driver.js';
import { TransactionHooksDriver } from './transaction-hooks.js';
import { BackgroundCheckpointer } from './sqlite-checkpointer.js';
import { PreparingClient } from './prepared-statements.js';
import type { EngineTables } from './engine.tables.js';
import type { EmailTables } from './email.tables.js';
import type { AuthTables } from './auth.tables.js';

/** A lost LISTEN connection is tried again after 0.5 s, doubling to 30 s. */
const LISTEN_BACKOFF = { baseMs: 500, maxMs: 30_000 };

/** JSON columns: text on SQLite, jsonb on PostgreSQL; written as text, read through the adapter. */
export type Json = ColumnType<unknown, string, string>;

export interface MigrationTable {
  id: number;
  name: string;
  applied_at: number;
}

export interface DossierTypeTable {
  key: string;
  definition: Json;
  preset: string | null;
  updated_at: number;
}

export interface DossierTable {
  id: string;
  type: string;
  external_id: string | null;
  status: string | null;
  data: Json;
  version: number;
  created_at: number;
  updated_at: number;
  /** The title in Dutch and English (migration 012); null until filled. */
  title_nl: ColumnType<string | null, string | null | undefined, string | null>;
  title_en: ColumnType<string | null, string | null | undefined, string | null>;
  /** What a search looks in, lower case (migration 012). */
  search_text: ColumnType<string, string | undefined, string>;
}

export interface EventTable {
  id: Generated<number>;
  dossier_id: string;
  dossier_type: string;
  kind: string;
  /** Changed fields with old and new values; empty object for created/deleted. */
  changes: Json;
  /** The dossier's data after the write (before it, for a delete). */
  data: Json;
  status: string | null;
  actor: string | null;
  occurred_at: number;
}

export interface SettingTable {
  key: string;
  value: Json;
}

export interface UserTable {
  id: string;
  name: string;
  email: string;
  phone: string | null;
  job_title: string | null;
  /** 1 or 0 (portable boolean). */
  active: number;
  created_at: number;
  /** When an administrator blocked the account (migration 014); null when not blocked. */
  blocked_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface TeamTable {
  id: string;
  name: string;
  created_at: number;
}

export interface TeamMemberTable {
  team_id: string;
  user_id: string;
}

export interface CoreTables {
  users: UserTable;
  teams: TeamTable;
  team_members: TeamMemberTable;
  werkflow_migrations: MigrationTable;
  dossier_types: DossierTypeTable;
  dossiers: DossierTable;
  events: EventTable;
  settings: SettingTable;
}

export interface Database extends CoreTables, EngineTables, EmailTables, AuthTables {}

export type Db = Kysely<Database>;

export interface Store {
  readonly db: Db;
  readonly adapter: DialectAdapter;
  /** A description safe to print: the file, or the PostgreSQL URL without its password. */
  readonly description: string;
  /**
   * Wakes other processes: `notify` inside a transaction is delivered when it commits, `listen`
   * subscribes (PostgreSQL LISTEN/NOTIFY on a dedicated connection). SQLite has one process per
   * database, so both do nothing there.
   */
  notify(db: Db, channel: string, payload: string): Promise<void>;
  /**
   * `notify` as an SQL expression to put inside a statement that writes anyway (one round trip
   * less), with the payload computed by the database; null where `notify` does nothing (SQLite).
   */
  notifyExpression(channel: string, payload: RawBuilder<string | null>): RawBuilder<unknown> | null;
  /**
   * A lost LISTEN connection is reconnected with back-off (`events.error` for each failure,
   * `events.recovered` once it listens again, followed by one empty notification: what was sent
   * meanwhile was missed). Resolves once the first attempt is made, connected or not. `own`:
   * the notification was sent by a connection of this store's own pool (this process's commit).
   */
  listen(
    channel: string,
    handler: (payload: string, own: boolean) => void,
    events?: ListenEvents,
  ): Promise<() => Promise<void>>;
  /** PostgreSQL: the connection pool's use; undefined for SQLite (one connection). */
  poolStats?(): PoolStats;
  /**
   * SQLite: copies what the write-ahead log holds into the database file (a passive checkpoint),
   * which the scheduler does when it finds nothing to do, so that work does not pay for it (see
   * `SQLITE_AUTOCHECKPOINT_PAGES`). A small log is copied before this resolves; a large one in a
   * thread of its own, started here and not waited for (see `SQLITE_INLINE_CHECKPOINT_PAGES`).
   * Undefined for PostgreSQL.
   */
  checkpoint?(): Promise<void>;
  close(): Promise<void>;
}

export interface ListenEvents {
  readonly error?: (error: unknown) => void;
  readonly recovered?: () => void;
}

export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
  readonly max: number;
}

export interface StoreConfig {
  /** `postgres://…` for PostgreSQL; anything else is a SQLite file path (or `:memory:`). */
  readonly url: string;
  /** PostgreSQL only: the schema to use (created if missing); tests get one each. */
  readonly schema?: string;
  /** PostgreSQL only: pool size. */
  readonly poolSize?: number;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

/** Opens the database named by `config.url`; does not migrate (see migrator.ts). */
export async function openStore(config: StoreConfig): Promise<Store> {
  if (isPostgresUrl(config.url)) {
    const schema = config.schema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
      throw new Error(
        `PostgreSQL schema name "${schema}" must be lower-case letters, digits and underscores.`,
      );
    }
    if (schema) {
      const setup = new pg.Client({ connectionString: config.url });
      await setup.connect();
      try {
        // Several processes may open a new schema at once; "if not exists" is not atomic in
        // PostgreSQL, so serialise on an advisory lock (released when the session ends).
        await setup.query('select pg_advisory_lock(hashtext($1))', [`werkflow-schema:${schema}`]);
        await setup.query(`create schema if not exists ${schema}`);
      } finally {
        await setup.end();
      }
    }
    const pool = new pg.Pool({
      Client: PreparingClient,
      connectionString: config.url,
      max: config.poolSize ?? 10,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
      // bigint (int8) columns hold epoch milliseconds and counters, all within 2^53.
      types: {
        getTypeParser: (oid: number, format?: 'text' | 'binary') =>
          oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
      },
    });
    // A connection the server ends (a restart, pg_terminate_backend) emits 'error': an idle one is
    // dropped by the pool and replaced on next use; a checked-out one between two queries fails
    // its next query, which the caller sees. Unhandled, either event would end the process.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    // The server processes of this pool's connections: a notification from one of them is this
    // process's own (see `listen`).
    const backends = new Set<number>();
    pool.on('connect', (client) => backends.add(pidOf(client)));
    pool.on('remove', (client) => backends.delete(pidOf(client)));
    const db = new Kysely<Database>({ dialect: new LazyBeginPostgresDialect({ pool }) });
    // Channels are per schema, so test schemas (and several installations in one database) do not wake each other.
    const channelOf = (channel: string) => `${schema ?? 'public'}_${channel}`;
    return {
      db,
      adapter: postgresAdapter,
      description: redact(config.url) + (schema ? ` (schema ${schema})` : ''),
      notifyExpression: (channel, payload) => sql`pg_notify(${channelOf(channel)}, ${payload})`,
      notify: async (trx, channel, payload) => {
        await sql`select pg_notify(${channelOf(channel)}, ${payload})`.execute(trx);
      },
      listen: (channel, handler, events = {}) =>
        listenWithReconnect(config.url, channelOf(channel), handler, events, backends),
      poolStats: () => ({
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
        max: config.poolSize ?? 10,
      }),
      close: () => db.destroy(),
    };
  }
  if (config.url !== ':memory:') mkdirSync(dirname(config.url), { recursive: true });
  const sqlite = new BetterSqlite3(config.url);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL keeps WAL durable against a crashed process (not against power loss of the OS).
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('foreign_keys = ON');
  // Checkpoints come from the scheduler's idle rounds (`checkpoint`); the automatic one is
  // the backstop for a log that grows while there is never an idle moment.
  sqlite.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }),
  });
  const background = config.url === ':memory:' ? null : new BackgroundCheckpointer(config.url);
  return {
    db,
    adapter: sqliteAdapter,
    description: config.url,
    notify: async () => {},
    notifyExpression: () => null,
    listen: async () => async () => {},
    checkpoint: async () => {
      // What the log holds that the file does not yet (a "noop" checkpoint only reads that).
      const [wal] = (
        await sql<{ log: number; checkpointed: number }>`pragma wal_checkpoint(noop)`.execute(db)
      ).rows;
      const backlog = wal ? wal.log - wal.checkpointed : 0;
      if (backlog <= 0) return;
      if (backlog <= SQLITE_INLINE_CHECKPOINT_PAGES || !background)
        await sql`pragma wal_checkpoint(passive)`.execute(db);
      else background.start();
    },
    close: async () => {
      await background?.close();
      await db.destroy();
    },
  };
}

/**
 * The largest checkpoint (pages of the write-ahead log) done on the main thread, a few
 * milliseconds; a larger one runs in a thread of its own (`BackgroundCheckpointer`).
 */
export const SQLITE_INLINE_CHECKPOINT_PAGES = 500;

/**
 * SQLite's automatic checkpoint, in pages of the write-ahead log (SQLite's default is 1,000, 4 MB).
 * The commit that takes the log past it copies the log into the database file and syncs it, at
 * a million actions most of the time of claiming and executing 1,000 due ones (each dirties
 * about three and a half pages of their own: the row, the history index, the dossier and
 * template indexes). At 10,000 pages (40 MB) a batch of work commits without it; the scheduler
 * checkpoints when it finds nothing to do (`Store.checkpoint`).
 */
export const SQLITE_AUTOCHECKPOINT_PAGES = 10_000;

/** PostgreSQL with BEGIN sent with a transaction's first statement, and after-commit hooks (transaction-hooks.ts). */
class LazyBeginPostgresDialect extends PostgresDialect {
  override createDriver(): Driver {
    return new TransactionHooksDriver(super.createDriver(), { lazyBegin: true });
  }
}

/** The server process of a pool connection (pg keeps it from the connection's BackendKeyData). */
const pidOf = (client: pg.PoolClient) => (client as unknown as { processID: number }).processID;

/** Socket errors of a connection that cannot be made or was cut. */
const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

/**
 * Whether an error says the database connection failed — the server is down, restarting or
 * crashed, or the network is gone — rather than that a statement was wrong: worth trying again
 * once the server is back. PostgreSQL: socket errors, SQLSTATE class 08 (connection exception)
 * and 57P01–57P03 (the server shutting down, crashed, or not accepting connections yet), and the
 * driver's "Connection terminated" errors.
 */
export function isConnectionFailure(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (SOCKET_ERRORS.has(code) || /^(08...|57P0[123])$/.test(code)))
      return true;
    if (/^Connection terminated|^Client has encountered a connection error/.test(e.message)) return true;
  }
  return false;
}

/**
 * LISTEN on a dedicated connection that comes back after PostgreSQL restarts or the network
 * drops: each failure is reported and retried after 0.5 s, doubling to 30 s.
 */
async function listenWithReconnect(
  url: string,
  channel: string,
  handler: (payload: string, own: boolean) => void,
  events: ListenEvents,
  own: ReadonlySet<number>,
): Promise<() => Promise<void>> {
  let client: pg.Client | null = null;
  let closed = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  const lost = (c: pg.Client, error: unknown) => {
    if (closed || client !== c) return;
    client = null;
    void c.end().catch(() => {});
    events.error?.(error);
    schedule();
  };
  const schedule = () => {
    retry = setTimeout(() => void attempt(true), backoffStep(failures + 1, LISTEN_BACKOFF));
    retry.unref();
  };
  const attempt = async (reconnect: boolean) => {
    if (closed) return;
    const c = new pg.Client({ connectionString: url });
    c.on('notification', (m) => {
      if (m.channel === channel) handler(m.payload ?? '', own.has(m.processId));
    });
    // A broken connection must not crash the process: it is reported and reconnected.
    c.on('error', (e) => lost(c, e));
    c.on('end', () => lost(c, new Error('The LISTEN connection to PostgreSQL closed.')));
    try {
      await c.connect();
      await c.query(`listen "${channel}"`);
    } catch (error) {
      void c.end().catch(() => {});
      failures += 1;
      events.error?.(error);
      schedule();
      return;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    failures = 0;
    if (reconnect) {
      events.recovered?.();
      handler('', false);
    }
  };
  await attempt(false);
  return async () => {
    closed = true;
    clearTimeout(retry);
    const c = client;
    client = null;
    await c?.end().catch(() => {});
  };
}

/**
 * Copies a SQLite database file to `dest` (replacing it), consistently even while another
 * process writes (VACUUM INTO reads one snapshot). Used by sandbox mode.
 */
export function copySqliteDatabase(source: string, dest: string): void {
  mkdirSync(dirname(dest), { recursive: true });
  rmSync(dest, { force: true });
  for (const suffix of ['-wal', '-shm']) rmSync(dest + suffix, { force: true });
  const db = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
  try {
    db.prepare('vacuum into ?').run(dest);
  } finally {
    db.close();
  }
}

export function sqliteFileExists(path: string): boolean {
  return existsSync(path);
}

import { type Expression, type Kysely, type RawBuilder, type SqlBool, type Transaction, sql } from 'kysely';

/** A column of a bulk write (`DialectAdapter.bulkRows`): its name and SQL type. */
export interface BulkColumn {
  readonly name: string;
  /** `json`: a JSON document, bound as JSON text (`toJson`), stored as the dialect's JSON type. */
  readonly type: 'text' | 'bigint' | 'integer' | 'json';
}

/**
 * A list of text keys as the one value `DialectAdapter.textIn` and `textRows` bind (SQLite its JSON
 * text, PostgreSQL an array), from `DialectAdapter.textKeys`: made once when two statements bind
 * the same list (a batch's update and its history).
 */
export class TextKeys {
  constructor(readonly bound: unknown) {}
}

/**
 * Every difference between SQLite and PostgreSQL that the repositories meet has a name here, in
 * one object per dialect. Repositories call these and never test which dialect they run on.
 */
export interface DialectAdapter {
  readonly name: 'sqlite' | 'postgres';
  /** Column type for JSON documents (`text` on SQLite, `jsonb` on PostgreSQL). */
  readonly jsonType: string;
  /** DDL for an auto-incrementing 64-bit primary key column. */
  readonly autoIdPrimaryKey: string;
  /** Whether claims can skip rows locked by another worker (FOR UPDATE SKIP LOCKED). */
  readonly supportsSkipLocked: boolean;
  /**
   * Whether a statement may write in a WITH clause and use what it wrote (PostgreSQL's
   * data-modifying CTEs): two writes in one round trip. SQLite has none (and no round trips).
   */
  readonly writableCte: boolean;
  /** Several processes may share the database (PostgreSQL) or one process writes at a time (SQLite). */
  readonly multiProcess: boolean;
  /** Whether SELECT … FOR UPDATE locks rows; SQLite needs none (BEGIN IMMEDIATE serialises writers). */
  readonly rowLocking: boolean;
  /** Most bind parameters one statement may carry; bulk writes are chunked below it. */
  readonly maxParameters: number;
  /** Value to bind for a JSON column. */
  toJson(value: unknown): unknown;
  /** A JSON column value as read back (text on SQLite, already parsed on PostgreSQL). */
  fromJson<T>(raw: unknown): T;
  /** A JSON document's top-level key as text (`null` when absent). */
  jsonText(column: string, key: string): RawBuilder<string | null>;
  /** A JSON document's top-level key as a number (`null` when absent or not a number). */
  jsonNumber(column: string, key: string): RawBuilder<number | null>;
  /** A JSON document's top-level key when it holds a JSON string (`null` when absent or of another JSON type). */
  jsonString(column: string, key: string): RawBuilder<string | null>;
  /** A JSON document's top-level key when it holds a JSON boolean, as an SQL boolean (`null` otherwise). */
  jsonBoolean(column: string, key: string): RawBuilder<SqlBool | null>;
  /**
   * The 1-based position of `needle` (bound as a parameter) in `haystack`, 0 when it does not
   * occur: case-sensitive and without wildcards, unlike LIKE (SQLite's LIKE ignores ASCII case).
   */
  textPosition(haystack: Expression<string | null>, needle: string): RawBuilder<number | null>;
  /**
   * Whether a whole JSON document, as text, matches a LIKE `pattern` (escape character `!`),
   * ignoring case as `lower()` does on this database: a cheap first filter before reading fields.
   */
  jsonDocumentLike(column: string, pattern: string): RawBuilder<SqlBool>;
  /**
   * Text compared in byte (code point) order whatever the database's collation: what makes `<`
   * on ISO dates agree with JavaScript's string comparison.
   */
  binaryText(text: Expression<string | null>): RawBuilder<string | null>;
  /**
   * `column in (…values)` for a list of text keys (a batch of action ids), bound as one parameter:
   * SQLite a JSON array (`in (select value from json_each(?))`), PostgreSQL an array
   * (`= any($1::text[])`). A statement with 500 parameters cost more to bind, parse and plan than
   * to run.
   */
  textIn(column: string, values: readonly string[] | TextKeys): RawBuilder<SqlBool>;
  /**
   * A list of text keys as a table of one column, `id`, bound as one parameter (SQLite
   * `json_each`, PostgreSQL `unnest`): for `selectFrom(textRows(ids).as('ids'))`. On SQLite its
   * rows come in the list's order (json_each's).
   */
  textRows(values: readonly string[] | TextKeys): RawBuilder<{ id: string }>;
  /** The value `textIn` and `textRows` bind for `values`, made once for several statements. */
  textKeys(values: readonly string[]): TextKeys;
  /**
   * A column as SQL text that the planner does not use to choose an index, for the conditions of
   * partial indexes (migration 006): SQLite plans without table statistics and would otherwise
   * prefer any index on `status` over a partial index of a few open actions (unary `+`, its
   * documented way to say so); PostgreSQL plans by statistics and needs no hint.
   */
  notIndexed(column: string): string;
  /**
   * A text column as SQL that no planner reads an index for, for a guard that only filters rows
   * found by other means (a batch by id "and still running"): SQLite plans without statistics
   * and PostgreSQL with stale ones (a batch just stamped), and both would otherwise read every
   * row of that status through `actions_due` instead of the batch's primary keys.
   */
  filterOnly(column: string): string;
  /**
   * `column` equal to one of a few literal values (statuses, from code, never from a request), as
   * SQL text for the conditions of partial indexes and the queries that name them in the same
   * words. SQLite: a CASE that compares the values one after the other (1 when one matches, else
   * null); an `in` list of three or more values is looked up in a temporary b-tree, which for every
   * status change (each partial index's condition, for the old row and the new) cost about half
   * the instructions of completing a drained action (issue 12, migration 018). Not ORs of
   * equalities: `status = 'failed'` implies those, so SQLite would read the failed actions from
   * any index whose condition lists 'failed' (the overdue one) instead of their own. One value is
   * an equality. PostgreSQL: `in (…)`.
   */
  literalIn(column: string, values: readonly string[]): string;
  /**
   * Serialises migrations between processes that start at the same time; called first thing
   * inside the migration transaction.
   */
  lockForMigration(trx: Transaction<unknown>): Promise<void>;
  /**
   * Rows for a bulk insert as the SELECT of `insert into t (columns) <select>`, in their order,
   * sent as ONE parameter: a JSON array of the rows (arrays of what a one-row insert binds; JSON
   * columns as JSON text), unpacked by jsonb_each (SQLite) or jsonb_array_elements (PostgreSQL).
   * A multi-row VALUES of thousands of parameters cost PostgreSQL more to parse and bind, and
   * Kysely more to build and compile, than the insert itself; this is a few query nodes.
   */
  bulkRows(columns: readonly BulkColumn[], rows: readonly (readonly unknown[])[]): RawBuilder<unknown>;
  /** How many rows one bulk statement (`bulkRows`) carries at most: a JSON document of a few MB. */
  readonly bulkChunk: number;
}

export const sqliteAdapter: DialectAdapter = {
  name: 'sqlite',
  jsonType: 'text',
  autoIdPrimaryKey: 'integer primary key autoincrement',
  supportsSkipLocked: false,
  writableCte: false,
  multiProcess: false,
  rowLocking: false,
  maxParameters: 32_000,
  toJson: (value) => JSON.stringify(value),
  fromJson: <T>(raw: unknown) => (typeof raw === 'string' ? (JSON.parse(raw) as T) : (raw as T)),
  // json_extract returns SQL values typed as in the document; cast so comparisons are textual,
  // as they are with PostgreSQL's ->> operator. Booleans read as 'true'/'false' on both.
  jsonText: (column, key) =>
    sql<
      string | null
    >`(case json_type(${sql.ref(column)}, ${'$.' + key}) when 'true' then 'true' when 'false' then 'false' else cast(json_extract(${sql.ref(column)}, ${'$.' + key}) as text) end)`,
  jsonNumber: (column, key) =>
    sql<
      number | null
    >`(case when json_type(${sql.ref(column)}, ${'$.' + key}) in ('integer', 'real') then json_extract(${sql.ref(column)}, ${'$.' + key}) end)`,
  jsonString: (column, key) =>
    sql<
      string | null
    >`(case when json_type(${sql.ref(column)}, ${'$.' + key}) = 'text' then json_extract(${sql.ref(column)}, ${'$.' + key}) end)`,
  // SQLite has no boolean type: 1 and 0 are its true and false, and WHERE and NOT treat them so.
  jsonBoolean: (column, key) =>
    sql<SqlBool | null>`(case json_type(${sql.ref(column)}, ${'$.' + key}) when 'true' then 1 when 'false' then 0 end)`,
  textPosition: (haystack, needle) => sql<number | null>`instr(${haystack}, ${needle})`,
  // SQLite's LIKE ignores ASCII case, as its lower() lowers ASCII only.
  jsonDocumentLike: (column, pattern) => sql<SqlBool>`(${sql.ref(column)} like ${pattern} escape '!')`,
  // BINARY is SQLite's default; naming it keeps a declared column collation (NOCASE) out of it.
  binaryText: (text) => sql<string | null>`(${text} collate binary)`,
  notIndexed: (column) => `+${column}`,
  filterOnly: (column) => `+${column}`,
  literalIn: (column, values) =>
    values.length === 1
      ? `${column} = ${quoteLiteral(values[0]!)}`
      : `(case ${column} ${values.map((v) => `when ${quoteLiteral(v)} then 1`).join(' ')} end)`,
  // One parameter, a JSON array, however many values: binding 500 parameters and compiling a
  // statement that names each one cost more than the statement (issue 12). The planner reads
  // the list and looks up each value in the column's index, as for a list of parameters.
  textIn: (column, values) =>
    sql<SqlBool>`${sql.ref(column)} in (select value from json_each(${sqliteKeys(values)}))`,
  textRows: (values) => sql<{ id: string }>`(select value as id from json_each(${sqliteKeys(values)}))`,
  textKeys: (values) => new TextKeys(JSON.stringify(values)),
  // The connection opens every transaction with BEGIN IMMEDIATE (see sqlite-driver.ts), which
  // already takes SQLite's single write lock; other processes wait on busy_timeout.
  lockForMigration: async () => {},
  // jsonb_each: each row's values are read from SQLite's binary JSON (json_each re-parsed each
  // row's text per column: +60% on a 25-column insert). `where true`: SQLite needs a WHERE
  // before an insert's ON CONFLICT to parse an INSERT … SELECT.
  bulkRows: (columns, rows) =>
    sql`select ${sql.raw(columns.map((c, i) => `value ->> ${i} as ${c.name}`).join(', '))}
      from jsonb_each(${JSON.stringify(rows)}) where true order by key`,
  bulkChunk: 5_000,
};

const PG_BULK_TYPE: Record<BulkColumn['type'], string> = {
  text: 'text',
  bigint: 'bigint',
  integer: 'integer',
  json: 'jsonb',
};

/** Advisory lock key for migrations: "werkflow" as a 32-bit number. */
const MIGRATION_LOCK_KEY = 0x77657266;

export const postgresAdapter: DialectAdapter = {
  name: 'postgres',
  jsonType: 'jsonb',
  autoIdPrimaryKey: 'bigint generated by default as identity primary key',
  supportsSkipLocked: true,
  writableCte: true,
  multiProcess: true,
  rowLocking: true,
  maxParameters: 60_000,
  toJson: (value) => JSON.stringify(value),
  // pg parses jsonb itself: a top-level JSON string arrives as a JS string, not as JSON text.
  fromJson: <T>(raw: unknown) => raw as T,
  jsonText: (column, key) => sql<string | null>`(${sql.ref(column)} ->> ${key})`,
  jsonNumber: (column, key) =>
    sql<
      number | null
    >`(case when jsonb_typeof(${sql.ref(column)} -> ${key}) = 'number' then (${sql.ref(column)} ->> ${key})::double precision end)`,
  jsonString: (column, key) =>
    sql<
      string | null
    >`(case when jsonb_typeof(${sql.ref(column)} -> ${key}) = 'string' then ${sql.ref(column)} ->> ${key} end)`,
  jsonBoolean: (column, key) =>
    sql<SqlBool | null>`(case when jsonb_typeof(${sql.ref(column)} -> ${key}) = 'boolean' then (${sql.ref(column)} ->> ${key})::boolean end)`,
  textPosition: (haystack, needle) => sql<number | null>`strpos(${haystack}, ${needle})`,
  jsonDocumentLike: (column, pattern) => sql<SqlBool>`(${sql.ref(column)}::text ilike ${pattern} escape '!')`,
  // The database's collation (en_US.UTF-8, say) orders punctuation and case its own way; "C" is byte order.
  binaryText: (text) => sql<string | null>`(${text} collate "C")`,
  notIndexed: (column) => column,
  filterOnly: (column) => `(${column} || '')`,
  literalIn: (column, values) =>
    values.length === 1
      ? `${column} = ${quoteLiteral(values[0]!)}`
      : `${column} in (${values.map(quoteLiteral).join(', ')})`,
  textIn: (column, values) => sql<SqlBool>`${sql.ref(column)} = any(${postgresKeys(values)}::text[])`,
  textRows: (values) => sql<{ id: string }>`(select unnest(${postgresKeys(values)}::text[]) as id)`,
  textKeys: (values) => new TextKeys([...values]),
  lockForMigration: async (trx) => {
    await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
  },
  // A JSON column's value is JSON text in the array (what a one-row insert binds): ->> gives it
  // back as text, cast to jsonb as a bound parameter would be.
  bulkRows: (columns, rows) =>
    sql`select ${sql.raw(columns.map((c, i) => `(r.v ->> ${i})::${PG_BULK_TYPE[c.type]}`).join(', '))}
      from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) with ordinality as r(v, n) order by r.n`,
  bulkChunk: 5_000,
};

export type AnyKysely = Kysely<unknown>;

/** The JSON text SQLite binds for a list of keys (`textIn`, `textRows`). */
function sqliteKeys(values: readonly string[] | TextKeys): unknown {
  return values instanceof TextKeys ? values.bound : JSON.stringify(values);
}

/** The array PostgreSQL binds for a list of keys (`textIn`, `textRows`). */
function postgresKeys(values: readonly string[] | TextKeys): unknown {
  return values instanceof TextKeys ? values.bound : [...values];
}

/** A text literal in SQL: between single quotes, a quote doubled. */
function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

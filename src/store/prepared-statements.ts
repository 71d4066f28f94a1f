import type { CompiledQuery } from 'kysely';
import pg from 'pg';

/**
 * PostgreSQL statements run as named prepared statements: the server parses and plans such a
 * statement once per connection instead of on every call (a single create's statement, five
 * data-modifying WITH parts, is the one that gains), and the client sends its text once per
 * connection. Keyed by the statement's text: what is marked with `preparedStatement` must have a
 * text that repeats (no values inlined), and a bounded number of texts is named; others run as
 * before.
 */
const NAMES = new Map<string, string>();
const MAX_NAMED = 64;

/** Marks a compiled PostgreSQL statement to run prepared (a no-op for SQLite: the client ignores it). */
export function preparedStatement<R>(compiled: CompiledQuery<R>): CompiledQuery<R> {
  if (!NAMES.has(compiled.sql) && NAMES.size < MAX_NAMED)
    NAMES.set(compiled.sql, `werkflow_${NAMES.size + 1}`);
  return compiled;
}

/**
 * A pg client that runs the texts marked by `preparedStatement` as named statements (`pg.Pool`'s
 * `Client`); Kysely sends every statement as a text and its values. A named statement is prepared
 * on each connection the first time it runs there, with that connection's search_path.
 */
export class PreparingClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [text, values, callback] = args as [unknown, unknown, unknown];
    const name = typeof text === 'string' ? NAMES.get(text) : undefined;
    const call = super.query as (...a: unknown[]) => never;
    if (name === undefined) return call.apply(this, args);
    return call.call(this, { name, text }, values, callback);
  }
}

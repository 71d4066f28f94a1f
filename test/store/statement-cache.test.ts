import { describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { withStatementCache } from '../../src/store/sqlite-driver.js';

describe('the SQLite statement cache', () => {
  it('prepares a statement once per SQL text and reuses it', () => {
    const db = new BetterSqlite3(':memory:');
    const cached = withStatementCache(db);
    const a = cached.prepare('select 1 as x');
    expect(cached.prepare('select 1 as x')).toBe(a);
    expect(cached.prepare('select 2 as x')).not.toBe(a);
    expect(a.all([])).toEqual([{ x: 1 }]);
    cached.close();
  });

  it('never hands out a statement that is still being iterated', () => {
    const db = new BetterSqlite3(':memory:');
    db.exec('create table t (n integer); insert into t values (1), (2), (3)');
    const cached = withStatementCache(db);
    const sql = 'select n from t order by n';
    const outer = cached.prepare(sql).iterate([]);
    const seen: unknown[] = [];
    for (const row of outer) {
      // The same query inside the loop: the kept statement is busy, so this one is fresh.
      seen.push(row, cached.prepare(sql).all([]).length);
    }
    expect(seen).toEqual([{ n: 1 }, 3, { n: 2 }, 3, { n: 3 }, 3]);
    cached.close();
  });

  it('keeps the most recently used statements up to its size', () => {
    const db = new BetterSqlite3(':memory:');
    const cached = withStatementCache(db, 2);
    const one = cached.prepare('select 1');
    const two = cached.prepare('select 2');
    expect(cached.prepare('select 1')).toBe(one); // 1 is now the most recent
    cached.prepare('select 3'); // evicts 2, the least recently used
    expect(cached.prepare('select 1')).toBe(one);
    expect(cached.prepare('select 2')).not.toBe(two);
    cached.close();
  });
});

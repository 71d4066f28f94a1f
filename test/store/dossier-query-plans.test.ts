/**
 * Dossier lists at 100,000 dossiers must read an index, never every dossier of the type (issue
 * 10): the default order, the order by last change, a sort on a field, and a search (pg_trgm on
 * PostgreSQL, FTS5 trigrams on SQLite), each with its total. As test/store/query-plans.test.ts
 * does for actions, this runs the real repository methods, captures the SQL they send and reads
 * the plan each database makes for it; it asserts on plans, never on timings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CompiledQuery } from 'kysely';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { type DossierFilter, DossierRepository } from '../../src/store/dossier.repository.js';
import { BACKENDS, openTestWerkflow } from '../support/backends.js';
import { capturing, planText } from '../support/query-plans.js';

/** Enough contacts that PostgreSQL prices a selective word's trigrams below the type's whole range. */
const COUNT = 2_000;

describe.each(BACKENDS)('dossier list plans on $name', (backend) => {
  let wf: Werkflow;
  let captured: CompiledQuery[] = [];
  let repo: DossierRepository;

  beforeAll(async () => {
    wf = await openTestWerkflow(backend);
    // "zwolle" in two of three (1,334): a common word that not every contact holds.
    const cities = ['Zwolle', 'Utrecht', 'Zwolle-Zuid'];
    await wf.dossiers.upsertByExternalId(
      'contact',
      Array.from({ length: COUNT }, (_, i) => ({
        externalId: `c${i}`,
        data: { kind: 'persoon', name: `Contact ${i}`, email: `c${i}@example.nl`, city: cities[i % 3] },
      })),
      'test',
    );
    if (wf.store.adapter.name === 'postgres')
      await wf.store.db.executeQuery(CompiledQuery.raw('analyze dossiers'));
    const spied = capturing(wf.store.db);
    captured = spied.captured;
    repo = new DossierRepository({ ...wf.store, db: spied.db });
  });
  afterAll(async () => {
    await wf?.close();
  });

  /** The plan of the one SELECT the call sends. */
  async function planOf(call: () => Promise<unknown>, priceRows = false): Promise<string> {
    captured.length = 0;
    await call();
    // (The sort key's text is compiled once on its own: that is no statement sent. A SQLite
    // search's estimate reads dossiers_fts first: see the common-word test.)
    const selects = captured.filter((q) => /^select/i.test(q.sql) && / from "dossiers"/.test(q.sql));
    expect(selects).toHaveLength(1);
    const q = selects[0]!;
    // (A search's matches are sorted: fine for a few, and the trigram index gives no order.) A
    // search at this size: reading all 2,000 of the type and testing each costs less than the
    // trigram index's fixed price; `priceRows` prices the test per row up (as 100,000 rows would
    // make it), so the plan shows whether an index answers the words.
    return planText(wf.store, q, { sorts: priceRows, priceRows });
  }

  /** Reads `index`, scans no dossiers table in full, and (with `ordered`) sorts nothing. */
  function expectIndexed(plan: string, index: RegExp, ordered = true): void {
    expect(plan).toMatch(index);
    if (wf.store.adapter.name === 'sqlite') {
      expect(plan).not.toMatch(/^SCAN dossiers$/m);
      if (ordered) expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
    } else {
      expect(plan).not.toMatch(/Seq Scan on dossiers/);
      if (ordered) expect(plan).not.toMatch(/\bSort\b/);
    }
  }

  const page = (more: Partial<DossierFilter>): DossierFilter => ({ type: 'contact', limit: 51, ...more });
  const sorted = (by: string, desc: boolean, as: 'number' | 'text' = 'text') => ({ by, as, desc });

  it('the default order and the order by last change read (type, id) and (type, updated_at, id)', async () => {
    // PostgreSQL may read the primary key in order and filter on the type instead, by its
    // statistics: ids increase as they are made (newId), so when most dossiers are of the type
    // (here all are) that reads as few rows. Either is index-backed and sorts nothing.
    expectIndexed(
      await planOf(() => repo.listSorted(page({}))),
      wf.store.adapter.name === 'postgres' ? /dossiers_type_id|dossiers_pkey/ : /dossiers_type_id/,
    );
    expectIndexed(
      await planOf(() => repo.listSorted(page({ sort: sorted('updatedAt', true) }))),
      /dossiers_type_updated/,
    );
    // The next page: the same index range from the cursor on.
    expectIndexed(
      await planOf(() =>
        repo.listSorted(page({ sort: sorted('updatedAt', true), afterKey: { value: Date.now(), id: 'z' } })),
      ),
      /dossiers_type_updated/,
    );
  });

  it('a sort on a field reads that field’s index, ascending, descending and from a cursor', async () => {
    for (const desc of [false, true]) {
      expectIndexed(
        await planOf(() => repo.listSorted(page({ sort: sorted('name', desc) }))),
        /dossiers_sort_contact_name_/,
      );
      expectIndexed(
        await planOf(() =>
          repo.listSorted(page({ sort: sorted('city', desc), afterKey: { value: 'utrecht', id: 'x' } })),
        ),
        /dossiers_sort_contact_city_/,
      );
    }
  });

  it('a search reads the trigram index, for the page and for its total', async () => {
    // A word that few dossiers hold, as a search is (a word in every dossier reads them all anyway).
    const search = { words: ['c123@example'] };
    const index = wf.store.adapter.name === 'sqlite' ? /VIRTUAL TABLE INDEX/ : /dossiers_search/;
    const p1 = await planOf(() => repo.listSorted(page({ search })), true);
    expectIndexed(p1, index, false);
    // SQLite starts from the dossiers the trigram index found (by rowid), not from every contact.
    if (wf.store.adapter.name === 'sqlite')
      expect(p1).toMatch(/SEARCH dossiers USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expectIndexed(
      await planOf(() => repo.countMatching(page({ search: { words: ['contact', '1234'] } })), true),
      index,
      false,
    );
    // Found: every word occurs ("contact 12", "contact 112", "contact 120"…); a word of one or two
    // characters filters what the longer ones found, or reads the type alone.
    const names = (r: readonly { dossier: { data: Record<string, unknown> } }[]) =>
      r.map((x) => String(x.dossier.data.name)).sort();
    const expected = (test: (n: string) => boolean) =>
      Array.from({ length: COUNT }, (_, i) => `Contact ${i}`)
        .filter((n) => test(n.toLowerCase()))
        .sort();
    const all = { limit: COUNT };
    expect(names(await repo.listSorted(page({ ...all, search: { words: ['contact', '12'] } })))).toEqual(
      expected((n) => n.includes('12')),
    );
    expect(names(await repo.listSorted(page({ ...all, search: { words: ['12', '34'] } })))).toEqual(
      expected((n) => n.includes('12') && n.includes('34')),
    );
    expect(
      names(await repo.listSorted(page({ ...all, search: { words: ['ontact 1'.split(' ')[0]!, '199'] } }))),
    ).toEqual(expected((n) => n.includes('199')));
    expect(await repo.listSorted(page({ search: { words: ['"12'] } }))).toEqual([]);
  });

  it('a search finds exactly the dossiers whose text holds every word, rare or common, in order', async () => {
    // Words cut from the stored texts: rare ("c1234@"), common ("contact", "contact 1": over the
    // 1,000 that make SQLite walk the index) and in between ("zwolle"); each page must equal
    // the stored texts filtered here, in the list's order, whichever way the database read it.
    const rows = await wf.store.db
      .selectFrom('dossiers')
      .select(['id', 'search_text'])
      .where('type', '=', 'contact')
      .orderBy('id')
      .execute();
    const word = fc
      .tuple(fc.nat(rows.length - 1), fc.nat(60), fc.integer({ min: 1, max: 9 }))
      .map(([r, at, length]) => rows[r]!.search_text.slice(at, at + length).trim())
      .filter((w) => w !== '' && !/\s/.test(w));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(word, fc.constantFrom('contact', 'zwolle', 'c1', '@example')), {
          minLength: 1,
          maxLength: 2,
        }),
        async (words) => {
          const found = await repo.listSorted(page({ limit: COUNT, search: { words } }));
          const expected = rows
            .filter((r) => words.every((w) => r.search_text.includes(w.toLowerCase())))
            .map((r) => r.id);
          expect(found.map((f) => f.dossier.id)).toEqual(expected);
          expect(await repo.countMatching(page({ search: { words } }))).toBe(expected.length);
        },
      ),
      { numRuns: 40 },
    );
  });

  it.runIf(backend.name === 'sqlite')(
    'a common word walks the type’s index in order and stops at the page; its total reads a covering index',
    async () => {
      // "contact" is in all 2,000 (at least COMMON_MATCHES): sorting every match would read them all.
      const search = { words: ['contact'] };
      captured.length = 0;
      await repo.listSorted(page({ search }));
      const estimate = captured.find((q) => /dossiers_fts match/.test(q.sql) && /limit/.test(q.sql));
      expect(estimate?.sql).toMatch(/count\(\*\)/);
      for (const sort of [undefined, sorted('name', false), sorted('name', true)]) {
        const plan = await planOf(() => repo.listSorted(page({ search, sort })));
        expectIndexed(plan, sort ? /dossiers_sort_contact_name/ : /dossiers_type_id/);
        expect(plan).not.toMatch(/VIRTUAL TABLE/);
      }
      const total = await planOf(() => repo.countMatching(page({ search })));
      expectIndexed(total, /SEARCH dossiers USING COVERING INDEX/, false);
      expect(total).toMatch(/VIRTUAL TABLE INDEX/);
      expect(await repo.countMatching(page({ search }))).toBe(COUNT);
      // Every dossier, in the list's order, as without the word (which all of them hold).
      const names = (r: readonly { dossier: { data: Record<string, unknown> } }[]) =>
        r.map((x) => String(x.dossier.data.name));
      for (const sort of [undefined, sorted('name', true)])
        expect(names(await repo.listSorted(page({ limit: COUNT, sort, search })))).toEqual(
          names(await repo.listSorted(page({ limit: COUNT, sort }))),
        );
    },
  );
});

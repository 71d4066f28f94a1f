/**
 * `npm run bench -- --dossier-lists <n>`: the dossier list screen at n contacts (issue 10), on
 * SQLite and PostgreSQL. Each figure is the median server time in ms of what `GET
 * /api/dossiers/contact` does for one page of 50: the page (listSorted, 51 rows), its total
 * (count) and the titles (stored, migration 012), over 7 runs after one warm-up:
 *
 * - `defaultMs`: the default order (creation) · `changedMs`: `sort=-updatedAt`;
 * - `sortNameMs` / `sortNameDescMs`: `sort=name` / `sort=-name` (a per-field sort index);
 * - `sortNameNextMs`: the page after the first under `sort=name` (keyset cursor);
 * - `searchRareMs`: `q=4242` (a handful of matches) · `searchTwoWordsMs`: `q=contact 4242`
 *   (one word in every contact, one rare) · `searchCityMs`: `q=zwolle` (one contact in seven);
 * - `searchMailMs`: `q=bench.contact.777@` (the e-mail field);
 * - `loadPerSec`: contacts written per second through the bulk path (texts and indexes included).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Werkflow, type WerkflowOptions } from '../src/engine/werkflow.js';
import type { DossierFilter } from '../src/store/dossier.repository.js';
import { sql } from 'kysely';
import { contactData } from './dossier.bench.js';
import { dropSchema, medianMs, pgDatabase } from './scale.bench.js';

const RUNS = 7;

async function measureAt(options: WerkflowOptions, n: number): Promise<Record<string, number>> {
  const wf = await Werkflow.open({ ...options, preset: 'energy-cooperative' });
  const out: Record<string, number> = {};
  try {
    const start = performance.now();
    for (let i = 0; i < n; i += 5_000) {
      const items = Array.from({ length: Math.min(5_000, n - i) }, (_, j) => ({
        externalId: `c${i + j}`,
        data: contactData(i + j),
      }));
      await wf.dossiers.upsertByExternalId('contact', items, 'bench');
    }
    out.loadPerSec = Math.round((n / (performance.now() - start)) * 1000);
    if (wf.store.adapter.name === 'postgres') await sql`analyze dossiers`.execute(wf.store.db);
    const service = wf.dossiers;
    /** One list request as the route makes it: the page, the total (first page only) and the titles. */
    const list = async (q: string | undefined, sort: string, cursorOf?: boolean): Promise<number> => {
      const desc = sort.startsWith('-');
      const filter: DossierFilter = {
        type: 'contact',
        search: q ? service.searchOf('contact', q) : undefined,
        sort: service.sortOf('contact', sort.replace(/^-/, '') || 'id', desc),
        limit: 51,
      };
      let afterKey: DossierFilter['afterKey'];
      if (cursorOf) {
        const first = await service.listSorted(filter);
        const last = first[49]!;
        afterKey = { value: last.sortKey, id: last.dossier.id };
      }
      const t0 = performance.now();
      const page = await service.listSorted({ ...filter, afterKey });
      if (!cursorOf) await service.count(filter);
      await service.titles(
        page.slice(0, 50).map((r) => r.dossier),
        'nl',
      );
      return performance.now() - t0;
    };
    const cases: [string, string | undefined, string, boolean?][] = [
      ['defaultMs', undefined, ''],
      ['changedMs', undefined, '-updatedAt'],
      ['sortNameMs', undefined, 'name'],
      ['sortNameDescMs', undefined, '-name'],
      ['sortNameNextMs', undefined, 'name', true],
      ['searchRareMs', '4242', ''],
      ['searchTwoWordsMs', 'contact 4242', ''],
      ['searchCityMs', 'zwolle', ''],
      ['searchMailMs', 'bench.contact.777@', ''],
    ];
    for (const [name, q, sort, next] of cases) {
      await list(q, sort, next);
      const times: number[] = [];
      for (let r = 0; r < RUNS; r++) times.push(await list(q, sort, next));
      out[name] = medianMs(times);
    }
  } finally {
    await wf.close();
  }
  return out;
}

/** The list figures at `n` contacts on SQLite and on PostgreSQL. */
export async function dossierListsBench(n: number): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  const dir = mkdtempSync(join(tmpdir(), 'perf-lists-'));
  try {
    process.stderr.write(`  sqlite, ${n} contacts…\n`);
    for (const [k, v] of Object.entries(await measureAt({ url: join(dir, 'werkflow.db') }, n)))
      results[`sqlite.${k}`] = v;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pgUrl = await pgDatabase();
  const schema = `perf_lists_${process.pid}_${randomBytes(3).toString('hex')}`;
  try {
    process.stderr.write(`  postgres, ${n} contacts…\n`);
    for (const [k, v] of Object.entries(await measureAt({ url: pgUrl, schema, poolSize: 4 }, n)))
      results[`postgres.${k}`] = v;
  } finally {
    await dropSchema(pgUrl, schema);
  }
  return results;
}

/**
 * The explanation's benchmark (`npm run bench`, module "explain"):
 *
 * - `<db>.explain.20templates.p50Ms` / `p99Ms`: answering "why did / didn't each template act on
 *   this dossier" (ExplainService.explain, the service behind GET /api/dossiers/{type}/{id}/explain)
 *   for one task with 20 published templates of its type — events of every kind, conditions,
 *   working-day timings, categories — after 30 changes to the task. Aim (issue 13): ≤ 50 ms.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../src/domain/clock.js';
import { SYSTEM_PRINCIPAL } from '../src/domain/permissions.js';
import { Werkflow, type WerkflowOptions } from '../src/engine/werkflow.js';
import { DEFAULT_PG_URL, dropSchema, postgresReachable } from './dossier.bench.js';

const RUNS = 200;

class FixedClock implements Clock {
  constructor(private ms: number) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Twenty templates on tasks, of every event kind, half of them with conditions and categories. */
function templates(): Record<string, unknown>[] {
  const events = [
    { type: 'created' },
    { type: 'fieldChanged', field: 'note' },
    { type: 'fieldChanged', field: 'finished', to: true },
    { type: 'dateReached', field: 'plannedFinishDate' },
    { type: 'deleted' },
  ];
  return Array.from({ length: 20 }, (_, i) => ({
    name: `Template ${i + 1}`,
    process: i % 2 === 0 ? 'Opvolging' : 'Controle',
    dossierType: 'task',
    executionMode: 'manual',
    effect: { type: 'none' },
    event: events[i % events.length],
    repeat: i % 3 === 0 ? 'once' : 'everyTime',
    categories: i % 4 === 0 ? ['bellen'] : i % 4 === 1 ? ['e-mail'] : [],
    conditions:
      i % 2 === 0
        ? {
            type: 'all',
            conditions: [
              { type: 'compare', field: 'description', op: 'isNotEmpty' },
              { type: 'compare', field: 'contact.email', op: 'isNotEmpty' },
            ],
          }
        : { type: 'all', conditions: [] },
    timing:
      events[i % events.length]!.type === 'dateReached'
        ? {
            anchor: { type: 'field', field: 'plannedFinishDate' },
            offset: -(i % 5) - 1,
            unit: 'workingDays',
            atTime: '09:00',
          }
        : { anchor: { type: 'event' }, offset: i % 4, unit: 'workingDays' },
  }));
}

async function measure(options: WerkflowOptions): Promise<{ p50: number; p99: number }> {
  const clock = new FixedClock(Date.parse('2026-11-23T08:00:00Z'));
  const w = await Werkflow.open({ ...options, clock, preset: 'energy-cooperative' });
  try {
    for (const def of templates()) await w.templates.create(def, SYSTEM_PRINCIPAL, { publish: true });
    const contact = await w.dossiers.create(
      'contact',
      { data: { kind: 'persoon', name: 'Bench', email: 'b@example.nl' } },
      null,
    );
    let task = await w.dossiers.create(
      'task',
      {
        data: {
          taskType: 'bellen',
          description: 'Bellen',
          contact: contact.id,
          plannedFinishDate: '2027-01-12',
        },
      },
      null,
    );
    for (let i = 0; i < 30; i++) {
      clock.advance(3_600_000);
      task = await w.dossiers.patch('task', task.id, { note: `wijziging ${i}` }, task.version, null);
    }
    for (let i = 0; i < 10; i++) await w.explain.explain('task', task.id, { lang: 'nl' });
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      const r = await w.explain.explain('task', task.id, { lang: 'nl' });
      times.push(performance.now() - start);
      if (r.templates.length !== 20) throw new Error(`expected 20 templates, got ${r.templates.length}`);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) =>
      Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))]! * 100) / 100;
    return { p50: at(0.5), p99: at(0.99) };
  } finally {
    await w.close();
  }
}

export async function explainBench(): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  const dir = mkdtempSync(join(tmpdir(), 'werkflow-explain-bench-'));
  try {
    const r = await measure({ url: join(dir, 'bench.db') });
    results['sqlite.explain.20templates.p50Ms'] = r.p50;
    results['sqlite.explain.20templates.p99Ms'] = r.p99;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const url = process.env.WERKFLOW_BENCH_PG_URL || process.env.WERKFLOW_TEST_PG_URL || DEFAULT_PG_URL;
  if ((await postgresReachable(url)) !== null) return results;
  const schema = `bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  try {
    const r = await measure({ url, schema, poolSize: 4 });
    results['postgres.explain.20templates.p50Ms'] = r.p50;
    results['postgres.explain.20templates.p99Ms'] = r.p99;
  } finally {
    await dropSchema(url, schema);
  }
  return results;
}

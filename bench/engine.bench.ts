/**
 * The engine's benchmarks (`npm run bench`, module "engine"):
 *
 * - `match.<n>templates.eventsPerSec`: change events matched per second in memory by the
 *   TemplateIndex with 10 and with 10,000 active templates, spread over dossier types, events,
 *   fields, statuses, values and categories so that most cannot match a given event.
 *   `matchedPerEvent` says how many templates an event matched on average (before conditions):
 *   what can match must be visited, so that part of the cost does grow. Aim: ≥ 100,000 events/s
 *   with 10,000 templates.
 * - `match.10live+9990unmatchable.*`: the 10 templates plus 9,990 that no event can trigger
 *   (other categories, other values): the cost must not grow with those, so this figure should
 *   stay near the one for 10 templates.
 * - `sqlite.noop.actionsPerSec`: due no-op automatic actions executed per second by
 *   `scheduler.tick()` on SQLite (claimed and completed in batches). Aim: ≥ 10,000/s.
 * - `sqlite.latency.p50Ms` / `p99Ms`: from an action's due time to the start of its execution
 *   (its `pending → running` history entry, `pending → done` for a no-op action) with the
 *   scheduler running on the real clock while actions are stamped due a few milliseconds ahead. Aim: p99 ≤ 100 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Action } from '../src/domain/action/action.js';
import type { Clock } from '../src/domain/clock.js';
import { catalogOf } from '../src/domain/dossier-type.js';
import { newId } from '../src/domain/id.js';
import { SYSTEM_PRINCIPAL } from '../src/domain/permissions.js';
import { ENERGY_COOPERATIVE_TYPES } from '../src/domain/presets/energy-cooperative.js';
import {
  type ActiveTemplate,
  type TemplateEvent,
  withDefaults,
} from '../src/domain/template/action-template.js';
import { type MatchEvent, TemplateIndex } from '../src/domain/template/template-index.js';
import { Werkflow } from '../src/engine/werkflow.js';
import { openAction } from '../test/support/action-fixture.js';

const catalog = catalogOf(ENERGY_COOPERATIVE_TYPES);

/** A small deterministic generator, so runs compare. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

const pickFrom =
  (rnd: () => number) =>
  <T>(list: readonly T[]): T =>
    list[Math.floor(rnd() * list.length)]!;

/** Templates over all dossier types of the energy-cooperative preset, events of every kind. */
function generateTemplates(n: number, seed = 1): ActiveTemplate[] {
  const rnd = random(seed);
  const pick = pickFrom(rnd);
  const types = catalog.all();
  const out: ActiveTemplate[] = [];
  for (let i = 0; i < n; i++) {
    const type = pick(types);
    const fields = type.fields.map((f) => f.key);
    const dates = type.fields.filter((f) => f.kind === 'date' || f.kind === 'datetime').map((f) => f.key);
    const statuses = type.statuses.map((s) => s.code);
    const r = rnd();
    let event: TemplateEvent;
    if (r < 0.1) event = { type: 'created' };
    else if (r < 0.15) event = { type: 'deleted' };
    else if (r < 0.5 && statuses.length > 0)
      event = { type: 'statusSet', to: [pick(statuses)], ...(rnd() < 0.3 ? { from: [pick(statuses)] } : {}) };
    else if (r < 0.6 && dates.length > 0) event = { type: 'dateReached', field: pick(dates) };
    else if (r < 0.95)
      event = {
        type: 'fieldChanged',
        field: pick(fields),
        ...(rnd() < 0.7 ? { to: `value-${Math.floor(rnd() * 50)}` } : {}),
      };
    else event = { type: 'actionCompleted', templateId: `t${Math.floor(rnd() * n)}` };
    // Most templates of a type with categories are linked to one of many campaigns / task types.
    const categories = type.categoryField && rnd() < 0.8 ? [`category-${Math.floor(rnd() * 200)}`] : [];
    out.push({
      templateId: `t${i}`,
      version: 1,
      definition: withDefaults({
        name: `t${i}`,
        dossierType: type.key,
        event,
        categories,
        effect: { type: 'none' },
      }),
    });
  }
  return out;
}

/** Update events as a CRM sends them: a status change and/or one or two field changes. */
function generateEvents(n: number, seed = 2): MatchEvent[] {
  const rnd = random(seed);
  const pick = pickFrom(rnd);
  const types = catalog.all();
  const out: MatchEvent[] = [];
  for (let i = 0; i < n; i++) {
    const type = pick(types);
    const changes: Record<string, { old: unknown; new: unknown }> = {};
    const data: Record<string, unknown> = {};
    for (const f of type.fields) data[f.key] = `value-${Math.floor(rnd() * 50)}`;
    if (type.categoryField) data[type.categoryField] = `category-${Math.floor(rnd() * 200)}`;
    let status: string | null = null;
    if (type.statuses.length > 0) {
      status = pick(type.statuses).code;
      data.status = status;
      if (rnd() < 0.5) changes.status = { old: pick(type.statuses).code, new: status };
    }
    const fieldChanges = 1 + Math.floor(rnd() * 2);
    for (let j = 0; j < fieldChanges; j++) {
      const f = pick(type.fields).key;
      if (f === 'status') continue;
      changes[f] = { old: `value-${Math.floor(rnd() * 50)}`, new: data[f] };
    }
    out.push({
      id: i,
      dossierId: `d${i}`,
      dossierType: type.key,
      kind: rnd() < 0.1 ? 'created' : 'updated',
      changes,
      data,
      status,
      occurredAt: 0,
    });
  }
  return out;
}

/**
 * The same templates as generateTemplates(n), made impossible to trigger by the generated events:
 * linked to a category no dossier is in, or waiting for a field to change to a value no event
 * carries. Added to 10 live templates, they show what templates that cannot match cost.
 */
function unmatchable(n: number): ActiveTemplate[] {
  return generateTemplates(n, 3).map((t) => {
    const d = t.definition;
    const categoryField = catalog.get(d.dossierType)?.categoryField;
    const field =
      d.event.type === 'fieldChanged' || d.event.type === 'dateReached'
        ? d.event.field
        : (catalog.get(d.dossierType)?.fields[0]?.key ?? 'name');
    const definition =
      categoryField !== undefined && d.event.type !== 'actionCompleted'
        ? { ...d, categories: [`never-${t.templateId}`] }
        : { ...d, event: { type: 'fieldChanged' as const, field, to: `never-${t.templateId}` } };
    return { ...t, templateId: `u${t.templateId}`, definition };
  });
}

function matchBench(templates: readonly ActiveTemplate[]): { eventsPerSec: number; matchedPerEvent: number } {
  const index = new TemplateIndex(templates, catalog);
  const events = generateEvents(10_000);
  let matched = 0;
  // Warm up, then run for about a second.
  for (const e of events) matched += index.match(e).length;
  matched = 0;
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < 1_000) {
    for (const e of events) matched += index.match(e).length;
    count += events.length;
  }
  const ms = performance.now() - start;
  return {
    eventsPerSec: Math.round((count / ms) * 1000),
    matchedPerEvent: Math.round((matched / count) * 100) / 100,
  };
}

/** An action of `templateId` v1 on `dossierId`, due at `dueAt`, as the engine stamps it. */
function action(templateId: string, dossierId: string, dueAt: number, now: number, i: number): Action {
  return openAction({
    id: newId(now),
    templateId,
    dossierId,
    dossierType: 'contact',
    title: 'Bench',
    idempotencyKey: `bench|${templateId}|${i}`,
    status: 'pending',
    executionMode: 'automatic',
    dueAt,
    createdAt: now,
  });
}

/** A fresh SQLite Werkflow with one published no-op template and one contact to stamp it on. */
async function openBenchWerkflow(dir: string, clock: Clock | undefined, name: string) {
  const wf = await Werkflow.open({
    url: join(dir, `${name}.db`),
    preset: 'energy-cooperative',
    ...(clock ? { clock } : {}),
    scheduler: { maxSleepMs: 1_000 },
  });
  const template = await wf.templates.create(
    { name: 'No-op', dossierType: 'contact', event: { type: 'manual' }, effect: { type: 'none' } },
    SYSTEM_PRINCIPAL,
    { publish: true },
  );
  const contact = await wf.dossiers.create('contact', { data: { kind: 'persoon', name: 'Bench' } }, 'bench');
  return { wf, templateId: template.id, dossierId: contact.id };
}

async function noopThroughput(dir: string): Promise<number> {
  const total = 20_000;
  let now = Date.parse('2026-11-23T09:00:00Z');
  const clock: Clock = { now: () => now };
  const { wf, templateId, dossierId } = await openBenchWerkflow(dir, clock, 'noop');
  try {
    const batch: Action[] = [];
    for (let i = 0; i < total; i++) batch.push(action(templateId, dossierId, now + 1_000, now, i));
    await wf.store.db.transaction().execute((db) => wf.engine.actions.insertMany(batch, 'bench', db));
    now += 60_000;
    const start = performance.now();
    let executed = 0;
    while (executed < total) {
      const report = await wf.scheduler.tick();
      if (report.executed === 0) break;
      executed += report.executed;
    }
    const ms = performance.now() - start;
    const done = (await wf.engine.actions.countByStatus()).done ?? 0;
    if (done !== total) throw new Error(`no-op bench: ${done} of ${total} actions done`);
    return Math.round((total / ms) * 1000);
  } finally {
    await wf.close();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function latency(dir: string): Promise<{ p50: number; p99: number; max: number; count: number }> {
  const { wf, templateId, dossierId } = await openBenchWerkflow(dir, undefined, 'latency');
  const rounds = 150;
  const perRound = 10;
  try {
    wf.scheduler.start();
    let i = 0;
    for (let r = 0; r < rounds; r++) {
      // A few actions, due 5–40 ms from now, stamped as the engine does (then the scheduler is told).
      const now = Date.now();
      const batch = Array.from({ length: perRound }, () =>
        action(templateId, dossierId, now + 5 + Math.floor(Math.random() * 35), now, i++),
      );
      await wf.store.db.transaction().execute((db) => wf.engine.actions.insertMany(batch, 'bench', db));
      wf.engine.onStamped(Math.min(...batch.map((a) => a.dueAt!)));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const deadline = Date.now() + 10_000;
    while (
      ((await wf.engine.actions.countByStatus()).done ?? 0) < rounds * perRound &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await wf.scheduler.stop();
    const rows = await wf.store.db
      .selectFrom('action_history as h')
      .innerJoin('actions as a', 'a.id', 'h.action_id')
      .select(['h.at', 'a.due_at'])
      .where('h.from_status', '=', 'pending')
      .where('h.to_status', 'in', ['running', 'done'])
      .execute();
    const lat = rows.map((r) => Number(r.at) - Number(r.due_at)).sort((a, b) => a - b);
    if (lat.length < rounds * perRound)
      throw new Error(`latency bench: only ${lat.length} of ${rounds * perRound} actions started`);
    return {
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      max: lat[lat.length - 1]!,
      count: lat.length,
    };
  } finally {
    await wf.close();
  }
}

/** Matching, execution throughput and scheduling latency of the engine. */
export async function engineBench(): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  for (const n of [10, 10_000]) {
    const r = matchBench(generateTemplates(n));
    results[`match.${n}templates.eventsPerSec`] = r.eventsPerSec;
    results[`match.${n}templates.matchedPerEvent`] = r.matchedPerEvent;
  }
  const r = matchBench([...generateTemplates(10), ...unmatchable(9_990)]);
  results['match.10live+9990unmatchable.eventsPerSec'] = r.eventsPerSec;
  results['match.10live+9990unmatchable.matchedPerEvent'] = r.matchedPerEvent;
  const dir = mkdtempSync(join(tmpdir(), 'werkflow-engine-bench-'));
  try {
    results['sqlite.noop.actionsPerSec'] = await noopThroughput(dir);
    const l = await latency(dir);
    results['sqlite.latency.p50Ms'] = l.p50;
    results['sqlite.latency.p99Ms'] = l.p99;
    results['sqlite.latency.maxMs'] = l.max;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

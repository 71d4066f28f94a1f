/**
 * The scale table (`npm run bench -- --scale 1000000`): how the scheduler and the action lists
 * behave with `n` open actions and `n` dossiers, against the same with 10,000, on SQLite and on
 * PostgreSQL (database `perf_bench`, a fresh schema dropped afterwards).
 *
 * Loading: the dossiers go in through the public bulk path (`upsertByExternalId`, batches of
 * 5,000, no template active). The actions are inserted directly with `ActionRepository.insertMany`
 * — the statement stamping runs — since stamping a million actions with a chosen mix of states
 * through templates would test the templates, not the scale: 90 % pending automatic work due in
 * the coming 30 days (a tenth with an end date), 8 % manual work assigned to a user or a team
 * (a quarter of it overdue), 2 % failed. On PostgreSQL the schema's tables are vacuumed and
 * analyzed before measuring, loaded or kept (`settle`: what autovacuum keeps on a running server).
 *
 * Measured (milliseconds, median of 5 unless said): `idleTickMs` (a scheduler tick with nothing
 * due), `nextWakeMs`, `expiringMs`, `claimExecute1000Ms` (1,000 actions made due, one tick; once)
 * with `claimExecute1000CpuMs` (this process's CPU time for that tick, SQLite's work included:
 * on a shared machine the wall-clock figure is as much the other processes' as Werkflow's),
 * `addToExecutedP99Ms` (50 dossier creates one by one, each stamping an automatic no-op due at
 * once through a template, with the scheduler running: create to `completed_at`), the first page
 * (100) of the lists `overdue`, `failed`, `mine` and `team`, and `rssMiB`, this process's resident
 * memory at the end (it built the data: not a worker's figure). A worker alone
 * (bench/scale-worker.mjs, a fresh process on the loaded database, running compiled dist/ when
 * that is current): `workerClaimExecute1000Ms`/`CpuMs` for another 1,000 made due, `workerRssMiB`
 * (peak RSS sampled every 50 ms while it claims and then idles 3 s with the scheduler running),
 * `workerOpenRssMiB`, `workerIdleRssMiB`, `workerHeapUsedMiB`, `workerCompiled` (1: dist/). The to-do screen (issue 10): `listAllNamedMs` and `listOverdueNamedMs` (a
 * page with its dossiers' titles and assignees' names, as the route answers), `listInDoubtMs`,
 * `countTabsMs` (the six tab counts, each cut off at 10,000) and `dashboardMs` (the start page).
 * `simulateSelectiveMs`: simulating a template whose condition (on the enum field `kind`) holds
 * for one contact in a thousand, as the template screen does (the first 50 dossiers it would get).
 * `--dossiers <m>` spreads the actions over m dossiers (the issue's case: 1,000,000 actions on
 * 100,000 dossiers).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import type { Action, ActionStatus } from '../src/domain/action/action.js';
import { newId } from '../src/domain/id.js';
import { SYSTEM_PRINCIPAL } from '../src/domain/permissions.js';
import { Werkflow, type WerkflowOptions } from '../src/engine/werkflow.js';
import { openAction } from '../test/support/action-fixture.js';

const DAY = 86_400_000;
const OVERDUE: ActionStatus[] = ['pending', 'due', 'failed'];
/** The user of the "mine" list and count: one the load assigns work to (`actionAt`). */
const ME = 'user-10';
const BASE_PG_URL = process.env.WERKFLOW_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (n: number) => Math.round(n * 10) / 10;

/** The median of timings in ms, to a tenth: the figure every bench reports. */
export const medianMs = (xs: readonly number[]): number => round(median(xs));

async function timeMs(fn: () => Promise<unknown>, times = 5): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return medianMs(out);
}

export async function pgDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: BASE_PG_URL });
  await admin.connect();
  try {
    const exists = await admin.query(`select 1 from pg_database where datname = 'perf_bench'`);
    if (exists.rowCount === 0) await admin.query('create database perf_bench');
  } finally {
    await admin.end();
  }
  const url = new URL(BASE_PG_URL);
  url.pathname = '/perf_bench';
  return url.toString();
}

/** A deterministic mix of open actions on the loaded dossiers (see the header). */
function actionAt(i: number, dossierId: string, templateId: string, now: number): Action {
  const r = i % 100;
  const manual = r >= 90 && r < 98;
  const failed = r >= 98;
  const overdue = manual && r < 92;
  const status: ActionStatus = failed ? 'failed' : overdue ? 'due' : 'pending';
  return openAction({
    id: newId(now - DAY + (i % 1_000)),
    templateId,
    dossierId,
    dossierType: 'contact',
    title: 'Scale',
    idempotencyKey: `scale|${i}`,
    status,
    executionMode: manual ? 'manual' : 'automatic',
    dueAt: overdue || failed ? now - (1 + (i % 10)) * DAY : now + (1 + (i % 30)) * DAY,
    expiresAt: !manual && !failed && i % 10 === 0 ? now + (31 + (i % 30)) * DAY : null,
    assigneeUserId: manual && i % 2 === 0 ? `user-${i % 20}` : null,
    assigneeTeamId: manual && i % 2 === 1 ? `team-${i % 5}` : null,
    attempts: failed ? 1 : 0,
    error: failed ? 'Bench failure' : null,
    createdAt: now - DAY,
  });
}

async function measureAt(
  options: WerkflowOptions,
  n: number,
  dossierCount = n,
): Promise<Record<string, number>> {
  const wf = await Werkflow.open({
    ...options,
    preset: 'energy-cooperative',
    scheduler: { maxSleepMs: 1_000 },
  });
  const out: Record<string, number> = {};
  try {
    const loadStart = performance.now();
    // A kept database (WERKFLOW_BENCH_SCALE_KEEP) loaded by an earlier run: measured as it is.
    const loaded = await wf.store.db
      .selectFrom('dossiers')
      .select(sql<number>`count(*)`.as('n'))
      .where('type', '=', 'contact')
      .executeTakeFirstOrThrow();
    if (Number(loaded.n) < dossierCount) await load();
    out.loadSeconds = round((performance.now() - loadStart) / 1000);
    await settle();
    await measure();
  } finally {
    await wf.close();
  }
  return out;

  async function load(): Promise<void> {
    const now = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < dossierCount; i += 5_000) {
      const items = Array.from({ length: Math.min(5_000, dossierCount - i) }, (_, j) => ({
        externalId: `s${i + j}`,
        // One contact in a thousand is an organisation: the selective condition of the simulation.
        data: { kind: (i + j) % 1_000 === 999 ? 'organisatie' : 'persoon', name: `Scale ${i + j}` },
      }));
      await wf.dossiers.upsertByExternalId('contact', items, 'bench');
    }
    for (let i = 0; i < dossierCount; i += 50_000) {
      const rows = await wf.store.db
        .selectFrom('dossiers')
        .select('id')
        .where('type', '=', 'contact')
        .orderBy('id')
        .offset(i)
        .limit(50_000)
        .execute();
      for (const r of rows) ids.push(r.id);
    }
    const template = await wf.templates.create(
      { name: 'No-op', dossierType: 'contact', event: { type: 'created' }, effect: { type: 'none' } },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    for (let i = 0; i < n; i += 5_000) {
      const part = Array.from({ length: Math.min(5_000, n - i) }, (_, j) =>
        actionAt(i + j, ids[(i + j) % ids.length]!, template.id, now),
      );
      await wf.store.db.transaction().execute((db) => wf.engine.actions.insertMany(part, 'bench', db));
    }
    ids.length = 0;
  }

  /**
   * PostgreSQL: vacuums and analyzes this schema's tables, loaded now or kept from an earlier run
   * (whose claims and adds changed rows since). Autovacuum does so within a minute of a load (a
   * table that took inserts is vacuumed too, PostgreSQL 13 on) and after 1% of the actions
   * changed (migration 020): plans settled, and the visibility map a running server keeps, which
   * the index-only counts read. Not left to autovacuum: a server may have it off (the shared one
   * here does). This schema's tables only: a bare `vacuum` takes every schema of the database.
   */
  async function settle(): Promise<void> {
    if (wf.store.adapter.name !== 'postgres') return;
    const { rows } = await sql<{ name: string }>`
      select tablename as name from pg_tables where schemaname = current_schema()`.execute(wf.store.db);
    await sql`vacuum (analyze) ${sql.join(rows.map((r) => sql.table(r.name)))}`.execute(wf.store.db);
  }

  async function measure(): Promise<void> {
    await wf.scheduler.tick(); // the first tick reads the templates
    out.idleTickMs = await timeMs(() => wf.scheduler.tick());
    out.nextWakeMs = await timeMs(() => wf.engine.actions.nextWakeAt());
    out.expiringMs = await timeMs(() =>
      wf.store.db.transaction().execute((db) => wf.engine.actions.expiring(Date.now(), 1000, db)),
    );
    out.listOverdueMs = await timeMs(() =>
      wf.actions.list({ overdueAt: Date.now(), statuses: ['pending', 'due', 'failed'], limit: 101 }),
    );
    out.listFailedMs = await timeMs(() => wf.actions.list({ statuses: ['failed'], limit: 101 }));
    const open: ActionStatus[] = ['waiting', 'pending', 'due', 'running', 'failed'];
    // ME: manual work of even i goes to user-(i % 20), i.e. user-10, -12, -14 or -16 (until
    // 2026-12-01 the bench asked for user-2, whom nothing is assigned: an empty list).
    out.listMineMs = await timeMs(() =>
      wf.actions.list({ statuses: open, assigneeUserId: ME, assigneeTeamIds: ['team-1'], limit: 101 }),
    );
    out.listTeamMs = await timeMs(() =>
      wf.actions.list({ statuses: open, assigneeTeamIds: ['team-3'], limit: 101 }),
    );
    // The to-do screen (issue 10): a page with its dossiers' titles and assignees' names, as the
    // route answers it; every tab's count (cut off at 10,000); the start page's figures.
    out.listAllNamedMs = await timeMs(async () => {
      const page = await wf.actions.list({ limit: 101 });
      await wf.actions.names(page);
    });
    out.listOverdueNamedMs = await timeMs(async () => {
      const page = await wf.actions.list({ overdueAt: Date.now(), statuses: OVERDUE, limit: 101 });
      await wf.actions.names(page);
    });
    out.listInDoubtMs = await timeMs(() => wf.actions.list({ inDoubt: true, limit: 101 }));
    out.countTabsMs = await timeMs(async () => {
      const cap = 10_000;
      await wf.actions.count({ statuses: open, assigneeUserId: ME }, cap);
      await wf.actions.count({ statuses: open, assigneeTeamIds: ['team-1'] }, cap);
      await wf.actions.count({ overdueAt: Date.now(), statuses: OVERDUE }, cap);
      await wf.actions.count({ statuses: ['failed'] }, cap);
      await wf.actions.count({ inDoubt: true }, cap);
      await wf.actions.count({}, cap);
    });
    // Simulating a draft template whose condition holds for one contact in a thousand (an enum
    // field): the template screen's "which dossiers would get it" (first 50).
    const selective = await wf.templates.create(
      {
        name: 'Organisations',
        dossierType: 'contact',
        event: { type: 'created' },
        conditions: { type: 'compare', field: 'kind', op: 'eq', value: 'organisatie' },
        effect: { type: 'none' },
      },
      SYSTEM_PRINCIPAL,
      { active: false },
    );
    out.simulateSelectiveMs = await timeMs(async () => {
      const r = await wf.templates.simulate(selective.id);
      if (r.total !== Math.min(50, Math.floor(dossierCount / 1_000)))
        throw new Error(`scale bench: simulation found ${r.total}`);
    });
    const day = Date.now() - (Date.now() % DAY);
    out.dashboardMs = await timeMs(() =>
      wf.actions.dashboard({
        now: Date.now(),
        dayStart: day,
        dayEnd: day + DAY,
        weekStart: day - 6 * DAY,
        cap: 10_000,
      }),
    );

    // 1,000 of the pending automatic actions fall due; one tick claims and executes them.
    await makeDue(1_000);
    const t = performance.now();
    const cpu = process.cpuUsage();
    const report = await wf.scheduler.tick();
    out.claimExecute1000Ms = round(performance.now() - t);
    // The process's own CPU time for it (database work included on SQLite): what the tick costs
    // on a machine shared with other work, where the wall-clock figure is mostly the others'.
    const used = process.cpuUsage(cpu);
    out.claimExecute1000CpuMs = round((used.user + used.system) / 1000);
    if (report.executed < 1_000) throw new Error(`scale bench: ${report.executed} of 1000 executed`);

    // Add → executed through the public path, with the scheduler running.
    wf.scheduler.start();
    await sleep(300);
    const added = new Map<string, number>();
    for (let i = 0; i < 50; i++) {
      const start = Date.now();
      const d = await wf.dossiers.create(
        'contact',
        { data: { kind: 'persoon', name: `Live ${i}` } },
        'bench',
      );
      added.set(d.id, start);
      await sleep(20);
    }
    const deadline = Date.now() + 60_000;
    let lat: number[] = [];
    while (Date.now() < deadline) {
      const rows = await wf.store.db
        .selectFrom('actions')
        .select(['dossier_id', 'completed_at'])
        .where('dossier_id', 'in', [...added.keys()])
        .where('status', '=', 'done')
        .execute();
      lat = rows.map((r) => Number(r.completed_at) - added.get(r.dossier_id)!);
      if (lat.length >= added.size) break;
      await sleep(50);
    }
    await wf.scheduler.stop();
    lat.sort((a, b) => a - b);
    out.addToExecutedP99Ms = lat.length < added.size ? NaN : lat[Math.floor(0.99 * (lat.length - 1))]!;
    out.rssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);

    // A worker alone (bench/scale-worker.mjs): a fresh process on the loaded database claims and
    // executes another 1,000 newly due actions and idles; its RSS is the worker's figure.
    const worker = startWorker(options);
    await worker.ready;
    await makeDue(1_000);
    Object.assign(out, await worker.run());
    if (out.workerExecuted! < 1_000)
      throw new Error(`scale bench: the worker executed ${out.workerExecuted}`);
  }

  /** Makes 1,000 pending automatic actions (due later) due now. */
  async function makeDue(count: number): Promise<void> {
    const due = await wf.store.db
      .selectFrom('actions')
      .select('id')
      .where('status', '=', 'pending')
      .where('execution_mode', '=', 'automatic')
      .where('due_at', '>', Date.now())
      .limit(count)
      .execute();
    await wf.store.db
      .updateTable('actions')
      .set({ due_at: Date.now() - 1_000 })
      .where(
        'id',
        'in',
        due.map((r) => r.id),
      )
      .execute();
  }
}

/** bench/scale-worker.mjs as a child process on the same database. */
function startWorker(options: WerkflowOptions): {
  ready: Promise<void>;
  run: () => Promise<Record<string, number>>;
} {
  const script = fileURLToPath(new URL('./scale-worker.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`scale bench: the worker exited (${code})`));
      child.once('exit', onExit);
      lines.once('line', (line) => {
        child.off('exit', onExit);
        resolve(line);
      });
    });
  const ready = next().then(() => undefined);
  return {
    ready,
    run: async () => {
      const result = next();
      child.stdin!.write('go\n');
      const figures = JSON.parse(await result) as Record<string, number>;
      child.stdin!.end();
      return figures;
    },
  };
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

/** The scale table at 10,000 and at `n` actions and dossiers, on SQLite and PostgreSQL. */
export async function scaleBench(n: number, dossiers?: number): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  const pgUrl = await pgDatabase();
  // The same ratio of actions to dossiers at the small size.
  const sizeDossiers = (size: number) =>
    dossiers === undefined ? size : Math.max(1, Math.round((dossiers * size) / n));
  // WERKFLOW_BENCH_SCALE_KEEP=name keeps each loaded database (SQLite /tmp/name-<size>/, the
  // PostgreSQL schema name_<size>) and measures it again next time without loading;
  // WERKFLOW_BENCH_SCALE_DBS=sqlite (or postgres) runs one database only.
  const keep = process.env.WERKFLOW_BENCH_SCALE_KEEP;
  const dbs = (process.env.WERKFLOW_BENCH_SCALE_DBS ?? 'sqlite,postgres').split(',');
  for (const size of [10_000, n]) {
    if (dbs.includes('sqlite')) {
      const dir = keep ? join(tmpdir(), `${keep}-${size}`) : mkdtempSync(join(tmpdir(), 'perf-scale-'));
      mkdirSync(dir, { recursive: true });
      try {
        process.stderr.write(`  sqlite, ${size}…\n`);
        for (const [k, v] of Object.entries(
          await measureAt({ url: join(dir, 'werkflow.db') }, size, sizeDossiers(size)),
        ))
          results[`sqlite.${size}.${k}`] = v;
      } finally {
        if (!keep) rmSync(dir, { recursive: true, force: true });
      }
    }
    if (dbs.includes('postgres')) {
      const schema = keep ? `${keep}_${size}` : `perf_scale_${process.pid}_${randomBytes(3).toString('hex')}`;
      try {
        process.stderr.write(`  postgres, ${size}…\n`);
        for (const [k, v] of Object.entries(
          await measureAt({ url: pgUrl, schema, poolSize: 4 }, size, sizeDossiers(size)),
        ))
          results[`postgres.${size}.${k}`] = v;
      } finally {
        if (!keep) await dropSchema(pgUrl, schema);
      }
    }
  }
  return results;
}

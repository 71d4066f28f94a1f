/**
 * Werkflow side by side with the job queues a user would otherwise pick (`npm run bench -- --peers`):
 *
 * | contender          | what it is                                                                        |
 * | ------------------ | --------------------------------------------------------------------------------- |
 * | werkflow-sqlite    | Werkflow on a SQLite file (WAL, synchronous NORMAL)                                |
 * | bare-sqlite        | a bare better-sqlite3 claim loop on one table, same pragmas: the floor            |
 * | werkflow-pg        | Werkflow on PostgreSQL                                                            |
 * | graphile           | graphile-worker with its defaults (2 s poll, one job at a time)                   |
 * | graphile-batched   | graphile-worker with a local queue of 500, batched completion, 10 jobs at a time  |
 * | pgboss-batched     | pg-boss, jobs fetched 500 at a time, 0.5 s poll (its shortest)                    |
 *
 * Cases, all with no-op work:
 * - `enqueue1PerSec`: 1,000 single enqueues one after the other. A Werkflow enqueue is a dossier
 *   create that stamps one automatic action (dossier, event, action and history rows in one
 *   transaction), so it does more than a queue's one row.
 * - `enqueueBatchPerSec`: 20,000 in one call (Werkflow: a bulk upsert of 20,000 dossiers that
 *   stamps 20,000 actions; graphile `addJobs`; pg-boss `insert`; the bare loop one transaction).
 * - `drainPerSec`: 20,000 due jobs executed. Werkflow's are inserted straight into the actions
 *   table (`ActionRepository.insertMany`, what stamping writes) so that only the draining is timed.
 *   `werkflow-pg` also drains with 3 workers (`drain3PerSec`), each its own `Werkflow` with its
 *   own pool and LISTEN connection, all three opened before the clock starts (as the first one
 *   is: a worker's start-up is not draining; opening two took 0.18-0.35 s at load 11, where a
 *   quiet drain of 20,000 took 0.66 s).
 *   The drain cases also report the database server's CPU per job, read from /proc for the
 *   backends of this process's connections (`serverCpuMsPerJob`).
 * - `addToStartP50Ms` / `P99Ms`: 200 enqueues 10 ms apart with the worker running, from the start of
 *   the enqueue call to the start of the job.
 * - `latenessP99Ms`: 300 jobs added in one call, due over 3 s starting a second later, from the
 *   due time to the start of the job (Werkflow's inserted straight into the table and announced
 *   as stamping does; graphile `addJobs` with `runAt`, pg-boss `insert` with `startAfter`).
 *
 * Every case runs on a fresh database (a new SQLite file, a new PostgreSQL schema in the
 * database `perf_bench`), the contenders interleaved case by case, three rounds; the median is
 * reported with the load average at the time and the CPU of this process per job (the database
 * server's CPU is not in it; the drains report it apart). The machine is shared: compare ratios
 * within one run only.
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Logger, makeWorkerUtils, run as runGraphile, type Runner } from 'graphile-worker';
import PgBoss from 'pg-boss';
import type { Action } from '../src/domain/action/action.js';
import { newId } from '../src/domain/id.js';
import { SYSTEM_PRINCIPAL } from '../src/domain/permissions.js';
import { Werkflow } from '../src/engine/werkflow.js';
import { openAction } from '../test/support/action-fixture.js';

const SINGLE = 1_000;
const BATCH = 20_000;
const LATENCY_JOBS = 200;
const DELAYED_JOBS = 300;
/** Three rounds; fewer with WERKFLOW_BENCH_ROUNDS (a quick look, not a figure to report). */
const ROUNDS = Number(process.env.WERKFLOW_BENCH_ROUNDS ?? 3);
/** `WERKFLOW_BENCH_ONLY=werkflow-pg.drain,graphile-batched.drain`: only these (a comma-separated list). */
const ONLY = process.env.WERKFLOW_BENCH_ONLY?.split(',').map((s) => s.trim());
const BASE_PG_URL = process.env.WERKFLOW_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function until(
  done: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 300_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`peers bench: timed out waiting for ${what}`);
    await sleep(25); // Werkflow counts in its database: polling must not crowd its one SQLite connection
  }
}

/** The bench database (created once) and a fresh schema name in it. */
async function benchDatabaseUrl(): Promise<string> {
  const url = new URL(BASE_PG_URL);
  const admin = new pg.Client({ connectionString: BASE_PG_URL });
  await admin.connect();
  try {
    const exists = await admin.query(`select 1 from pg_database where datname = 'perf_bench'`);
    if (exists.rowCount === 0) await admin.query('create database perf_bench');
  } finally {
    await admin.end();
  }
  url.pathname = '/perf_bench';
  return url.toString();
}

const freshSchema = (prefix: string) => `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

/** One contender: opens a fresh instance per case and measures it. */
interface Instance {
  enqueue(i: number): Promise<void>;
  enqueueBatch(n: number): Promise<void>;
  /** Puts `n` jobs due now in place without timing it. */
  seedDue(n: number): Promise<void>;
  /**
   * Opens `n` more workers (processes, as a deployment runs them), not yet started: done before
   * a timed case, as the first worker is open before it (a worker's start-up is not draining).
   */
  addWorkers?(n: number): Promise<void>;
  /** Starts the worker(s) opened so far; resolves when they run. */
  start(): Promise<void>;
  /** Adds jobs due at the times `ats`, in one call, whose starts are reported. */
  addDelayed(ats: readonly number[]): Promise<void>;
  /** Start times minus reference times (add or due) of reported jobs, in ms. */
  readonly startedLate: number[];
  /** Jobs executed so far. */
  executed(): Promise<number>;
  close(): Promise<void>;
}

interface Contender {
  readonly name: string;
  readonly cases: readonly CaseName[];
  open(): Promise<Instance>;
}

type CaseName = 'enqueue1' | 'enqueueBatch' | 'drain' | 'drain3' | 'addToStart' | 'lateness';
const ALL: readonly CaseName[] = ['enqueue1', 'enqueueBatch', 'drain', 'addToStart', 'lateness'];

// ----------------------------------------------------------------------------------------------
// Werkflow (SQLite or PostgreSQL)

function werkflowContender(name: string, pgUrl: string | null): Contender {
  return {
    name,
    cases: pgUrl ? [...ALL, 'drain3'] : ALL,
    async open() {
      const dir = pgUrl ? null : mkdtempSync(join(tmpdir(), 'perf-peers-'));
      const schema = pgUrl ? freshSchema('perf_wf') : undefined;
      const options = pgUrl ? { url: pgUrl, schema, poolSize: 4 } : { url: join(dir!, 'werkflow.db') };
      // Executed actions are counted as the workers report their committed batches, as the
      // other contenders count in their task handlers (polling count(*) of done actions every
      // 25 ms loaded the database the worker drains).
      let executed = 0;
      const open = () =>
        Werkflow.open({
          ...options,
          preset: 'energy-cooperative',
          scheduler: { maxSleepMs: 1_000, observer: { batch: (b) => (executed += b.length) } },
        });
      const wf = await open();
      const extra: Werkflow[] = [];
      // The contact first: the template, published after it, stamps only what the cases create.
      const contact = await wf.dossiers.create(
        'contact',
        { data: { kind: 'persoon', name: 'Bench' } },
        'bench',
      );
      const template = await wf.templates.create(
        { name: 'No-op', dossierType: 'contact', event: { type: 'created' }, effect: { type: 'none' } },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      let seq = 0;
      const action = (dueAt: number, now: number): Action =>
        openAction({
          id: newId(now),
          templateId: template.id,
          dossierId: contact.id,
          dossierType: 'contact',
          title: 'Bench',
          idempotencyKey: `bench|${seq++}`,
          status: 'pending',
          executionMode: 'automatic',
          dueAt,
          createdAt: now,
        });
      const addedAt = new Map<string, number>();
      const inst: Instance = {
        startedLate: [],
        async enqueue(i) {
          const t = Date.now();
          const d = await wf.dossiers.create(
            'contact',
            { data: { kind: 'persoon', name: `Bench ${i}` } },
            'bench',
          );
          addedAt.set(d.id, t);
        },
        async enqueueBatch(n) {
          const items = Array.from({ length: n }, (_, i) => ({
            externalId: `b${i}`,
            data: { kind: 'persoon', name: `Bench ${i}` },
          }));
          await wf.dossiers.upsertByExternalId('contact', items, 'bench');
        },
        async seedDue(n) {
          const now = Date.now();
          const all = Array.from({ length: n }, () => action(now - 1_000, now));
          for (let i = 0; i < all.length; i += 5_000) {
            await wf.store.db
              .transaction()
              .execute((db) => wf.engine.actions.insertMany(all.slice(i, i + 5_000), 'bench', db));
          }
        },
        async addWorkers(n) {
          for (let i = 0; i < n; i++) extra.push(await open());
        },
        async start() {
          for (const w of [wf, ...extra]) w.scheduler.start();
        },
        async addDelayed(ats) {
          const now = Date.now();
          await wf.store.db.transaction().execute((db) =>
            wf.engine.actions.insertMany(
              ats.map((at) => action(at, now)),
              'bench',
              db,
            ),
          );
          wf.engine.onStamped(Math.min(...ats));
        },
        async executed() {
          return executed;
        },
        async close() {
          for (const w of extra) await w.close();
          // Execution starts: the claim's history entry (pending → running, or pending → done for an
          // action with nothing to do, completed when claimed).
          const rows = await wf.store.db
            .selectFrom('action_history as h')
            .innerJoin('actions as a', 'a.id', 'h.action_id')
            .select(['h.at', 'a.due_at', 'a.dossier_id', 'a.created_at'])
            .where('h.from_status', '=', 'pending')
            .where('h.to_status', 'in', ['running', 'done'])
            .execute();
          for (const r of rows) {
            const added = addedAt.get(r.dossier_id);
            if (added !== undefined) inst.startedLate.push(Number(r.at) - added);
            else if (Number(r.due_at) > Number(r.created_at))
              inst.startedLate.push(Number(r.at) - Number(r.due_at));
          }
          await wf.close();
          if (dir) rmSync(dir, { recursive: true, force: true });
          if (schema) await dropSchema(pgUrl!, schema);
        },
      };
      return inst;
    },
  };
}

// ----------------------------------------------------------------------------------------------
// A bare better-sqlite3 claim loop: the floor for SQLite.

function bareSqliteContender(): Contender {
  return {
    name: 'bare-sqlite',
    cases: ALL,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'perf-bare-'));
      const db = new BetterSqlite3(join(dir, 'jobs.db'));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(`create table jobs (id integer primary key, run_at integer not null, added_at integer not null,
        status integer not null default 0, started_at integer);
        create index jobs_due on jobs (status, run_at)`);
      const insert = db.prepare('insert into jobs (run_at, added_at) values (?, ?)');
      const claim = db.prepare(
        'update jobs set status = 1, started_at = ? where id in (select id from jobs where status = 0 and run_at <= ? order by run_at limit 500) returning id',
      );
      const done = db.prepare('update jobs set status = 2 where id = ?');
      const nextDue = db.prepare('select run_at from jobs where status = 0 order by run_at limit 1');
      let executed = 0;
      let running = false;
      let stopped = true;
      let timer: NodeJS.Timeout | undefined;
      const loop = () => {
        if (stopped) return;
        running = true;
        timer = undefined;
        for (;;) {
          const batch = db.transaction(() => {
            const ids = claim.all(Date.now(), Date.now()) as { id: number }[];
            for (const { id } of ids) done.run(id);
            return ids.length;
          })();
          executed += batch;
          if (batch === 0) break;
        }
        running = false;
        const next = nextDue.get() as { run_at: number } | undefined;
        plan(next ? next.run_at : Date.now() + 1_000);
      };
      let plannedAt = Infinity;
      /** Wakes at `at` unless an earlier wake-up is planned (what Werkflow's scheduler does too). */
      const plan = (at: number) => {
        if (stopped || running) return;
        if (timer && plannedAt <= at) return;
        if (timer) clearTimeout(timer);
        plannedAt = at;
        timer = setTimeout(loop, Math.max(0, at - Date.now()));
      };
      const inst: Instance = {
        startedLate: [],
        async enqueue() {
          const now = Date.now();
          insert.run(now, now);
          plan(now);
        },
        async enqueueBatch(n) {
          const now = Date.now();
          db.transaction(() => {
            for (let i = 0; i < n; i++) insert.run(now, now);
          })();
        },
        async seedDue(n) {
          await inst.enqueueBatch(n);
        },
        async start() {
          stopped = false;
          plan(Date.now());
        },
        async addDelayed(ats) {
          const now = Date.now();
          db.transaction(() => {
            for (const at of ats) insert.run(at, now);
          })();
          plan(Math.min(...ats));
        },
        async executed() {
          return executed;
        },
        async close() {
          stopped = true;
          if (timer) clearTimeout(timer);
          const rows = db
            .prepare('select started_at, run_at, added_at from jobs where started_at is not null')
            .all() as { started_at: number; run_at: number; added_at: number }[];
          for (const r of rows) inst.startedLate.push(r.started_at - Math.max(r.run_at, r.added_at));
          db.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
      return inst;
    },
  };
}

// ----------------------------------------------------------------------------------------------
// graphile-worker

function graphileContender(name: string, pgUrl: string, batched: boolean): Contender {
  return {
    name,
    cases: ALL,
    async open() {
      const schema = freshSchema('perf_gw');
      const utils = await makeWorkerUtils({ connectionString: pgUrl, schema });
      await utils.migrate();
      let executed = 0;
      const runners: Runner[] = [];
      const inst: Instance = {
        startedLate: [],
        async enqueue() {
          await utils.addJob('noop', { t: Date.now() });
        },
        async enqueueBatch(n) {
          const now = Date.now();
          await utils.addJobs(Array.from({ length: n }, () => ({ identifier: 'noop', payload: { t: now } })));
        },
        async seedDue(n) {
          await inst.enqueueBatch(n);
        },
        async start() {
          runners.push(
            await runGraphile({
              connectionString: pgUrl,
              schema,
              noHandleSignals: true,
              logger: new Logger(() => () => {}),
              ...(batched
                ? {
                    concurrency: 10,
                    preset: {
                      worker: {
                        localQueue: { size: 500 },
                        completeJobBatchDelay: 0,
                        failJobBatchDelay: 0,
                      },
                    },
                  }
                : {}),
              taskList: {
                noop: async (payload) => {
                  const p = payload as { t: number; due?: number };
                  if (p.due !== undefined) inst.startedLate.push(Date.now() - p.due);
                  else if (p.t !== undefined) inst.startedLate.push(Date.now() - p.t);
                  executed++;
                },
              },
            }),
          );
        },
        async addDelayed(ats) {
          await utils.addJobs(
            ats.map((at) => ({ identifier: 'noop', payload: { due: at }, runAt: new Date(at) })),
          );
        },
        async executed() {
          return executed;
        },
        async close() {
          for (const r of runners) await r.stop();
          await utils.release();
          await dropSchema(pgUrl, schema);
        },
      };
      return inst;
    },
  };
}

// ----------------------------------------------------------------------------------------------
// pg-boss

function pgBossContender(pgUrl: string): Contender {
  return {
    name: 'pgboss-batched',
    cases: ALL,
    async open() {
      const schema = freshSchema('perf_pb');
      const boss = new PgBoss({ connectionString: pgUrl, schema, supervise: false, schedule: false });
      boss.on('error', () => {});
      await boss.start();
      await boss.createQueue('noop');
      let executed = 0;
      const inst: Instance = {
        startedLate: [],
        async enqueue() {
          await boss.send('noop', { t: Date.now() });
        },
        async enqueueBatch(n) {
          const now = Date.now();
          await boss.insert(Array.from({ length: n }, () => ({ name: 'noop', data: { t: now } })));
        },
        async seedDue(n) {
          await inst.enqueueBatch(n);
        },
        async start() {
          await boss.work<{ t?: number; due?: number }>(
            'noop',
            { batchSize: 500, pollingIntervalSeconds: 0.5 },
            async (jobs) => {
              const now = Date.now();
              for (const j of jobs) {
                if (j.data.due !== undefined) inst.startedLate.push(now - j.data.due);
                else if (j.data.t !== undefined) inst.startedLate.push(now - j.data.t);
              }
              executed += jobs.length;
            },
          );
        },
        async addDelayed(ats) {
          await boss.insert(ats.map((at) => ({ name: 'noop', data: { due: at }, startAfter: new Date(at) })));
        },
        async executed() {
          return executed;
        },
        async close() {
          await boss.stop({ graceful: false, wait: true });
          await dropSchema(pgUrl, schema);
        },
      };
      return inst;
    },
  };
}

/**
 * CPU (ms) of the PostgreSQL server processes serving this process's connections, by backend pid:
 * this process's TCP sockets (/proc/self/fd, /proc/self/net/tcp) are matched to `client_port` in
 * pg_stat_activity, and each backend's user+system time read from /proc/<pid>/stat. Linux only,
 * with the server on this machine; an empty map otherwise. A backend that disconnected between
 * two readings is not counted (the pools keep theirs for the few seconds of a drain).
 */
async function pgBackendCpu(url: string): Promise<Map<number, number>> {
  const cpu = new Map<number, number>();
  try {
    const inodes = new Set<string>();
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // closed meanwhile
      }
    }
    const ports: number[] = [];
    for (const line of readFileSync('/proc/self/net/tcp', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(':')[1]!, 16));
    }
    if (ports.length === 0) return cpu;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const r = await client.query<{ pid: number }>(
        `select pid from pg_stat_activity where client_port = any($1::int[]) and pid <> pg_backend_pid()`,
        [ports],
      );
      const tick = 1000 / 100; // USER_HZ
      for (const { pid } of r.rows) {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          cpu.set(pid, (Number(f[11]) + Number(f[12])) * tick);
        } catch {
          // gone meanwhile
        }
      }
    } finally {
      await client.end();
    }
  } catch {
    // not Linux, or the server elsewhere
  }
  return cpu;
}

/** CPU (ms) the backends in `after` used since `before` (all of it for backends new since). */
function pgCpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, t] of after) ms += t - (before.get(pid) ?? 0);
  return ms;
}

// ----------------------------------------------------------------------------------------------

interface Measurement {
  readonly value: number;
  readonly cpuMsPerJob: number;
  readonly load: number;
  readonly extra?: Record<string, number>;
}

async function measure(contender: Contender, c: CaseName, pgUrl: string): Promise<Measurement> {
  const inst = await contender.open();
  const cpu0 = process.cpuUsage();
  let jobs = 0;
  let value = NaN;
  let extra: Record<string, number> | undefined;
  try {
    if (c === 'enqueue1') {
      const t = performance.now();
      for (let i = 0; i < SINGLE; i++) await inst.enqueue(i);
      value = (SINGLE / (performance.now() - t)) * 1000;
      jobs = SINGLE;
    } else if (c === 'enqueueBatch') {
      const t = performance.now();
      await inst.enqueueBatch(BATCH);
      value = (BATCH / (performance.now() - t)) * 1000;
      jobs = BATCH;
    } else if (c === 'drain' || c === 'drain3') {
      await inst.seedDue(BATCH);
      // The two more workers are open before the clock starts, as the first one is.
      if (c === 'drain3') await inst.addWorkers!(2);
      const pgSeeded = await pgBackendCpu(pgUrl);
      const cpuSeeded = process.cpuUsage();
      const t = performance.now();
      await inst.start();
      await until(async () => (await inst.executed()) >= BATCH, `${contender.name} to drain`);
      value = (BATCH / (performance.now() - t)) * 1000;
      const cpu = process.cpuUsage(cpuSeeded);
      // The server's CPU for the drain too (the backends of this process's connections).
      const pgMs = pgCpuSince(pgSeeded, await pgBackendCpu(pgUrl));
      return {
        value,
        cpuMsPerJob: (cpu.user + cpu.system) / 1000 / BATCH,
        load: loadavg()[0]!,
        extra: { pgCpuMsPerJob: pgMs / BATCH },
      };
    } else if (c === 'addToStart') {
      await inst.start();
      await sleep(200);
      for (let i = 0; i < LATENCY_JOBS; i++) {
        await inst.enqueue(i);
        await sleep(10);
      }
      await until(
        async () => (await inst.executed()) >= LATENCY_JOBS,
        `${contender.name} to start every job`,
      );
      jobs = LATENCY_JOBS;
    } else {
      await inst.start();
      await sleep(200);
      // Planned ahead in one call, the first due a second later: what is measured is the
      // waking, not the enqueueing.
      const t0 = Date.now() + 1_000;
      await inst.addDelayed(
        Array.from({ length: DELAYED_JOBS }, (_, i) => t0 + Math.floor((i / DELAYED_JOBS) * 3_000)),
      );
      await until(
        async () => (await inst.executed()) >= DELAYED_JOBS,
        `${contender.name} to run the delayed jobs`,
        60_000,
      );
      jobs = DELAYED_JOBS;
    }
  } finally {
    await inst.close();
  }
  if (c === 'addToStart') {
    value = percentile(inst.startedLate, 50);
    extra = { p99: percentile(inst.startedLate, 99) };
  } else if (c === 'lateness') value = percentile(inst.startedLate, 99);
  const cpu = process.cpuUsage(cpu0);
  return {
    value,
    cpuMsPerJob: (cpu.user + cpu.system) / 1000 / jobs,
    load: loadavg()[0]!,
    ...(extra ? { extra } : {}),
  };
}

const METRIC: Record<CaseName, string> = {
  enqueue1: 'enqueue1PerSec',
  enqueueBatch: 'enqueueBatchPerSec',
  drain: 'drainPerSec',
  drain3: 'drain3PerSec',
  addToStart: 'addToStartP50Ms',
  lateness: 'latenessP99Ms',
};

const median = (xs: readonly number[]) => percentile(xs, 50);

/** The peer comparison: medians of three interleaved rounds, with load and CPU per job. */
export async function peersBench(): Promise<Record<string, number>> {
  const pgUrl = await benchDatabaseUrl();
  const contenders = [
    werkflowContender('werkflow-sqlite', null),
    bareSqliteContender(),
    werkflowContender('werkflow-pg', pgUrl),
    graphileContender('graphile', pgUrl, false),
    graphileContender('graphile-batched', pgUrl, true),
    pgBossContender(pgUrl),
  ];
  const samples = new Map<string, Measurement[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of [...ALL, 'drain3'] as CaseName[]) {
      for (const contender of contenders.filter((x) => x.cases.includes(c))) {
        // graphile-worker's defaults poll every 2 s and run one job at a time: a drain of 20,000
        // says nothing new and takes minutes, so that one is left out.
        if (contender.name === 'graphile' && c === 'drain') continue;
        // WERKFLOW_BENCH_ONLY=werkflow-sqlite.lateness runs one contender's case (to look into it).
        if (ONLY !== undefined && !ONLY.includes(`${contender.name}.${c}`)) continue;
        process.stderr.write(`  round ${round}: ${contender.name} ${c}…`);
        const m = await measure(contender, c, pgUrl);
        const pgCpu = m.extra?.pgCpuMsPerJob;
        process.stderr.write(
          ` ${m.value.toFixed(1)} (load ${m.load.toFixed(1)}, cpu ${m.cpuMsPerJob.toFixed(3)}` +
            `${pgCpu === undefined ? '' : ` + server ${pgCpu.toFixed(3)}`} ms/job)\n`,
        );
        const key = `${contender.name}.${c}`;
        samples.set(key, [...(samples.get(key) ?? []), m]);
      }
    }
  }
  const results: Record<string, number> = {};
  for (const [key, ms] of samples) {
    const [name, c] = key.split('.') as [string, CaseName];
    const r = (n: number) => Math.round(n * 100) / 100;
    results[`${name}.${METRIC[c]}`] = r(median(ms.map((m) => m.value)));
    if (c === 'addToStart') results[`${name}.addToStartP99Ms`] = r(median(ms.map((m) => m.extra!.p99!)));
    if (c === 'drain' || c === 'drain3')
      results[`${name}.${c}.serverCpuMsPerJob`] =
        Math.round(median(ms.map((m) => m.extra!.pgCpuMsPerJob!)) * 1000) / 1000;
    results[`${name}.${c}.cpuMsPerJob`] = r(median(ms.map((m) => m.cpuMsPerJob)));
    results[`${name}.${c}.loadAverage`] = r(median(ms.map((m) => m.load)));
  }
  return results;
}

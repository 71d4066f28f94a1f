/**
 * The fault suite's scenarios (issue 14): real worker processes killed with SIGKILL or paused
 * with SIGSTOP, an SMTP sink that goes away or drops connections after DATA, PostgreSQL
 * connections terminated under load. Each scenario returns its figures; `bench/faults/run.ts`
 * prints them (`npm run faults`), `test/faults/faults.test.ts` runs short versions and asserts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import type { MailerConfig } from '../../src/effects/email/mailer.js';
import { Werkflow, type WerkflowOptions } from '../../src/engine/werkflow.js';
import {
  addMailbox,
  addTemplate,
  enqueue,
  seedEmailWorld,
} from '../../test/effects/email/support/email-fixtures.js';
import { TestSmtpServer } from '../../test/effects/email/support/smtp-test-server.js';
import { WebhookReceiver } from '../../test/support/webhook-receiver.js';
import { type PrivatePostgres, freePorts } from '../../test/support/private-postgres.js';

const runTs = fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url));
const werkflowBin = fileURLToPath(new URL('../../bin/werkflow.js', import.meta.url));
const realClock = { now: () => Date.now() };

/** A database for one scenario: a SQLite file or a PostgreSQL schema of its own. */
export type FreshDatabase = () => WerkflowOptions & { url: string };

export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Worker {
  readonly child: ChildProcess;
  readonly exited: Promise<NodeJS.Signals | number | null>;
}

/** Starts bench/faults/worker-child.ts (scheduler and mailer); resolves once it runs. */
async function startWorker(
  options: WerkflowOptions,
  settings: { leaseMs: number; sweepEveryMs: number; batchSize?: number; mailer?: Partial<MailerConfig> },
): Promise<Worker> {
  const child = spawn(
    process.execPath,
    [runTs, 'bench/faults/worker-child.ts', JSON.stringify({ options, mailer: {}, ...settings })],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (process.env.WERKFLOW_FAULTS_DEBUG) process.stderr.write(d);
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('started')) resolve();
    });
    void exited.then((how) => reject(new Error(`worker ended (${String(how)}) before starting: ${stderr}`)));
  });
  return { child, exited };
}

/** Workers with a short lease, a sweep every quarter lease, and batches of 50 actions. */
function workerSettings(leaseMs: number) {
  return { leaseMs, sweepEveryMs: Math.max(100, leaseMs / 4), batchSize: 50 };
}

async function kill9(worker: Worker): Promise<void> {
  worker.child.kill('SIGKILL');
  await worker.exited;
}

// ── webhooks ────────────────────────────────────────────────────────────────────────────────

/** A database where every new contact stamps a webhook action due at once. */
async function webhookWorld(options: WerkflowOptions, url: string, n: number): Promise<Werkflow> {
  const w = await Werkflow.open({ ...options, preset: 'energy-cooperative', clock: realClock });
  // The receiver is on loopback, which webhooks may call only when allow-listed.
  await w.webhooks.save({ allowedHosts: ['127.0.0.1'] }, 'faults');
  await w.templates.create(
    {
      name: 'Meld nieuw contact',
      dossierType: 'contact',
      event: { type: 'created' },
      timing: { anchor: { type: 'event' }, offset: 0, unit: 'minutes' },
      effect: { type: 'webhook', url },
    },
    SYSTEM_PRINCIPAL,
    { publish: true },
  );
  const chunk = 500;
  for (let i = 0; i < n; i += chunk) {
    await w.dossiers.upsertByExternalId(
      'contact',
      Array.from({ length: Math.min(chunk, n - i) }, (_, j) => ({
        externalId: `c-${i + j}`,
        data: { kind: 'persoon', name: `Contact ${i + j}` },
      })),
      null,
    );
  }
  return w;
}

/** Every action done exactly once (one running → done in its history); webhook keys called. */
export interface ExactlyOnce {
  readonly actions: number;
  readonly done: number;
  /** Actions whose history has more than one running → done (executed twice in the database). */
  readonly executedTwice: number;
  /** Actions whose webhook was never called. */
  readonly neverCalled: number;
  /** Calls beyond the first per Idempotency-Key (allowed: the receiver drops them by key). */
  readonly repeatCalls: number;
}

async function exactlyOnce(w: Werkflow, receiver: WebhookReceiver): Promise<ExactlyOnce> {
  const actions = await w.store.db.selectFrom('actions').select(['id', 'status']).execute();
  const twice = await w.store.db
    .selectFrom('action_history')
    .select(['action_id', (eb) => eb.fn.countAll().as('n')])
    .where('from_status', '=', 'running')
    .where('to_status', '=', 'done')
    .groupBy('action_id')
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  let repeat = 0;
  for (const n of receiver.calls.values()) repeat += n - 1;
  return {
    actions: actions.length,
    done: actions.filter((a) => a.status === 'done').length,
    executedTwice: twice.length,
    neverCalled: actions.filter((a) => !receiver.calls.has(a.id)).length,
    repeatCalls: repeat,
  };
}

/** PostgreSQL: row versions written to `actions` per executed action (n_tup_upd, n_dead_tup). */
async function deadTuples(
  w: Werkflow,
  executed: number,
): Promise<{ updatesPerAction: number; deadPerAction: number } | null> {
  if (w.store.adapter.name !== 'postgres' || executed === 0) return null;
  await sleep(1_200); // statistics reach pg_stat_* within a second
  const r = await sql<{ upd: string; dead: string }>`
    select n_tup_upd as upd, n_dead_tup as dead from pg_stat_user_tables
    where relname = 'actions' and schemaname = current_schema()`.execute(w.store.db);
  const row = r.rows[0];
  if (!row) return null;
  return { updatesPerAction: Number(row.upd) / executed, deadPerAction: Number(row.dead) / executed };
}

export interface WebhookKillFigures extends ExactlyOnce {
  readonly kills: number;
  readonly seconds: number;
  readonly callsPerSecond: number;
  readonly updatesPerAction: number | null;
  readonly deadPerAction: number | null;
}

type RunFigures = ExactlyOnce & {
  seconds: number;
  updatesPerAction: number | null;
  deadPerAction: number | null;
};

/** What a webhook run came to: exactly once, how long since `started`, row versions per action. */
async function runFigures(
  w: Werkflow,
  receiver: WebhookReceiver,
  actions: number,
  started: number,
): Promise<RunFigures> {
  const seconds = (performance.now() - started) / 1000;
  const tuples = await deadTuples(w, actions);
  return {
    ...(await exactlyOnce(w, receiver)),
    seconds,
    updatesPerAction: tuples?.updatesPerAction ?? null,
    deadPerAction: tuples?.deadPerAction ?? null,
  };
}

/** Worker processes calling webhooks while `fault` strikes `faults` times, spread over the run. */
interface WebhookRun {
  readonly w: Werkflow;
  readonly workers: Worker[];
  readonly options: WerkflowOptions;
  readonly settings: ReturnType<typeof workerSettings>;
  /** Workers still starting; waited for (and killed) at the end. */
  readonly starting: Promise<void>[];
}

async function webhookFaults(
  fresh: FreshDatabase,
  p: { actions: number; faults: number; workers: number; leaseMs: number },
  fault: (run: WebhookRun, k: number) => Promise<void>,
  workerOptions: (options: WerkflowOptions) => WerkflowOptions = (o) => o,
): Promise<RunFigures> {
  const receiver = new WebhookReceiver();
  await receiver.start();
  const base = fresh();
  const w = await webhookWorld(base, receiver.url, p.actions);
  const run: WebhookRun = {
    w,
    workers: [],
    options: workerOptions(base),
    settings: workerSettings(p.leaseMs),
    starting: [],
  };
  try {
    const started = performance.now();
    run.workers.push(
      ...(await Promise.all(
        Array.from({ length: w.store.adapter.multiProcess ? p.workers : 1 }, () =>
          startWorker(run.options, run.settings),
        ),
      )),
    );
    for (let k = 1; k <= p.faults; k++) {
      await until(`fault ${k}`, () => receiver.calls.size >= (p.actions * k) / (p.faults + 1));
      await fault(run, k);
    }
    await until(
      'every action is done',
      async () => ((await w.engine.actions.countByStatus()).done ?? 0) === p.actions,
      120_000 + p.leaseMs * 2,
    );
    return await runFigures(w, receiver, p.actions, started);
  } finally {
    await Promise.allSettled(run.starting);
    for (const worker of run.workers) await kill9(worker);
    await w.close();
    await receiver.stop();
  }
}

export interface WebhookKillFigures extends ExactlyOnce {
  readonly kills: number;
  readonly seconds: number;
  readonly callsPerSecond: number;
  readonly updatesPerAction: number | null;
  readonly deadPerAction: number | null;
}

/**
 * kill -9 of workers while they call webhooks: `workers` worker processes (SQLite: one, the
 * only writer, restarted after each kill), one killed `kills` times spread over the run.
 */
export async function webhookKills(
  fresh: FreshDatabase,
  p: { actions: number; kills: number; workers: number; leaseMs: number },
): Promise<WebhookKillFigures> {
  const f = await webhookFaults(fresh, { ...p, faults: p.kills }, async (run, k) => {
    await until(`a worker to kill (${k})`, () => run.workers.length > 0);
    await kill9(run.workers.shift()!);
    // PostgreSQL: the others go on while a replacement starts. SQLite: one process owns the
    // database, so the replacement (which takes every claim back at start) comes after the kill.
    const next = startWorker(run.options, run.settings).then((started) => void run.workers.push(started));
    if (run.w.store.adapter.multiProcess) run.starting.push(next);
    else await next;
  });
  return { ...f, kills: p.kills, callsPerSecond: p.actions / f.seconds };
}

export interface ThroughputFigures extends ExactlyOnce {
  readonly seconds: number;
  readonly callsPerSecond: number;
  readonly updatesPerAction: number | null;
  readonly deadPerAction: number | null;
}

/** No fault: one scheduler calling a local receiver, for calls per second and row versions. */
export async function webhookThroughput(
  fresh: FreshDatabase,
  p: { actions: number },
): Promise<ThroughputFigures> {
  const receiver = new WebhookReceiver();
  await receiver.start();
  const w = await webhookWorld({ ...fresh(), scheduler: { batchSize: 500 } }, receiver.url, p.actions);
  try {
    const started = performance.now();
    while (((await w.engine.actions.countByStatus()).done ?? 0) < p.actions) await w.scheduler.tick();
    const f = await runFigures(w, receiver, p.actions, started);
    return { ...f, callsPerSecond: p.actions / f.seconds };
  } finally {
    await w.close();
    await receiver.stop();
  }
}

export interface PauseFigures extends ExactlyOnce {
  /** From SIGSTOP until none of the paused worker's claims was left running under its name. */
  readonly claimsBackSeconds: number;
  readonly leaseSeconds: number;
}

/**
 * PostgreSQL: two workers; one is paused with SIGSTOP while its webhook batch is out, past its
 * lease; the other must take its claims over (sweeper timer) and finish. Then it is resumed:
 * its late completions must not execute any action a second time.
 */
export async function pausedWorker(
  fresh: FreshDatabase,
  p: { actions: number; leaseMs: number },
): Promise<PauseFigures> {
  const receiver = new WebhookReceiver();
  receiver.delayMs = 200;
  await receiver.start();
  const options = fresh();
  const w = await webhookWorld(options, receiver.url, p.actions);
  const settings = workerSettings(p.leaseMs);
  const paused = await startWorker(options, settings);
  let other: Worker | undefined;
  try {
    const pid = paused.child.pid!;
    await until('the first worker has claims', async () => {
      const r = await w.store.db
        .selectFrom('actions')
        .select('id')
        .where('status', '=', 'running')
        .where('locked_by', 'like', `%:${pid}:%`)
        .execute();
      return r.length > 0;
    });
    paused.child.kill('SIGSTOP');
    const stoppedAt = performance.now();
    other = await startWorker(options, settings);
    await until(
      "the paused worker's claims are back",
      async () => {
        const r = await w.store.db
          .selectFrom('actions')
          .select('id')
          .where('status', '=', 'running')
          .where('locked_by', 'like', `%:${pid}:%`)
          .execute();
        return r.length === 0;
      },
      p.leaseMs + 60_000,
    );
    const claimsBackSeconds = (performance.now() - stoppedAt) / 1000;
    await until(
      'every action is done',
      async () => ((await w.engine.actions.countByStatus()).done ?? 0) === p.actions,
    );
    paused.child.kill('SIGCONT');
    await sleep(1_500); // let the resumed worker try to complete what it had
    return { ...(await exactlyOnce(w, receiver)), claimsBackSeconds, leaseSeconds: p.leaseMs / 1000 };
  } finally {
    paused.child.kill('SIGCONT');
    await kill9(paused);
    if (other) await kill9(other);
    await w.close();
    await receiver.stop();
  }
}

export interface TerminateFigures extends ExactlyOnce {
  readonly terminations: number;
  readonly backendsTerminated: number;
}

/**
 * PostgreSQL under load without disturbing anyone else on the server: the workers' own
 * connections (found by their `application_name`) are ended with pg_terminate_backend, several
 * times, instead of restarting the shared server.
 */
export async function terminateBackends(
  fresh: FreshDatabase,
  p: { actions: number; terminations: number; workers: number; leaseMs: number },
): Promise<TerminateFigures> {
  const app = `werkflow_faults_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  let terminated = 0;
  const f = await webhookFaults(
    fresh,
    { ...p, faults: p.terminations },
    async ({ w }) => {
      const r = await sql<{ n: number }>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where application_name = ${app} and pid <> pg_backend_pid()`.execute(w.store.db);
      terminated += r.rows[0]?.n ?? 0;
    },
    (o) => ({ ...o, url: `${o.url!}${o.url!.includes('?') ? '&' : '?'}application_name=${app}` }),
  );
  return { ...f, terminations: p.terminations, backendsTerminated: terminated };
}

// ── e-mail ──────────────────────────────────────────────────────────────────────────────────

/** Outbox rows by status, and how the sink saw them. */
export interface MailFigures {
  readonly messages: number;
  readonly sent: number;
  readonly inDoubt: number;
  /** Rows neither sent nor in doubt at the end (queued, sending, failed). */
  readonly lost: number;
  /** Message-IDs the sink received more than once. */
  readonly duplicates: number;
  /** Rows `sent` that the sink never received. */
  readonly sentButMissing: number;
}

async function mailFigures(w: Werkflow, sink: TestSmtpServer, messages: number): Promise<MailFigures> {
  const rows = await w.email.outbox.listOutbox({ limit: messages + 10 });
  const counts = sink.countByMessageId();
  let duplicates = 0;
  for (const n of counts.values()) if (n > 1) duplicates++;
  return {
    messages: rows.length,
    sent: rows.filter((r) => r.status === 'sent').length,
    inDoubt: rows.filter((r) => r.status === 'in_doubt').length,
    lost: rows.filter((r) => r.status !== 'sent' && r.status !== 'in_doubt').length,
    duplicates,
    sentButMissing: rows.filter((r) => r.status === 'sent' && !counts.has(r.messageId)).length,
  };
}

async function mailWorld(
  options: WerkflowOptions,
  sink: TestSmtpServer,
  n: number,
  connections: number,
  mailer: Partial<MailerConfig> = {},
): Promise<Werkflow> {
  const w = await Werkflow.open({
    ...options,
    preset: 'energy-cooperative',
    clock: realClock,
    email: { secretKey: 'f'.repeat(64), mailer: { redirectAllTo: null, ...mailer }, log: () => {} },
  });
  await addMailbox(w, sink.port, { maxConnections: connections });
  const world = await seedEmailWorld(w);
  const t = await addTemplate(w);
  for (let i = 0; i < n; i++) {
    await enqueue(w, {
      actionId: `fault-mail-${i}`,
      effect: { type: 'sendEmail', templateId: t.id, to: [{ type: 'field', path: 'intake.contact.email' }] },
      dossier: world.opportunity,
    });
  }
  return w;
}

export interface MailKillFigures extends MailFigures {
  readonly kills: number;
  readonly connections: number;
}

/** kill -9 of the worker while it sends: in doubt only what was past DATA, ≤ kills × pool. */
export async function mailKills(
  fresh: FreshDatabase,
  p: { messages: number; kills: number; connections: number; leaseMs: number },
): Promise<MailKillFigures> {
  const sink = new TestSmtpServer();
  sink.delayMs = 10; // a server that takes a moment, so kills land mid-batch
  await sink.start(0);
  const options = fresh();
  const w = await mailWorld(options, sink, p.messages, p.connections, { leaseMs: p.leaseMs });
  const settings = {
    leaseMs: 60_000,
    sweepEveryMs: 15_000,
    mailer: { leaseMs: p.leaseMs, batchSize: 20, idlePollMs: 200 },
  };
  let worker: Worker | undefined;
  try {
    for (let k = 1; k <= p.kills; k++) {
      worker = await startWorker(options, settings);
      const reach = Math.floor((p.messages * k) / (p.kills + 1));
      await until(`kill ${k}`, () => sink.received.length >= reach);
      await kill9(worker);
      worker = undefined;
    }
    // The survivor: takes the dead workers' claims back after their lease and sends the rest.
    worker = await startWorker(options, settings);
    await until(
      'nothing is left to send',
      async () => {
        const c = await w.email.outbox.countOutbox();
        return c.queued === 0 && c.sending === 0;
      },
      120_000 + p.leaseMs * 2,
    );
    await sleep(100);
    return { ...(await mailFigures(w, sink, p.messages)), kills: p.kills, connections: p.connections };
  } finally {
    if (worker) await kill9(worker);
    await w.close();
    await sink.stop();
  }
}

export interface OutageFigures extends MailFigures {
  readonly downSeconds: number;
  /** From the sink's return until every message was sent. */
  readonly deliveredWithinSeconds: number;
}

/** The SMTP server refuses connections for `downMs` while mail falls due; no restart. */
export async function smtpOutage(
  fresh: FreshDatabase,
  p: { messages: number; downMs: number; connections: number; retryBaseMs?: number },
): Promise<OutageFigures> {
  const sink = new TestSmtpServer();
  await sink.start(0);
  const port = sink.port;
  await sink.stop();
  const options = fresh();
  const backoff = p.retryBaseMs ? { baseMs: p.retryBaseMs, maxMs: p.retryBaseMs * 4 } : undefined;
  const w = await mailWorld(options, sink, 0, p.connections, {
    idlePollMs: 5_000,
    ...(backoff ? { backoff } : {}),
  });
  try {
    await w.email.outbox.startMailer();
    const world = await seedEmailWorld(w);
    const t = await addTemplate(w);
    for (let i = 0; i < p.messages; i++) {
      await enqueue(w, {
        actionId: `outage-${i}`,
        effect: {
          type: 'sendEmail',
          templateId: t.id,
          to: [{ type: 'field', path: 'intake.contact.email' }],
        },
        dossier: world.opportunity,
      });
      w.email.outbox.kick();
    }
    await sleep(p.downMs);
    await sink.start(port);
    const back = performance.now();
    await until(
      'every message is sent',
      async () => (await w.email.outbox.countOutbox()).sent === p.messages,
      120_000,
    );
    const deliveredWithinSeconds = (performance.now() - back) / 1000;
    return {
      ...(await mailFigures(w, sink, p.messages)),
      downSeconds: p.downMs / 1000,
      deliveredWithinSeconds,
    };
  } finally {
    await w.close();
    await sink.stop();
  }
}

export interface DropFigures extends MailFigures {
  /** Messages the sink kept and then dropped the connection without answering. */
  readonly dropped: number;
}

/** The SMTP server accepts every `every`-th message's DATA, then drops the connection unanswered. */
export async function dropAfterData(
  fresh: FreshDatabase,
  p: { messages: number; every: number; connections: number },
): Promise<DropFigures> {
  const sink = new TestSmtpServer();
  let dropped = 0;
  sink.dropAfterData = (n) => {
    const drop = n % p.every === 0;
    if (drop) dropped++;
    return drop;
  };
  await sink.start(0);
  const options = fresh();
  const w = await mailWorld(options, sink, p.messages, p.connections, { idlePollMs: 1_000 });
  try {
    await w.email.outbox.startMailer();
    await until(
      'nothing is left to send',
      async () => {
        const c = await w.email.outbox.countOutbox();
        return c.queued === 0 && c.sending === 0;
      },
      120_000,
    );
    await sleep(300); // nothing may be resent by itself afterwards
    return { ...(await mailFigures(w, sink, p.messages)), dropped };
  } finally {
    await w.close();
    await sink.stop();
  }
}

// ── PostgreSQL really down ──────────────────────────────────────────────────────────────────

/** One JSON line of a process log (pino). */
export type LogLine = Record<string, unknown> & { level?: number; msg?: string; loop?: string };

/** The JSON lines of a log file (lines that are not JSON, such as a stack on stderr, left out). */
function readLog(file: string): LogLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return [];
      }
    });
}

/** A value of the Prometheus text (`name{labels} value`), or null when the series is absent. */
function seriesValue(text: string, series: string): number | null {
  const escaped = series.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

const LOOP_NAMES = ['scheduler', 'listen', 'mailer'] as const;
type Loop = (typeof LOOP_NAMES)[number];

export interface PostgresStopFigures extends ExactlyOnce {
  readonly mails: number;
  readonly mailsSent: number;
  /** Message-IDs the SMTP sink received more than once. */
  readonly mailDuplicates: number;
  readonly downSeconds: number;
  /** From the restart until every action was done and every mail sent. */
  readonly recoveredWithinSeconds: number;
  /** Error lines (level 50) of each loop in the worker's log while the server was down. */
  readonly errorLines: Readonly<Record<Loop, number>>;
  /** `<loop>: recovered after N errors` lines after the restart. */
  readonly recoveredLines: Readonly<Record<Loop, number>>;
  /** `werkflow_database_up` scraped from the worker while the server was down, and after. */
  readonly databaseUpWhileDown: number | null;
  readonly databaseUpAfter: number | null;
  /** `werkflow_loop_errors_total` per loop after the recovery. */
  readonly loopErrorsTotal: Readonly<Record<Loop, number | null>>;
  readonly loopHealthyAfter: Readonly<Record<Loop, number | null>>;
  /** Whether the worker process ended by itself at any point (it must not). */
  readonly workerExited: boolean;
  /** The worker's exit code after SIGTERM at the end (0: a clean stop). */
  readonly exitCodeAfterSigterm: number | string | null;
  /** The worker's log (JSON lines), for the test's assertions and a failure's diagnosis. */
  readonly log: readonly LogLine[];
}

/**
 * A real PostgreSQL crash: a `werkflow worker` process (the command, as an operator runs it, with
 * its JSON log in a file and `--metrics-port`) works against a private cluster (`cluster`, of the
 * caller, see test/support/private-postgres.ts). Webhook and e-mail actions are stamped due
 * `leadMs` from now, the server is stopped with `pg_ctl stop -m immediate` (every server process
 * ends at once, as in a crash) and started again after `downMs` — and not before the worker's log
 * shows errors of the scheduler, LISTEN and the mailer. Then every action must be executed and
 * every mail sent exactly once, without the worker restarting.
 */
export async function postgresStop(
  cluster: PrivatePostgres,
  p: {
    webhooks: number;
    mails: number;
    downMs: number;
    /**
     * `due` (default): the actions fall due while the server is down (stamped `leadMs`, default
     * 3 s, ahead). `webhookCalls`: they are due at once, the receiver answers after
     * `receiverDelayMs` (default 2 s), and the server is stopped while the calls are out — their
     * outcomes arrive while it is down.
     */
    crash?: 'due' | 'webhookCalls';
    leadMs?: number;
    receiverDelayMs?: number;
  },
): Promise<PostgresStopFigures> {
  const duringCalls = p.crash === 'webhookCalls';
  const receiver = new WebhookReceiver();
  if (duringCalls) receiver.delayMs = p.receiverDelayMs ?? 2_000;
  await receiver.start();
  const sink = new TestSmtpServer();
  await sink.start(0);
  let lead = 0;
  const clock = { now: () => Date.now() + lead };
  const secretKey = 'f'.repeat(64);
  const url = await cluster.createDatabase();
  const w = await Werkflow.open({
    url,
    preset: 'energy-cooperative',
    clock,
    poolSize: 2,
    email: { secretKey, mailer: { redirectAllTo: null }, log: () => {} },
  });
  let worker: Worker | undefined;
  const logFile = join(cluster.dir, `worker-${url.split('/').pop()}.log`);
  try {
    await w.webhooks.save({ allowedHosts: ['127.0.0.1'] }, 'faults');
    const world = await seedEmailWorld(w); // before the templates: stamps nothing
    await addMailbox(w, sink.port, { maxConnections: 2 });
    const mailTemplate = await addTemplate(w);
    const now = { anchor: { type: 'event' as const }, offset: 0, unit: 'minutes' as const };
    await w.templates.create(
      {
        name: 'Meld nieuw contact',
        dossierType: 'contact',
        event: { type: 'created' },
        timing: now,
        effect: { type: 'webhook', url: receiver.url },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    await w.templates.create(
      {
        name: 'Bevestig nieuwe kans',
        dossierType: 'opportunity',
        event: { type: 'created' },
        timing: now,
        effect: {
          type: 'sendEmail',
          templateId: mailTemplate.id,
          to: [{ type: 'field', path: 'intake.contact.email' }],
        },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );

    const metricsPort = await freeMetricsPort(cluster.port);
    worker = await startWerkflowWorker(logFile, metricsPort, {
      DATABASE_URL: url,
      WERKFLOW_DATA_DIR: cluster.dir,
      WERKFLOW_SECRET_KEY: secretKey,
      // The mailer looks at the outbox at least every half lease (5 s): it meets the outage too.
      WERKFLOW_MAIL_LEASE_MS: '10000',
    });
    const scrape = async (): Promise<string | null> => {
      try {
        const r = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
        return r.ok ? await r.text() : null;
      } catch {
        return null;
      }
    };
    await until('the worker answers /metrics', async () => (await scrape()) !== null);

    // Actions due a moment from now (they fall due while the server is down), or at once.
    lead = duringCalls ? 0 : (p.leadMs ?? 3_000);
    await w.dossiers.upsertByExternalId(
      'contact',
      Array.from({ length: p.webhooks }, (_, i) => ({
        externalId: `pg-stop-${i}`,
        data: { kind: 'persoon', name: `Contact ${i}` },
      })),
      null,
    );
    for (let i = 0; i < p.mails; i++) {
      await w.dossiers.create(
        'opportunity',
        {
          data: {
            name: `Zonnepanelen ${i}`,
            intake: world.intake.id,
            measureCategory: world.category.id,
            status: 'actief',
            desiredDate: '2027-03-01',
          },
        },
        null,
      );
    }
    lead = 0;
    const actions = (await w.store.db.selectFrom('actions').select('id').execute()).length;

    if (duringCalls) await until('webhook calls are out', () => receiver.inFlight > 0);
    await cluster.stop('immediate');
    const downAt = performance.now();
    let databaseUpWhileDown: number | null = null;
    await until('a scrape while the server is down', async () => {
      const text = await scrape();
      databaseUpWhileDown = text === null ? null : seriesValue(text, 'werkflow_database_up');
      return databaseUpWhileDown !== null;
    });
    const errorsOf = (loop: Loop, lines: readonly LogLine[]) =>
      lines.filter((l) => l.loop === loop && l.level === 50).length;
    await sleep(Math.max(0, p.downMs - (performance.now() - downAt)));
    await until('errors of the scheduler, LISTEN and the mailer in the log', () => {
      const lines = readLog(logFile);
      return LOOP_NAMES.every((loop) => errorsOf(loop, lines) > 0);
    });
    const downSeconds = (performance.now() - downAt) / 1000;
    const whileDown = readLog(logFile);
    await cluster.start();
    const upAt = performance.now();

    await until(
      'every action done and every mail sent after the restart',
      async () =>
        ((await w.engine.actions.countByStatus()).done ?? 0) === actions &&
        (await w.email.outbox.countOutbox()).sent === p.mails,
      120_000,
    );
    const recoveredWithinSeconds = (performance.now() - upAt) / 1000;
    const recovered = (loop: Loop, lines: readonly LogLine[]) =>
      lines.filter((l) => l.loop === loop && /recovered after \d+ errors?/.test(String(l.msg))).length;
    await until('a recovered line of each loop', () => {
      const lines = readLog(logFile);
      return LOOP_NAMES.every((loop) => recovered(loop, lines) > 0);
    });
    await sleep(500); // nothing may be executed or sent a second time afterwards
    const after = (await scrape()) ?? '';
    const workerExited = worker.child.exitCode !== null || worker.child.signalCode !== null;
    worker.child.kill('SIGTERM');
    const exitCodeAfterSigterm = await worker.exited;
    worker = undefined;

    const log = readLog(logFile);
    const perLoop = <T>(f: (loop: Loop) => T) =>
      Object.fromEntries(LOOP_NAMES.map((loop) => [loop, f(loop)])) as Record<Loop, T>;
    const counts = sink.countByMessageId();
    return {
      ...(await exactlyOnce(w, receiver)),
      actions,
      mails: p.mails,
      mailsSent: (await w.email.outbox.countOutbox()).sent ?? 0,
      mailDuplicates: [...counts.values()].filter((n) => n > 1).length,
      downSeconds,
      recoveredWithinSeconds,
      errorLines: perLoop((loop) => errorsOf(loop, whileDown)),
      recoveredLines: perLoop((loop) => recovered(loop, log)),
      databaseUpWhileDown,
      databaseUpAfter: seriesValue(after, 'werkflow_database_up'),
      loopErrorsTotal: perLoop((loop) => seriesValue(after, `werkflow_loop_errors_total{loop="${loop}"}`)),
      loopHealthyAfter: perLoop((loop) => seriesValue(after, `werkflow_loop_healthy{loop="${loop}"}`)),
      workerExited,
      exitCodeAfterSigterm,
      log,
    };
  } finally {
    if (worker) await kill9(worker);
    if (!cluster.isRunning) await cluster.start().catch(() => {});
    await w.close();
    await receiver.stop();
    await sink.stop();
  }
}

/** A free port for the worker's /metrics, other than the cluster's. */
async function freeMetricsPort(taken: number): Promise<number> {
  for await (const port of freePorts()) if (port !== taken) return port;
  throw new Error('no free port for the metrics endpoint');
}

/**
 * `werkflow worker --metrics-port` (bin/werkflow.js, from the sources) with its log — JSON lines,
 * stdout and stderr — appended to `logFile`; resolves once it says it is running.
 */
async function startWerkflowWorker(
  logFile: string,
  metricsPort: number,
  env: Record<string, string>,
): Promise<Worker> {
  const base = { ...process.env };
  for (const key of ['DATABASE_URL', 'WERKFLOW_METRICS_TOKEN', 'WERKFLOW_METRICS_PORT', 'LOG_LEVEL'])
    delete base[key];
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [werkflowBin, 'worker', '--metrics-port', String(metricsPort)], {
    env: { ...base, WERKFLOW_FROM_SOURCE: '1', WERKFLOW_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  let ended: NodeJS.Signals | number | null | undefined;
  void exited.then((how) => (ended = how));
  await until('the worker is running', () => {
    if (ended !== undefined)
      throw new Error(`worker ended (${String(ended)}) before running:\n${readFileSync(logFile, 'utf8')}`);
    return readLog(logFile).some((l) => /^Worker .* is running/.test(String(l.msg)));
  });
  return { child, exited };
}

import { Command, InvalidArgumentError, Option } from 'commander';
import { WerkflowError } from '../domain/errors.js';
import { DEFAULT_PRESET, PRESETS } from '../domain/presets/index.js';
import { Werkflow } from '../engine/werkflow.js';
import { seedDemo } from '../demo/seed-demo.js';
import { SandboxClock, parseDuration } from '../engine/clock.js';
import { copySqliteDatabase, isPostgresUrl, sqliteFileExists } from '../store/database.js';
import { join, resolve } from 'node:path';
import { buildServer } from '../api/server.js';
import { databaseUrl, defaultDataDir, defaultPort } from './config.js';
import { progressReporter } from './progress.js';
import { ROLES, generatePassword, passwordResetLink } from '../domain/auth/index.js';
import { type EmailOptions, emailOptionsFromEnv } from '../services/email/index.js';
import type { Logger } from '../engine/observability.js';
import { startMetricsServer } from '../api/metrics-endpoint.js';
import { createLogger } from './logger.js';

const program = new Command();

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${value}" is not a whole number.`);
  return n;
}

function portNumber(value: string): number {
  const n = positiveInt(value);
  if (n > 65535) throw new InvalidArgumentError(`Port ${n} is above 65535.`);
  return n;
}

const presetOption = () =>
  new Option('--preset <key>', 'dossier types and demo data to install into an empty database')
    .choices(PRESETS.map((p) => p.key))
    .default(DEFAULT_PRESET);
const dataDirOption = () =>
  new Option('--data-dir <dir>', 'where the SQLite database is kept (env WERKFLOW_DATA_DIR)').default(
    defaultDataDir(),
  );

program
  .name('werkflow')
  .description(
    'Workflow and action engine for CRM dossiers (Econobis workflows, Coachview action templates).',
  )
  .version('0.1.0')
  .addHelpText(
    'after',
    '\nDatabase: SQLite in --data-dir by default; set DATABASE_URL=postgres://… for PostgreSQL.\n',
  );

/**
 * E-mail settings from the environment; without WERKFLOW_SECRET_KEY, mailbox passwords are
 * encrypted with a key kept in the data dir (`secret.key`, created on first use) — for demo and
 * development. With NODE_ENV=production no key file is created: set WERKFLOW_SECRET_KEY.
 */
function emailOptions(dataDir: string): EmailOptions {
  return {
    ...emailOptionsFromEnv(),
    secretKeyFile: join(resolve(dataDir), 'secret.key'),
    generateSecretKey: process.env.NODE_ENV !== 'production',
  };
}

/** Demo and sandbox: a local SMTP sink catches every message; prints where to read them. */
async function startMailViewer(werkflow: Werkflow, address: string, log: Logger): Promise<void> {
  const wanted = Number(process.env.WERKFLOW_MAIL_SINK_PORT ?? 2525);
  const at = await werkflow.email.sink
    .captureAllMail({ port: wanted })
    .catch(() => werkflow.email.sink.captureAllMail({ port: 0 })); // 2525 taken: any free port
  log.info(
    {},
    `Mail viewer: ${address}/mail/viewer (API: ${address}/api/mail-viewer/messages) — every e-mail goes to the local SMTP sink on ${at.host}:${at.port}; nothing leaves this machine.`,
  );
}

async function openWerkflow(opts: { dataDir: string; preset?: string }, logger?: Logger): Promise<Werkflow> {
  return Werkflow.open({
    url: databaseUrl(opts.dataDir),
    preset: opts.preset,
    email: emailOptions(opts.dataDir),
    logger,
  });
}

/**
 * Stops on SIGTERM or SIGINT: `stop` stops claiming, lets the batch in hand finish, closes the
 * mailer's connections and the database. Past the deadline the process exits anyway (what was
 * claimed stays leased and is picked up again after its lease); a second signal exits at once.
 */
function stopOnSignal(log: Logger, deadlineMs: number, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, deadlineMs }, `${signal}: shutting down`);
    setTimeout(() => {
      log.error({ deadlineMs }, `did not stop within ${deadlineMs} ms; exiting`);
      process.exit(1);
    }, deadlineMs).unref();
    stop().then(
      () => {
        log.info({}, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** `--metrics-port`: GET /metrics on a port of its own (the token too, when one is set). */
function metricsPort(werkflow: Werkflow, opts: { metricsPort?: number; metricsHost: string }) {
  if (opts.metricsPort === undefined) return Promise.resolve(null);
  return startMetricsServer(werkflow, {
    port: opts.metricsPort,
    host: opts.metricsHost,
    token: process.env.WERKFLOW_METRICS_TOKEN || null,
  });
}

const shutdownOption = () =>
  new Option('--shutdown-timeout <ms>', 'how long a stop (SIGTERM/SIGINT) may take before exiting')
    .argParser(positiveInt)
    .env('WERKFLOW_SHUTDOWN_TIMEOUT')
    .default(25_000);

/**
 * Sandbox mode: the server runs on a fresh copy of the SQLite database with a clock an
 * administrator moves forward, so workflows can be watched over the coming days without
 * touching the real database or sending real mail to real people.
 */
async function openSandbox(opts: { dataDir: string; preset?: string }, log: Logger): Promise<Werkflow> {
  const url = databaseUrl(opts.dataDir);
  if (isPostgresUrl(url)) {
    throw new WerkflowError(
      'configuration',
      'Sandbox mode copies a SQLite database. With PostgreSQL, restore a copy of your database and point DATABASE_URL at it, then start with --sandbox.',
    );
  }
  const copy = join(resolve(opts.dataDir), 'sandbox', 'werkflow.db');
  if (sqliteFileExists(url)) copySqliteDatabase(url, copy);
  log.info({}, `Sandbox: working on a copy of ${url} at ${copy}.`);
  return Werkflow.open({
    url: copy,
    preset: opts.preset,
    clock: new SandboxClock(),
    email: emailOptions(opts.dataDir),
    logger: log,
  });
}

function startScheduler(werkflow: Werkflow): void {
  // With SQLite one process owns the database, so actions left running by a crash are ours to retry.
  werkflow.scheduler.start({ recoverAll: werkflow.store.adapter.name === 'sqlite' });
  // The daily digest goes out from the processes that execute actions (once a day in all).
  werkflow.digest.start();
}

async function seed(werkflow: Werkflow, count: number): Promise<void> {
  const bar = progressReporter('Seeding demo data');
  const report = await seedDemo(werkflow, { count, onProgress: (p) => bar.update(p.done, p.total) });
  bar.stop();
  const parts = Object.entries(report.byType).map(([t, n]) => `${n} ${t}`);
  console.log(`Seeded ${report.users} users and ${report.dossiers} dossiers: ${parts.join(', ')}.`);
}

/**
 * Who can log in: in demo mode a demo administrator with a fresh printed password; otherwise a
 * hint when there is no administrator yet. Reset links are printed while no mailbox sends them.
 */
async function announceLogin(
  werkflow: Werkflow,
  demo: boolean,
  publicUrl: string,
  log: Logger,
): Promise<void> {
  werkflow.auth.reset.onPasswordResetRequested(({ user, token }) => {
    log.info(
      {},
      `Password reset requested for ${user.email}: ${passwordResetLink(publicUrl, token)} (valid for an hour; printed here because no mailbox sends it yet).`,
    );
  });
  if (demo) {
    const login = await werkflow.auth.users.ensureDemoAdministrator();
    log.info(
      {},
      `Demo login: ${login.email} / ${login.password} (administrator; a new password at every start).`,
    );
  } else if (!(await werkflow.auth.users.hasAdministrator())) {
    log.info(
      {},
      'No administrator yet: create one with `werkflow user create --admin --email you@example.nl --name "Your Name"`.',
    );
  }
}

program
  .command('serve')
  .description('Start the HTTP API (and, with --demo, demo data and a local mail viewer)')
  .addOption(
    new Option('--port <port>', 'port to listen on (env PORT)').argParser(portNumber).default(defaultPort()),
  )
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .addOption(dataDirOption())
  .addOption(presetOption())
  .option('--demo', 'seed demo data into an empty database', false)
  .option(
    '--sandbox',
    'run on a copy of the database with a clock you move forward (werkflow clock advance 3d)',
    false,
  )
  .option('--no-scheduler', 'do not execute due actions in this process (run `werkflow worker` instead)')
  .addOption(
    new Option('--metrics-port <port>', 'serve GET /metrics on this port too, without the API')
      .argParser(portNumber)
      .env('WERKFLOW_METRICS_PORT'),
  )
  .option('--metrics-host <host>', 'address of the metrics port', '127.0.0.1')
  .addOption(shutdownOption())
  .addOption(
    new Option('--count <n>', 'how many demo contacts or participants').argParser(positiveInt).default(200),
  )
  .action(
    async (opts: {
      port: number;
      host: string;
      dataDir: string;
      preset: string;
      demo: boolean;
      sandbox: boolean;
      scheduler: boolean;
      count: number;
      metricsPort?: number;
      metricsHost: string;
      shutdownTimeout: number;
    }) => {
      const log = await createLogger();
      const werkflow = opts.sandbox ? await openSandbox(opts, log) : await openWerkflow(opts, log);
      // Demo data goes into an empty database only: a restart must not undo what someone changed.
      if (opts.demo && (await werkflow.dossiers.dossiers.countAll()) === 0) {
        await seed(werkflow, opts.count);
      }
      const metricsToken = process.env.WERKFLOW_METRICS_TOKEN || null;
      const app = await buildServer(werkflow, { logger: log, metricsToken });
      const address = await app.listen({ port: opts.port, host: opts.host });
      const metrics = await metricsPort(werkflow, opts);
      if (metrics) log.info({ address: metrics.address }, `Metrics: ${metrics.address}/metrics`);
      log.info(
        {},
        `Werkflow is running on ${address} — open it in your browser (database: ${werkflow.store.description}).`,
      );
      log.info({}, `API docs: ${address}/api/docs`);
      await announceLogin(werkflow, opts.demo, process.env.WERKFLOW_PUBLIC_URL ?? address, log);
      if (opts.sandbox) {
        log.info(
          {},
          'Sandbox mode: a copy of your database and a clock you move with `werkflow clock advance 3d`.',
        );
      }
      werkflow.publicUrl = process.env.WERKFLOW_PUBLIC_URL ?? address;
      if (opts.scheduler) startScheduler(werkflow);
      if (opts.demo || opts.sandbox) await startMailViewer(werkflow, address, log);
      if (opts.scheduler) await werkflow.email.outbox.startMailer();
      stopOnSignal(log, opts.shutdownTimeout, async () => {
        // No new requests and no new claims; the requests and the batch in hand finish.
        await Promise.all([app.close(), werkflow.scheduler.stop()]);
        await new Promise((r) => (metrics ? metrics.server.close(r) : r(undefined)));
        await werkflow.close();
      });
    },
  );

program
  .command('worker')
  .description('Execute due actions (PostgreSQL: run several on several machines; they share the work)')
  .addOption(dataDirOption())
  .option('--once', 'run what is due now, then exit', false)
  .addOption(
    new Option('--metrics-port <port>', 'serve GET /metrics on this port')
      .argParser(portNumber)
      .env('WERKFLOW_METRICS_PORT'),
  )
  .option('--metrics-host <host>', 'address of the metrics port', '127.0.0.1')
  .addOption(shutdownOption())
  .action(
    async (opts: {
      dataDir: string;
      once: boolean;
      metricsPort?: number;
      metricsHost: string;
      shutdownTimeout: number;
    }) => {
      const log = opts.once ? undefined : await createLogger();
      const werkflow = await openWerkflow(opts, log);
      if (opts.once) {
        const r = await werkflow.scheduler.tick();
        console.log(
          `Executed ${r.executed} actions; ${r.markedDue} became due for a person; ${r.expired} expired; ${r.swept} recovered from a stopped worker.`,
        );
        const digest = await werkflow.digest.runDue();
        if (digest && digest.sent.length > 0)
          console.log(`Daily digest of ${digest.day}: ${digest.sent.length} e-mails queued.`);
        const inDoubt = await werkflow.email.outbox.mailer.sweep();
        const mail = await werkflow.email.outbox.mailer.runUntilIdle();
        console.log(
          `Mail: ${mail.sent} sent, ${mail.retried} to retry, ${mail.failed} failed${inDoubt > 0 ? `, ${inDoubt} marked in doubt` : ''}.`,
        );
        await werkflow.close();
        return;
      }
      startScheduler(werkflow);
      await werkflow.email.outbox.startMailer();
      const metrics = await metricsPort(werkflow, opts);
      log!.info(
        {
          workerId: werkflow.scheduler.workerId,
          database: werkflow.store.description,
          metrics: metrics?.address,
        },
        `Worker ${werkflow.scheduler.workerId} is running on ${werkflow.store.description}. Stop with Ctrl+C.`,
      );
      stopOnSignal(log!, opts.shutdownTimeout, async () => {
        await new Promise((r) => (metrics ? metrics.server.close(r) : r(undefined)));
        await werkflow.close();
      });
    },
  );

program
  .command('clock')
  .description('Move the clock of a server in sandbox mode')
  .command('advance <duration>')
  .description('Move the sandbox clock forward, e.g. 3d, 12h, 1w, and run what falls due')
  .option('--url <url>', 'the sandbox server', `http://127.0.0.1:${defaultPort()}`)
  .option(
    '--token <token>',
    'an API token with the workflows.automatic right (env WERKFLOW_TOKEN)',
    process.env.WERKFLOW_TOKEN,
  )
  .action(async (duration: string, opts: { url: string; token?: string }) => {
    parseDuration(duration); // fail early, with the same message as the server
    if (!opts.token)
      throw new WerkflowError(
        'unauthenticated',
        'Give an API token with --token or WERKFLOW_TOKEN (create one under /api/tokens).',
      );
    const response = await fetch(`${opts.url}/api/sandbox/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.token}` },
      body: JSON.stringify({ duration }),
    }).catch((error: unknown) => {
      throw new WerkflowError(
        'configuration',
        `No sandbox server answers at ${opts.url} (${(error as Error).message}). Start one with \`werkflow serve --sandbox\`.`,
      );
    });
    const body = (await response.json()) as { now?: string; executed?: number; error?: { message: string } };
    if (!response.ok)
      throw new WerkflowError(
        'invalid_state',
        body.error?.message ?? `The server answered ${response.status}.`,
      );
    console.log(`The sandbox clock is now ${body.now}; ${body.executed} actions were executed.`);
  });

program
  .command('simulate <templateId>')
  .description('Show which dossiers a template would stamp now, with due times; writes nothing')
  .addOption(dataDirOption())
  .option('--limit <n>', 'at most this many dossiers', '20')
  .action(async (templateId: string, opts: { dataDir: string; limit: string }) => {
    const werkflow = await openWerkflow(opts);
    try {
      const r = await werkflow.templates.simulate(templateId, { limit: Number(opts.limit) });
      console.log(`${r.total} dossier(s) would get an action:`);
      for (const item of r.items) {
        console.log(
          `- ${item.dossier.type} ${item.dossier.id}: due ${item.dueAt === null ? 'never (no date)' : new Date(item.dueAt).toISOString()}`,
        );
      }
    } finally {
      await werkflow.close();
    }
  });

program
  .command('migrate')
  .description('Bring the database schema up to date (also done at every start)')
  .addOption(dataDirOption())
  .action(async (opts: { dataDir: string }) => {
    const werkflow = await openWerkflow(opts);
    const m = werkflow.migration;
    console.log(
      m.applied.length === 0
        ? `Schema is up to date (version ${m.to}).`
        : `Migrated from version ${m.from} to ${m.to}: ${m.applied.join(', ')}.`,
    );
    await werkflow.close();
  });

program
  .command('seed')
  .description('Fill the database with demo data of the installed preset (Dutch names and addresses)')
  .addOption(dataDirOption())
  .addOption(presetOption())
  .addOption(
    new Option('--count <n>', 'how many demo contacts or participants').argParser(positiveInt).default(200),
  )
  .action(async (opts: { dataDir: string; preset: string; count: number }) => {
    const werkflow = await openWerkflow(opts);
    try {
      await seed(werkflow, opts.count);
    } finally {
      await werkflow.close();
    }
  });

const user = program.command('user').description('Users and their log-in: create one, reset a password');

user
  .command('create')
  .description('Create a user (the first administrator: `werkflow user create --admin`)')
  .addOption(dataDirOption())
  .requiredOption('--email <email>', 'e-mail address (the log-in name)')
  .requiredOption('--name <name>', 'full name')
  .option('--admin', 'make the user an administrator (same as --role administrator)', false)
  .addOption(new Option('--role <role>', 'the role to give').choices([...ROLES]).default('staff'))
  .option(
    '--password <password>',
    'the password (at least 12 characters); without it one is generated and printed',
  )
  .option('--phone <phone>', 'phone number')
  .option('--job-title <title>', 'function, e.g. Energiecoach')
  .action(
    async (opts: {
      dataDir: string;
      email: string;
      name: string;
      admin: boolean;
      role: string;
      password?: string;
      phone?: string;
      jobTitle?: string;
    }) => {
      const werkflow = await openWerkflow(opts);
      try {
        const password = opts.password ?? generatePassword();
        const created = await werkflow.auth.users.createUser(
          {
            name: opts.name,
            email: opts.email,
            phone: opts.phone ?? null,
            jobTitle: opts.jobTitle ?? null,
            roles: [opts.admin ? 'administrator' : opts.role],
            password,
          },
          'cli',
        );
        console.log(`Created ${created.name} <${created.email}> with role ${created.roles.join(', ')}.`);
        if (opts.password === undefined)
          console.log(`Password: ${password}  (shown once; change it after logging in)`);
      } finally {
        await werkflow.close();
      }
    },
  );

user
  .command('reset-password')
  .description('Print a one-time link (and token) to set a new password; using it also lifts a lock')
  .addOption(dataDirOption())
  .requiredOption('--email <email>', "the user's e-mail address")
  .option(
    '--url <url>',
    'where people reach Werkflow (env WERKFLOW_PUBLIC_URL)',
    process.env.WERKFLOW_PUBLIC_URL,
  )
  .action(async (opts: { dataDir: string; email: string; url?: string }) => {
    const werkflow = await openWerkflow(opts);
    try {
      const found = await werkflow.auth.users.getUserByEmail(opts.email);
      if (!found) throw new WerkflowError('not_found', `There is no user with e-mail address ${opts.email}.`);
      const { token, expiresAt } = await werkflow.auth.reset.issuePasswordReset(
        found.id,
        'cli',
        24 * 3_600_000,
      );
      const base = opts.url ?? `http://localhost:${defaultPort()}`;
      console.log(
        `Reset link for ${found.name} <${found.email}>, valid until ${new Date(expiresAt).toISOString()}:`,
      );
      console.log(passwordResetLink(base, token));
      console.log(`Token (for POST /api/auth/password-reset/confirm): ${token}`);
    } finally {
      await werkflow.close();
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof WerkflowError) {
    console.error(`werkflow: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

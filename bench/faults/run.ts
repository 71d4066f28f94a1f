/**
 * The fault suite (`npm run faults`; docs/operations.md, "Fault suite"): the faults of issue 14 at
 * full size, on SQLite and — with WERKFLOW_TEST_PG_URL or DATABASE_URL set to a PostgreSQL URL —
 * on PostgreSQL (a schema of its own per scenario), with figures printed. `--quick` runs the sizes
 * the tests use. Scenarios: bench/faults/scenarios.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type FreshDatabase,
  dropAfterData,
  mailKills,
  pausedWorker,
  postgresStop,
  smtpOutage,
  terminateBackends,
  webhookKills,
  webhookThroughput,
} from './scenarios.js';
import { PrivatePostgres, findPostgresBinaries } from '../../test/support/private-postgres.js';

const quick = process.argv.includes('--quick');
const pgUrl =
  process.env.WERKFLOW_TEST_PG_URL ??
  (process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined);
const root = mkdtempSync(join(process.env.WERKFLOW_FAULTS_DIR ?? tmpdir(), 'werkflow-faults-'));

const databases: { name: string; fresh: FreshDatabase }[] = [
  { name: 'sqlite', fresh: () => ({ url: join(mkdtempSync(join(root, 'db-')), 'werkflow.db') }) },
];
if (pgUrl) {
  databases.push({
    name: 'postgres',
    fresh: () => ({
      url: pgUrl,
      schema: `faults_${process.pid}_${randomBytes(4).toString('hex')}`,
      poolSize: 4,
    }),
  });
}

const size = quick
  ? { actions: 300, messages: 120, kills: 3, downMs: 3_000 }
  : { actions: 20_000, messages: 2_000, kills: 10, downMs: 30_000 };

const round = (x: unknown): string =>
  x === null
    ? '—'
    : typeof x === 'number'
      ? Number.isInteger(x)
        ? String(x)
        : x.toFixed(2)
      : typeof x === 'object'
        ? `{${Object.entries(x)
            .map(([k, v]) => `${k}:${round(v)}`)
            .join(',')}}`
        : String(x);
function print(db: string, scenario: string, figures: object): void {
  const parts = Object.entries(figures).map(([k, v]) => `${k}=${round(v)}`);
  console.log(`${db.padEnd(8)} ${scenario.padEnd(22)} ${parts.join('  ')}`);
}

console.log(`Werkflow fault suite (${quick ? 'quick' : 'full'}); data in ${root}`);
for (const { name, fresh } of databases) {
  print(
    name,
    'webhook throughput',
    await webhookThroughput(fresh, { actions: Math.min(size.actions, 5_000) }),
  );
  print(
    name,
    'webhook kill -9',
    await webhookKills(fresh, { actions: size.actions, kills: size.kills, workers: 3, leaseMs: 5_000 }),
  );
  print(
    name,
    'mail kill -9',
    await mailKills(fresh, { messages: size.messages, kills: size.kills, connections: 5, leaseMs: 5_000 }),
  );
  print(
    name,
    'SMTP down/up',
    await smtpOutage(fresh, { messages: Math.min(size.messages, 300), downMs: size.downMs, connections: 5 }),
  );
  print(
    name,
    'SMTP drop after DATA',
    await dropAfterData(fresh, { messages: size.messages, every: 50, connections: 5 }),
  );
  if (name === 'postgres') {
    print(
      name,
      'worker SIGSTOP',
      await pausedWorker(fresh, { actions: Math.min(size.actions, 2_000), leaseMs: 10_000 }),
    );
    print(
      name,
      'pg_terminate_backend',
      await terminateBackends(fresh, {
        actions: size.actions,
        terminations: size.kills,
        workers: 3,
        leaseMs: 5_000,
      }),
    );
    await postgresCrash();
  }
}

/** PostgreSQL really stopped (`pg_ctl stop -m immediate`): a private cluster, removed afterwards. */
async function postgresCrash(): Promise<void> {
  const binaries = findPostgresBinaries();
  if ('missing' in binaries) {
    console.log(`postgres PostgreSQL crashed       skipped: ${binaries.missing}`);
    return;
  }
  // In the system's temporary directory: the suite's own is private to this user, and as root the
  // server runs as the OS user postgres, who must reach its directory.
  const cluster = await PrivatePostgres.create(binaries);
  try {
    const { log: _log, ...figures } = await postgresStop(cluster, {
      webhooks: quick ? 40 : 2_000,
      mails: quick ? 10 : 200,
      downMs: quick ? 10_000 : 30_000,
    });
    print('postgres', 'PostgreSQL crashed', figures);
  } finally {
    await cluster.destroy();
  }
}

import { Command, InvalidArgumentError, Option } from 'commander';
import { WerkflowError } from '../domain/errors.js';
import { DEFAULT_PRESET, PRESETS } from '../domain/presets/index.js';
import { Werkflow } from '../engine/werkflow.js';
import { buildServer } from '../api/server.js';
import { databaseUrl, defaultDataDir, defaultPort } from './config.js';
import { progressReporter } from './progress.js';

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

async function openWerkflow(opts: { dataDir: string; preset?: string }): Promise<Werkflow> {
  return Werkflow.open({ url: databaseUrl(opts.dataDir), preset: opts.preset });
}

async function seed(werkflow: Werkflow, count: number): Promise<void> {
  const bar = progressReporter('Seeding demo data');
  const report = await werkflow.seedDemo({ count, onProgress: (p) => bar.update(p.done, p.total) });
  bar.stop();
  const parts = Object.entries(report.byType).map(([t, n]) => `${n} ${t}`);
  console.log(`Seeded ${report.users} users and ${report.dossiers} dossiers: ${parts.join(', ')}.`);
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
      count: number;
    }) => {
      const werkflow = await openWerkflow(opts);
      if (
        opts.demo &&
        (await werkflow.dossiers.dossiers.count(werkflow.catalog.all()[0]?.key ?? 'contact')) === 0
      ) {
        await seed(werkflow, opts.count);
      }
      const app = await buildServer(werkflow, { logger: false });
      const address = await app.listen({ port: opts.port, host: opts.host });
      console.log(`Werkflow is running on ${address} (database: ${werkflow.store.description}).`);
      console.log(`API docs: ${address}/api/docs`);
      const stop = async () => {
        await app.close();
        await werkflow.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
  );

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

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof WerkflowError) {
    console.error(`werkflow: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openStore, type StoreConfig } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { BACKENDS } from '../support/backends.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `werkflow …args` as a user would (`node bin/werkflow.js`), without inherited database settings. */
function werkflow(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = { ...process.env };
  for (const key of ['DATABASE_URL', 'WERKFLOW_DATA_DIR', 'PORT']) delete base[key];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/werkflow.js'), ...args], {
      cwd: root,
      // The sources under test, not a dist/ an earlier build left behind.
      env: { ...base, WERKFLOW_FROM_SOURCE: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The subcommands `werkflow --help` lists, without commander's own `help`. */
function commandsIn(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}

describe('werkflow --help', () => {
  let main: Run;
  beforeAll(async () => {
    main = await werkflow(['--help']);
  });

  it('says what Werkflow is, lists its commands and how to choose the database', () => {
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(/^Usage: werkflow /);
    expect(main.stdout).toMatch(/workflow and action engine for CRM dossiers/i);
    expect(commandsIn(main.stdout)).toEqual(expect.arrayContaining(['serve', 'migrate', 'seed']));
    expect(main.stdout).toContain('DATABASE_URL');
  });

  it('every subcommand’s --help explains the command and each of its options', async () => {
    const commands = commandsIn(main.stdout);
    const runs = await Promise.all(commands.map((c) => werkflow([c, '--help'])));
    commands.forEach((command, i) => {
      const { code, stdout } = runs[i]!;
      expect(code, command).toBe(0);
      expect(stdout, command).toMatch(new RegExp(`^Usage: werkflow ${command}\\b`));
      const description = stdout.split('\n')[2] ?? '';
      expect(description.trim().length, `${command} has a description`).toBeGreaterThan(15);
      const options = stdout.split(/^Options:$/m)[1] ?? '';
      for (const line of options.split('\n').filter((l) => /^ {2}-/.test(l))) {
        // Flags, then at least two spaces, then what the option does.
        expect(line, `${command}: ${line}`).toMatch(/^ {2}-\S.*? {2,}\S{2,}/);
      }
    });
    const help = Object.fromEntries(commands.map((c, i) => [c, runs[i]!.stdout]));
    for (const option of [
      '--port',
      '--data-dir',
      '--preset',
      'PORT',
      'energy-cooperative',
      'training-institute',
    ])
      expect(help.serve).toContain(option);
    for (const option of ['--count', '--data-dir', '--preset']) expect(help.seed).toContain(option);
    expect(help.migrate).toContain('--data-dir');
  });

  it('refuses bad arguments with a sentence, not a stack trace', async () => {
    const [count, port, unknown] = await Promise.all([
      werkflow(['seed', '--count', 'lots', '--data-dir', mkdtempSync(join(tmpdir(), 'werkflow-cli-'))]),
      werkflow(['serve', '--port', '70000']),
      werkflow(['sede']),
    ]);
    expect(count.code).not.toBe(0);
    expect(count.stderr).toContain('"lots" is not a whole number');
    expect(port.code).not.toBe(0);
    expect(port.stderr).toContain('above 65535');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown command 'sede'[\s\S]*seed/);
    for (const run of [count, port, unknown]) expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});

describe.each(BACKENDS)('werkflow seed and migrate on $name', (backend) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'werkflow-cli-'));
  let env: Record<string, string> = {};
  let store: StoreConfig;

  beforeAll(async () => {
    if (backend.name === 'postgres') {
      const url = process.env.WERKFLOW_TEST_PG_URL!;
      // A schema of its own (wft_…: dropped by the next run's global setup), chosen through the URL.
      const schema = `wft_cli_${process.pid}_${randomBytes(3).toString('hex')}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`create schema ${schema}`);
      await client.end();
      const separator = url.includes('?') ? '&' : '?';
      env = { DATABASE_URL: `${url}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}` };
      store = { url, schema };
    } else {
      store = { url: join(dataDir, 'werkflow.db') };
    }
  });

  async function countDossiers(): Promise<{ dossiers: number; users: number }> {
    const s = await openStore(store);
    try {
      const d = await s.db
        .selectFrom('dossiers')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      const u = await s.db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      return { dossiers: Number(d.n), users: Number(u.n) };
    } finally {
      await s.close();
    }
  }

  let seeded = 0;
  const seedIt = it;

  it('migrate on an empty database applies every migration and says so', async () => {
    const run = await werkflow(['migrate', '--data-dir', dataDir], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(
      `Migrated from version 0 to ${MIGRATIONS.length}: ${MIGRATIONS.map((m) => m.name).join(', ')}.`,
    );
  });

  seedIt('seed --count 20 installs the preset, reports what it wrote, and shows progress', async () => {
    const run = await werkflow(['seed', '--count', '20', '--data-dir', dataDir], env);
    expect(run.code, run.stderr).toBe(0);
    const m = /^Seeded (\d+) users and (\d+) dossiers: (.+)\.$/m.exec(run.stdout);
    expect(m, run.stdout).not.toBeNull();
    const [users, dossiers, parts] = [Number(m![1]), Number(m![2]), m![3]!];
    expect(users).toBeGreaterThan(0);
    expect(dossiers).toBeGreaterThan(20);
    // "35 contact, 12 intake, …": the parts add up to the total, and 20 demo contacts are among them.
    const byType = Object.fromEntries(
      parts.split(', ').map((p) => {
        const [n, type] = p.split(' ');
        return [type!, Number(n)];
      }),
    );
    expect(Object.values(byType).reduce((a, b) => a + b, 0)).toBe(dossiers);
    expect(byType.contact).toBeGreaterThanOrEqual(20);
    // Not a terminal: progress comes as lines on stderr, ending at 100%.
    expect(run.stderr).toMatch(/Seeding demo data: (\d+)\/\1 \(100%\)/);
    expect(await countDossiers()).toEqual({ dossiers, users });
    seeded = dossiers;
  });

  it('migrate afterwards finds the schema up to date', async () => {
    const run = await werkflow(['migrate', '--data-dir', dataDir], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(`Schema is up to date (version ${MIGRATIONS.length}).`);
  });

  seedIt('seeding again updates the same demo dossiers instead of adding more', async () => {
    expect(seeded).toBeGreaterThan(0);
    const run = await werkflow(['seed', '--count', '20', '--data-dir', dataDir], env);
    expect(run.code, run.stderr).toBe(0);
    expect((await countDossiers()).dossiers).toBe(seeded);
  });
});

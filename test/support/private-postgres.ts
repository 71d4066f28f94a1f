/**
 * A PostgreSQL cluster of the test's own (initdb + pg_ctl in a temporary directory), which a
 * test may crash and restart without disturbing the machine's shared server: the fault suite's
 * real PostgreSQL outage (`pg_ctl stop -m immediate`, then start again).
 *
 * - The binaries: WERKFLOW_PG_BIN (a directory with initdb and pg_ctl), else the newest
 *   /usr/lib/postgresql/<version>/bin (Debian, Ubuntu), else initdb and pg_ctl on the PATH.
 * - As root, initdb refuses to run: the commands run as the `postgres` OS user (runuser, else su)
 *   and the directory is given to that user.
 * - The port: the first free one of WERKFLOW_TEST_PG_PORTS (`4650-4659`) when set, else one the
 *   operating system picks. The server listens on 127.0.0.1 and on a socket in its directory.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

/** Where initdb and pg_ctl are, or why the cluster cannot be made here. */
export type PostgresBinaries =
  { readonly bin: string; readonly runAs: RunAs | null } | { readonly missing: string };

/** Running as root: the OS user the server runs as, and how to become it. */
interface RunAs {
  readonly user: string;
  readonly uid: number;
  readonly gid: number;
  readonly via: 'runuser' | 'su';
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function binDir(): string | null {
  const has = (dir: string) => executable(join(dir, 'initdb')) && executable(join(dir, 'pg_ctl'));
  const given = process.env.WERKFLOW_PG_BIN;
  if (given) return has(given) ? given : null;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(join(debian, v, 'bin'))) return join(debian, v, 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && has(dir)) return dir;
  return null;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin')
    .split(delimiter)
    .some((dir) => dir && executable(join(dir, command)));
}

/** Finds initdb and pg_ctl, and (as root) the OS user to run them as. */
export function findPostgresBinaries(): PostgresBinaries {
  const bin = binDir();
  if (!bin) {
    return {
      missing:
        'initdb and pg_ctl were not found (not in WERKFLOW_PG_BIN, /usr/lib/postgresql/*/bin or on the PATH)',
    };
  }
  if (process.getuid?.() !== 0) return { bin, runAs: null };
  const user = process.env.WERKFLOW_PG_OS_USER ?? 'postgres';
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  } catch {
    return { missing: `running as root, and there is no OS user "${user}" to run initdb as` };
  }
  const via = onPath('runuser') ? 'runuser' : onPath('su') ? 'su' : null;
  if (!via) return { missing: `running as root, and neither runuser nor su is there to become "${user}"` };
  return { bin, runAs: { user, uid, gid, via } };
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Runs a PostgreSQL program, as the server's OS user when we are root; rejects with its output. */
function run(
  binaries: { bin: string; runAs: RunAs | null },
  program: string,
  args: string[],
): Promise<string> {
  const path = join(binaries.bin, program);
  const { runAs } = binaries;
  const [file, argv] = !runAs
    ? [path, args]
    : runAs.via === 'runuser'
      ? ['runuser', ['-u', runAs.user, '--', path, ...args]]
      : ['su', [runAs.user, '-s', '/bin/sh', '-c', [path, ...args].map(quote).join(' ')]];
  return new Promise((resolve, reject) => {
    // Asynchronous: the test's own servers (webhook receiver, SMTP sink) keep answering meanwhile.
    execFile(file, argv, { encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${program} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function osPickedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const a = probe.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Candidate ports, in order: those of WERKFLOW_TEST_PG_PORTS (`4650-4659` or `4650,4652`) that
 * are free now, else ports the OS picks. Exported for other helpers of the test (a metrics port).
 */
export async function* freePorts(): AsyncGenerator<number> {
  const range = process.env.WERKFLOW_TEST_PG_PORTS?.trim();
  if (range) {
    const ports = range.split(',').flatMap((part) => {
      const [from, to = from] = part.split('-').map((s) => Number(s.trim()));
      return Array.from({ length: Math.max(0, to! - from! + 1) }, (_, i) => from! + i);
    });
    for (const port of ports) if (await portIsFree(port)) yield port;
    return;
  }
  for (;;) yield await osPickedPort();
}

/** A private PostgreSQL cluster; `destroy()` stops it and removes its directory. */
export class PrivatePostgres {
  private running = false;

  private constructor(
    private readonly binaries: { bin: string; runAs: RunAs | null },
    /** The temporary directory: data/, server.log and the server's socket. */
    readonly dir: string,
    readonly port: number,
  ) {}

  /** Superuser `postgres`, trust authentication, database `postgres`. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private databases = 0;

  /** A new, empty database on the cluster (so scenarios sharing it do not see each other); its URL. */
  async createDatabase(): Promise<string> {
    const name = `werkflow_${++this.databases}`;
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(`create database ${name}`);
    } finally {
      await client.end();
    }
    return this.url.replace(/\/postgres$/, `/${name}`);
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get logFile(): string {
    return join(this.dir, 'server.log');
  }

  /**
   * initdb in a new temporary directory (`prefix` + random), then starts the server on a free
   * port. On failure the directory is removed again.
   */
  static async create(
    binaries: { bin: string; runAs: RunAs | null },
    prefix = join(tmpdir(), 'werkflow-pg-'),
  ): Promise<PrivatePostgres> {
    const dir = mkdtempSync(prefix);
    if (binaries.runAs) {
      chownSync(dir, binaries.runAs.uid, binaries.runAs.gid);
      chmodSync(dir, 0o700);
    }
    const cluster = new PrivatePostgres(binaries, dir, 0);
    try {
      // --no-sync: a test cluster need not survive a power cut, only a crashed server.
      await run(binaries, 'initdb', [
        '-D',
        cluster.dataDir,
        '-U',
        'postgres',
        '--auth=trust',
        '--encoding=UTF8',
        '--no-sync',
      ]);
      for (let attempt = 0; ; attempt++) {
        const port = (await freePorts().next()).value;
        if (port === undefined)
          throw new Error(`no free port in WERKFLOW_TEST_PG_PORTS=${process.env.WERKFLOW_TEST_PG_PORTS}`);
        const started = new PrivatePostgres(binaries, dir, port);
        try {
          await started.start();
          return started;
        } catch (error) {
          // Someone took the port between the check and the start: another one.
          if (attempt >= 4) throw error;
        }
      }
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
  }

  /** Starts the server and waits until it accepts connections (after crash recovery, if any). */
  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      `-k ${this.dir}`,
      '-c listen_addresses=127.0.0.1',
      // The kernel keeps what was written when the server process dies; fsync only matters for
      // the machine going down, which these tests do not do.
      '-c fsync=off',
    ].join(' ');
    await run(this.binaries, 'pg_ctl', [
      '-D',
      this.dataDir,
      '-o',
      options,
      '-l',
      this.logFile,
      '-w',
      '-t',
      '90',
      'start',
    ]);
    this.running = true;
  }

  /** `immediate`: a crash (every server process ends at once; recovery at the next start). */
  async stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    await run(this.binaries, 'pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '90', 'stop']);
    this.running = false;
  }

  /** Stops the server if it may be running, and removes the directory; never throws. */
  async destroy(): Promise<void> {
    if (existsSync(join(this.dataDir, 'postmaster.pid'))) {
      await this.stop('immediate').catch(() => {});
    }
    this.running = false;
    rmSync(this.dir, { recursive: true, force: true });
  }

  get isRunning(): boolean {
    return this.running;
  }
}

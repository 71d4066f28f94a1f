import pg from 'pg';

/**
 * Runs once before the suite. Each test database gets its own PostgreSQL schema (wft_…); they are
 * kept after the run so a failing test leaves its data to inspect, and dropped here at the start
 * of the next run.
 */
export default async function setup(): Promise<void> {
  const url = process.env.WERKFLOW_TEST_PG_URL;
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>(
      `select nspname from pg_namespace where nspname like 'wft\\_%'`,
    );
    for (const { nspname } of rows) {
      // Schemas are named wft_<pid>_<random>: keep those of a test process still running
      // (another run of the suite on this machine), drop the rest.
      const pid = Number(/^wft_(\d+)_/.exec(nspname)?.[1]);
      if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) continue;
      await client.query(`drop schema if exists ${nspname} cascade`);
    }
  } finally {
    await client.end();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

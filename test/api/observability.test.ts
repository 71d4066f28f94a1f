/**
 * What an operator sees: liveness and readiness, the Prometheus series, request logs with a
 * request id, and a background loop's errors and recovery in the log and the metrics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { sql } from 'kysely';
import { buildServer } from '../../src/api/server.js';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import { Werkflow } from '../../src/engine/werkflow.js';
import { BACKENDS, TestClock } from '../support/backends.js';

const DAY = 86_400_000;

/** A real pino logger writing JSON lines into an array. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(BACKENDS)('operations endpoints and logs on $name', (backend) => {
  const open: Werkflow[] = [];
  afterEach(async () => {
    for (const w of open.splice(0)) await w.close().catch(() => {});
  });

  async function werkflowWith(extra: { logger?: pino.Logger; maxSleepMs?: number } = {}) {
    const clock = new TestClock('2026-11-23T10:00:00+01:00');
    const w = await Werkflow.open({
      ...backend.fresh(),
      preset: 'energy-cooperative',
      clock,
      logger: extra.logger,
      scheduler: extra.maxSleepMs ? { maxSleepMs: extra.maxSleepMs } : {},
    });
    open.push(w);
    return { w, clock };
  }

  /** One automatic action that is due now. */
  async function dueAction(w: Werkflow, clock: TestClock) {
    const template = await w.templates.create(
      {
        name: 'Notitie na aanmaken',
        dossierType: 'measureCategory',
        event: { type: 'created' },
        timing: { anchor: { type: 'event' }, offset: 1, unit: 'days' },
        effect: { type: 'setField', field: 'name', value: 'Isolatie (gezien)' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    await w.dossiers.create('measureCategory', { data: { name: 'Isolatie' } }, null);
    clock.advance(DAY + 90_000); // 90 s late
    return template;
  }

  it('health answers without the database; ready checks it and says why it is not ready', async () => {
    const { w } = await werkflowWith();
    const app = await buildServer(w);
    const health = await app.inject({ method: 'GET', url: '/api/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({
      status: 'ok',
      database: backend.name,
      schemaVersion: w.migration.to,
    });
    const ready = await app.inject({ method: 'GET', url: '/api/ready' });
    expect(ready.statusCode, ready.body).toBe(200);
    expect(ready.json()).toEqual({
      ready: true,
      checks: {
        database: { ok: true },
        migrations: { ok: true, current: w.migration.to, expected: w.migration.to },
        scheduler: { ok: true, state: 'not_started', failing: false },
      },
    });
    // The database goes away: liveness still answers, readiness says 503 and why.
    await w.store.close();
    expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    const gone = await app.inject({ method: 'GET', url: '/api/ready' });
    expect(gone.statusCode).toBe(503);
    expect(gone.json()).toMatchObject({ ready: false, checks: { database: { ok: false } } });
    expect(gone.json().checks.database.error).toEqual(expect.any(String));
    await app.close();
    open.splice(open.indexOf(w), 1);
  });

  it('/metrics is off without a token, needs the token, and shows the series', async () => {
    const { w, clock } = await werkflowWith();
    const template = await dueAction(w, clock);
    expect((await w.scheduler.tick()).executed).toBe(1);

    const off = await buildServer(w);
    const refused = await off.inject({ method: 'GET', url: '/metrics' });
    expect(refused.statusCode).toBe(404);
    expect(refused.json()).toMatchObject({ error: { code: 'not_found' } });
    await off.close();

    const app = await buildServer(w, { metricsToken: 's3cret-metrics' });
    const none = await app.inject({ method: 'GET', url: '/metrics' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    const wrong = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer s3cret-metricz' },
    });
    expect(wrong.statusCode).toBe(401);
    const res = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer s3cret-metrics' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toContain(`werkflow_actions{template="${template.id}",status="done"} 1`);
    expect(text).toContain('werkflow_scheduler_batch_size_sum 1');
    expect(text).toMatch(/^werkflow_scheduler_claim_duration_seconds_count 1$/m);
    expect(text).toMatch(/^werkflow_scheduler_execute_duration_seconds_count 1$/m);
    // Claimed 90 s after its due time: in the 300 s bucket, not in the 60 s one.
    expect(text).toContain('werkflow_action_lateness_seconds_bucket{le="60"} 0');
    expect(text).toContain('werkflow_action_lateness_seconds_bucket{le="300"} 1');
    expect(text).toContain('werkflow_loop_healthy{loop="scheduler"} 1');
    expect(text).toContain('# TYPE werkflow_outbox_messages gauge');
    expect(text).toContain('# TYPE werkflow_smtp_send_duration_seconds histogram');
    expect(text).toContain('# TYPE werkflow_webhook_duration_seconds histogram');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('werkflow_database_up 1');
    if (backend.name === 'postgres') expect(text).toContain('werkflow_db_pool_connections{state="max"} 4');
    else expect(text).not.toContain('werkflow_db_pool_connections{');
    await app.close();
  });

  it('every request is logged as a JSON line with its request id', async () => {
    const { logger, lines } = capturingLogger();
    const { w } = await werkflowWith({ logger });
    const app = await buildServer(w, { logger });
    const res = await app.inject({
      method: 'GET',
      url: '/api/dossier-types',
      headers: { 'x-request-id': 'req-4711' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-request-id']).toBe('req-4711');
    const done = lines.find((l) => l.reqId === 'req-4711' && l.msg === 'request completed');
    expect(done).toMatchObject({ level: 30, res: { statusCode: 401 } });
    const other = await app.inject({ method: 'GET', url: '/api/dossier-types' });
    expect(other.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    await app.close();
  });

  it('a failing scheduler loop logs its errors and its recovery, and the metrics follow', async () => {
    const { logger, lines } = capturingLogger();
    const { w, clock } = await werkflowWith({ logger, maxSleepMs: 50 });
    await dueAction(w, clock);
    // The actions table disappears from under the running scheduler, and comes back.
    await sql`alter table actions rename to actions_away`.execute(w.store.db);
    w.scheduler.start();
    await until(
      'scheduler errors',
      () => lines.filter((l) => l.loop === 'scheduler' && l.level === 50).length >= 2,
    );
    const failing = await w.readiness.check();
    expect(failing.checks.scheduler).toMatchObject({ ok: true, state: 'alive', failing: true });
    const down = await w.metrics.text();
    expect(down).toContain('werkflow_loop_healthy{loop="scheduler"} 0');
    expect(down).not.toContain('werkflow_actions{'); // absent while its table is gone; the rest is there
    await sql`alter table actions_away rename to actions`.execute(w.store.db);
    await until('the recovery', () =>
      lines.some((l) => l.loop === 'scheduler' && /recovered after \d+ errors/.test(String(l.msg))),
    );
    await until('the batch', () =>
      lines.some((l) => l.loop === 'scheduler' && l.msg === 'executed a batch of 1 action'),
    );
    const text = await w.metrics.text();
    expect(text).toContain('werkflow_loop_healthy{loop="scheduler"} 1');
    expect(
      Number(/^werkflow_loop_errors_total\{loop="scheduler"\} (\d+)$/m.exec(text)?.[1]),
    ).toBeGreaterThanOrEqual(2);
    expect(Number(/^werkflow_scheduler_wakeups_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    expect((await w.readiness.check()).checks.scheduler).toMatchObject({ failing: false });
  });

  it('a failing scheduler round is tried again after a short back-off, not after its longest sleep', async () => {
    const { logger, lines } = capturingLogger();
    const { w, clock } = await werkflowWith({ logger, maxSleepMs: 3_600_000 });
    await dueAction(w, clock);
    await sql`alter table actions rename to actions_away`.execute(w.store.db);
    w.scheduler.start();
    // With an hour's sleep, five errors come only from the back-off (0.5 s, 1 s, 2 s, …): without
    // it there would be the start-up sweep's, the first round's and the sweeper's (every 15 s).
    await until(
      'five scheduler errors',
      () => lines.filter((l) => l.loop === 'scheduler' && l.level === 50).length >= 5,
    );
    await sql`alter table actions_away rename to actions`.execute(w.store.db);
    // The next try comes after the back-off then reached (8 s or 16 s).
    await until(
      'the batch',
      () => lines.some((l) => l.loop === 'scheduler' && l.msg === 'executed a batch of 1 action'),
      60_000,
    );
    await until('the recovery', () =>
      lines.some((l) => l.loop === 'scheduler' && /recovered after \d+ errors/.test(String(l.msg))),
    );
  });

  it.runIf(backend.name === 'postgres')(
    'a lost LISTEN connection is logged, reconnected and logged again',
    async () => {
      const { logger, lines } = capturingLogger();
      const { w } = await werkflowWith({ logger });
      w.scheduler.start();
      const admin = new pg.Client({ connectionString: process.env.WERKFLOW_TEST_PG_URL });
      await admin.connect();
      try {
        const schema = /\(schema (\w+)\)/.exec(w.store.description)![1]!;
        await until('the LISTEN connection', async () => {
          const r = await admin.query(
            "select count(*)::int as n from pg_stat_activity where query = 'listen \"' || $1 || '_werkflow_actions\"'",
            [schema],
          );
          return r.rows[0].n === 1;
        });
        await admin.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where query = 'listen \"' || $1 || '_werkflow_actions\"'",
          [schema],
        );
        await until('the reconnection', () =>
          lines.some((l) => l.loop === 'listen' && /recovered/.test(String(l.msg))),
        );
        expect(lines.some((l) => l.loop === 'listen' && l.level === 50)).toBe(true);
        expect(await w.metrics.text()).toMatch(/^werkflow_loop_errors_total\{loop="listen"\} [1-9]/m);
      } finally {
        await admin.end();
      }
    },
  );
});

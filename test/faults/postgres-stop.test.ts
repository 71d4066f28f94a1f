/**
 * PostgreSQL really down for 10 s (issue 11): a private cluster of the test's own (initdb and
 * pg_ctl, test/support/private-postgres.ts; the machine's shared server is not touched) is
 * stopped with `pg_ctl stop -m immediate` — a crash — under a running `werkflow worker`, and
 * started again. The worker's log must show the errors and the recovery of every background
 * loop, its /metrics the database down and back and the errors counted, and every action must
 * be executed (every webhook called, every mail sent) exactly once, without the worker exiting.
 *
 * Runs with the PostgreSQL suite (WERKFLOW_TEST_PG_URL set) where initdb and pg_ctl exist;
 * skipped, with the reason in the test's name, where they do not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresStopFigures, postgresStop } from '../../bench/faults/scenarios.js';
import { PrivatePostgres, findPostgresBinaries } from '../support/private-postgres.js';

const binaries = process.env.WERKFLOW_TEST_PG_URL
  ? findPostgresBinaries()
  : { missing: 'the PostgreSQL tests are off (WERKFLOW_TEST_PG_URL is not set)' };

const title = 'PostgreSQL crashed (pg_ctl stop -m immediate) for 10 s under a running worker';

if ('missing' in binaries) {
  describe.skip(`${title} — skipped: ${binaries.missing}`, () => {
    it('needs initdb and pg_ctl', () => {});
  });
} else {
  describe(title, () => {
    let cluster: PrivatePostgres | undefined;
    beforeAll(async () => {
      cluster = await PrivatePostgres.create(binaries);
    }, 120_000);
    afterAll(async () => {
      // Stopped and removed also when the test failed.
      await cluster?.destroy();
    }, 120_000);

    it('while actions fall due: logs the errors and the recovery, /metrics follows, every action runs once, the worker stays up', async () => {
      const f = await postgresStop(cluster!, { webhooks: 40, mails: 10, downMs: 10_000 });
      const diagnosis = JSON.stringify({ ...f, log: f.log.slice(-40) }, null, 1);
      // Every action executed exactly once after the recovery, counted at the receiver and the sink.
      expect(f, diagnosis).toMatchObject({
        actions: 50,
        done: 50,
        executedTwice: 0,
        mailsSent: 10,
        mailDuplicates: 0,
      });
      expect(f.neverCalled, diagnosis).toBe(10); // the mail actions call no webhook
      expect(f.repeatCalls, diagnosis).toBe(0);
      expectErrorsThenRecovery(f, diagnosis);
    }, 300_000);

    it('while webhook calls are out: their outcomes are recorded once the server is back, no receiver is called twice', async () => {
      const f = await postgresStop(cluster!, {
        webhooks: 40,
        mails: 0,
        downMs: 10_000,
        crash: 'webhookCalls',
      });
      const diagnosis = JSON.stringify({ ...f, log: f.log.slice(-40) }, null, 1);
      // Without waiting for the lease (5 minutes) to run out and calling them again.
      expect(f, diagnosis).toMatchObject({
        actions: 40,
        done: 40,
        executedTwice: 0,
        neverCalled: 0,
        repeatCalls: 0,
      });
      expectErrorsThenRecovery(f, diagnosis);
    }, 300_000);
  });
}

function expectErrorsThenRecovery(f: PostgresStopFigures, diagnosis: string): void {
  // The log: errors of each loop while the server was down, then its recovery.
  for (const loop of ['scheduler', 'listen', 'mailer'] as const) {
    expect(f.errorLines[loop], `${loop} errors\n${diagnosis}`).toBeGreaterThan(0);
    expect(f.recoveredLines[loop], `${loop} recovered\n${diagnosis}`).toBeGreaterThan(0);
    expect(f.loopErrorsTotal[loop], `${loop} error counter\n${diagnosis}`).toBeGreaterThan(0);
    expect(f.loopHealthyAfter[loop], `${loop} healthy\n${diagnosis}`).toBe(1);
  }
  // /metrics answered while the database was down, and said so.
  expect(f.databaseUpWhileDown).toBe(0);
  expect(f.databaseUpAfter).toBe(1);
  // The worker never exited by itself, and stops cleanly afterwards.
  expect(f.workerExited).toBe(false);
  expect(f.exitCodeAfterSigterm).toBe(0);
}

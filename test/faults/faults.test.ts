/**
 * Short versions of the fault suite (bench/faults, `npm run faults` for the long ones): real
 * worker processes killed with SIGKILL or paused with SIGSTOP, an SMTP sink of the test's own
 * that goes away or drops connections after DATA, PostgreSQL connections terminated under load.
 * No timings are asserted; what must hold whatever the timing: nothing lost, nothing sent twice,
 * in doubt at most kills × connections, every webhook called, every action executed once.
 */
import { describe, expect, it } from 'vitest';
import {
  type ExactlyOnce,
  dropAfterData,
  mailKills,
  pausedWorker,
  smtpOutage,
  terminateBackends,
  webhookKills,
} from '../../bench/faults/scenarios.js';
import { BACKENDS } from '../support/backends.js';

function expectExactlyOnce(f: ExactlyOnce, actions: number): void {
  expect(f).toMatchObject({ actions, done: actions, executedTwice: 0, neverCalled: 0 });
}

describe.each(BACKENDS)('faults on $name', (backend) => {
  const fresh = () => backend.fresh() as ReturnType<typeof backend.fresh> & { url: string };

  it('kill -9 of workers during webhook batches (three kills): every action executed once, every key called', async () => {
    const f = await webhookKills(fresh, { actions: 300, kills: 3, workers: 2, leaseMs: 2_000 });
    expectExactlyOnce(f, 300);
  }, 120_000);

  it('kill -9 of the worker while it sends mail (three kills): none lost or twice, in doubt ≤ kills × connections', async () => {
    const f = await mailKills(fresh, { messages: 120, kills: 3, connections: 3, leaseMs: 1_000 });
    expect(f).toMatchObject({ messages: 120, lost: 0, duplicates: 0, sentButMissing: 0 });
    expect(f.inDoubt).toBeLessThanOrEqual(3 * 3);
    expect(f.sent + f.inDoubt).toBe(120);
  }, 120_000);

  it('SMTP down, then up: every message delivered once, without a restart', async () => {
    const f = await smtpOutage(fresh, { messages: 40, downMs: 1_500, connections: 3, retryBaseMs: 300 });
    expect(f).toMatchObject({ messages: 40, sent: 40, inDoubt: 0, lost: 0, duplicates: 0 });
  }, 120_000);

  it('SMTP that accepts DATA and then drops: exactly those in doubt, none resent, the rest sent once', async () => {
    const f = await dropAfterData(fresh, { messages: 60, every: 10, connections: 3 });
    expect(f.dropped).toBeGreaterThan(0);
    expect(f).toMatchObject({ messages: 60, inDoubt: f.dropped, lost: 0, duplicates: 0, sentButMissing: 0 });
  }, 120_000);

  it.runIf(backend.name === 'postgres')(
    'a worker paused (SIGSTOP) past its lease: the other takes its claims over; resumed, it executes nothing twice',
    async () => {
      const f = await pausedWorker(fresh, { actions: 200, leaseMs: 2_000 });
      expectExactlyOnce(f, 200);
    },
    120_000,
  );

  it.runIf(backend.name === 'postgres')(
    "the workers' PostgreSQL connections terminated under load (three times): every action executed once",
    async () => {
      const f = await terminateBackends(fresh, { actions: 300, terminations: 3, workers: 2, leaseMs: 2_000 });
      expectExactlyOnce(f, 300);
      expect(f.backendsTerminated).toBeGreaterThan(0);
    },
    120_000,
  );
});

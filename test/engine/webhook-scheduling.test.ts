/**
 * How webhook actions are scheduled: calls run concurrently with a per-host limit, the lease of a
 * batch is renewed on a timer (not after every call), and the sweeper gives a dead worker's claims
 * back on its own timer, whatever this worker's ticks are doing. A real HTTP receiver is called.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import { WEBHOOK_LIMITS } from '../../src/engine/action-executor.js';
import type { SchedulerOptions } from '../../src/engine/scheduler.js';
import { Werkflow } from '../../src/engine/werkflow.js';
import { BACKENDS, TestClock } from '../support/backends.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const HOUR = 3_600_000;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(BACKENDS)('webhook scheduling on $name', (backend) => {
  let w: Werkflow;
  let clock: TestClock;
  let receiver: WebhookReceiver;

  beforeEach(async () => {
    receiver = new WebhookReceiver();
    await receiver.start();
    clock = new TestClock('2026-11-23T10:00:00+01:00');
  });
  afterEach(async () => {
    await w?.close();
    await receiver.stop();
  });

  /** A fresh database where every new contact stamps a webhook action due an hour later. */
  async function setup(n: number, scheduler: SchedulerOptions = {}): Promise<string[]> {
    w = await Werkflow.open({ ...backend.fresh(), preset: 'energy-cooperative', clock, scheduler });
    // The receiver is on loopback, which webhooks may call only when allow-listed.
    await w.webhooks.save({ allowedHosts: ['127.0.0.1'] }, 'test');
    await w.templates.create(
      {
        name: 'Meld nieuw contact',
        dossierType: 'contact',
        event: { type: 'created' },
        timing: { anchor: { type: 'event' }, offset: 1, unit: 'hours' },
        effect: { type: 'webhook', url: receiver.url },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    for (let i = 0; i < n; i++)
      await w.dossiers.create('contact', { data: { kind: 'persoon', name: `Contact ${i}` } }, null);
    return (await w.actions.list({ limit: 10_000 })).map((a) => a.id);
  }

  it('calls a batch concurrently, at most the per-host limit at a time, each action once', async () => {
    const ids = await setup(60);
    receiver.delayMs = 100;
    clock.advance(HOUR);
    expect(await w.scheduler.tick()).toMatchObject({ executed: 60 });
    expect(receiver.maxInFlight).toBeGreaterThan(1);
    expect(receiver.maxInFlight).toBeLessThanOrEqual(WEBHOOK_LIMITS.perHost);
    expect([...receiver.calls.keys()].sort()).toEqual([...ids].sort());
    expect([...receiver.calls.values()].every((n) => n === 1)).toBe(true);
    expect(await w.engine.actions.countByStatus()).toEqual({ done: 60 });
    const [one] = await w.actions.list({ limit: 1 });
    expect(one!.result).toEqual({ webhookStatus: 200 });
  });

  it('renews the lease of a slow batch on a timer, not after every call', async () => {
    await setup(40, { leaseMs: 600 });
    receiver.delayMs = 150;
    let renewals = 0;
    const repo = w.engine.actions;
    const renew = repo.renewLease.bind(repo);
    repo.renewLease = async (...args) => {
      renewals++;
      return renew(...args);
    };
    clock.advance(HOUR);
    const started = performance.now();
    expect(await w.scheduler.tick()).toMatchObject({ executed: 40 });
    const ms = performance.now() - started;
    // 40 calls, 16 at a time, 150 ms each: about half a second; one renewal per 200 ms at most.
    expect(renewals).toBeLessThanOrEqual(Math.ceil(ms / 200) + 1);
    expect(renewals).toBeLessThan(40);
  });

  it("gives a dead worker's claims back within the lease plus a sweep, while this worker's tick is busy", async () => {
    const ids = await setup(6, { leaseMs: 60_000, sweepEveryMs: 50 });
    clock.advance(HOUR);
    // A worker that claimed four actions and died.
    const dead = await w.store.db
      .transaction()
      .execute((db) => w.engine.actions.claimDue('dead-worker', clock.now(), 4, db));
    expect(dead).toHaveLength(4);
    // This worker is busy: its tick is stuck in two slow webhook calls.
    receiver.delayMs = 2_000;
    w.scheduler.start();
    await until('the busy tick calls the receiver', async () => receiver.inFlight === 2);
    clock.advance(60_001);
    await until('the sweeper took the dead claims back', async () => {
      const rows = await w.actions.list({ statuses: ['running'], limit: 100 });
      return rows.every((a) => a.lockedBy !== 'dead-worker');
    });
    // The tick is still in its slow calls: the sweep did not wait for it.
    expect(receiver.inFlight).toBe(2);
    const history = await w.engine.actions.history(dead[0]!.id);
    expect(history.some((h) => h.actor === 'sweeper' && h.toStatus === 'pending')).toBe(true);
    receiver.delayMs = 0;
    await until('every action is done', async () => (await w.engine.actions.countByStatus()).done === 6);
    await w.scheduler.stop();
    expect([...receiver.calls.keys()].sort()).toEqual([...ids].sort());
  });
});

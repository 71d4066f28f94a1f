/**
 * Durability of the scheduler: a worker killed (SIGKILL) between claiming actions and completing
 * them, a restart after downtime, and "skip if more than N hours late". Real child processes
 * (test/support/crash-child.ts) are killed, so nothing of theirs gets to clean up.
 *
 * The effect used is createTask: unlike setting a field, running it twice leaves two tasks, so
 * "one task per contact" proves every action ran exactly once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import { Werkflow, type WerkflowOptions } from '../../src/engine/werkflow.js';
import { BACKENDS, TestClock } from '../support/backends.js';

const HOUR = 3_600_000;
const LEASE = 5 * 60_000;
const runTs = fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url));

/** Starts the crash child; resolves when it printed `line` (or rejects when it ends first). */
function startChild(
  arg: unknown,
  line: string,
): { child: ChildProcess; reached: Promise<string>; exited: Promise<NodeJS.Signals | number | null> } {
  const child = spawn(process.execPath, [runTs, 'test/support/crash-child.ts', JSON.stringify(arg)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  const reached = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').includes(line)) resolve(out);
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    void exited.then((how) =>
      out.split('\n').includes(line)
        ? resolve(out)
        : reject(new Error(`crash child ended (${String(how)}) before "${line}": ${out}\n${err}`)),
    );
  });
  return { child, reached, exited };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(BACKENDS)('crash and restart on $name', (backend) => {
  let wf: Werkflow | undefined;
  let clock: TestClock;
  let options: WerkflowOptions;
  afterEach(async () => {
    await wf?.close();
    wf = undefined;
  });

  async function open(): Promise<Werkflow> {
    wf = await Werkflow.open({ ...options, preset: 'energy-cooperative', clock });
    return wf;
  }

  /** A fresh database with a template that creates a follow-up task an hour after a contact is created. */
  async function setup(
    n: number,
    extra: Record<string, unknown> = {},
  ): Promise<{ w: Werkflow; contacts: string[] }> {
    clock = new TestClock('2026-11-23T10:00:00+01:00');
    options = backend.fresh();
    const w = await open();
    await w.templates.create(
      {
        name: 'Bel nieuw contact',
        dossierType: 'contact',
        event: { type: 'created' },
        timing: { anchor: { type: 'event' }, offset: 1, unit: 'hours' },
        effect: {
          type: 'createTask',
          taskType: 'bellen',
          description: 'Bel het nieuwe contact',
          responsible: { type: 'none' },
          plannedInDays: 2,
        },
        ...extra,
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const contacts: string[] = [];
    for (let i = 0; i < n; i++)
      contacts.push(
        (await w.dossiers.create('contact', { data: { kind: 'persoon', name: `Contact ${i}` } }, null)).id,
      );
    return { w, contacts };
  }

  async function tasksPerContact(w: Werkflow): Promise<Map<string, number>> {
    const tasks = await w.dossiers.dossiers.list({ type: 'task', limit: 10_000 });
    const count = new Map<string, number>();
    for (const t of tasks) count.set(String(t.data.contact), (count.get(String(t.data.contact)) ?? 0) + 1);
    return count;
  }

  /** Every action done, each with exactly one running → done transition, and one task per contact. */
  async function expectExactlyOnce(w: Werkflow, contacts: readonly string[]): Promise<void> {
    const actions = await w.actions.list({ limit: 10_000 });
    expect(actions).toHaveLength(contacts.length);
    expect(actions.filter((a) => a.status !== 'done')).toEqual([]);
    for (const a of actions) {
      const history = await w.engine.actions.history(a.id);
      expect(history.filter((h) => h.fromStatus === 'running' && h.toStatus === 'done')).toHaveLength(1);
      expect(a.lockedBy).toBeNull();
    }
    const tasks = await tasksPerContact(w);
    expect(contacts.map((c) => tasks.get(c) ?? 0)).toEqual(contacts.map(() => 1));
  }

  /** Recovers as a restarted (SQLite) or surviving (PostgreSQL) worker would. */
  async function recover(w: Werkflow, n: number): Promise<void> {
    if (backend.name === 'sqlite') {
      // One process owns a SQLite file: whatever is running on start belongs to a dead process.
      w.scheduler.start({ recoverAll: true });
      await until('all actions are done', async () => (await w.engine.actions.countByStatus()).done === n);
      await w.scheduler.stop();
    } else {
      // Another worker on PostgreSQL: the dead worker's claims are freed once their lease ran out.
      clock.advance(LEASE - 1_000);
      expect(await w.scheduler.tick()).toMatchObject({ swept: 0, executed: 0 });
      clock.advance(2_000);
      expect(await w.scheduler.tick()).toMatchObject({ swept: n, executed: n });
    }
  }

  it.each(['exit', 'hang', 'mid-effect'] as const)(
    'a worker killed between claim and completion (%s): every due action runs exactly once',
    async (mode) => {
      const n = 25;
      const { w, contacts } = await setup(n);
      clock.advance(HOUR);
      if (backend.name === 'sqlite') await w.close(); // the child is "the" process; this one restarts later
      const { child, reached, exited } = startChild(
        { options, now: clock.now(), mode },
        mode === 'mid-effect' ? 'in-effect' : `claimed ${n}`,
      );
      const output = await reached;
      expect(output).toContain(`claimed ${n}`);
      if (mode !== 'exit') child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      const restarted = backend.name === 'sqlite' ? await open() : w;
      const stuck = await restarted.actions.list({ statuses: ['running'], limit: 100 });
      expect(stuck).toHaveLength(n);
      expect(stuck.every((a) => a.lockedBy === 'crash-child')).toBe(true);
      expect((await tasksPerContact(restarted)).size).toBe(0); // the killed transaction never committed

      await recover(restarted, n);
      await expectExactlyOnce(restarted, contacts);
      const history = await restarted.engine.actions.history(stuck[0]!.id);
      expect(history.map((h) => [h.fromStatus, h.toStatus])).toEqual([
        [null, 'pending'],
        ['pending', 'running'],
        ['running', 'pending'],
        ['pending', 'running'],
        ['running', 'done'],
      ]);
      expect(history[2]!.note).toBe('worker crash-child stopped before finishing; will run again');
      // Nothing is left to do, and nothing runs again.
      clock.advance(LEASE * 4);
      expect(await restarted.scheduler.tick()).toMatchObject({ swept: 0, executed: 0 });
      await expectExactlyOnce(restarted, contacts);
    },
  );

  it('a scheduler killed inside a batch (claimed and executed in one transaction): the claim rolls back too, every action runs exactly once', async () => {
    const n = 25;
    const { w, contacts } = await setup(n);
    clock.advance(HOUR);
    if (backend.name === 'sqlite') await w.close();
    const { child, reached, exited } = startChild(
      { options, now: clock.now(), mode: 'tick-mid-effect' },
      'in-effect',
    );
    await reached;
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const restarted = backend.name === 'sqlite' ? await open() : w;
    // Nothing of the killed batch committed: no claim to sweep, no task.
    expect(await restarted.engine.actions.countByStatus()).toEqual({ pending: n });
    expect((await tasksPerContact(restarted)).size).toBe(0);
    if (backend.name === 'postgres') {
      // The server rolls the dead connection's transaction back (and frees its row locks) as soon
      // as it notices the connection is gone; until then SKIP LOCKED passes those rows by.
      await until('the dead worker’s row locks are gone', async () => {
        const r = await restarted.store.db
          .selectFrom('actions')
          .select('id')
          .where('status', '=', 'pending')
          .forUpdate()
          .skipLocked()
          .execute();
        return r.length === n;
      });
    }
    expect(await restarted.scheduler.tick()).toMatchObject({ swept: 0, executed: n });
    await expectExactlyOnce(restarted, contacts);
    const [one] = await restarted.actions.list({ limit: 1 });
    expect((await restarted.engine.actions.history(one!.id)).map((h) => h.toStatus)).toEqual([
      'pending',
      'running',
      'done',
    ]);
  });

  it('a restart loses nothing: actions that fell due while down run on the next start', async () => {
    const { w, contacts } = await setup(10);
    await w.close();
    wf = undefined;
    clock.advance(24 * HOUR); // down for a day
    const restarted = await open();
    restarted.scheduler.start();
    await until(
      'all actions are done',
      async () => (await restarted.engine.actions.countByStatus()).done === contacts.length,
    );
    await restarted.scheduler.stop();
    await expectExactlyOnce(restarted, contacts);
  });

  it('skipIfLateHours cancels actions found too late, with the reason, and runs the others', async () => {
    clock = new TestClock('2026-11-23T10:00:00+01:00');
    const { w } = await setup(3, { skipIfLateHours: 2, name: 'Bel binnen twee uur' });
    const lenient = await w.templates.create(
      {
        name: 'Bel binnen zes uur',
        dossierType: 'contact',
        event: { type: 'created' },
        timing: { anchor: { type: 'event' }, offset: 1, unit: 'hours' },
        skipIfLateHours: 6,
        effect: {
          type: 'createTask',
          taskType: 'bellen',
          description: 'Bel',
          responsible: { type: 'none' },
          plannedInDays: 2,
        },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const late = (await w.dossiers.create('contact', { data: { kind: 'persoon', name: 'Laat' } }, null)).id;
    await w.close();
    wf = undefined;
    clock.advance(4 * HOUR); // due an hour after creation: 3 hours late now
    const restarted = await open();
    const report = await restarted.scheduler.tick();
    expect(report.executed).toBe(5);
    const actions = await restarted.actions.list({ limit: 100 });
    const skipped = actions.filter((a) => a.templateId !== lenient.id);
    expect(skipped).toHaveLength(4);
    for (const a of skipped)
      expect(a).toMatchObject({
        status: 'cancelled',
        statusReason: 'skipped: it was more than 2 hours late',
      });
    expect(actions.filter((a) => a.templateId === lenient.id).map((a) => [a.dossierId, a.status])).toEqual([
      [late, 'done'],
    ]);
    expect((await tasksPerContact(restarted)).get(late)).toBe(1);
  });
});

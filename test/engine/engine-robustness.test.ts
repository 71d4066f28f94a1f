/**
 * Engine behaviour found by review: templates published in one process reach the others,
 * waiting actions wake when a referenced dossier changes, "skip if late" does not apply when a
 * person presses Execute, reminders follow only e-mails the engine sent, and chains fire once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Dossier } from '../../src/domain/dossier.js';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import { Werkflow } from '../../src/engine/werkflow.js';
import { BACKENDS, TestClock } from '../support/backends.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(BACKENDS)('engine robustness on $name', (backend) => {
  const open: Werkflow[] = [];
  let clock: TestClock;
  afterEach(async () => {
    for (const w of open.splice(0)) await w.close();
  });
  async function start(options = backend.fresh()): Promise<Werkflow> {
    const w = await Werkflow.open({ ...options, preset: 'energy-cooperative', clock });
    open.push(w);
    return w;
  }
  async function patch(
    w: Werkflow,
    type: string,
    id: string,
    data: Record<string, unknown>,
  ): Promise<Dossier> {
    const current = await w.dossiers.get(type, id);
    return w.dossiers.patch(type, id, data, current.version, 'tester');
  }
  async function household(w: Werkflow, email: string | null = 'jan@example.nl') {
    const contact = await w.dossiers.create(
      'contact',
      { data: { kind: 'persoon', name: 'Jan', ...(email ? { email } : {}) } },
      null,
    );
    const measure = await w.dossiers.create('measureCategory', { data: { name: 'Zon' } }, null);
    const intake = await w.dossiers.create('intake', { data: { contact: contact.id, status: 'open' } }, null);
    const opportunity = await w.dossiers.create(
      'opportunity',
      { data: { name: 'Zon', intake: intake.id, measureCategory: measure.id, status: 'actief' } },
      null,
    );
    return { contact, intake, opportunity };
  }

  it('a template published by one process is matched by another within a second', async () => {
    clock = new TestClock();
    const options = backend.fresh();
    const api = await start(options);
    const worker = await start(options);
    const { opportunity } = await household(worker);
    await api.templates.create(
      {
        name: 'Na uitvoering',
        dossierType: 'opportunity',
        event: { type: 'statusSet', to: ['uitgevoerd'] },
        executionMode: 'manual',
        effect: { type: 'none' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    clock.advance(2000);
    await patch(worker, 'opportunity', opportunity.id, { status: 'uitgevoerd' });
    expect((await worker.actions.list({ dossierId: opportunity.id, limit: 10 })).map((a) => a.title)).toEqual(
      ['Na uitvoering'],
    );
  });

  it('a waiting action wakes when a referenced dossier comes to meet the conditions', async () => {
    clock = new TestClock();
    const w = await start();
    await w.templates.create(
      {
        name: 'Mail zodra er een adres is',
        dossierType: 'opportunity',
        event: { type: 'statusSet', to: ['opdracht'] },
        conditions: { type: 'compare', field: 'intake.contact.email', op: 'isNotEmpty' },
        whenConditionsFail: 'wait',
        effect: { type: 'setField', field: 'note', value: 'gemaild' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const { contact, opportunity } = await household(w, null);
    await patch(w, 'opportunity', opportunity.id, { status: 'opdracht' });
    const [action] = await w.actions.list({ dossierId: opportunity.id, limit: 10 });
    expect(action?.status).toBe('waiting');
    await w.scheduler.tick();
    expect((await w.actions.get(action!.id)).status).toBe('waiting');
    await patch(w, 'contact', contact.id, { email: 'jan@example.nl' });
    const report = await w.scheduler.tick();
    expect(report.executed).toBe(1);
    expect((await w.actions.get(action!.id)).status).toBe('done');
    expect((await w.dossiers.get('opportunity', opportunity.id)).data.note).toBe('gemaild');
  });

  it('"skip if late" skips the scheduler, not a person who presses Execute', async () => {
    clock = new TestClock();
    const w = await start();
    await w.templates.create(
      {
        name: 'Semi',
        dossierType: 'opportunity',
        event: { type: 'statusSet', to: ['opdracht'] },
        executionMode: 'semiAutomatic',
        skipIfLateHours: 2,
        effect: { type: 'setField', field: 'note', value: 'uitgevoerd' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const { opportunity } = await household(w);
    await patch(w, 'opportunity', opportunity.id, { status: 'opdracht' });
    clock.advance(3 * HOUR);
    const [action] = await w.actions.list({ dossierId: opportunity.id, limit: 10 });
    const after = await w.actions.execute(action!.id, SYSTEM_PRINCIPAL);
    expect(after.status).toBe('done');
  });

  it('a reminder follows an e-mail the engine sent, not a hand-marked done; a chain fires once', async () => {
    clock = new TestClock();
    const w = await start();
    const sent: string[] = [];
    w.executor.email = {
      enqueue: async (_db, input) => {
        sent.push(input.actionId);
        return { outboxId: `o${sent.length}`, to: ['x@example.nl'], subject: 's' };
      },
      preview: async () => ({ to: [], cc: [], bcc: [], subject: '', html: '', text: '' }),
      recipientProblems: async (_db, input) => input.effects.map(() => []),
    };
    w.templates.validateEffect = async () => [];
    const main = await w.templates.create(
      {
        name: 'Mail',
        dossierType: 'opportunity',
        event: { type: 'statusSet', to: ['in-afwachting'] },
        executionMode: 'semiAutomatic',
        effect: {
          type: 'sendEmail',
          templateId: 'et',
          to: [{ type: 'field', path: 'intake.contact.email' }],
        },
        reminder: { after: { offset: 3, unit: 'days' } },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    await w.templates.create(
      {
        name: 'Daarna bellen',
        dossierType: 'opportunity',
        event: { type: 'actionCompleted', templateId: main.id },
        executionMode: 'manual',
        effect: { type: 'none' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    // Marked done by hand: no reminder (no mail went out), but the chain fires.
    const a = await household(w);
    await patch(w, 'opportunity', a.opportunity.id, { status: 'in-afwachting' });
    const [handAction] = await w.actions.list({ dossierId: a.opportunity.id, limit: 10 });
    await w.actions.complete(handAction!.id, SYSTEM_PRINCIPAL);
    expect(
      (await w.actions.list({ dossierId: a.opportunity.id, limit: 10 }))
        .map((x) => `${x.title}:${x.kind}`)
        .sort(),
    ).toEqual(['Daarna bellen:main', 'Mail:main']);
    // Executed: a reminder, which when sent does not fire the chain a second time.
    const b = await household(w);
    await patch(w, 'opportunity', b.opportunity.id, { status: 'in-afwachting' });
    const [execAction] = await w.actions.list({ dossierId: b.opportunity.id, limit: 10 });
    await w.actions.execute(execAction!.id, SYSTEM_PRINCIPAL);
    const afterExec = await w.actions.list({ dossierId: b.opportunity.id, limit: 10 });
    const reminder = afterExec.find((x) => x.kind === 'reminder');
    expect(reminder?.status).toBe('pending');
    clock.advance(3 * DAY);
    await w.scheduler.tick();
    const reminderNow = await w.actions.get(reminder!.id);
    if (reminderNow.status === 'due') await w.actions.execute(reminder!.id, SYSTEM_PRINCIPAL);
    expect(sent).toHaveLength(2);
    expect(
      (await w.actions.list({ dossierId: b.opportunity.id, limit: 10 })).filter(
        (x) => x.title === 'Daarna bellen',
      ),
    ).toHaveLength(1);
  });

  it.runIf(backend.name === 'postgres')(
    'an action stamped by one process wakes the scheduler of another at once (NOTIFY)',
    async () => {
      clock = new TestClock();
      const options = backend.fresh();
      const api = await start(options);
      const worker = await Werkflow.open({
        ...options,
        preset: 'energy-cooperative',
        clock,
        scheduler: { maxSleepMs: 60_000 },
      });
      open.push(worker);
      await api.templates.create(
        {
          name: 'Direct',
          dossierType: 'opportunity',
          event: { type: 'statusSet', to: ['opdracht'] },
          effect: { type: 'setField', field: 'note', value: 'gedaan' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const { opportunity } = await household(api);
      worker.scheduler.start();
      // Let the worker go to sleep (nothing is due), then stamp from the other process.
      await new Promise((r) => setTimeout(r, 300));
      clock.advance(2000); // past the template refresh interval, so the worker sees the new template
      await patch(api, 'opportunity', opportunity.id, { status: 'opdracht' });
      let note: unknown;
      for (let i = 0; i < 100 && note !== 'gedaan'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        note = (await api.dossiers.get('opportunity', opportunity.id)).data.note;
      }
      expect(note).toBe('gedaan');
    },
  );
});

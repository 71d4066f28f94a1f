/**
 * The Econobis workflows of ../shared/seeds/econobis-workflows.nl.txt as end-to-end scenarios on
 * the energy-cooperative preset: kansactie status workflows (with "Verstuur herinnering"), the
 * three task-type workflows (new, expired, completed + N days), templates linked to a campaign,
 * and chaining. Each runs on SQLite and PostgreSQL with a test clock moved by hand.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Action } from '../../src/domain/action/action.js';
import { instantParam, reason, textReason } from '../../src/domain/action/reasons.js';
import type { Dossier } from '../../src/domain/dossier.js';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import type { EmailPort } from '../../src/engine/effect-ports.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { seedDemo } from '../../src/demo/seed-demo.js';
import { apiAs } from '../support/api-client.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';
import { TestSmtpServer } from '../effects/email/support/smtp-test-server.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Reads the current version, then patches: scenarios change dossiers as a person in the UI would. */
async function patch(w: Werkflow, type: string, id: string, data: Record<string, unknown>): Promise<Dossier> {
  const current = await w.dossiers.get(type, id);
  return w.dossiers.patch(type, id, data, current.version, 'tester');
}

async function actionsOf(w: Werkflow, dossierId: string): Promise<Action[]> {
  return w.actions.list({ dossierId, limit: 100 });
}

async function statusesOf(w: Werkflow, actionId: string): Promise<string[]> {
  return (await w.actions.get(actionId)).history.map((h) => h.toStatus);
}

/**
 * A stand-in for the e-mail part: records what the executor asks to send, so the engine's side of
 * e-mail workflows (reminders, re-checks at due time) is checked on its own, without mailboxes or
 * e-mail templates. The scenarios with real outbox rows are under "with the e-mail part".
 */
function recordingEmail(): EmailPort & {
  sent: { actionId: string; templateId: string; dossierId: string }[];
} {
  const sent: { actionId: string; templateId: string; dossierId: string }[] = [];
  return {
    sent,
    enqueue: async (_db, input) => {
      sent.push({
        actionId: input.actionId,
        templateId: input.effect.templateId,
        dossierId: input.dossier.id,
      });
      return { outboxId: `fake-${sent.length}`, to: ['fake@example.nl'], subject: 'fake' };
    },
    preview: async () => ({ to: ['fake@example.nl'], cc: [], bcc: [], subject: 'fake', html: '', text: '' }),
    recipientProblems: async (_db, input) => input.effects.map(() => []),
  };
}

/** A mailbox (never contacted: the mailer is not started) and the e-mail templates of the scenarios. */
async function emailSetup(w: Werkflow, smtpPort = 2525) {
  await w.email.mailboxes.createMailbox({
    name: 'Energie Coöperatie',
    host: '127.0.0.1',
    port: smtpPort,
    security: 'none',
    fromName: 'Energie Coöperatie',
    fromAddress: 'info@coop.example.nl',
  });
  const template = (name: string, rootType: string, subject: string) =>
    w.email.templates.createTemplate({
      name,
      rootType,
      subject,
      htmlBody: `<p>${subject}</p><p>Met vriendelijke groet, de energiecoöperatie</p>`,
    });
  return {
    offerte: await template(
      'Offerte aangevraagd',
      'quotationRequest',
      'Uw offerte voor {{ quotationRequest.opportunity.name }} is aangevraagd',
    ),
    herinnering: await template(
      'Herinnering offerte',
      'quotationRequest',
      'Herinnering: offerte voor {{ quotationRequest.opportunity.name }}',
    ),
    nieuweTaak: await template('Nieuwe taak', 'task', 'Nieuwe taak: {{ task.description }}'),
    verlopenTaak: await template('Verlopen taak', 'task', 'Verlopen: {{ task.description }}'),
    afgehandeldeTaak: await template('Afgehandelde taak', 'task', 'Afgehandeld: {{ task.description }}'),
  };
}

/** Kansactie set to Offerte aangevraagd → e-mail to the resident and the coach after `days`. */
async function mailResidentAndCoach(w: Werkflow, emailTemplateId: string, days: number) {
  await w.templates.create(
    {
      name: 'Offerteverzoek - Offerte aangevraagd',
      dossierType: 'quotationRequest',
      event: { type: 'statusSet', to: ['offerte-aangevraagd'] },
      timing: { anchor: { type: 'event' }, offset: days, unit: 'days' },
      effect: {
        type: 'sendEmail',
        templateId: emailTemplateId,
        to: [
          { type: 'field', path: 'opportunity.intake.contact.email' },
          { type: 'field', path: 'coach.email' },
        ],
      },
    },
    SYSTEM_PRINCIPAL,
    { publish: true },
  );
}

async function outboxOf(w: Werkflow, dossierId: string) {
  const rows = await w.store.db
    .selectFrom('email_outbox')
    .select('action_id')
    .where('dossier_id', '=', dossierId)
    .orderBy('created_at')
    .execute();
  return Promise.all(rows.map(async (r) => (await w.email.outbox.repository.getByActionId(r.action_id!))!));
}

describe.each(BACKENDS)('Econobis scenarios on $name', (backend) => {
  let wf: Werkflow | undefined;
  let clock: TestClock;
  afterEach(async () => {
    await wf?.close();
    wf = undefined;
  });

  async function open(start = '2026-11-23T10:00:00+01:00'): Promise<Werkflow> {
    clock = new TestClock(start);
    wf = await openTestWerkflow(backend, { preset: 'energy-cooperative', clock });
    return wf;
  }

  /** Resident, coach, intake, opportunity and a kansactie (quotation request) as Econobis has them. */
  async function household(w: Werkflow, options: { campaign?: string; responsibleUser?: string } = {}) {
    const resident = await w.dossiers.create(
      'contact',
      { data: { kind: 'persoon', name: 'Jan Jansen', email: 'jan.jansen@example.nl' } },
      null,
    );
    const coach = await w.dossiers.create(
      'contact',
      { data: { kind: 'persoon', name: 'Carla Coach', email: 'carla@coaches.example.nl', isCoach: true } },
      null,
    );
    const measure = await w.dossiers.create('measureCategory', { data: { name: 'Zonnepanelen' } }, null);
    const intake = await w.dossiers.create(
      'intake',
      {
        data: {
          contact: resident.id,
          status: 'open',
          ...(options.campaign ? { campaign: options.campaign } : {}),
        },
      },
      null,
    );
    const opportunity = await w.dossiers.create(
      'opportunity',
      { data: { name: 'Zon op het dak', intake: intake.id, measureCategory: measure.id, status: 'actief' } },
      null,
    );
    const quotationRequest = await w.dossiers.create(
      'quotationRequest',
      {
        data: {
          opportunity: opportunity.id,
          coach: coach.id,
          status: 'offerte-nog-niet-aangevraagd',
          ...(options.responsibleUser ? { responsibleUser: options.responsibleUser } : {}),
        },
      },
      null,
    );
    return { resident, coach, intake, opportunity, quotationRequest };
  }

  async function user(w: Werkflow, name: string, email: string): Promise<string> {
    return (await w.auth.users.createUser({ name, email, roles: ['staff'] }, 'test')).id;
  }

  describe('kansactie status workflow', () => {
    it.each([0, 3])('status set to Offerte aangevraagd → the effect runs after %i days', async (days) => {
      const w = await open();
      await w.templates.create(
        {
          name: `Offerteverzoek - Offerte aangevraagd (+${days})`,
          dossierType: 'quotationRequest',
          event: { type: 'statusSet', to: ['offerte-aangevraagd'] },
          timing: { anchor: { type: 'event' }, offset: days, unit: 'days' },
          effect: { type: 'setField', field: 'note', value: 'bewoner gemaild' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const { quotationRequest: qr } = await household(w);
      expect(await actionsOf(w, qr.id)).toEqual([]); // created in another status: nothing yet
      await patch(w, 'quotationRequest', qr.id, { status: 'offerte-aangevraagd' });
      const [action] = await actionsOf(w, qr.id);
      expect(action).toMatchObject({
        status: 'pending',
        executionMode: 'automatic',
        dueAt: clock.now() + days * DAY,
      });
      if (days > 0) {
        clock.advance(days * DAY - MINUTE);
        expect((await w.scheduler.tick()).executed).toBe(0);
        clock.advance(MINUTE);
      }
      expect((await w.scheduler.tick()).executed).toBe(1);
      expect((await w.dossiers.get('quotationRequest', qr.id)).data.note).toBe('bewoner gemaild');
      expect(await statusesOf(w, action!.id)).toEqual(['pending', 'running', 'done']);
      // Nothing runs twice.
      clock.advance(10 * DAY);
      expect((await w.scheduler.tick()).executed).toBe(0);
    });

    it('only from the given statuses when "from" is set', async () => {
      const w = await open();
      await w.templates.create(
        {
          name: 'Pas na behandeling',
          dossierType: 'quotationRequest',
          event: {
            type: 'statusSet',
            to: ['offerte-aangevraagd'],
            from: ['offerte-aanvraag-in-behandeling'],
          },
          effect: { type: 'none' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const a = await household(w);
      await patch(w, 'quotationRequest', a.quotationRequest.id, { status: 'offerte-aangevraagd' });
      expect(await actionsOf(w, a.quotationRequest.id)).toHaveLength(0);
      const b = await household(w);
      await patch(w, 'quotationRequest', b.quotationRequest.id, {
        status: 'offerte-aanvraag-in-behandeling',
      });
      await patch(w, 'quotationRequest', b.quotationRequest.id, { status: 'offerte-aangevraagd' });
      expect(await actionsOf(w, b.quotationRequest.id)).toHaveLength(1);
    });

    it('stamping is idempotent: the same event handled again stamps no second action', async () => {
      const w = await open();
      await w.templates.create(
        {
          name: 'Offerte aangevraagd',
          dossierType: 'quotationRequest',
          event: { type: 'statusSet', to: ['offerte-aangevraagd'] },
          timing: { anchor: { type: 'event' }, offset: 3, unit: 'days' },
          effect: { type: 'none' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const { quotationRequest: qr } = await household(w);
      await patch(w, 'quotationRequest', qr.id, { status: 'offerte-aangevraagd' });
      const [event] = await w.dossiers.events.listForDossier(qr.id, { limit: 1 });
      expect(event?.changes.status).toEqual({
        old: 'offerte-nog-niet-aangevraagd',
        new: 'offerte-aangevraagd',
      });
      for (let i = 0; i < 3; i++)
        await w.store.db.transaction().execute((db) => w.engine.onDossierEvents(db, [event!]));
      const actions = await actionsOf(w, qr.id);
      expect(actions).toHaveLength(1);
      expect(actions[0]!.idempotencyKey).toContain(`|e${event!.id}`);
    });

    it('nothing happens when the status moves on before the effect is due', async () => {
      const w = await open();
      await w.templates.create(
        {
          name: 'Offerte aangevraagd',
          dossierType: 'quotationRequest',
          event: { type: 'statusSet', to: ['offerte-aangevraagd'] },
          timing: { anchor: { type: 'event' }, offset: 3, unit: 'days' },
          effect: { type: 'setField', field: 'note', value: 'gemaild' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const { quotationRequest: qr } = await household(w);
      await patch(w, 'quotationRequest', qr.id, { status: 'offerte-aangevraagd' });
      clock.advance(DAY);
      await patch(w, 'quotationRequest', qr.id, { status: 'bewoner-is-akkoord' });
      const [action] = await actionsOf(w, qr.id);
      expect(action).toMatchObject({
        status: 'cancelled',
        statusReason: 'status is no longer Quotation requested',
      });
      clock.advance(5 * DAY);
      expect((await w.scheduler.tick()).executed).toBe(0);
      expect((await w.dossiers.get('quotationRequest', qr.id)).data.note).toBeUndefined();
      // Set to the status again: a new action, counted from the new event.
      await patch(w, 'quotationRequest', qr.id, { status: 'offerte-aangevraagd' });
      const open2 = (await actionsOf(w, qr.id)).filter((a) => a.status === 'pending');
      expect(open2).toHaveLength(1);
      expect(open2[0]!.dueAt).toBe(clock.now() + 3 * DAY);
    });
  });

  describe('reminder ("Verstuur herinnering")', () => {
    /** The e-mail workflow with a reminder M days after the first mail while the status is still the same. */
    async function reminderTemplate(w: Werkflow, n: number, m: number) {
      return w.templates.create(
        {
          name: 'Offerte aangevraagd + herinnering',
          dossierType: 'quotationRequest',
          event: { type: 'statusSet', to: ['offerte-aangevraagd'] },
          timing: { anchor: { type: 'event' }, offset: n, unit: 'days' },
          effect: {
            type: 'sendEmail',
            templateId: 'et-offerte',
            to: [{ type: 'field', path: 'opportunity.intake.contact.email' }],
          },
          reminder: { after: { offset: m, unit: 'days' }, emailTemplateId: 'et-herinnering' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
    }

    it('is sent M days after the first e-mail while the status is still the same', async () => {
      const w = await open();
      const email = recordingEmail();
      w.executor.email = email;
      // A recording e-mail port with made-up template ids: skip the e-mail template check.
      w.templates.validateEffect = async () => [];
      await reminderTemplate(w, 2, 5);
      const { quotationRequest: qr } = await household(w);
      await patch(w, 'quotationRequest', qr.id, { status: 'offerte-aangevraagd' });
      clock.advance(2 * DAY);
      expect((await w.scheduler.tick()).executed).toBe(1);
      expect(email.sent).toEqual([expect.objectContaining({ templateId: 'et-offerte', dossierId: qr.id })]);
      const reminder = (await actionsOf(w, qr.id)).find((a) => a.kind === 'reminder');
      expect(reminder).toMatchObject({ status: 'pending', dueAt: clock.now() + 5 * DAY });
      clock.advance(5 * DAY - MINUTE);
      expect((await w.scheduler.tick()).executed).toBe(0);
      clock.advance(MINUTE);
      expect((await w.scheduler.tick()).executed).toBe(1);
      expect(email.sent.map((s) => s.templateId)).toEqual(['et-offerte', 'et-herinnering']);
      expect((await w.actions.get(reminder!.id)).status).toBe('done');
      // A reminder has no reminder of its own.
      clock.advance(30 * DAY);
      expect((await w.scheduler.tick()).executed).toBe(0);
      expect(await actionsOf(w, qr.id)).toHaveLength(2);
    });

    it("starts clean: none of the first action's status reason or error", async () => {
      const w = await open();
      w.executor.email = recordingEmail();
      // A recording e-mail port with made-up template ids: skip the e-mail template check.
      w.templates.validateEffect = async () => [];
      await reminderTemplate(w, 2, 5);
      const { quotationRequest: qr } = await household(w);
      await patch(w, 'quotationRequest', qr.id, { status: 'offerte-aangevraagd' });
      const [first] = await actionsOf(w, qr.id);
      // The first action done after a failed attempt and a move: it carries a reason and an error.
      const finished: Action = {
        ...first!,
        status: 'done',
        error: 'mail server said no',
        errorCoded: textReason('mail server said no'),
        statusReason: null,
        statusReasonCoded: reason('reason.rescheduled', {
          dueAt: instantParam(clock.now() + DAY, 'Europe/Amsterdam'),
        }),
      };
      await w.store.db
        .transaction()
        .execute((db) => w.engine.afterActionFinished(db, finished, 'done', 'tester', { performed: true }));
      const reminder = (await actionsOf(w, qr.id)).find((a) => a.kind === 'reminder')!;
      expect(reminder).toMatchObject({ status: 'pending', error: null, statusReason: null });
      expect(reminder.statusReasonCoded ?? null).toBeNull();
      expect(reminder.errorCoded ?? null).toBeNull();
      const history = (await w.actions.get(reminder.id)).history;
      expect(history.map((h) => h.noteCoded?.code)).toEqual(['reason.stamped']);
    });

    it('is not sent when the status changed in between', async () => {
      const w = await open();
      const email = recordingEmail();
      w.executor.email = email;
      // A recording e-mail port with made-up template ids: skip the e-mail template check.
      w.templates.validateEffect = async () => [];
      await reminderTemplate(w, 0, 5);
      const { quotationRequest: qr } = await household(w);
      await patch(w, 'quotationRequest', qr.id, { status: 'offerte-aangevraagd' });
      await w.scheduler.tick();
      clock.advance(2 * DAY);
      await patch(w, 'quotationRequest', qr.id, { status: 'in-overweging-bij-bewoner' });
      const reminder = (await actionsOf(w, qr.id)).find((a) => a.kind === 'reminder');
      expect(reminder).toMatchObject({
        status: 'cancelled',
        statusReason: 'status is no longer Quotation requested',
      });
      clock.advance(10 * DAY);
      expect((await w.scheduler.tick()).executed).toBe(0);
      expect(email.sent).toHaveLength(1);
    });

    it('is not sent when the status left and came back only after the reminder was due (re-checked when due)', async () => {
      const w = await open();
      const email = recordingEmail();
      w.executor.email = email;
      // A recording e-mail port with made-up template ids: skip the e-mail template check.
      w.templates.validateEffect = async () => [];
      await reminderTemplate(w, 0, 5);
      const { quotationRequest: qr } = await household(w);
      await patch(w, 'quotationRequest', qr.id, { status: 'offerte-aangevraagd' });
      await w.scheduler.tick();
      // The status is changed behind the engine's back (no event): the check at due time still stops it.
      await w.store.db
        .updateTable('dossiers')
        .set({
          status: 'uitgevoerd',
          data: w.store.adapter.toJson({ ...qr.data, status: 'uitgevoerd' }) as string,
        })
        .where('id', '=', qr.id)
        .execute();
      clock.advance(5 * DAY);
      await w.scheduler.tick();
      const reminder = (await actionsOf(w, qr.id)).find((a) => a.kind === 'reminder');
      expect(reminder).toMatchObject({
        status: 'cancelled',
        statusReason: 'the conditions no longer held when it was due',
      });
      expect(email.sent).toHaveLength(1);
    });
  });

  describe('with the e-mail part: each e-mail is an outbox row', () => {
    it.each([0, 3])(
      'kansactie set to Offerte aangevraagd → e-mail to the resident and the coach after %i days',
      async (days) => {
        const w = await open();
        const t = await emailSetup(w);
        await mailResidentAndCoach(w, t.offerte.id, days);
        const { quotationRequest: qr } = await household(w);
        await patch(w, 'quotationRequest', qr.id, { status: 'offerte-aangevraagd' });
        clock.advance(days * DAY);
        expect((await w.scheduler.tick()).executed).toBe(1);
        const [action] = await actionsOf(w, qr.id);
        expect(action?.status).toBe('done');
        const [mail, ...more] = await outboxOf(w, qr.id);
        expect(more).toEqual([]);
        expect(mail).toMatchObject({
          actionId: action!.id,
          status: 'queued',
          to: ['jan.jansen@example.nl', 'carla@coaches.example.nl'],
          subject: 'Uw offerte voor Zon op het dak is aangevraagd',
          fromAddress: 'info@coop.example.nl',
        });
        expect(action!.result).toMatchObject({ outboxId: mail!.id });
      },
    );

    it('reminder after M days while still Offerte aangevraagd; none when the status changed', async () => {
      const w = await open();
      const t = await emailSetup(w);
      await w.templates.create(
        {
          name: 'Offerteverzoek - Offerte aangevraagd (herinnering)',
          dossierType: 'quotationRequest',
          event: { type: 'statusSet', to: ['offerte-aangevraagd'] },
          timing: { anchor: { type: 'event' }, offset: 1, unit: 'days' },
          effect: {
            type: 'sendEmail',
            templateId: t.offerte.id,
            to: [{ type: 'field', path: 'opportunity.intake.contact.email' }],
          },
          reminder: { after: { offset: 7, unit: 'days' }, emailTemplateId: t.herinnering.id },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const still = (await household(w)).quotationRequest;
      const moved = (await household(w)).quotationRequest;
      await patch(w, 'quotationRequest', still.id, { status: 'offerte-aangevraagd' });
      await patch(w, 'quotationRequest', moved.id, { status: 'offerte-aangevraagd' });
      clock.advance(DAY);
      expect((await w.scheduler.tick()).executed).toBe(2);
      clock.advance(3 * DAY);
      await patch(w, 'quotationRequest', moved.id, { status: 'bewoner-is-akkoord' });
      clock.advance(4 * DAY);
      expect((await w.scheduler.tick()).executed).toBe(1);
      expect((await outboxOf(w, still.id)).map((m) => [m.subject, m.to])).toEqual([
        ['Uw offerte voor Zon op het dak is aangevraagd', ['jan.jansen@example.nl']],
        ['Herinnering: offerte voor Zon op het dak', ['jan.jansen@example.nl']],
      ]);
      expect((await outboxOf(w, moved.id)).map((m) => m.subject)).toEqual([
        'Uw offerte voor Zon op het dak is aangevraagd',
      ]);
    });

    it('task workflows: new → the responsible user, expired → once, completed → the contact N days later', async () => {
      const w = await open();
      const t = await emailSetup(w);
      const anja = await user(w, 'Anja Kramer', 'anja.kramer@energie-coop.example.nl');
      const responsible = [{ type: 'user' as const, field: 'responsibleUser' }];
      const base = { dossierType: 'task', categories: ['bellen'] };
      await w.templates.create(
        {
          ...base,
          name: 'Bellen - nieuwe taak',
          event: { type: 'created' },
          effect: { type: 'sendEmail', templateId: t.nieuweTaak.id, to: responsible },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      await w.templates.create(
        {
          ...base,
          name: 'Bellen - verlopen taak',
          event: { type: 'dateReached', field: 'plannedFinishDate' },
          timing: { anchor: { type: 'field', field: 'plannedFinishDate' }, offset: 1, unit: 'days' },
          conditions: { type: 'compare', field: 'finished', op: 'ne', value: true },
          repeat: 'once',
          effect: { type: 'sendEmail', templateId: t.verlopenTaak.id, to: responsible },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      await w.templates.create(
        {
          ...base,
          name: 'Bellen - afgehandelde taak',
          event: { type: 'fieldChanged', field: 'finished', to: true },
          timing: { anchor: { type: 'event' }, offset: 2, unit: 'days' },
          repeat: 'once',
          effect: {
            type: 'sendEmail',
            templateId: t.afgehandeldeTaak.id,
            to: [{ type: 'field', path: 'contact.email' }],
          },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const { resident } = await household(w);
      const task = await w.dossiers.create(
        'task',
        {
          data: {
            taskType: 'bellen',
            description: 'Bel Jan',
            contact: resident.id,
            responsibleUser: anja,
            plannedFinishDate: '2026-11-25',
            finished: false,
          },
        },
        null,
      );
      expect((await w.scheduler.tick()).executed).toBe(1); // the new-task mail, at once
      clock.set('2026-11-26T00:00:00+01:00');
      expect((await w.scheduler.tick()).executed).toBe(1); // expired
      await patch(w, 'task', task.id, { description: 'Bel Jan nog eens' });
      await patch(w, 'task', task.id, { plannedFinishDate: '2026-11-27' });
      clock.set('2026-11-28T12:00:00+01:00');
      expect((await w.scheduler.tick()).executed).toBe(0); // expired mails once per task
      await patch(w, 'task', task.id, { finished: true });
      clock.advance(2 * DAY);
      expect((await w.scheduler.tick()).executed).toBe(1);
      const mails = await outboxOf(w, task.id);
      expect(mails.map((m) => [m.subject, m.to])).toEqual([
        ['Nieuwe taak: Bel Jan', ['anja.kramer@energie-coop.example.nl']],
        ['Verlopen: Bel Jan', ['anja.kramer@energie-coop.example.nl']],
        ['Afgehandeld: Bel Jan nog eens', ['jan.jansen@example.nl']],
      ]);
    });
  });

  describe('recipients: whoever is responsible (issue 8, story 1)', () => {
    it('the task workflows mail the responsible user, else every member of the team once; neither fails naming both', async () => {
      const w = await open();
      const t = await emailSetup(w);
      const anja = await user(w, 'Anja Kramer', 'anja@coop.example.nl');
      const bert = await user(w, 'Bert Bos', 'bert@coop.example.nl');
      const team = await w.auth.users.createTeam({ name: 'Bellers', memberIds: [anja, bert] }, 'test');
      await w.econobis.saveTaskTypeWorkflows(
        'bellen',
        { new: { enabled: true, emailTemplateId: t.nieuweTaak.id } },
        SYSTEM_PRINCIPAL,
      );
      const task = (description: string, data: Record<string, unknown>) =>
        w.dossiers.create(
          'task',
          { data: { taskType: 'bellen', description, finished: false, ...data } },
          null,
        );
      const onUser = await task('Op Anja', { responsibleUser: anja });
      const onTeam = await task('Op het team', { responsibleTeam: team.id });
      const onBoth = await task('Op Bert en het team', { responsibleUser: bert, responsibleTeam: team.id });
      const onNobody = await task('Op niemand', {});
      await w.scheduler.tick();
      const mails = async (id: string) => (await outboxOf(w, id)).map((m) => [...m.to].sort());
      expect(await mails(onUser.id)).toEqual([['anja@coop.example.nl']]);
      expect(await mails(onTeam.id)).toEqual([['anja@coop.example.nl', 'bert@coop.example.nl']]);
      expect(await mails(onBoth.id)).toEqual([['bert@coop.example.nl']]);
      expect(await mails(onNobody.id)).toEqual([]);
      for (const d of [onUser, onTeam, onBoth]) expect((await actionsOf(w, d.id))[0]?.status).toBe('done');
      const [failed] = await actionsOf(w, onNobody.id);
      expect(failed?.status).toBe('failed');
      expect(failed?.error).toContain('has no responsible user');
      expect(failed?.error).toContain('has no team in "responsibleTeam"');
      // Stored as a code with params: the Dutch reader gets a Dutch sentence (issue 8, story 8).
      const staff = await apiAs(w, 'staff');
      const dutch = (
        await staff.request('GET', `/api/actions/${failed!.id}`, undefined, { 'accept-language': 'nl' })
      ).json<{
        error: string;
        errorCoded: { code: string; params: Record<string, unknown>; text: string };
      }>();
      expect(dutch.error).toBe(failed?.error);
      expect(dutch.errorCoded.code).toBe('reason.recipientsMissing');
      expect(dutch.errorCoded.params).toMatchObject({
        dossierType: { nl: 'taak', en: 'task' },
        dossier: 'Op niemand',
      });
      expect(dutch.errorCoded.text).toMatch(/^De e-mail ".+" voor taak "Op niemand" is niet verstuurd: /);
      await staff.app.close();
    });

    it('a rule that yields nothing is a note on the action when another rule yields an address', async () => {
      const w = await open();
      const t = await emailSetup(w);
      await mailResidentAndCoach(w, t.offerte.id, 0);
      const { quotationRequest: qr, coach } = await household(w);
      await patch(w, 'contact', coach.id, { email: null });
      await patch(w, 'quotationRequest', qr.id, { status: 'offerte-aangevraagd' });
      await w.scheduler.tick();
      const [action] = await actionsOf(w, qr.id);
      expect(action?.status).toBe('done');
      expect(action?.statusReason).toContain('has no e-mail address in "email"');
      expect(action?.result).toMatchObject({ to: ['jan.jansen@example.nl'] });
      expect((await statusesOf(w, action!.id)).at(-1)).toBe('done');
      expect((await w.actions.get(action!.id)).history.at(-1)?.note).toContain('Carla Coach');
    });
  });

  it('a reminder has its own e-mail template and recipients, set in the Workflows view (issue 8, story 5)', async () => {
    const w = await open();
    const t = await emailSetup(w);
    const manager = await apiAs(w, 'workflowManager');
    const url = '/api/workflows/statuses/quotationRequest/offerte-aangevraagd';
    const body = {
      active: true,
      emailTemplateId: t.offerte.id,
      numberOfDays: 0,
      sendReminder: true,
      reminderDays: 7,
      recipients: ['resident'],
      reminderEmailTemplateId: t.herinnering.id,
      reminderRecipients: ['resident', 'coach'],
    };
    const saved = await manager.request('PUT', url, body);
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({
      recipients: ['resident'],
      reminderEmailTemplateId: t.herinnering.id,
      reminderRecipients: ['resident', 'coach'],
    });
    const row = (await manager.request('GET', '/api/workflows/statuses'))
      .json()
      .items.find(
        (r: { status: string; dossierType: string }) =>
          r.dossierType === 'quotationRequest' && r.status === 'offerte-aangevraagd',
      );
    expect(row).toMatchObject({
      reminderEmailTemplateId: t.herinnering.id,
      reminderRecipients: ['resident', 'coach'],
    });
    // A reminder template written for another dossier type is refused, naming the field.
    const wrong = await manager.request('PUT', url, { ...body, reminderEmailTemplateId: t.nieuweTaak.id });
    expect(wrong.statusCode).toBe(422);
    expect(JSON.stringify(wrong.json())).toContain('reminder.emailTemplateId');
    const { quotationRequest: qr } = await household(w);
    await patch(w, 'quotationRequest', qr.id, { status: 'offerte-aangevraagd' });
    await w.scheduler.tick();
    clock.advance(7 * DAY);
    await w.scheduler.tick();
    expect((await outboxOf(w, qr.id)).map((m) => [m.subject, m.to])).toEqual([
      ['Uw offerte voor Zon op het dak is aangevraagd', ['jan.jansen@example.nl']],
      ['Herinnering: offerte voor Zon op het dak', ['jan.jansen@example.nl', 'carla@coaches.example.nl']],
    ]);
  });

  it('intake-measure workflows: an intake that gets the measure gets an opportunity, a quotation request to the chosen supplier and a mail (issue 8, story 6)', async () => {
    const w = await open();
    await emailSetup(w);
    const manager = await apiAs(w, 'workflowManager');
    const solar = await w.dossiers.create('measureCategory', { data: { name: 'Zonnepanelen' } }, null);
    const other = await w.dossiers.create('measureCategory', { data: { name: 'Isolatie' } }, null);
    const supplier = await w.dossiers.create(
      'contact',
      { data: { kind: 'organisatie', name: 'Zon BV', email: 'offerte@zon.example.nl' } },
      null,
    );
    const mail = await w.email.templates.createTemplate({
      name: 'Kans aangemaakt',
      rootType: 'opportunity',
      subject: 'Uw aanvraag voor {{ opportunity.measureCategory.name }}',
      htmlBody: '<p>Beste {{ opportunity.intake.contact.name }}, wij gaan voor u aan de slag.</p>',
    });
    const setting = {
      active: true,
      opportunityStatus: 'actief',
      opportunityAction: {
        dossierType: 'quotationRequest',
        status: 'offerte-aangevraagd',
        organisationId: supplier.id,
      },
      emailTemplateId: mail.id,
    };
    const saved = await manager.request('PUT', `/api/workflows/intake-measures/${solar.id}`, setting);
    expect(saved.statusCode).toBe(200);
    const rows = (await manager.request('GET', '/api/workflows/intake-measures')).json().items;
    // Rows in id order; two ids made in the same millisecond of the test clock may come either way.
    expect(rows).toHaveLength(2);
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ measureCategory: solar.id, label: 'Zonnepanelen', ...setting }),
        expect.objectContaining({ measureCategory: other.id, active: false, opportunityAction: null }),
      ]),
    );
    const resident = await w.dossiers.create(
      'contact',
      { data: { kind: 'persoon', name: 'Jan Jansen', email: 'jan.jansen@example.nl' } },
      null,
    );
    const withMeasure = await w.dossiers.create(
      'intake',
      { data: { contact: resident.id, status: 'open', measureCategory: solar.id } },
      null,
    );
    const later = await w.dossiers.create('intake', { data: { contact: resident.id, status: 'open' } }, null);
    await patch(w, 'intake', later.id, { measureCategory: solar.id });
    const isolation = await w.dossiers.create(
      'intake',
      { data: { contact: resident.id, status: 'open', measureCategory: other.id } },
      null,
    );
    await w.scheduler.tick(); // the opportunities
    await w.scheduler.tick(); // with them: the quotation requests and the mails
    for (const intake of [withMeasure, later]) {
      const [opportunity, ...more] = await w.dossiers.list({
        type: 'opportunity',
        fields: { intake: intake.id },
        limit: 10,
      });
      expect(more).toEqual([]);
      expect(opportunity).toMatchObject({
        status: 'actief',
        data: { name: 'Zonnepanelen', measureCategory: solar.id },
      });
      expect(
        await w.dossiers.list({
          type: 'quotationRequest',
          fields: { opportunity: opportunity!.id },
          limit: 10,
        }),
      ).toMatchObject([{ status: 'offerte-aangevraagd', data: { organisation: supplier.id } }]);
      expect((await outboxOf(w, opportunity!.id)).map((m) => [m.subject, m.to])).toEqual([
        ['Uw aanvraag voor Zonnepanelen', ['jan.jansen@example.nl']],
      ]);
    }
    expect(
      await w.dossiers.list({ type: 'opportunity', fields: { intake: isolation.id }, limit: 10 }),
    ).toEqual([]);
    // Switched off: a new intake with the measure gets nothing.
    await manager.request('PUT', `/api/workflows/intake-measures/${solar.id}`, {
      active: false,
      opportunityStatus: 'actief',
    });
    const afterOff = await w.dossiers.create(
      'intake',
      { data: { contact: resident.id, status: 'open', measureCategory: solar.id } },
      null,
    );
    await w.scheduler.tick();
    expect(
      await w.dossiers.list({ type: 'opportunity', fields: { intake: afterOff.id }, limit: 10 }),
    ).toEqual([]);
  });

  it.each(['manual', 'semiAutomatic'] as const)(
    'a %s action whose conditions (through a reference) no longer hold when it falls due is cancelled, not shown as due (issue 8, story 9)',
    async (executionMode) => {
      const w = await open();
      await w.templates.create(
        {
          name: 'Bel de bewoner over de offerte',
          dossierType: 'quotationRequest',
          event: { type: 'statusSet', to: ['offerte-aangevraagd'] },
          conditions: { type: 'compare', field: 'opportunity.intake.status', op: 'eq', value: 'open' },
          timing: { anchor: { type: 'event' }, offset: 2, unit: 'days' },
          executionMode,
          effect:
            executionMode === 'manual'
              ? { type: 'none' }
              : { type: 'setField', field: 'note', value: 'gebeld' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const closed = await household(w);
      const open_ = await household(w);
      for (const h of [closed, open_])
        await patch(w, 'quotationRequest', h.quotationRequest.id, { status: 'offerte-aangevraagd' });
      // The intake change cancels at once through action_reads (see reference-reactions.test.ts);
      // without an index row (an action stamped before migration 011) the due-time re-check does.
      await w.store.db.deleteFrom('action_reads').execute();
      await patch(w, 'intake', closed.intake.id, { status: 'afgesloten-zonder-kans' });
      expect((await actionsOf(w, closed.quotationRequest.id))[0]?.status).toBe('pending');
      clock.advance(2 * DAY);
      await w.scheduler.tick();
      expect(await actionsOf(w, closed.quotationRequest.id)).toMatchObject([
        { status: 'cancelled', statusReason: 'the conditions no longer held when it was due' },
      ]);
      expect(await actionsOf(w, open_.quotationRequest.id)).toMatchObject([{ status: 'due' }]);
    },
  );

  describe('an e-mail action follows its mail (issue 8, story 4)', () => {
    it('refused → failed with the server’s words; Execute again after the fix delivers it once, with the same Message-ID', async () => {
      const w = await open();
      const server = new TestSmtpServer();
      const port = await server.start();
      try {
        const t = await emailSetup(w, port);
        await mailResidentAndCoach(w, t.offerte.id, 0);
        const { quotationRequest: qr } = await household(w);
        server.verdict = () => ({ accept: false, code: 550, message: 'Relaying denied for this sender' });
        await patch(w, 'quotationRequest', qr.id, { status: 'offerte-aangevraagd' });
        await w.scheduler.tick();
        const staff = await apiAs(w, 'staff');
        const [{ id }] = (await staff.request('GET', `/api/actions?dossierId=${qr.id}`)).json().items;
        const read = async () => (await staff.request('GET', `/api/actions/${id}`)).json();
        expect(await read()).toMatchObject({ status: 'done', delivery: { status: 'queued', reply: null } });
        await w.email.outbox.mailer.drainOnce();
        const refused = await read();
        expect(refused).toMatchObject({ status: 'failed', delivery: { status: 'failed' } });
        expect(refused.error).toContain('Relaying denied for this sender');
        expect(refused.delivery.reply).toContain('550');
        const failedList = (await staff.request('GET', '/api/actions?status=failed')).json().items;
        expect(failedList.map((a: { id: string }) => a.id)).toEqual([id]);
        // The cause is fixed; Execute again: the same outbox row goes out once more.
        server.verdict = () => ({ accept: true });
        const again = await staff.request('POST', `/api/actions/${id}/execute`);
        expect(again.json()).toMatchObject({
          status: 'done',
          delivery: {
            status: 'queued',
            outboxId: refused.delivery.outboxId,
            messageId: refused.delivery.messageId,
          },
        });
        await w.email.outbox.mailer.drainOnce();
        expect(await read()).toMatchObject({
          status: 'done',
          error: null,
          delivery: { status: 'delivered' },
        });
        expect(server.received.map((m) => m.messageId)).toEqual([refused.delivery.messageId]);
        // Done: executing again is refused, and nothing more is sent.
        expect((await staff.request('POST', `/api/actions/${id}/execute`)).statusCode).toBe(409);
        expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 0 });
        expect(server.received).toHaveLength(1);
        expect(await w.email.outbox.repository.list({ limit: 10 })).toHaveLength(1);
      } finally {
        await server.stop();
      }
    });
  });

  it.each(['energy-cooperative', 'training-institute'])(
    'the demo data of %s with its workflows: eight days later, no failed action',
    async (preset) => {
      clock = new TestClock('2026-11-23T10:00:00+01:00');
      wf = await openTestWerkflow(backend, { preset, clock });
      await wf.email.sink.captureAllMail({ port: 0 });
      await seedDemo(wf, { count: 60 });
      for (let i = 0; i < 8 * 4; i++) {
        clock.advance(6 * 3_600_000);
        await wf.scheduler.tick();
      }
      const counts = await wf.engine.actions.countByStatus();
      const failed = await wf.actions.list({ statuses: ['failed'], limit: 10 });
      expect(failed.map((a) => a.error)).toEqual([]);
      if (preset !== 'energy-cooperative') return;
      expect(counts.done).toBeGreaterThan(0);
      // Shipped: intake-measure workflows for two measures (story 6), and for every row of every
      // Workflows view at least one e-mail template, each written for that row's type (story 7).
      const measures = await wf.econobis.intakeMeasureWorkflows();
      expect(measures.filter((m) => m.active && m.opportunityAction && m.emailTemplateId)).toHaveLength(2);
      const statusRows = await wf.econobis.statusWorkflows();
      const taskRows = await wf.econobis.taskTypeWorkflows();
      for (const [rootType, rows] of [
        ...statusRows.map((r) => [r.dossierType, [r]] as const),
        ['task', taskRows],
        ['opportunity', measures],
      ] as const) {
        for (const row of rows) {
          expect(row.emailTemplates.length).toBeGreaterThan(0);
          expect(row.emailTemplates.every((t) => t.rootType === rootType)).toBe(true);
        }
      }
    },
  );

  describe('task type workflows', () => {
    it('new task → an action for the responsible user', async () => {
      const w = await open();
      const anja = await user(w, 'Anja Kramer', 'anja.kramer@energie-coop.example.nl');
      await w.templates.create(
        {
          name: 'Bellen - nieuwe taak',
          dossierType: 'task',
          event: { type: 'created' },
          categories: ['bellen'],
          assignee: { type: 'field', path: 'responsibleUser' },
          effect: { type: 'none' },
          executionMode: 'manual',
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const task = await w.dossiers.create(
        'task',
        {
          data: {
            taskType: 'bellen',
            description: 'Bel bewoner',
            responsibleUser: anja,
            plannedFinishDate: '2026-11-30',
          },
        },
        null,
      );
      const other = await w.dossiers.create(
        'task',
        { data: { taskType: 'e-mail', description: 'Mail', responsibleUser: anja } },
        null,
      );
      const [action] = await actionsOf(w, task.id);
      expect(action).toMatchObject({ status: 'due', assigneeUserId: anja, title: 'Bellen - nieuwe taak' });
      expect(await actionsOf(w, other.id)).toEqual([]); // another task type
      expect((await w.actions.list({ assigneeUserId: anja, limit: 10 })).map((a) => a.id)).toEqual([
        action!.id,
      ]);
      // Saving the task again stamps nothing new.
      await patch(w, 'task', task.id, { description: 'Bel bewoner terug' });
      expect(await actionsOf(w, task.id)).toHaveLength(1);
      const done = await w.actions.complete(
        action!.id,
        { id: anja, permissions: new Set(['actions.handle']) },
        'gebeld',
      );
      expect(done.status).toBe('done');
    });

    it('expired task → exactly once, also when saved again, and moved with the planned date', async () => {
      const w = await open('2026-11-23T10:00:00+01:00');
      const anja = await user(w, 'Anja Kramer', 'anja.kramer@energie-coop.example.nl');
      await w.templates.create(
        {
          name: 'Bellen - verlopen taak',
          dossierType: 'task',
          categories: ['bellen'],
          event: { type: 'dateReached', field: 'plannedFinishDate' },
          timing: { anchor: { type: 'field', field: 'plannedFinishDate' }, offset: 1, unit: 'days' },
          conditions: { type: 'compare', field: 'finished', op: 'ne', value: true },
          repeat: 'once',
          assignee: { type: 'field', path: 'responsibleUser' },
          effect: { type: 'setField', field: 'note', value: 'verantwoordelijke gemaild' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const task = await w.dossiers.create(
        'task',
        {
          data: {
            taskType: 'bellen',
            description: 'Bel bewoner',
            responsibleUser: anja,
            plannedFinishDate: '2026-11-25',
            finished: false,
          },
        },
        null,
      );
      let [action] = await actionsOf(w, task.id);
      expect(action).toMatchObject({
        status: 'pending',
        assigneeUserId: anja,
        dueAt: Date.parse('2026-11-26T00:00:00+01:00'),
      });

      // Saved again without changing the date: still the one action.
      await patch(w, 'task', task.id, { description: 'Bel bewoner over offerte' });
      expect(await actionsOf(w, task.id)).toHaveLength(1);

      // The planned date moves: the action moves with it (the old one is replaced, with the reason).
      await patch(w, 'task', task.id, { plannedFinishDate: '2026-11-27' });
      const after = await actionsOf(w, task.id);
      expect(after.find((a) => a.id === action!.id)).toMatchObject({
        status: 'cancelled',
        statusReason: 'Planned finish date changed to 2026-11-27; planned again',
      });
      action = after.find((a) => a.status === 'pending');
      expect(action?.dueAt).toBe(Date.parse('2026-11-28T00:00:00+01:00'));

      clock.set('2026-11-27T23:59:00+01:00');
      expect((await w.scheduler.tick()).executed).toBe(0);
      clock.set('2026-11-28T00:00:00+01:00');
      expect((await w.scheduler.tick()).executed).toBe(1);
      expect((await w.dossiers.get('task', task.id)).data.note).toBe('verantwoordelijke gemaild');

      // Saved again, even with a new date, after it ran: never a second time (repeat once).
      await patch(w, 'task', task.id, { description: 'Nog steeds niet gebeld' });
      await patch(w, 'task', task.id, { plannedFinishDate: '2026-12-01' });
      clock.set('2026-12-05T10:00:00+01:00');
      expect((await w.scheduler.tick()).executed).toBe(0);
      const all = await actionsOf(w, task.id);
      expect(all.filter((a) => a.status === 'done')).toHaveLength(1);
      expect(all.filter((a) => a.status === 'pending' || a.status === 'running')).toHaveLength(0);
    });

    it('expired task: none when the task is finished in time', async () => {
      const w = await open();
      await w.templates.create(
        {
          name: 'Bellen - verlopen taak',
          dossierType: 'task',
          event: { type: 'dateReached', field: 'plannedFinishDate' },
          timing: { anchor: { type: 'field', field: 'plannedFinishDate' }, offset: 1, unit: 'days' },
          conditions: { type: 'compare', field: 'finished', op: 'ne', value: true },
          repeat: 'once',
          effect: { type: 'setField', field: 'note', value: 'verlopen' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const task = await w.dossiers.create(
        'task',
        { data: { taskType: 'bellen', description: 'Bel', plannedFinishDate: '2026-11-25' } },
        null,
      );
      await patch(w, 'task', task.id, { finished: true });
      const [action] = await actionsOf(w, task.id);
      expect(action).toMatchObject({
        status: 'cancelled',
        statusReason: 'the conditions of the template no longer hold',
      });
      clock.advance(10 * DAY);
      expect((await w.scheduler.tick()).executed).toBe(0);
      // A task without a planned date has nothing to expire.
      const undated = await w.dossiers.create(
        'task',
        { data: { taskType: 'bellen', description: 'Ooit' } },
        null,
      );
      expect(await actionsOf(w, undated.id)).toEqual([]);
    });

    it('completed task → an action N days later', async () => {
      const w = await open();
      await w.templates.create(
        {
          name: 'Bellen - afgehandelde taak',
          dossierType: 'task',
          categories: ['bellen'],
          event: { type: 'fieldChanged', field: 'finished', to: true },
          timing: { anchor: { type: 'event' }, offset: 4, unit: 'days' },
          repeat: 'once',
          effect: { type: 'setField', field: 'note', value: 'contact gemaild' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const task = await w.dossiers.create(
        'task',
        { data: { taskType: 'bellen', description: 'Bel', finished: false } },
        null,
      );
      await patch(w, 'task', task.id, { description: 'Bel nog eens' });
      expect(await actionsOf(w, task.id)).toEqual([]);
      const completedAt = clock.now() + 2 * 3_600_000;
      clock.set(completedAt);
      await patch(w, 'task', task.id, { finished: true, finishedAt: new Date(completedAt).toISOString() });
      const [action] = await actionsOf(w, task.id);
      expect(action).toMatchObject({ status: 'pending', dueAt: completedAt + 4 * DAY });
      clock.advance(4 * DAY);
      expect((await w.scheduler.tick()).executed).toBe(1);
      expect((await w.dossiers.get('task', task.id)).data.note).toBe('contact gemaild');
      // Re-opened and completed again: once per task.
      await patch(w, 'task', task.id, { finished: false });
      await patch(w, 'task', task.id, { finished: true });
      expect(await actionsOf(w, task.id)).toHaveLength(1);
    });
  });

  it('a template linked to a campaign stamps only for intakes of that campaign', async () => {
    const w = await open();
    const noord = await w.dossiers.create(
      'campaign',
      { data: { name: 'Buurtaanpak Noord', status: 'actief' } },
      null,
    );
    const zon = await w.dossiers.create(
      'campaign',
      { data: { name: 'Zon op elk dak', status: 'actief' } },
      null,
    );
    await w.templates.create(
      {
        name: 'Welkom Buurtaanpak Noord',
        dossierType: 'intake',
        event: { type: 'created' },
        categories: [noord.id],
        timing: { anchor: { type: 'event' }, offset: 1, unit: 'days' },
        effect: { type: 'setField', field: 'note', value: 'welkom' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const inNoord = await household(w, { campaign: noord.id });
    const inZon = await household(w, { campaign: zon.id });
    const without = await household(w);
    expect(await actionsOf(w, inNoord.intake.id)).toHaveLength(1);
    expect(await actionsOf(w, inZon.intake.id)).toHaveLength(0);
    expect(await actionsOf(w, without.intake.id)).toHaveLength(0);
    clock.advance(DAY);
    expect((await w.scheduler.tick()).executed).toBe(1);
    expect((await w.dossiers.get('intake', inNoord.intake.id)).data.note).toBe('welkom');
  });

  describe('chaining (actionCompleted, actionExpired)', () => {
    it('stamps the follow-up when the first action is done, by a person or by the engine', async () => {
      const w = await open();
      const call = await w.templates.create(
        {
          name: 'Bel bewoner over offerte',
          dossierType: 'quotationRequest',
          event: { type: 'statusSet', to: ['offerte-aangevraagd'] },
          executionMode: 'manual',
          effect: { type: 'none' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const followUp = await w.templates.create(
        {
          name: 'Vraag na of de offerte binnen is',
          dossierType: 'quotationRequest',
          event: { type: 'actionCompleted', templateId: call.id },
          timing: { anchor: { type: 'event' }, offset: 2, unit: 'days' },
          effect: { type: 'setField', field: 'note', value: 'nagevraagd' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const afterFollowUp = await w.templates.create(
        {
          name: 'Na het navragen',
          dossierType: 'quotationRequest',
          event: { type: 'actionCompleted', templateId: followUp.id },
          effect: { type: 'setStatus', status: 'offerte-aanvraag-in-behandeling' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const { quotationRequest: qr } = await household(w);
      await patch(w, 'quotationRequest', qr.id, { status: 'offerte-aangevraagd' });
      const [first] = await actionsOf(w, qr.id);
      expect(first).toMatchObject({ templateId: call.id, status: 'due' });
      expect((await actionsOf(w, qr.id)).filter((a) => a.templateId === followUp.id)).toHaveLength(0);

      await w.actions.complete(first!.id, SYSTEM_PRINCIPAL, 'gebeld');
      const second = (await actionsOf(w, qr.id)).find((a) => a.templateId === followUp.id);
      expect(second).toMatchObject({ status: 'pending', dueAt: clock.now() + 2 * DAY });

      clock.advance(2 * DAY);
      // The engine completes the follow-up; its chained template is stamped in the same
      // transaction and runs in the same tick.
      expect((await w.scheduler.tick()).executed).toBe(2);
      const third = (await actionsOf(w, qr.id)).find((a) => a.templateId === afterFollowUp.id);
      expect(third?.status).toBe('done');
      const after = await w.dossiers.get('quotationRequest', qr.id);
      expect(after).toMatchObject({
        status: 'offerte-aanvraag-in-behandeling',
        data: { note: 'nagevraagd' },
      });
    });

    it('stamps on expiry of the first action', async () => {
      const w = await open();
      const call = await w.templates.create(
        {
          name: 'Bel bewoner',
          dossierType: 'quotationRequest',
          event: { type: 'statusSet', to: ['offerte-aangevraagd'] },
          executionMode: 'manual',
          effect: { type: 'none' },
          expiry: { offset: 2, unit: 'workingDays' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const escalate = await w.templates.create(
        {
          name: 'Escaleer niet gebelde bewoner',
          dossierType: 'quotationRequest',
          event: { type: 'actionExpired', templateId: call.id },
          effect: { type: 'setField', field: 'note', value: 'geëscaleerd' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const { quotationRequest: qr } = await household(w);
      await patch(w, 'quotationRequest', qr.id, { status: 'offerte-aangevraagd' }); // Monday 10:00
      const [first] = await actionsOf(w, qr.id);
      expect(first?.expiresAt).toBe(Date.parse('2026-11-25T10:00:00+01:00'));
      clock.set('2026-11-25T10:00:00+01:00');
      const report = await w.scheduler.tick();
      expect(report.expired).toBe(1);
      expect(await w.actions.get(first!.id)).toMatchObject({
        status: 'expired',
        statusReason: 'its end date passed before it was done',
      });
      const chained = (await actionsOf(w, qr.id)).find((a) => a.templateId === escalate.id);
      expect(chained?.status).toBe('done');
      expect((await w.dossiers.get('quotationRequest', qr.id)).data.note).toBe('geëscaleerd');
    });
  });
});

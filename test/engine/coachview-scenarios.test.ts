/**
 * The Coachview action templates of ../shared/seeds/coachview-action-templates.nl.txt as
 * end-to-end scenarios on the training-institute preset: templates linked to a training type,
 * one action per participant, the three execution modes, "2 working days before the start date"
 * across weekends, holidays and DST, expiry, reschedule, cancel, "create always" (wait),
 * simulation, retroactive categories and the automatic-workflow right.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Action } from '../../src/domain/action/action.js';
import type { Dossier } from '../../src/domain/dossier.js';
import { WerkflowError } from '../../src/domain/errors.js';
import { type Principal, SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';
import { momentText, reasonText } from '../../src/domain/action/reasons.js';

const DAY = 86_400_000;

/** A colleague with the right to handle actions but not to set up automatic workflows. */
const PLANNER: Principal = {
  id: 'u1',
  permissions: new Set(['dossiers.read', 'dossiers.write', 'actions.handle', 'templates.manual']),
};

async function patch(w: Werkflow, type: string, id: string, data: Record<string, unknown>): Promise<Dossier> {
  const current = await w.dossiers.get(type, id);
  return w.dossiers.patch(type, id, data, current.version, 'tester');
}

async function actionsOf(w: Werkflow, dossierId: string): Promise<Action[]> {
  return w.actions.list({ dossierId, limit: 100 });
}

async function catching(p: Promise<unknown>): Promise<WerkflowError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof WerkflowError) return error;
    throw error;
  }
  throw new Error('expected a WerkflowError');
}

async function rowCounts(w: Werkflow): Promise<Record<string, number>> {
  const count = async (
    table: 'actions' | 'action_history' | 'events' | 'dossiers' | 'template_versions' | 'audit_log',
  ) =>
    Number(
      (
        await w.store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    actions: await count('actions'),
    history: await count('action_history'),
    events: await count('events'),
    dossiers: await count('dossiers'),
    versions: await count('template_versions'),
    audit: await count('audit_log'),
  };
}

describe.each(BACKENDS)('Coachview scenarios on $name', (backend) => {
  let wf: Werkflow | undefined;
  let clock: TestClock;
  afterEach(async () => {
    await wf?.close();
    wf = undefined;
  });

  async function open(start = '2026-10-01T10:00:00+02:00'): Promise<Werkflow> {
    clock = new TestClock(start);
    wf = await openTestWerkflow(backend, { preset: 'training-institute', clock });
    return wf;
  }

  async function trainingType(w: Werkflow, name: string): Promise<Dossier> {
    return w.dossiers.create('trainingType', { data: { name } }, null);
  }

  async function training(w: Werkflow, type: Dossier, data: Record<string, unknown> = {}): Promise<Dossier> {
    return w.dossiers.create(
      'training',
      {
        data: {
          name: `${String(type.data.name)} ${String(data.startDate ?? '2026-12-01')}`,
          trainingType: type.id,
          status: 'te-starten',
          startDate: '2026-12-01',
          ...data,
        },
      },
      null,
    );
  }

  async function participant(w: Werkflow, t: Dossier, name: string): Promise<Dossier> {
    const person = await w.dossiers.create(
      'person',
      { data: { name, email: `${name.toLowerCase().replace(/ /g, '.')}@example.nl` } },
      null,
    );
    return w.dossiers.create(
      'participant',
      { data: { training: t.id, person: person.id, status: 'aangemeld' } },
      null,
    );
  }

  it('a template linked to a training type stamps its actions when a training of that type is created, not for other types', async () => {
    const w = await open();
    const bhv = await trainingType(w, 'BHV Basis');
    const vca = await trainingType(w, 'VCA Basis');
    await w.templates.create(
      {
        name: 'Reserveer lokaal',
        process: 'Planning',
        dossierType: 'training',
        event: { type: 'created' },
        categories: [bhv.id],
        executionMode: 'manual',
        effect: { type: 'none' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const a = await training(w, bhv);
    const b = await training(w, vca);
    expect(await actionsOf(w, a.id)).toEqual([
      expect.objectContaining({ title: 'Reserveer lokaal', process: 'Planning', status: 'due' }),
    ]);
    expect(await actionsOf(w, b.id)).toEqual([]);
    expect(await w.actions.list({ process: 'Planning', limit: 10 })).toHaveLength(1);
  });

  describe('one action per participant (fanOut)', () => {
    async function setup(w: Werkflow, repeat: 'once' | 'everyTime' = 'everyTime') {
      const bhv = await trainingType(w, 'BHV Basis');
      const tpl = await w.templates.create(
        {
          name: 'Plaats deelnemer',
          dossierType: 'training',
          event: { type: 'statusSet', to: ['definitief'] },
          categories: [bhv.id],
          fanOut: { dossierType: 'participant', field: 'training' },
          timing: { anchor: { type: 'event' }, offset: 1, unit: 'days' },
          repeat,
          // The effect works on each participant: its status is a participant status.
          effect: { type: 'setStatus', status: 'geplaatst' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      return { bhv, tpl };
    }

    it('stamps one per participant registered when the event happens; the effect runs on each participant', async () => {
      const w = await open();
      const { bhv, tpl } = await setup(w);
      // Participants refer to their training, so the training exists first: when it is created
      // there is nobody to fan out to yet, and a "created" fan-out would stamp nothing.
      const t = await training(w, bhv);
      const people = [
        await participant(w, t, 'Piet de Vries'),
        await participant(w, t, 'Sanne Bakker'),
        await participant(w, t, 'Kees Smit'),
      ];
      expect(await w.actions.list({ templateId: tpl.id, limit: 10 })).toEqual([]);
      await patch(w, 'training', t.id, { status: 'definitief' });
      const stamped = await w.actions.list({ templateId: tpl.id, limit: 10 });
      expect(stamped.map((a) => a.dossierId).sort()).toEqual(people.map((p) => p.id).sort());
      expect(stamped.every((a) => a.dossierType === 'participant' && a.status === 'pending')).toBe(true);
      // A participant registered after the event gets its action too: it joins the training.
      const late = await participant(w, t, 'Laat Aangemeld');
      const [joined] = await actionsOf(w, late.id);
      expect(joined).toMatchObject({ templateId: tpl.id, status: 'pending', dueAt: clock.now() + DAY });
      clock.advance(DAY);
      expect((await w.scheduler.tick()).executed).toBe(4);
      for (const p of [...people, late])
        expect((await w.dossiers.get('participant', p.id)).status).toBe('geplaatst');
      // The status set again (everyTime): a new round for everybody registered now.
      await patch(w, 'training', t.id, { status: 'te-starten' });
      await patch(w, 'training', t.id, { status: 'definitief' });
      expect(await w.actions.list({ templateId: tpl.id, statuses: ['pending'], limit: 10 })).toHaveLength(4);
    });

    it('a participant moved to another training or withdrawn has its pending action cancelled with the reason; one of another training type gets none', async () => {
      const w = await open();
      const { bhv, tpl } = await setup(w);
      const vca = await trainingType(w, 'VCA Basis');
      const t = await training(w, bhv, { status: 'definitief' });
      const other = await training(w, vca, { status: 'definitief' });
      const mover = await participant(w, t, 'Piet de Vries');
      const quitter = await participant(w, t, 'Sanne Bakker');
      expect(await w.actions.list({ templateId: tpl.id, limit: 10 })).toHaveLength(2);
      expect(await actionsOf(w, (await participant(w, other, 'Kees Smit')).id)).toEqual([]);
      await patch(w, 'participant', mover.id, { training: other.id });
      await patch(w, 'participant', quitter.id, { status: 'afgemeld' });
      const [moved] = await actionsOf(w, mover.id);
      const [quit] = await actionsOf(w, quitter.id);
      expect(moved).toMatchObject({ status: 'cancelled', statusReason: 'moved to another training' });
      expect(quit).toMatchObject({ status: 'cancelled', statusReason: 'withdrawn: status set to Withdrawn' });
      // Back to the BHV training: its action again.
      await patch(w, 'participant', mover.id, { training: t.id });
      expect((await actionsOf(w, mover.id)).map((a) => a.status).sort()).toEqual(['cancelled', 'pending']);
    });

    it('with repeat once, one per participant ever', async () => {
      const w = await open();
      const { bhv, tpl } = await setup(w, 'once');
      const t = await training(w, bhv);
      await participant(w, t, 'Piet de Vries');
      await participant(w, t, 'Sanne Bakker');
      await patch(w, 'training', t.id, { status: 'definitief' });
      clock.advance(DAY);
      expect((await w.scheduler.tick()).executed).toBe(2);
      await patch(w, 'training', t.id, { status: 'te-starten' });
      await patch(w, 'training', t.id, { status: 'definitief' });
      const all = await w.actions.list({ templateId: tpl.id, limit: 10 });
      expect(all.map((a) => a.status)).toEqual(['done', 'done']);
    });

    it.each(['once', 'everyTime'] as const)(
      '"2 working days before the start date" per participant moves with the start date (repeat %s)',
      async (repeat) => {
        const w = await open();
        const bhv = await trainingType(w, 'BHV Basis');
        const tpl = await w.templates.create(
          {
            name: 'Stuur deelnemers de presentielijst',
            dossierType: 'training',
            event: { type: 'dateReached', field: 'startDate' },
            fanOut: { dossierType: 'participant', field: 'training' },
            timing: {
              anchor: { type: 'field', field: 'startDate' },
              offset: -2,
              unit: 'workingDays',
              atTime: '09:00',
            },
            repeat,
            effect: { type: 'none' },
          },
          SYSTEM_PRINCIPAL,
          { publish: true },
        );
        // Created with its start date: no participants yet; each one registered joins it.
        const t = await training(w, bhv, { startDate: '2026-12-01' });
        const people = [await participant(w, t, 'Piet de Vries'), await participant(w, t, 'Sanne Bakker')];
        expect(
          (await w.actions.list({ templateId: tpl.id, limit: 10 })).map((a) => [a.status, a.dueAt]),
        ).toEqual([
          ['pending', Date.parse('2026-11-27T09:00:00+01:00')],
          ['pending', Date.parse('2026-11-27T09:00:00+01:00')],
        ]);
        // The date is moved once they are registered: one action each, at the new time.
        await patch(w, 'training', t.id, { startDate: '2026-12-08' });
        let open_ = await w.actions.list({ templateId: tpl.id, statuses: ['pending'], limit: 10 });
        expect(open_.map((a) => a.dossierId).sort()).toEqual(people.map((p) => p.id).sort());
        expect(new Set(open_.map((a) => a.dueAt))).toEqual(
          new Set([Date.parse('2026-12-04T09:00:00+01:00')]),
        );
        // Moved again: the participants' actions move along, none is left at the old time.
        await patch(w, 'training', t.id, { startDate: '2026-12-29' });
        open_ = await w.actions.list({ templateId: tpl.id, statuses: ['pending'], limit: 10 });
        expect(open_).toHaveLength(2);
        expect(new Set(open_.map((a) => a.dueAt))).toEqual(
          new Set([Date.parse('2026-12-24T09:00:00+01:00')]),
        );
        const cancelled = await w.actions.list({ templateId: tpl.id, statuses: ['cancelled'], limit: 10 });
        expect(cancelled.map((a) => a.statusReason).sort()).toEqual([
          'Start date changed to 2026-12-08; planned again',
          'Start date changed to 2026-12-08; planned again',
          'Start date changed to 2026-12-29; planned again',
          'Start date changed to 2026-12-29; planned again',
        ]);
        clock.set('2026-12-24T09:00:00+01:00');
        expect((await w.scheduler.tick()).executed).toBe(2);
      },
    );

    it('two working days before the start, every participant gets the attendance list by e-mail (one outbox row each)', async () => {
      const w = await open();
      await w.email.mailboxes.createMailbox({
        name: 'Opleidingen',
        host: '127.0.0.1',
        port: 2525,
        security: 'none',
        fromName: 'Opleidingsinstituut',
        fromAddress: 'planning@opleidingen.example.nl',
      });
      const list = await w.email.templates.createTemplate({
        name: 'Presentielijst',
        rootType: 'participant',
        subject: 'Presentielijst {{ participant.training.name }}',
        htmlBody: '<p>Beste {{ participant.person.name }}, tot {{ participant.training.startDate }}.</p>',
      });
      const bhv = await trainingType(w, 'BHV Basis');
      await w.templates.create(
        {
          name: 'Stuur deelnemers de presentielijst',
          dossierType: 'training',
          event: { type: 'dateReached', field: 'startDate' },
          categories: [bhv.id],
          fanOut: { dossierType: 'participant', field: 'training' },
          timing: {
            anchor: { type: 'field', field: 'startDate' },
            offset: -2,
            unit: 'workingDays',
            atTime: '09:00',
          },
          effect: { type: 'sendEmail', templateId: list.id, to: [{ type: 'field', path: 'person.email' }] },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const t = await training(w, bhv, { name: 'BHV december', startDate: '2026-11-30' });
      await participant(w, t, 'Piet de Vries');
      await participant(w, t, 'Sanne Bakker');
      await patch(w, 'training', t.id, { startDate: '2026-12-29' });
      clock.set('2026-12-24T08:59:00+01:00');
      expect((await w.scheduler.tick()).executed).toBe(0);
      clock.set('2026-12-24T09:00:00+01:00');
      expect((await w.scheduler.tick()).executed).toBe(2);
      const mails = await w.email.outbox.listOutbox({ limit: 10 });
      expect(mails.map((m) => [m.dossierType, m.subject, m.to]).sort()).toEqual([
        ['participant', 'Presentielijst BHV december', ['piet.de.vries@example.nl']],
        ['participant', 'Presentielijst BHV december', ['sanne.bakker@example.nl']],
      ]);
    });

    it('re-checks the training at once (the reference index): cancelled when it is no longer definitief', async () => {
      const w = await open();
      const { bhv, tpl } = await setup(w);
      const t = await training(w, bhv);
      const p = await participant(w, t, 'Piet de Vries');
      await patch(w, 'training', t.id, { status: 'definitief' });
      await patch(w, 'training', t.id, { status: 'geannuleerd' });
      const [action] = await w.actions.list({ templateId: tpl.id, limit: 10 });
      expect(action).toMatchObject({
        dossierId: p.id,
        status: 'cancelled',
        statusReason: 'status is no longer Confirmed',
      });
      clock.advance(DAY);
      expect((await w.scheduler.tick()).executed).toBe(0);
      expect((await w.dossiers.get('participant', p.id)).status).toBe('aangemeld');
    });
  });

  describe('templates on the participant linked to the training type (categoryVia)', () => {
    it('participants added later get the actions, timed from the training; moved or withdrawn cancels them', async () => {
      const w = await open();
      const bhv = await trainingType(w, 'BHV Basis');
      const vca = await trainingType(w, 'VCA Basis');
      const tpl = await w.templates.create(
        {
          name: 'Deelnemer bellen (2 werkdagen voor de start)',
          dossierType: 'participant',
          event: { type: 'created' },
          categoryVia: 'training',
          categories: [bhv.id],
          timing: {
            anchor: { type: 'field', field: 'training.startDate' },
            offset: -2,
            unit: 'workingDays',
            atTime: '09:00',
          },
          executionMode: 'manual',
          effect: { type: 'none' },
          repeat: 'once',
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const first = await training(w, bhv, { startDate: '2026-12-01' });
      const later = await training(w, bhv, { startDate: '2026-12-15' });
      const vcaTraining = await training(w, vca);
      const piet = await participant(w, first, 'Piet de Vries');
      const sanne = await participant(w, vcaTraining, 'Sanne Bakker');
      const kees = await participant(w, first, 'Kees Smit');
      expect(await actionsOf(w, piet.id)).toMatchObject([
        { templateId: tpl.id, status: 'pending', dueAt: Date.parse('2026-11-27T09:00:00+01:00') },
      ]);
      expect(await actionsOf(w, sanne.id)).toEqual([]);
      // Moved to a BHV training: the action, timed from that training's start.
      await patch(w, 'participant', sanne.id, { training: later.id });
      expect(await actionsOf(w, sanne.id)).toMatchObject([
        { status: 'pending', dueAt: Date.parse('2026-12-11T09:00:00+01:00') },
      ]);
      // The training moves: the participant's action moves along.
      await patch(w, 'training', later.id, { startDate: '2026-12-22' });
      expect((await actionsOf(w, sanne.id)).map((a) => [a.status, a.dueAt, a.statusReason]).sort()).toEqual([
        [
          'cancelled',
          Date.parse('2026-12-11T09:00:00+01:00'),
          'Start date of the training changed to 2026-12-22; planned again',
        ],
        ['pending', Date.parse('2026-12-18T09:00:00+01:00'), null],
      ]);
      // Moved to a VCA training: cancelled with the reason, nothing new.
      await patch(w, 'participant', piet.id, { training: vcaTraining.id });
      expect(await actionsOf(w, piet.id)).toMatchObject([
        { status: 'cancelled', statusReason: 'moved to another training' },
      ]);
      await patch(w, 'participant', kees.id, { status: 'afgemeld' });
      expect(await actionsOf(w, kees.id)).toMatchObject([
        { status: 'cancelled', statusReason: 'withdrawn: status set to Withdrawn' },
      ]);
    });

    it('categoryVia must lead to a dossier with categories', async () => {
      const w = await open();
      const e = await catching(
        w.templates.create(
          {
            name: 'Fout gekoppeld',
            dossierType: 'participant',
            event: { type: 'created' },
            categoryVia: 'person',
            categories: ['x'],
            executionMode: 'manual',
            effect: { type: 'none' },
          },
          SYSTEM_PRINCIPAL,
        ),
      );
      expect(e.details).toContainEqual({
        path: 'categoryVia',
        message:
          'categoryVia must be a reference field of participant to a dossier with categories: training.',
      });
    });
  });

  describe('execution modes', () => {
    it('a semi-automatic action waits for Execute and is not run by the scheduler', async () => {
      const w = await open();
      const bhv = await trainingType(w, 'BHV Basis');
      await w.templates.create(
        {
          name: 'Bevestig opleiding',
          dossierType: 'training',
          event: { type: 'created' },
          timing: { anchor: { type: 'event' }, offset: 1, unit: 'days' },
          executionMode: 'semiAutomatic',
          effect: { type: 'setStatus', status: 'definitief' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const t = await training(w, bhv);
      const [action] = await actionsOf(w, t.id);
      expect(action).toMatchObject({ status: 'pending', executionMode: 'semiAutomatic' });
      clock.advance(DAY);
      expect(await w.scheduler.tick()).toMatchObject({ executed: 0, markedDue: 1 });
      clock.advance(10 * DAY);
      expect((await w.scheduler.tick()).executed).toBe(0);
      expect((await w.actions.get(action!.id)).status).toBe('due');
      expect((await w.dossiers.get('training', t.id)).status).toBe('te-starten');
      const preview = (await w.actions.preview(action!.id)) as { effect: string };
      expect(preview.effect).toBe('setStatus');
      const done = await w.actions.execute(action!.id, PLANNER);
      expect(done.status).toBe('done');
      expect((await w.dossiers.get('training', t.id)).status).toBe('definitief');
      const history = (await w.actions.get(action!.id)).history;
      expect(history.map((h) => [h.toStatus, h.actor])).toEqual([
        ['pending', null],
        ['due', 'scheduler'],
        ['running', 'u1'],
        ['done', 'u1'],
      ]);
    });

    it('an automatic one runs when due; a manual one is completed by a person', async () => {
      const w = await open();
      const bhv = await trainingType(w, 'BHV Basis');
      await w.templates.create(
        {
          name: 'Start opleiding',
          dossierType: 'training',
          event: { type: 'dateReached', field: 'startDate' },
          timing: { anchor: { type: 'field', field: 'startDate' }, offset: 0, unit: 'days', atTime: '08:00' },
          effect: { type: 'setStatus', status: 'gestart' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      await w.templates.create(
        {
          name: 'Bel docent',
          dossierType: 'training',
          event: { type: 'created' },
          executionMode: 'manual',
          effect: { type: 'none' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const t = await training(w, bhv, { startDate: '2026-10-05' });
      const actions = await actionsOf(w, t.id);
      const auto = actions.find((a) => a.executionMode === 'automatic')!;
      const manual = actions.find((a) => a.executionMode === 'manual')!;
      expect(auto).toMatchObject({ status: 'pending', dueAt: Date.parse('2026-10-05T08:00:00+02:00') });
      expect(manual.status).toBe('due');
      clock.set('2026-10-05T07:59:00+02:00');
      expect((await w.scheduler.tick()).executed).toBe(0);
      clock.set('2026-10-05T08:00:00+02:00');
      expect((await w.scheduler.tick()).executed).toBe(1);
      expect((await w.dossiers.get('training', t.id)).status).toBe('gestart');
      // The scheduler never runs a manual action; "execute" has nothing to run.
      expect((await w.actions.get(manual.id)).status).toBe('due');
      expect((await catching(w.actions.execute(manual.id, PLANNER))).code).toBe('invalid_state');
      const completed = await w.actions.complete(manual.id, PLANNER, 'docent gebeld');
      expect(completed).toMatchObject({ status: 'done', result: { note: 'docent gebeld' } });
      expect((await catching(w.actions.complete(manual.id, PLANNER))).code).toBe('invalid_state');
    });
  });

  describe('"2 working days before the start date" at 09:00', () => {
    const presentielijst = (w: Werkflow) =>
      w.templates.create(
        {
          name: 'Stuur presentielijst',
          dossierType: 'training',
          event: { type: 'dateReached', field: 'startDate' },
          timing: {
            anchor: { type: 'field', field: 'startDate' },
            offset: -2,
            unit: 'workingDays',
            atTime: '09:00',
          },
          effect: { type: 'none' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );

    const cases: [start: string, due: string, why: string][] = [
      ['2026-12-01', '2026-11-27T09:00:00+01:00', 'Tuesday → the Friday before (weekend)'],
      [
        '2026-12-29',
        '2026-12-24T09:00:00+01:00',
        'Tuesday after Christmas → Thursday 24 December (both Christmas days and the weekend)',
      ],
      ['2027-01-04', '2026-12-30T09:00:00+01:00', "Monday after New Year's Day → Wednesday 30 December"],
      [
        '2027-03-31',
        '2027-03-26T09:00:00+01:00',
        'Wednesday after Easter → Goede Vrijdag (a working day by default), skipping Tweede Paasdag, in winter time (DST starts 28 March)',
      ],
      ['2027-04-29', '2027-04-26T09:00:00+02:00', 'Thursday after Koningsdag → Monday 26 April'],
      [
        '2026-10-27',
        '2026-10-23T09:00:00+02:00',
        'Tuesday after the clocks go back → Friday, still summer time',
      ],
      ['2026-10-28', '2026-10-26T09:00:00+01:00', 'Wednesday → Monday, winter time'],
    ];

    it.each(cases)('start %s → due %s (%s)', async (start, due) => {
      const w = await open();
      const bhv = await trainingType(w, 'BHV Basis');
      await presentielijst(w);
      const t = await training(w, bhv, { startDate: start });
      const [action] = await actionsOf(w, t.id);
      expect(new Date(action!.dueAt!).toISOString()).toBe(new Date(due).toISOString());
      clock.set(Date.parse(due) - 1);
      expect((await w.scheduler.tick()).executed).toBe(0);
      clock.set(due);
      expect((await w.scheduler.tick()).executed).toBe(1);
    });

    it('skips Goede Vrijdag only when the administrator switches it on; Bevrijdingsdag only in lustrum years when chosen', async () => {
      const w = await open();
      const bhv = await trainingType(w, 'BHV Basis');
      await presentielijst(w);
      const dueOf = async (startDate: string) => {
        const t = await training(w, bhv, { startDate });
        const [action] = await actionsOf(w, t.id);
        return new Date(action!.dueAt!).toISOString();
      };
      // Default: Tweede Paasdag (29 March 2027) is skipped, Goede Vrijdag (26 March) is not.
      expect(await dueOf('2027-03-31')).toBe(new Date('2027-03-26T09:00:00+01:00').toISOString());
      // Friday 7 May 2027 → Monday 3 May: Hemelvaartsdag (6 May) and Bevrijdingsdag (Wednesday 5 May,
      // a day off every year by default) are skipped.
      expect(await dueOf('2027-05-07')).toBe(new Date('2027-05-03T09:00:00+02:00').toISOString());
      const settings = await w.calendar.settings();
      await w.calendar.save({ ...settings, goodFriday: true, liberationDayLustrumOnly: true });
      expect(await dueOf('2027-03-31')).toBe(new Date('2027-03-25T09:00:00+01:00').toISOString());
      // 2027 is no lustrum year: 5 May is a working day.
      expect(await dueOf('2027-05-07')).toBe(new Date('2027-05-04T09:00:00+02:00').toISOString());
      const holidays = (await w.calendar.calendar()).holidays;
      expect([holidays.has('2025-05-05'), holidays.has('2027-05-05'), holidays.has('2030-05-05')]).toEqual([
        true,
        false,
        true,
      ]);
    });

    it('moves with the start date', async () => {
      const w = await open();
      const bhv = await trainingType(w, 'BHV Basis');
      await presentielijst(w);
      const t = await training(w, bhv, { startDate: '2026-12-01' });
      await patch(w, 'training', t.id, { startDate: '2026-12-29' });
      const open_ = (await actionsOf(w, t.id)).filter((a) => a.status === 'pending');
      expect(open_.map((a) => a.dueAt)).toEqual([Date.parse('2026-12-24T09:00:00+01:00')]);
    });
  });

  it('expiry: an action not done by its end date expires', async () => {
    const w = await open('2026-12-23T10:00:00+01:00'); // Wednesday before Christmas
    const bhv = await trainingType(w, 'BHV Basis');
    await w.templates.create(
      {
        name: 'Bel contactpersoon',
        dossierType: 'training',
        event: { type: 'created' },
        executionMode: 'manual',
        effect: { type: 'none' },
        expiry: { offset: 2, unit: 'workingDays' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const t = await training(w, bhv, { startDate: '2027-01-11' });
    const [action] = await actionsOf(w, t.id);
    // Thursday 24th, then Christmas, Boxing Day and the weekend do not count: Monday 28th.
    expect(action!.expiresAt).toBe(Date.parse('2026-12-28T10:00:00+01:00'));
    clock.set('2026-12-28T09:59:00+01:00');
    expect((await w.scheduler.tick()).expired).toBe(0);
    clock.set('2026-12-28T10:00:00+01:00');
    expect((await w.scheduler.tick()).expired).toBe(1);
    expect(await w.actions.get(action!.id)).toMatchObject({
      status: 'expired',
      statusReason: 'its end date passed before it was done',
    });
    expect((await catching(w.actions.complete(action!.id, PLANNER))).code).toBe('invalid_state');
  });

  it('reschedule and cancel', async () => {
    const w = await open();
    const bhv = await trainingType(w, 'BHV Basis');
    await w.templates.create(
      {
        name: 'Bevestig',
        dossierType: 'training',
        event: { type: 'created' },
        timing: { anchor: { type: 'event' }, offset: 1, unit: 'days' },
        effect: { type: 'setStatus', status: 'definitief' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const t1 = await training(w, bhv);
    const t2 = await training(w, bhv, { startDate: '2026-12-08' });
    const [a1] = await actionsOf(w, t1.id);
    const [a2] = await actionsOf(w, t2.id);
    const later = clock.now() + 3 * DAY;
    expect((await w.actions.reschedule(a1!.id, later, PLANNER)).dueAt).toBe(later);
    expect((await w.actions.cancel(a2!.id, PLANNER, 'opleiding gaat niet door')).statusReason).toBe(
      'opleiding gaat niet door',
    );
    clock.advance(DAY);
    expect((await w.scheduler.tick()).executed).toBe(0);
    clock.advance(2 * DAY);
    expect((await w.scheduler.tick()).executed).toBe(1);
    expect((await w.dossiers.get('training', t1.id)).status).toBe('definitief');
    expect((await w.dossiers.get('training', t2.id)).status).toBe('te-starten');
    // The note is a code with the new time as an instant, written out in the organisation's zone
    // in both languages.
    const timeZone = (await w.calendar.settings()).timeZone;
    const iso = new Date(later).toISOString();
    const when = { nl: momentText(iso, timeZone, 'nl'), en: momentText(iso, timeZone, 'en') };
    const rescheduled = (await w.actions.get(a1!.id)).history.find(
      (h) => h.noteCoded?.code === 'reason.rescheduled',
    );
    expect(rescheduled?.noteCoded?.params).toEqual({ dueAt: { instant: iso, timeZone } });
    expect(rescheduled?.note).toBe(`rescheduled to ${when.en}`);
    expect(reasonText(rescheduled!.noteCoded!, 'nl')).toBe(`verplaatst naar ${when.nl}`);
    expect(when.nl).not.toMatch(/T\d\d:/);
    expect((await catching(w.actions.cancel(a1!.id, PLANNER))).code).toBe('invalid_state');
    expect((await catching(w.actions.reschedule(a2!.id, later, PLANNER))).code).toBe('invalid_state');
  });

  it('"create always" (whenConditionsFail: wait): stamped as waiting, pending once the conditions hold', async () => {
    const w = await open();
    const bhv = await trainingType(w, 'BHV Basis');
    const coach = (
      await w.auth.users.createUser(
        { name: 'Dirk van Dam', email: 'dirk@opleidingen.example.nl', roles: ['staff'] },
        'test',
      )
    ).id;
    await w.templates.create(
      {
        name: 'Coach bevestigt',
        dossierType: 'training',
        event: { type: 'created' },
        conditions: { type: 'compare', field: 'coach', op: 'isNotEmpty' },
        whenConditionsFail: 'wait',
        assignee: { type: 'field', path: 'coach' },
        effect: { type: 'setStatus', status: 'definitief' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const t = await training(w, bhv);
    const [action] = await actionsOf(w, t.id);
    expect(action).toMatchObject({ status: 'waiting', statusReason: 'waiting until the conditions hold' });
    clock.advance(DAY);
    expect((await w.scheduler.tick()).executed).toBe(0);
    await patch(w, 'training', t.id, { coach });
    expect((await w.actions.get(action!.id)).status).toBe('pending');
    expect((await w.scheduler.tick()).executed).toBe(1);
    expect((await w.dossiers.get('training', t.id)).status).toBe('definitief');

    // Pending, then the conditions fail: back to waiting (not cancelled), and pending again.
    const t2 = await training(w, bhv, { coach });
    const [a2] = await actionsOf(w, t2.id);
    expect(a2!.status).toBe('pending');
    await patch(w, 'training', t2.id, { coach: null });
    expect((await w.actions.get(a2!.id)).status).toBe('waiting');
    await patch(w, 'training', t2.id, { coach });
    expect((await w.actions.get(a2!.id)).status).toBe('pending');
  });

  it('simulation shows what a draft would stamp and writes nothing', async () => {
    const w = await open();
    const bhv = await trainingType(w, 'BHV Basis');
    const vca = await trainingType(w, 'VCA Basis');
    await training(w, bhv, { startDate: '2026-12-01' });
    await training(w, bhv, { startDate: '2026-12-29' });
    await training(w, vca);
    const tpl = await w.templates.create(
      {
        name: 'Stuur presentielijst',
        dossierType: 'training',
        event: { type: 'dateReached', field: 'startDate' },
        categories: [bhv.id],
        timing: {
          anchor: { type: 'field', field: 'startDate' },
          offset: -2,
          unit: 'workingDays',
          atTime: '09:00',
        },
        effect: { type: 'none' },
      },
      SYSTEM_PRINCIPAL,
    );
    const before = await rowCounts(w);
    const sim = await w.templates.simulate(tpl.id);
    expect(sim.total).toBe(2);
    expect(sim.items.map((i) => i.dueAt).sort()).toEqual([
      Date.parse('2026-11-27T09:00:00+01:00'),
      Date.parse('2026-12-24T09:00:00+01:00'),
    ]);
    expect(await rowCounts(w)).toEqual(before);
    expect(await w.actions.list({ templateId: tpl.id, limit: 10 })).toEqual([]);
  });

  it('retroactive linking of a fan-out template counts actions (one per participant), applies exactly that, and again 0 / 0 without churn', async () => {
    const w = await open();
    const bhv = await trainingType(w, 'BHV Basis');
    const vca = await trainingType(w, 'VCA Basis');
    const first = await training(w, bhv, { status: 'definitief' });
    const second = await training(w, bhv, { status: 'definitief', startDate: '2026-12-08' });
    const vcaTraining = await training(w, vca, { status: 'definitief' });
    for (const [t, names] of [
      [first, ['Piet de Vries', 'Sanne Bakker', 'Kees Smit']],
      [second, ['Anna Jansen', 'Bram Visser']],
      [vcaTraining, ['Eva de Boer']],
    ] as const)
      for (const name of names) await participant(w, t, name);
    const tpl = await w.templates.create(
      {
        name: 'Deelnemers informeren',
        dossierType: 'training',
        event: { type: 'statusSet', to: ['definitief'] },
        fanOut: { dossierType: 'participant', field: 'training' },
        categories: [bhv.id],
        timing: { anchor: { type: 'field', field: 'startDate' }, offset: -2, unit: 'workingDays' },
        executionMode: 'manual',
        effect: { type: 'none' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const plan = (dryRun: boolean) => w.templates.applyCategories(tpl.id, SYSTEM_PRINCIPAL, { dryRun });
    const before = await rowCounts(w);
    expect(await plan(true)).toMatchObject({ toStamp: 5, toRemove: 0, applied: false });
    expect(await rowCounts(w)).toEqual(before);
    expect(await plan(false)).toMatchObject({ toStamp: 5, toRemove: 0, applied: true });
    expect(await w.actions.list({ templateId: tpl.id, limit: 100 })).toHaveLength(5);
    const after = await rowCounts(w);
    expect(await plan(true)).toMatchObject({ toStamp: 0, toRemove: 0, applied: false });
    expect(await plan(false)).toMatchObject({ toStamp: 0, toRemove: 0, applied: true });
    // No cancel-and-restamp: the actions and their history are as they were (one audit entry more).
    expect(await rowCounts(w)).toEqual({ ...after, audit: after.audit! + 1 });
    // Linked to VCA instead: the five BHV participants' actions go, the VCA participant gets one.
    await w.templates.updateDraft(
      tpl.id,
      { ...(await w.templates.get(tpl.id)).draft, categories: [vca.id] },
      SYSTEM_PRINCIPAL,
    );
    await w.templates.publish(tpl.id, SYSTEM_PRINCIPAL);
    expect(await plan(true)).toMatchObject({ toStamp: 1, toRemove: 5, applied: false });
    expect(await plan(false)).toMatchObject({ toStamp: 1, toRemove: 5, applied: true });
    expect(await plan(true)).toMatchObject({ toStamp: 0, toRemove: 0, applied: false });
  });

  it('retroactive categories: a dry run counts, applying stamps, applying again stamps nothing new', async () => {
    const w = await open();
    const bhv = await trainingType(w, 'BHV Basis');
    const vca = await trainingType(w, 'VCA Basis');
    const existing = [
      await training(w, bhv),
      await training(w, bhv, { startDate: '2026-12-08' }),
      await training(w, bhv, { startDate: '2026-12-15', status: 'geannuleerd' }),
    ];
    const other = await training(w, vca);
    const tpl = await w.templates.create(
      {
        name: 'Reserveer lokaal',
        dossierType: 'training',
        event: { type: 'created' },
        categories: [bhv.id],
        conditions: { type: 'compare', field: 'status', op: 'ne', value: 'geannuleerd' },
        executionMode: 'manual',
        effect: { type: 'none' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    // A training created after linking is stamped by its event.
    const fresh = await training(w, bhv, { startDate: '2027-01-12' });
    expect(await actionsOf(w, fresh.id)).toHaveLength(1);
    const before = await rowCounts(w);
    expect(await w.templates.applyCategories(tpl.id, SYSTEM_PRINCIPAL, { dryRun: true })).toMatchObject({
      toStamp: 2,
      toRemove: 0,
      applied: false,
    });
    expect(await rowCounts(w)).toEqual(before);

    expect(await w.templates.applyCategories(tpl.id, SYSTEM_PRINCIPAL, { dryRun: false })).toMatchObject({
      toStamp: 2,
      toRemove: 0,
      applied: true,
    });
    expect(await actionsOf(w, existing[0]!.id)).toHaveLength(1);
    expect(await actionsOf(w, existing[1]!.id)).toHaveLength(1);
    expect(await actionsOf(w, existing[2]!.id)).toHaveLength(0); // conditions do not hold
    expect(await actionsOf(w, other.id)).toHaveLength(0);

    expect(await w.templates.applyCategories(tpl.id, SYSTEM_PRINCIPAL, { dryRun: true })).toMatchObject({
      toStamp: 0,
      toRemove: 0,
      applied: false,
    });
    expect(await w.templates.applyCategories(tpl.id, SYSTEM_PRINCIPAL, { dryRun: false })).toMatchObject({
      toStamp: 0,
      toRemove: 0,
      applied: true,
    });
    expect(await w.actions.list({ templateId: tpl.id, limit: 100 })).toHaveLength(3);

    // Linked to VCA instead: the open BHV actions would be removed, the VCA training stamped.
    await w.templates.updateDraft(
      tpl.id,
      { ...(await w.templates.get(tpl.id)).draft, categories: [vca.id] },
      SYSTEM_PRINCIPAL,
    );
    await w.templates.publish(tpl.id, SYSTEM_PRINCIPAL);
    expect(await w.templates.applyCategories(tpl.id, SYSTEM_PRINCIPAL, { dryRun: true })).toMatchObject({
      toStamp: 1,
      toRemove: 3,
      applied: false,
    });
    await w.templates.applyCategories(tpl.id, SYSTEM_PRINCIPAL, { dryRun: false });
    const all = await w.actions.list({ templateId: tpl.id, limit: 100 });
    expect(all.filter((a) => a.status === 'cancelled')).toHaveLength(3);
    expect(all.filter((a) => a.status === 'due').map((a) => a.dossierId)).toEqual([other.id]);
    expect(await w.templates.applyCategories(tpl.id, SYSTEM_PRINCIPAL, { dryRun: true })).toMatchObject({
      toStamp: 0,
      toRemove: 0,
      applied: false,
    });
  });

  it('only principals with workflows.automatic may create or publish automatic and semi-automatic templates', async () => {
    const w = await open();
    const base = { dossierType: 'training', event: { type: 'created' }, effect: { type: 'none' } };
    for (const executionMode of ['automatic', 'semiAutomatic']) {
      const error = await catching(
        w.templates.create({ ...base, name: `Auto ${executionMode}`, executionMode }, PLANNER, {
          publish: true,
        }),
      );
      expect(error.code).toBe('forbidden');
      expect(error.message).toContain('workflows.automatic');
    }
    expect(await w.templates.list()).toEqual([]);
    // Manual templates are theirs to make.
    const manual = await w.templates.create(
      { ...base, name: 'Handmatig', executionMode: 'manual' },
      PLANNER,
      { publish: true },
    );
    expect(manual.publishedVersion).toBe(1);
    // Nor may they turn a manual template automatic, or publish an automatic draft someone else made.
    const toAuto = await catching(
      w.templates.updateDraft(manual.id, { ...manual.draft, executionMode: 'automatic' }, PLANNER),
    );
    expect(toAuto.code).toBe('forbidden');
    const draft = await w.templates.create(
      { ...base, name: 'Automatisch concept', executionMode: 'automatic' },
      SYSTEM_PRINCIPAL,
    );
    const publish = await catching(w.templates.publish(draft.id, PLANNER));
    expect(publish.code).toBe('forbidden');
    expect(publish.message).toContain('workflows.automatic');
    expect((await w.templates.get(draft.id)).publishedVersion).toBeNull();
  });

  it('switching a template on checks the right for its published version, not only for its draft', async () => {
    const w = await open();
    const base = { dossierType: 'training', event: { type: 'created' }, effect: { type: 'none' } };
    // Published automatic and switched off; then the draft was made manual (not published).
    const tpl = await w.templates.create(
      { ...base, name: 'Automatisch, uitgezet', executionMode: 'automatic' },
      SYSTEM_PRINCIPAL,
      { publish: true, active: false },
    );
    await w.templates.updateDraft(tpl.id, { ...tpl.draft, executionMode: 'manual' }, SYSTEM_PRINCIPAL);
    expect((await w.templates.get(tpl.id)).draft.executionMode).toBe('manual');
    const on = await catching(w.templates.setActive(tpl.id, true, PLANNER));
    expect(on.code).toBe('forbidden');
    expect(on.message).toContain('workflows.automatic');
    expect((await w.templates.get(tpl.id)).active).toBe(false);
    // Someone with the right may; and a manual template stays the planner's to switch.
    expect((await w.templates.setActive(tpl.id, true, SYSTEM_PRINCIPAL)).active).toBe(true);
    const manual = await w.templates.create(
      { ...base, name: 'Handmatig', executionMode: 'manual' },
      PLANNER,
      {
        publish: true,
        active: false,
      },
    );
    expect((await w.templates.setActive(manual.id, true, PLANNER)).active).toBe(true);
  });

  it('applying categories refuses a template linked to no category (it applies to every dossier)', async () => {
    const w = await open();
    const bhv = await trainingType(w, 'BHV Basis');
    const tpl = await w.templates.create(
      {
        name: 'Voor elke opleiding',
        dossierType: 'training',
        event: { type: 'created' },
        categories: [],
        executionMode: 'manual',
        effect: { type: 'none' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const t = await training(w, bhv);
    const [action] = await actionsOf(w, t.id);
    expect(action?.status).toBe('due');
    for (const dryRun of [true, false]) {
      const error = await catching(w.templates.applyCategories(tpl.id, SYSTEM_PRINCIPAL, { dryRun }));
      expect(error.code).toBe('invalid_state');
      expect(error.message).toBe(
        'The template is linked to no category: it applies to every dossier, so there is nothing to apply.',
      );
    }
    expect((await w.actions.get(action!.id)).status).toBe('due');
  });

  describe('what a person may do with an action in each status', () => {
    async function setup(w: Werkflow) {
      const bhv = await trainingType(w, 'BHV Basis');
      await w.templates.create(
        {
          name: 'Bevestig',
          dossierType: 'training',
          event: { type: 'created' },
          timing: { anchor: { type: 'event' }, offset: 1, unit: 'days' },
          effect: { type: 'setStatus', status: 'definitief' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      await w.templates.create(
        {
          name: 'Bevestig met de knop',
          dossierType: 'training',
          event: { type: 'created' },
          timing: { anchor: { type: 'event' }, offset: 1, unit: 'days' },
          executionMode: 'semiAutomatic',
          effect: { type: 'setStatus', status: 'definitief' },
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      const t = await training(w, bhv);
      const actions = await actionsOf(w, t.id);
      return {
        t,
        auto: actions.find((a) => a.executionMode === 'automatic')!,
        semi: actions.find((a) => a.executionMode === 'semiAutomatic')!,
      };
    }
    /** Puts an action in a status as the engine would (the scheduler claims, an effect fails). */
    async function force(w: Werkflow, id: string, status: 'running' | 'failed') {
      await w.store.db
        .updateTable('actions')
        .set({
          status,
          ...(status === 'running' ? { locked_by: 'worker:test', locked_at: clock.now() } : {}),
        })
        .where('id', '=', id)
        .execute();
    }

    it('a running action cannot be cancelled: its effect may be under way', async () => {
      const w = await open();
      const { auto, semi } = await setup(w);
      for (const a of [auto, semi]) {
        await force(w, a.id, 'running');
        const error = await catching(w.actions.cancel(a.id, PLANNER, 'toch niet'));
        expect(error.code).toBe('invalid_state');
        expect(error.message).toMatch(/it is being executed right now; wait for it to finish/);
        expect((await w.actions.get(a.id)).status).toBe('running');
      }
    });

    it('an automatic action is completed by the engine; a person completes it only after it failed', async () => {
      const w = await open();
      const { auto, semi } = await setup(w);
      // Pending automatic work: the engine does it when due; marking it done would skip its effect.
      const pending = await catching(w.actions.complete(auto.id, PLANNER, 'al gedaan'));
      expect(pending.code).toBe('invalid_state');
      expect(pending.message).toMatch(/automatic/);
      expect((await w.actions.get(auto.id)).status).toBe('pending');
      await force(w, auto.id, 'running');
      expect((await catching(w.actions.complete(auto.id, PLANNER))).code).toBe('invalid_state');
      // Failed: a person may fix the cause by hand and mark it done.
      await force(w, auto.id, 'failed');
      expect((await w.actions.complete(auto.id, PLANNER, 'met de hand gedaan')).status).toBe('done');
      // Semi-automatic work is a person's: pending may be marked done (handled outside Werkflow).
      expect((await w.actions.complete(semi.id, PLANNER, 'buiten Werkflow bevestigd')).status).toBe('done');
    });
  });
});

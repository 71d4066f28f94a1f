/**
 * Issue 8, story 9 (first half): a template whose conditions read through a reference
 * (`intake.contact.city` on an opportunity) reacts at once when the referenced dossier changes —
 * not only at due time or on the waiting re-check of a later scheduler tick. The dossiers an open
 * action reads are kept in `action_reads` (migration 011), so a change finds its dependants by
 * index, and one contact read by hundreds of opportunities re-checks them all in one batch.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Action } from '../../src/domain/action/action.js';
import type { Dossier } from '../../src/domain/dossier.js';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { apiAs } from '../support/api-client.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';

describe.each(BACKENDS)('conditions that read through references on $name', (backend) => {
  let wf: Werkflow | undefined;
  afterEach(async () => {
    await wf?.close();
    wf = undefined;
  });

  async function open(): Promise<Werkflow> {
    wf = await openTestWerkflow(backend, { clock: new TestClock('2026-11-23T10:00:00+01:00') });
    return wf;
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

  /** "Bel bewoner in Utrecht", 3 days after a new opportunity, while the resident lives in Utrecht. */
  async function utrechtTemplate(w: Werkflow, whenConditionsFail: 'cancel' | 'wait') {
    await w.templates.create(
      {
        name: 'Bel bewoner in Utrecht',
        dossierType: 'opportunity',
        event: { type: 'created' },
        timing: { anchor: { type: 'event' }, offset: 3, unit: 'days' },
        conditions: { type: 'compare', field: 'intake.contact.city', op: 'eq', value: 'Utrecht' },
        whenConditionsFail,
        effect: { type: 'setField', field: 'note', value: 'gebeld' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
  }

  async function contact(w: Werkflow, name: string, city: string): Promise<Dossier> {
    return w.dossiers.create('contact', { data: { kind: 'persoon', name, city } }, null);
  }

  async function household(w: Werkflow, city = 'Utrecht', opportunities = 1) {
    const resident = await contact(w, 'Jan Jansen', city);
    const measure = await w.dossiers.create('measureCategory', { data: { name: 'Zon' } }, null);
    const intake = await w.dossiers.create(
      'intake',
      { data: { contact: resident.id, status: 'open' } },
      null,
    );
    const opps: Dossier[] = [];
    for (let i = 0; i < opportunities; i++) {
      opps.push(
        await w.dossiers.create(
          'opportunity',
          {
            data: { name: `Zon ${i + 1}`, intake: intake.id, measureCategory: measure.id, status: 'actief' },
          },
          null,
        ),
      );
    }
    return { resident, intake, opportunity: opps[0]!, opportunities: opps };
  }

  async function only(w: Werkflow, dossierId: string): Promise<Action> {
    const actions = await w.actions.list({ dossierId, limit: 10 });
    expect(actions).toHaveLength(1);
    return actions[0]!;
  }

  it('cancels the pending action at once, with the reason, when the referenced contact moves', async () => {
    const w = await open();
    await utrechtTemplate(w, 'cancel');
    const { resident, opportunity } = await household(w);
    const action = await only(w, opportunity.id);
    expect(action.status).toBe('pending');
    const reads = await w.store.db
      .selectFrom('action_reads')
      .selectAll()
      .where('action_id', '=', action.id)
      .execute();
    expect(reads.map((r) => r.dossier_id).sort()).toEqual([resident.id, opportunity.data.intake].sort());

    await patch(w, 'contact', resident.id, { city: 'Amersfoort' });
    const after = await w.actions.get(action.id);
    expect(after.status).toBe('cancelled');
    expect(after.statusReason).toMatch(/no longer hold after a change to the contact/);
    // A closed action reads nothing any more.
    expect(
      await w.store.db.selectFrom('action_reads').selectAll().where('action_id', '=', action.id).execute(),
    ).toEqual([]);
  });

  it('the reason is a code with params, read in the reader’s language; the English text stays (issue 8, story 8)', async () => {
    const w = await open();
    await utrechtTemplate(w, 'cancel');
    const { resident, opportunity } = await household(w);
    const action = await only(w, opportunity.id);
    await patch(w, 'contact', resident.id, { city: 'Amersfoort' });
    const staff = await apiAs(w, 'staff');
    try {
      const read = async (lang: string) =>
        (
          await staff.request('GET', `/api/actions/${action.id}`, undefined, { 'accept-language': lang })
        ).json<{
          statusReason: string;
          statusReasonCoded: { code: string; params: Record<string, unknown>; text: string };
          history: { note: string | null; noteCoded: { code: string; text: string } | null }[];
        }>();
      const dutch = await read('nl-NL,nl;q=0.9');
      expect(dutch.statusReason).toBe(
        'the conditions of the template no longer hold after a change to the contact',
      );
      expect(dutch.statusReasonCoded).toEqual({
        code: 'reason.referenceChanged',
        params: { dossierTypes: { nl: 'contact', en: 'contact' } },
        text: 'de voorwaarden van het sjabloon kloppen niet meer na een wijziging van contact',
      });
      expect(dutch.history.map((h) => h.noteCoded?.code)).toEqual([
        'reason.stamped',
        'reason.referenceChanged',
      ]);
      expect(dutch.history[0]!.noteCoded?.text).toBe('aangemaakt');
      const english = await read('en');
      expect(english.statusReasonCoded.text).toBe(english.statusReason);
      // A row written before migration 010 (no code) reads as reason.text with its words.
      await w.store.db
        .updateTable('actions')
        .set({ status_reason_code: null, status_reason_params: null })
        .where('id', '=', action.id)
        .execute();
      expect((await read('nl')).statusReasonCoded).toMatchObject({
        code: 'reason.text',
        params: { text: english.statusReason },
      });
    } finally {
      await staff.app.close();
    }
  });

  it('open actions stamped before migration 011 get their index rows from the backfill', async () => {
    const w = await open();
    await utrechtTemplate(w, 'cancel');
    const { resident, opportunity } = await household(w);
    const action = await only(w, opportunity.id);
    await w.store.db.deleteFrom('action_reads').execute();
    expect(await w.engine.backfillReads()).toBe(2); // the intake and the contact
    await patch(w, 'contact', resident.id, { city: 'Amersfoort' });
    expect((await w.actions.get(action.id)).status).toBe('cancelled');
  });

  it('leaves the action alone when the change keeps the condition true', async () => {
    const w = await open();
    await utrechtTemplate(w, 'cancel');
    const { resident, opportunity } = await household(w);
    await patch(w, 'contact', resident.id, { email: 'jan@example.nl' });
    const action = await w.actions.get((await only(w, opportunity.id)).id);
    expect(action.status).toBe('pending');
    expect(action.history.map((h) => h.toStatus)).toEqual(['pending']);
  });

  it('parks it with "create always" and wakes it at once when the condition holds again', async () => {
    const w = await open();
    await utrechtTemplate(w, 'wait');
    const { resident, opportunity } = await household(w);
    const action = await only(w, opportunity.id);
    await patch(w, 'contact', resident.id, { city: 'Amersfoort' });
    expect((await w.actions.get(action.id)).status).toBe('waiting');
    await patch(w, 'contact', resident.id, { city: 'Utrecht' });
    const woken = await w.actions.get(action.id);
    expect(woken.status).toBe('pending');
    expect(woken.history.map((h) => h.toStatus)).toEqual(['pending', 'waiting', 'pending']);
  });

  it('a waiting action (stamped while the condition failed) wakes at once when the contact comes to meet it', async () => {
    const w = await open();
    await utrechtTemplate(w, 'wait');
    const { resident, opportunity } = await household(w, 'Zeist');
    const action = await only(w, opportunity.id);
    expect(action.status).toBe('waiting');
    await patch(w, 'contact', resident.id, { city: 'Utrecht' });
    expect((await w.actions.get(action.id)).status).toBe('pending');
  });

  it('follows the reference when it moves: the new contact counts, the old one no longer does', async () => {
    const w = await open();
    await utrechtTemplate(w, 'wait');
    const { resident, intake, opportunity } = await household(w);
    const action = await only(w, opportunity.id);
    const partner = await contact(w, 'Piet Jansen', 'Houten');
    // The intake now points at someone in Houten: the action is parked at once.
    await patch(w, 'intake', intake.id, { contact: partner.id });
    expect((await w.actions.get(action.id)).status).toBe('waiting');
    // The old contact is no longer read: moving it to Utrecht wakes nothing.
    await patch(w, 'contact', resident.id, { city: 'Zeist' });
    await patch(w, 'contact', resident.id, { city: 'Utrecht' });
    expect((await w.actions.get(action.id)).status).toBe('waiting');
    // The new one is.
    await patch(w, 'contact', partner.id, { city: 'Utrecht' });
    expect((await w.actions.get(action.id)).status).toBe('pending');
    const reads = await w.store.db
      .selectFrom('action_reads')
      .selectAll()
      .where('action_id', '=', action.id)
      .execute();
    expect(reads.map((r) => r.dossier_id).sort()).toEqual([partner.id, intake.id].sort());
  });

  it('one contact read by 300 opportunities: found through the index and re-checked in one batch', async () => {
    const w = await open();
    await utrechtTemplate(w, 'wait');
    const { resident, opportunities } = await household(w, 'Utrecht', 300);
    const lookups = vi.spyOn(w.engine.reads, 'openReadersOf');
    const transitions = vi.spyOn(w.engine.actions, 'transition');
    const loads = vi.spyOn(w.engine.actions, 'openForDossiers');
    await patch(w, 'contact', resident.id, { city: 'Amersfoort' });
    expect(lookups).toHaveBeenCalledTimes(1);
    expect(transitions).toHaveBeenCalledTimes(1);
    expect(transitions.mock.calls[0]![0]).toHaveLength(300);
    // No scan of the opportunities' own actions: the contact has none, and nothing else is read.
    expect(loads).not.toHaveBeenCalled();
    const statuses = await w.store.db
      .selectFrom('actions')
      .select('status')
      .where(
        'dossier_id',
        'in',
        opportunities.map((o) => o.id),
      )
      .execute();
    expect(statuses.map((s) => s.status)).toEqual(Array(300).fill('waiting'));
  }, 120_000);
});

/**
 * Fan-out templates ("one per participant"): the actions live on the participants, the conditions
 * speak of the training (and what it refers to). They are in `action_reads` too — each reads its
 * training and the dossiers its conditions reach from there — so a change to the training or its
 * location cancels, parks or wakes them at once, without advancing the clock.
 */
describe.each(BACKENDS)('fan-out actions that read their training on $name', (backend) => {
  let wf: Werkflow | undefined;
  afterEach(async () => {
    await wf?.close();
    wf = undefined;
  });

  async function open(): Promise<Werkflow> {
    wf = await openTestWerkflow(backend, {
      preset: 'training-institute',
      clock: new TestClock('2026-10-01T10:00:00+02:00'),
    });
    return wf;
  }

  async function patch(w: Werkflow, type: string, id: string, data: Record<string, unknown>) {
    const current = await w.dossiers.get(type, id);
    return w.dossiers.patch(type, id, data, current.version, 'tester');
  }

  /** "Stuur routebeschrijving" to every participant of a confirmed training held in Utrecht. */
  async function setup(w: Werkflow, whenConditionsFail: 'cancel' | 'wait') {
    const tpl = await w.templates.create(
      {
        name: 'Stuur routebeschrijving',
        dossierType: 'training',
        event: { type: 'statusSet', to: ['definitief'] },
        fanOut: { dossierType: 'participant', field: 'training' },
        conditions: { type: 'compare', field: 'location.city', op: 'eq', value: 'Utrecht' },
        whenConditionsFail,
        timing: { anchor: { type: 'event' }, offset: 5, unit: 'days' },
        effect: { type: 'setStatus', status: 'geplaatst' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const type = await w.dossiers.create('trainingType', { data: { name: 'BHV Basis' } }, null);
    const location = await w.dossiers.create(
      'location',
      { data: { name: 'Centrum', city: 'Utrecht' } },
      null,
    );
    const training = await w.dossiers.create(
      'training',
      {
        data: {
          name: 'BHV december',
          trainingType: type.id,
          status: 'te-starten',
          startDate: '2026-12-01',
          location: location.id,
        },
      },
      null,
    );
    const participants: Dossier[] = [];
    for (const name of ['Piet de Vries', 'Sanne Bakker']) participants.push(await join(w, training, name));
    await patch(w, 'training', training.id, { status: 'definitief' });
    return { tpl, location, training, participants };
  }

  async function join(w: Werkflow, training: Dossier, name: string): Promise<Dossier> {
    const person = await w.dossiers.create('person', { data: { name } }, null);
    return w.dossiers.create(
      'participant',
      { data: { training: training.id, person: person.id, status: 'aangemeld' } },
      null,
    );
  }

  async function statusesOf(w: Werkflow, templateId: string): Promise<string[]> {
    return (await w.actions.list({ templateId, limit: 50 })).map((a) => a.status).sort();
  }

  async function readsOfAction(w: Werkflow, actionId: string): Promise<string[]> {
    const rows = await w.store.db
      .selectFrom('action_reads')
      .selectAll()
      .where('action_id', '=', actionId)
      .execute();
    return rows.map((r) => r.dossier_id).sort();
  }

  it('indexes each participant’s action under its training and location; a move of the location cancels them all at once', async () => {
    const w = await open();
    const { tpl, location, training, participants } = await setup(w, 'cancel');
    const stamped = await w.actions.list({ templateId: tpl.id, limit: 10 });
    expect(stamped.map((a) => [a.dossierId, a.status]).sort()).toEqual(
      participants.map((p) => [p.id, 'pending']).sort(),
    );
    for (const a of stamped) expect(await readsOfAction(w, a.id)).toEqual([training.id, location.id].sort());

    await patch(w, 'location', location.id, { city: 'Amersfoort' });
    const after = await w.actions.list({ templateId: tpl.id, limit: 10 });
    expect(after.map((a) => a.status)).toEqual(['cancelled', 'cancelled']);
    for (const a of after) {
      expect(a.statusReason).toBe(
        'the conditions of the template no longer hold after a change to the location',
      );
      expect(a.statusReasonCoded).toEqual({
        code: 'reason.referenceChanged',
        params: { dossierTypes: { nl: 'locatie', en: 'location' } },
      });
      expect(await readsOfAction(w, a.id)).toEqual([]);
    }
  });

  it('the training’s own status change cancels them at once with the status reason (no clock advance)', async () => {
    const w = await open();
    const { tpl, training } = await setup(w, 'cancel');
    await patch(w, 'training', training.id, { status: 'geannuleerd' });
    const after = await w.actions.list({ templateId: tpl.id, limit: 10 });
    expect(after.map((a) => [a.status, a.statusReason])).toEqual([
      ['cancelled', 'status is no longer Confirmed'],
      ['cancelled', 'status is no longer Confirmed'],
    ]);
  });

  it('parks them with "create always" and wakes them at once when the condition holds again; a participant who joined later too', async () => {
    const w = await open();
    const { tpl, location, training } = await setup(w, 'wait');
    const late = await join(w, training, 'Laat Aangemeld');
    expect(await statusesOf(w, tpl.id)).toEqual(['pending', 'pending', 'pending']);
    await patch(w, 'location', location.id, { city: 'Amersfoort' });
    expect(await statusesOf(w, tpl.id)).toEqual(['waiting', 'waiting', 'waiting']);
    await patch(w, 'location', location.id, { city: 'Utrecht' });
    expect(await statusesOf(w, tpl.id)).toEqual(['pending', 'pending', 'pending']);
    const [ofLate] = await w.actions.list({ dossierId: late.id, limit: 10 });
    const history = (await w.actions.get(ofLate!.id)).history;
    expect(history.map((h) => h.toStatus)).toEqual(['pending', 'waiting', 'pending']);
    // The training pointed at another location: the index follows the new reference.
    const other = await w.dossiers.create('location', { data: { name: 'Oost', city: 'Zeist' } }, null);
    await patch(w, 'training', training.id, { location: other.id });
    expect(await statusesOf(w, tpl.id)).toEqual(['waiting', 'waiting', 'waiting']);
    expect(await readsOfAction(w, ofLate!.id)).toEqual([training.id, other.id].sort());
    await patch(w, 'location', other.id, { city: 'Utrecht' });
    expect(await statusesOf(w, tpl.id)).toEqual(['pending', 'pending', 'pending']);
  });

  it('fan-out actions stamped before the index get their rows from the backfill', async () => {
    const w = await open();
    const { tpl, location } = await setup(w, 'cancel');
    await w.store.db.deleteFrom('action_reads').execute();
    expect(await w.engine.backfillReads()).toBe(4); // per participant: the training and the location
    await patch(w, 'location', location.id, { city: 'Amersfoort' });
    expect(await statusesOf(w, tpl.id)).toEqual(['cancelled', 'cancelled']);
  });
});

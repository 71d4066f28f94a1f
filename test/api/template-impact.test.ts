/**
 * Impact before publishing or switching (issue 13, part 2): the same numbers in a dry run as the
 * change then has, the choice for actions already planned (keep, move, cancel) applied for real,
 * and the choice and counts in the audit log; on SQLite and PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Werkflow } from '../../src/engine/werkflow.js';
import type { ImpactReport } from '../../src/services/impact.service.js';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import { reasonText } from '../../src/domain/action/reasons.js';
import { type ApiClient, apiAs, expectError } from '../support/api-client.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';

const DAY = 86_400_000;

describe.each(BACKENDS)('template impact on $name', (backend) => {
  let werkflow: Werkflow;
  let api: ApiClient;
  let templateId: string;
  let clock: TestClock;
  const tasks: Record<string, string> = {};

  const v1 = {
    name: 'Terugbellen',
    dossierType: 'task',
    event: { type: 'created' },
    executionMode: 'manual',
    effect: { type: 'none' },
    conditions: { type: 'all', conditions: [{ type: 'compare', field: 'note', op: 'isNotEmpty' }] },
    timing: { anchor: { type: 'event' }, offset: 2, unit: 'days' },
  };
  // Version 2: only for calls, without the note condition, five days instead of two.
  const v2 = {
    ...v1,
    conditions: { type: 'all', conditions: [] },
    categories: ['bellen'],
    timing: { anchor: { type: 'event' }, offset: 5, unit: 'days' },
  };

  beforeEach(async () => {
    clock = new TestClock();
    werkflow = await openTestWerkflow(backend, { clock });
    api = await apiAs(werkflow, 'workflowManager');
    const created = await api.request('POST', '/api/templates?publish=true', v1);
    expect(created.statusCode, created.body).toBe(201);
    templateId = created.json<{ id: string }>().id;
    for (const [key, data] of Object.entries({
      call1: { taskType: 'bellen', description: 'Bel 1', note: 'x' },
      call2: { taskType: 'bellen', description: 'Bel 2', note: 'y' },
      mail: { taskType: 'e-mail', description: 'Mail', note: 'z' },
      callWithoutNote: { taskType: 'bellen', description: 'Bel 3' },
    })) {
      tasks[key] = (await werkflow.dossiers.create('task', { data }, null)).id;
    }
    const draft = await api.request('PUT', `/api/templates/${templateId}/draft`, v2);
    expect(draft.statusCode, draft.body).toBe(200);
  });
  afterEach(async () => {
    await api?.app.close();
    await werkflow?.close();
  });

  const actions = () => werkflow.engine.actions.list({ templateId, limit: 100 });
  const publish = async (query: string, body?: unknown) => {
    const res = await api.request('POST', `/api/templates/${templateId}/publish${query}`, body);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ version: number; impact: ImpactReport }>();
  };

  it('a dry run shows per choice what publishing would do, and writes nothing', async () => {
    const before = await actions();
    expect(before).toHaveLength(3);

    const keep = await publish('?dryRun=true');
    expect(keep.version).toBe(2);
    expect(keep.impact).toMatchObject({
      change: 'publish',
      pending: 'keep',
      dryRun: true,
      openActions: 3,
      kept: 3,
      cancelled: 0,
      retimed: 0,
      newDossiers: 1,
    });
    expect(keep.impact.samples.newDossiers).toEqual([
      {
        dossierId: tasks.callWithoutNote,
        reason: expect.stringContaining('meets the new version now'),
        reasonCoded: { code: 'reason.impactMeetsNewVersion', params: {} },
      },
    ]);

    const move = (await publish('?dryRun=true', { pending: 'move' })).impact;
    expect(move).toMatchObject({ pending: 'move', openActions: 3, cancelled: 1, retimed: 2, kept: 0 });
    expect(move.samples.cancelled).toEqual([
      expect.objectContaining({
        dossierId: tasks.mail,
        reason: 'the dossier is not in a category the new version is linked to',
      }),
    ]);
    for (const r of move.samples.retimed) {
      const action = before.find((a) => a.id === r.actionId)!;
      expect(r.newDueAt).toBe(new Date(action.createdAt + 5 * DAY).toISOString());
      // The reason as a code with params, for the dialog in the reader's language; the English kept.
      expect(r.reasonCoded).toEqual({ code: 'reason.impactMovedRetimed', params: { version: 2 } });
      expect(reasonText(r.reasonCoded, 'nl')).toBe('overgezet naar versie 2 met een nieuw tijdstip');
      expect(r.reason).toBe(reasonText(r.reasonCoded, 'en'));
    }
    const every = [move, keep.impact].flatMap((x) => Object.values(x.samples).flat());
    expect(every.length).toBeGreaterThan(0);
    for (const r of every) expect(r.reason).toBe(reasonText(r.reasonCoded, 'en'));

    const cancel = (await publish('?dryRun=true', { pending: 'cancel' })).impact;
    expect(cancel).toMatchObject({ pending: 'cancel', cancelled: 3, kept: 0, retimed: 0 });
    expect(reasonText(cancel.samples.cancelled[0]!.reasonCoded, 'nl')).toBe(
      'geannuleerd bij publiceren van het sjabloon, zoals gekozen',
    );
    expect(cancel.samples.cancelled[0]!.reason).toBe('cancelled on publish of the template, as chosen');

    expect(await actions()).toEqual(before);
    expect((await werkflow.templates.get(templateId)).publishedVersion).toBe(1);
    expectError(
      await api.request('POST', `/api/templates/${templateId}/publish?dryRun=true`, { pending: 'later' }),
      422,
      'validation_failed',
    );
  });

  it('publishing with "move" re-checks and re-times the planned actions, as the dry run said, and audits it', async () => {
    const planned = (await publish('?dryRun=true', { pending: 'move' })).impact;
    const done = await publish('', { pending: 'move' });
    expect(done.version).toBe(2);
    expect({ ...done.impact, dryRun: true }).toEqual(planned);
    const after = await actions();
    const byDossier = new Map(after.map((a) => [a.dossierId, a]));
    expect(byDossier.get(tasks.mail!)).toMatchObject({ status: 'cancelled', templateVersion: 1 });
    for (const key of ['call1', 'call2']) {
      const a = byDossier.get(tasks[key]!)!;
      expect(a).toMatchObject({ status: 'pending', templateVersion: 2, dueAt: a.createdAt + 5 * DAY });
    }
    const audit = await werkflow.audit.query({ entityId: templateId, action: 'template.publish', limit: 5 });
    expect(audit.items[0]!.after).toMatchObject({
      version: 2,
      pendingActions: { pending: 'move', openActions: 3, cancelled: 1, retimed: 2, kept: 0, newDossiers: 1 },
    });
  });

  it('"move" takes the execution mode, name and priority along: the new version is what runs', async () => {
    const v3 = {
      ...v2,
      name: 'Terugbellen (automatisch)',
      executionMode: 'automatic',
      priority: 'high',
      effect: { type: 'setField', field: 'finished', value: true },
    };
    const draft = await api.request('PUT', `/api/templates/${templateId}/draft`, v3);
    expect(draft.statusCode, draft.body).toBe(200);
    await publish('', { pending: 'move' });
    const moved = (await actions()).filter((a) => a.templateVersion === 2);
    expect(moved).toHaveLength(2);
    for (const a of moved)
      expect(a).toMatchObject({
        status: 'pending',
        executionMode: 'automatic',
        title: 'Terugbellen (automatisch)',
        priority: 'high',
      });
    // Due in five days: the scheduler then performs the new version's effect by itself.
    clock.advance(6 * DAY);
    await werkflow.scheduler.tick();
    for (const a of moved) {
      const task = await werkflow.dossiers.dossiers.get(a.dossierId);
      expect(task?.data.finished, a.dossierId).toBe(true);
    }
  });

  it('publishing keeps planned actions on their version by default', async () => {
    await publish('');
    expect((await actions()).map((a) => [a.status, a.templateVersion])).toEqual([
      ['pending', 1],
      ['pending', 1],
      ['pending', 1],
    ]);
  });

  it('switching off with "cancel": dry run, then for real, audited', async () => {
    const dry = await api.request('POST', `/api/templates/${templateId}/active?dryRun=true`, {
      active: false,
      pending: 'cancel',
    });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json<{ active: boolean; impact: ImpactReport }>()).toMatchObject({
      active: true,
      impact: { change: 'deactivate', pending: 'cancel', cancelled: 3, newDossiers: 0 },
    });
    expect((await actions()).every((a) => a.status === 'pending')).toBe(true);
    const real = await api.request('POST', `/api/templates/${templateId}/active`, {
      active: false,
      pending: 'cancel',
    });
    expect(real.statusCode, real.body).toBe(200);
    expect(real.json<{ active: boolean }>().active).toBe(false);
    expect((await actions()).map((a) => a.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    const audit = await werkflow.audit.query({
      entityId: templateId,
      action: 'template.deactivate',
      limit: 5,
    });
    expect(audit.items[0]!.after).toMatchObject({
      active: false,
      pendingActions: { pending: 'cancel', cancelled: 3 },
    });
  });

  it('switching on counts as new only the dossiers that can still get an action ("once" already used does not)', async () => {
    const once = await api.request('POST', '/api/templates?publish=true', {
      ...v1,
      name: 'Eenmalig terugbellen',
      repeat: 'once',
      conditions: { type: 'all', conditions: [] },
    });
    expect(once.statusCode, once.body).toBe(201);
    const onceId = once.json<{ id: string }>().id;
    const used = await werkflow.dossiers.create(
      'task',
      { data: { taskType: 'bellen', description: 'Al gebeld' } },
      null,
    );
    const action = (
      await werkflow.engine.actions.list({ templateId: onceId, dossierId: used.id, limit: 5 })
    )[0]!;
    await werkflow.actions.complete(action.id, SYSTEM_PRINCIPAL);
    const off = await api.request('POST', `/api/templates/${onceId}/active`, { active: false });
    expect(off.statusCode, off.body).toBe(200);
    const dry = await api.request('POST', `/api/templates/${onceId}/active?dryRun=true`, { active: true });
    expect(dry.statusCode, dry.body).toBe(200);
    const impact = dry.json<{ impact: ImpactReport }>().impact;
    // Every task meets the template, but the one whose "once" action is done never gets another.
    expect(impact.samples.newDossiers.map((d) => d.dossierId)).not.toContain(used.id);
    const all = await werkflow.dossiers.dossiers.count('task');
    expect(impact.newDossiers).toBe(all - 1);
  });

  it.each(['keep', 'cancel', 'move'] as const)(
    'relinking categories with "%s": the dry run reports exactly what applying then does, and it is audited',
    async (pending) => {
      await publish('', { pending: 'keep' }); // v2, linked to "bellen"; the planned actions stay on v1
      clock.advance(DAY);
      const apply = async (dryRun: boolean) => {
        const res = await api.request('POST', `/api/templates/${templateId}/apply-categories`, {
          dryRun,
          pending,
        });
        expect(res.statusCode, res.body).toBe(200);
        return res.json<{ toStamp: number; toRemove: number; applied: boolean; impact: ImpactReport }>();
      };
      const before = await actions();
      const dry = await apply(true);
      expect(await actions()).toEqual(before);
      const real = await apply(false);
      expect({ ...real.impact, dryRun: true }).toEqual(dry.impact);
      expect({ ...real, applied: false, impact: dry.impact }).toEqual(dry);
      // The call without a note meets v2 (no conditions) and is in "bellen": it gets an action now.
      expect(real.toStamp).toBe(1);
      expect(real.impact.samples.newDossiers.map((s) => s.dossierId)).toEqual([tasks.callWithoutNote]);
      expect(real.impact).toMatchObject({ change: 'relink', pending, openActions: 3 });
      const after = await actions();
      const of = (task: string) => after.find((a) => a.dossierId === tasks[task])!;
      // The e-mail task is outside "bellen": kept only with "keep".
      expect(of('mail').status).toBe(pending === 'keep' ? 'pending' : 'cancelled');
      if (pending === 'move') {
        expect(real.impact).toMatchObject({ cancelled: 1, kept: 0, retimed: 2 });
        expect(of('call1').templateVersion).toBe(2);
        expect(of('call1').dueAt).toBe(of('call1').createdAt + 5 * DAY);
      } else {
        expect(real.impact).toMatchObject({ cancelled: pending === 'cancel' ? 1 : 0, retimed: 0 });
        expect(of('call1').templateVersion).toBe(1);
      }
      expect(real.toRemove).toBe(real.impact.cancelled);
      const audit = await werkflow.audit.query({
        entityId: templateId,
        action: 'template.applyCategories',
        limit: 5,
      });
      expect(audit.items[0]!.after).toMatchObject({
        pendingActions: { pending, cancelled: real.impact.cancelled, retimed: real.impact.retimed },
      });
    },
  );

  it('a dry run needs the same rights as the change: staff may not look at the impact of an automatic template', async () => {
    const auto = await api.request('PUT', `/api/templates/${templateId}/draft`, {
      ...v2,
      executionMode: 'automatic',
      effect: { type: 'setField', field: 'finished', value: true },
    });
    expect(auto.statusCode, auto.body).toBe(200);
    const staff = await apiAs(werkflow, 'staff');
    expectError(
      await staff.request('POST', `/api/templates/${templateId}/publish?dryRun=true`, { pending: 'move' }),
      403,
      'forbidden',
    );
    // Switching checks the draft's mode too, in a dry run as for real.
    const dry = await staff.request('POST', `/api/templates/${templateId}/active?dryRun=true`, {
      active: false,
    });
    expect(dry.statusCode, dry.body).toBe(403);
  });
});

/**
 * "Explain" must agree with what the engine does (issue 13): for random templates and random
 * histories of a dossier, explain's verdict on the template's latest event — an action was made,
 * or the reasons it was not — matches the actions the engine really stamped, and when explain says
 * "an action follows once the event happens" (with the conditions holding now), making that event
 * happen does stamp one. Property test on SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import { BACKENDS } from '../support/backends.js';
import { sharedWerkflow } from '../support/shared-werkflow.js';

/** Reasons that say the template's latest event made no action. */
const BLOCKING = new Set([
  'reason.inactive',
  'reason.notPublished',
  'reason.notLiveAtEvent',
  'reason.wrongCategory',
  'reason.repeatOnceUsed',
  'reason.conditionsFailed',
  'reason.anchorEmpty',
]);

const TYPES = ['bellen', 'e-mail', 'overige'] as const;
const NOTES = ['x', 'y', ''] as const;

const eventArb = fc.oneof(
  fc.constant({ type: 'created' }),
  fc.constant({ type: 'dateReached', field: 'plannedFinishDate' }),
  fc.constant({ type: 'fieldChanged', field: 'note' }),
  fc
    .constantFrom(...NOTES.filter((n) => n !== ''))
    .map((to) => ({ type: 'fieldChanged', field: 'note', to })),
);
const conditionArb = fc.constantFrom(
  { type: 'all', conditions: [] },
  { type: 'all', conditions: [{ type: 'compare', field: 'finished', op: 'eq', value: true }] },
  { type: 'all', conditions: [{ type: 'compare', field: 'description', op: 'eq', value: 'a' }] },
);
const templateArb = fc.record({
  event: eventArb,
  conditions: conditionArb,
  categories: fc.subarray([...TYPES], { maxLength: 2 }),
  repeat: fc.constantFrom('once', 'everyTime'),
  whenConditionsFail: fc.constantFrom('cancel', 'wait'),
  active: fc.boolean(),
});
const patchArb = fc.record(
  {
    note: fc.constantFrom(...NOTES),
    taskType: fc.constantFrom(...TYPES),
    description: fc.constantFrom('a', 'b'),
    finished: fc.boolean(),
    plannedFinishDate: fc.constantFrom('2027-01-12', '2027-01-14', null),
  },
  { requiredKeys: [] },
);
const scenarioArb = fc.record({
  template: templateArb,
  initial: fc.record({
    taskType: fc.constantFrom(...TYPES),
    description: fc.constantFrom('a', 'b'),
    finished: fc.boolean(),
  }),
  patches: fc.array(patchArb, { maxLength: 5 }),
});

describe.each(BACKENDS)('explain agrees with the engine on $name', (backend) => {
  const shared = sharedWerkflow(backend, { start: '2026-11-23T09:00:00+01:00' });
  const clock = shared.clock;

  it('the verdict on the latest event, and "an action follows once …", match the real stamping', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ template, initial, patches }) => {
        n++;
        clock.advance(60_000);
        const t = await shared.werkflow.templates.create(
          {
            name: `Eigenschap ${n}`,
            dossierType: 'task',
            executionMode: 'manual',
            effect: { type: 'none' },
            event: template.event,
            ...(template.event.type === 'dateReached'
              ? {
                  timing: {
                    anchor: { type: 'field', field: 'plannedFinishDate' },
                    offset: -2,
                    unit: 'workingDays',
                  },
                }
              : {}),
            conditions: template.conditions,
            categories: template.categories,
            repeat: template.repeat,
            whenConditionsFail: template.whenConditionsFail,
          },
          SYSTEM_PRINCIPAL,
          { publish: true, active: template.active },
        );
        clock.advance(60_000);
        let d = await shared.werkflow.dossiers.create('task', { data: initial }, null);
        for (const p of patches) {
          clock.advance(60_000);
          d = await shared.werkflow.dossiers.patch('task', d.id, p, d.version, null);
        }
        const explainNow = async () =>
          (await shared.werkflow.explain.explain('task', d.id, { templateId: t.id, lang: 'en' }))
            .templates[0]!;
        const mainsNow = async () =>
          (
            await shared.werkflow.engine.actions.list({ dossierId: d.id, templateId: t.id, limit: 100 })
          ).filter((a) => a.templateId === t.id && a.kind === 'main');
        const r = await explainNow();
        const mains = await mainsNow();
        const story = JSON.stringify({
          template,
          initial,
          patches,
          event: r.event,
          reasons: r.reasons,
          next: r.next,
          actions: mains.map((a) => [a.triggerEventId, a.status, a.statusReason]),
        });
        if (r.event.eventId !== null) {
          const stamped = mains.some((a) => a.triggerEventId === r.event.eventId);
          const blocked = r.reasons.some((x) => BLOCKING.has(x.code));
          expect(stamped, story).toBe(!blocked);
        } else {
          expect(mains, story).toEqual([]);
        }
        if (r.next.code === 'next.onEvent' && r.next.params.conditionsHoldNow === true) {
          // Make the event happen without touching what the conditions read.
          const ev = template.event as { type: string; to?: string };
          if (ev.type === 'fieldChanged') {
            clock.advance(60_000);
            if (ev.to !== undefined && d.data.note === ev.to)
              d = await shared.werkflow.dossiers.patch('task', d.id, { note: 'z' }, d.version, null);
            clock.advance(60_000);
            d = await shared.werkflow.dossiers.patch(
              'task',
              d.id,
              { note: ev.to ?? `n${n}` },
              d.version,
              null,
            );
          }
          if (ev.type === 'dateReached') {
            clock.advance(60_000);
            const date = d.data.plannedFinishDate === '2027-02-01' ? '2027-02-02' : '2027-02-01';
            d = await shared.werkflow.dossiers.patch(
              'task',
              d.id,
              { plannedFinishDate: date },
              d.version,
              null,
            );
          }
          expect((await mainsNow()).length, story).toBeGreaterThan(mains.length);
        }
        // Switched off, so the templates of earlier runs do not act on later dossiers.
        await shared.werkflow.templates.setActive(t.id, false, SYSTEM_PRINCIPAL);
      }),
      { numRuns: 80 },
    );
  }, 120_000);
});

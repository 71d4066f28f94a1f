/**
 * Impact before publishing (issue 13): for random templates, dossiers and new versions, the dry
 * run reports exactly what publishing then reports, and the actions afterwards are what the
 * report says — as many cancelled, moved and re-timed. Property test on SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import { BACKENDS } from '../support/backends.js';
import { sharedWerkflow } from '../support/shared-werkflow.js';

const TYPES = ['bellen', 'e-mail', 'overige'] as const;

const versionArb = fc.record({
  conditions: fc.constantFrom(
    { type: 'all', conditions: [] },
    { type: 'all', conditions: [{ type: 'compare', field: 'note', op: 'isNotEmpty' }] },
    { type: 'all', conditions: [{ type: 'compare', field: 'finished', op: 'eq', value: true }] },
  ),
  categories: fc.subarray([...TYPES], { maxLength: 2 }),
  offset: fc.integer({ min: 0, max: 3 }),
  unit: fc.constantFrom('days', 'workingDays', 'hours'),
  executionMode: fc.constantFrom('manual', 'automatic'),
  whenConditionsFail: fc.constantFrom('cancel', 'wait'),
});
const scenarioArb = fc.record({
  v1: versionArb,
  v2: versionArb,
  pending: fc.constantFrom('keep', 'move', 'cancel'),
  tasks: fc.array(
    fc.record({
      taskType: fc.constantFrom(...TYPES),
      note: fc.constantFrom('x', ''),
      finished: fc.boolean(),
    }),
    { minLength: 1, maxLength: 5 },
  ),
  changes: fc.array(
    fc.record({ note: fc.constantFrom('x', ''), finished: fc.boolean() }, { requiredKeys: [] }),
    {
      maxLength: 5,
    },
  ),
});

describe.each(BACKENDS)('impact agrees with the change on $name', (backend) => {
  const shared = sharedWerkflow(backend, { start: '2026-11-23T09:00:00+01:00' });
  const clock = shared.clock;

  const definition = (n: number, v: Record<string, unknown>) => ({
    name: `Impact ${n}`,
    dossierType: 'task',
    event: { type: 'created' },
    effect:
      v.executionMode === 'automatic'
        ? { type: 'setField', field: 'description', value: 'gedaan' }
        : { type: 'none' },
    executionMode: v.executionMode,
    conditions: v.conditions,
    categories: v.categories,
    whenConditionsFail: v.whenConditionsFail,
    timing: { anchor: { type: 'event' }, offset: v.offset, unit: v.unit },
  });

  it('the dry run says what publishing does, and the actions afterwards match it', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ v1, v2, pending, tasks, changes }) => {
        n++;
        clock.advance(3_600_000);
        const t = await shared.werkflow.templates.create(definition(n, v1), SYSTEM_PRINCIPAL, {
          publish: true,
        });
        const ids: string[] = [];
        for (const data of tasks) {
          clock.advance(60_000);
          ids.push(
            (await shared.werkflow.dossiers.create('task', { data: { description: 'Taak', ...data } }, null))
              .id,
          );
        }
        for (const [i, change] of changes.entries()) {
          const id = ids[i % ids.length]!;
          const d = await shared.werkflow.dossiers.dossiers.get(id);
          clock.advance(60_000);
          await shared.werkflow.dossiers.patch('task', id, change, d!.version, null);
        }
        await shared.werkflow.templates.updateDraft(t.id, definition(n, v2), SYSTEM_PRINCIPAL);
        const before = await shared.werkflow.engine.actions.list({ templateId: t.id, limit: 100 });
        const dry = await shared.werkflow.templates.publish(t.id, SYSTEM_PRINCIPAL, {
          pending,
          dryRun: true,
        });
        // Nothing written by the dry run.
        expect(await shared.werkflow.engine.actions.list({ templateId: t.id, limit: 100 })).toEqual(before);
        const real = await shared.werkflow.templates.publish(t.id, SYSTEM_PRINCIPAL, { pending });
        const story = JSON.stringify({ v1, v2, pending, tasks, changes, dry: dry.impact });
        expect(real.version, story).toBe(dry.version);
        expect({ ...real.impact!, dryRun: true }, story).toEqual(dry.impact);
        const after = new Map(
          (await shared.werkflow.engine.actions.list({ templateId: t.id, limit: 100 })).map((a) => [a.id, a]),
        );
        const open = before.filter((a) => ['waiting', 'pending', 'due'].includes(a.status));
        const cancelled = open.filter((a) => after.get(a.id)!.status === 'cancelled');
        const moved = open.filter((a) => after.get(a.id)!.templateVersion === real.version);
        const retimed = moved.filter((a) => after.get(a.id)!.dueAt !== a.dueAt);
        expect(real.impact!.openActions, story).toBe(open.length);
        expect(cancelled.length, story).toBe(real.impact!.cancelled);
        expect(retimed.length, story).toBe(real.impact!.retimed);
        expect(open.length - cancelled.length, story).toBe(real.impact!.kept + real.impact!.retimed);
        if (pending === 'keep') expect(moved, story).toEqual([]);
        // Moved means re-checked: waiting exactly when the new version's conditions fail now.
        for (const a of moved) {
          const data = (await shared.werkflow.dossiers.dossiers.get(a.dossierId))!.data;
          const c = v2.conditions.conditions[0] as { field: string } | undefined;
          const holds =
            !c || (c.field === 'note' ? data.note !== '' && data.note != null : data.finished === true);
          expect(after.get(a.id)!.status === 'waiting', `${story} ${a.id}`).toBe(!holds);
        }
        await shared.werkflow.templates.setActive(t.id, false, SYSTEM_PRINCIPAL);
      }),
      { numRuns: 40 },
    );
  }, 180_000);
});

/**
 * Loops caught at save agree with the engine (issue 13): for random sets of automatic templates
 * on tasks — setting fields, creating tasks, chained on each other — the ones the save check
 * accepts (no template states maxDepth) never run in a loop: every chain of actions is shorter
 * than the number of templates, and none is stopped for being too deep. Property test on SQLite
 * and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import { WerkflowError } from '../../src/domain/errors.js';
import { BACKENDS } from '../support/backends.js';
import { sharedWerkflow } from '../support/shared-werkflow.js';

const eventArb = fc.oneof(
  fc.constant({ type: 'created' }),
  fc.constantFrom('x', 'y').map((to) => ({ type: 'fieldChanged', field: 'note', to })),
  fc.constant({ type: 'fieldChanged', field: 'note' }),
  fc.boolean().map((to) => ({ type: 'fieldChanged', field: 'finished', to })),
  fc.integer({ min: 0, max: 4 }).map((i) => ({ type: 'actionCompleted', templateIndex: i })),
);
const effectArb = fc.oneof(
  fc.constantFrom('x', 'y').map((value) => ({ type: 'setField', field: 'note', value })),
  fc.boolean().map((value) => ({ type: 'setField', field: 'finished', value })),
  fc.constant({
    type: 'createTask',
    taskType: 'bellen',
    description: 'Vervolg',
    responsible: { type: 'none' },
    plannedInDays: 1,
  }),
);
const setArb = fc.array(fc.record({ event: eventArb, effect: effectArb }), { minLength: 1, maxLength: 5 });

describe.each(BACKENDS)('loops caught at save agree with the engine on $name', (backend) => {
  const shared = sharedWerkflow(backend, { start: '2026-11-23T09:00:00+01:00' });
  const clock = shared.clock;

  it('templates the check accepts never chain deeper than there are templates', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(setArb, async (set) => {
        n++;
        const ids: string[] = [];
        for (const [i, s] of set.entries()) {
          const ev = s.event as { type: string; templateIndex?: number };
          const chainedTo = ev.type === 'actionCompleted' ? ids[ev.templateIndex!] : undefined;
          if (ev.type === 'actionCompleted' && chainedTo === undefined) continue;
          const event =
            chainedTo !== undefined ? { type: 'actionCompleted', templateId: chainedTo } : s.event;
          try {
            const t = await shared.werkflow.templates.create(
              {
                name: `Lus ${n}.${i}`,
                dossierType: 'task',
                executionMode: 'automatic',
                event,
                effect: s.effect,
              },
              SYSTEM_PRINCIPAL,
              { publish: true },
            );
            ids.push(t.id);
          } catch (error) {
            // Refused: it would close a loop. The others stay.
            if (!(error instanceof WerkflowError) || error.path !== 'effect') throw error;
          }
        }
        const story = JSON.stringify(set);
        await shared.werkflow.dossiers.create(
          'task',
          { data: { taskType: 'bellen', description: 'Begin' } },
          null,
        );
        for (let tick = 0; tick < 3 * ids.length + 3; tick++) {
          clock.advance(3_600_000);
          await shared.werkflow.scheduler.tick();
        }
        for (const id of ids) {
          for (const a of await shared.werkflow.engine.actions.list({ templateId: id, limit: 1000 })) {
            expect(a.chainDepth!, story).toBeLessThan(ids.length);
            expect(a.error ?? '', story).not.toMatch(/^Stopped/);
          }
          await shared.werkflow.templates.setActive(id, false, SYSTEM_PRINCIPAL);
        }
      }),
      { numRuns: 30 },
    );
  }, 300_000);
});

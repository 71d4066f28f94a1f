import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalogOf } from '../../../src/domain/dossier-type.js';
import { ENERGY_COOPERATIVE_TYPES } from '../../../src/domain/presets/energy-cooperative.js';
import { withDefaults, type TemplateDefinition } from '../../../src/domain/template/action-template.js';
import {
  type GraphEdge,
  cycleThrough,
  fieldConflicts,
  loopProblems,
  templateEdges,
} from '../../../src/domain/template/template-graph.js';

const catalog = catalogOf(ENERGY_COOPERATIVE_TYPES);

const t = (id: string, def: Partial<TemplateDefinition> & Pick<TemplateDefinition, 'event' | 'effect'>) => ({
  id,
  definition: withDefaults({ name: id, dossierType: 'opportunity', ...def }),
});

describe('template graph', () => {
  it('links a status set to the templates listening to that status, a field to its listeners, creations and chains', () => {
    const edges = templateEdges([
      t('setsActive', { event: { type: 'created' }, effect: { type: 'setStatus', status: 'actief' } }),
      t('onActive', { event: { type: 'statusSet', to: ['actief', 'opdracht'] }, effect: { type: 'none' } }),
      t('onOrder', { event: { type: 'statusSet', to: ['opdracht'] }, effect: { type: 'none' } }),
      t('setsDate', {
        event: { type: 'created' },
        effect: { type: 'setField', field: 'desiredDate', value: '2027-01-04' },
      }),
      t('onDate', { event: { type: 'dateReached', field: 'desiredDate' }, effect: { type: 'none' } }),
      t('onNoteX', { event: { type: 'fieldChanged', field: 'note', to: 'x' }, effect: { type: 'none' } }),
      t('makesTask', {
        event: { type: 'created' },
        effect: {
          type: 'createTask',
          taskType: 'bellen',
          description: 'Bel',
          responsible: { type: 'none' },
          plannedInDays: 1,
        },
      }),
      t('onTask', { dossierType: 'task', event: { type: 'created' }, effect: { type: 'none' } }),
      t('chained', { event: { type: 'actionCompleted', templateId: 'onTask' }, effect: { type: 'none' } }),
    ]);
    expect(edges.map((e) => `${e.from}>${e.to}:${e.via.kind}`).sort()).toEqual(
      [
        'setsActive>onActive:setStatus',
        'setsDate>onDate:setField',
        'makesTask>onTask:createDossier',
        'onTask>chained:chain',
      ].sort(),
    );
  });

  it('a created dossier starts "status set" templates only without a from-status, as the matcher does', () => {
    const creates = t('creates', {
      event: { type: 'created' },
      effect: { type: 'createDossier', dossierType: 'task', fields: {} },
    });
    const edges = templateEdges([
      creates,
      t('anyStatus', {
        dossierType: 'task',
        event: { type: 'statusSet', to: ['open'] },
        effect: { type: 'none' },
      }),
      t('fromStatus', {
        dossierType: 'task',
        event: { type: 'statusSet', to: ['open'], from: ['nieuw'] },
        effect: { type: 'none' },
      }),
    ]);
    expect(edges.map((e) => e.to)).toEqual(['anyStatus']);
  });

  it('names a loop step by step, and lets a template with maxDepth close one', () => {
    const a = t('a', {
      name: 'A',
      event: { type: 'statusSet', to: ['actief'] },
      effect: { type: 'setField', field: 'note', value: 'n' },
    });
    const b = t('b', {
      name: 'B',
      event: { type: 'fieldChanged', field: 'note' },
      effect: { type: 'setStatus', status: 'actief' },
    });
    expect(loopProblems(b, [a], catalog)[0]!.message).toContain(
      '"B" sets the status to Active, which starts "A"; "A" sets note to "n", which starts "B"',
    );
    expect(loopProblems({ ...b, definition: { ...b.definition, maxDepth: 2 } }, [a], catalog)).toEqual([]);
    expect(loopProblems(b, [], catalog)).toEqual([]);
  });

  it('lets a template on a loop be saved when another template on that loop states maxDepth', () => {
    const a = t('a', {
      name: 'A',
      event: { type: 'statusSet', to: ['actief'] },
      effect: { type: 'setField', field: 'note', value: 'n' },
      maxDepth: 3,
    });
    const b = t('b', {
      name: 'B',
      event: { type: 'fieldChanged', field: 'note' },
      effect: { type: 'setStatus', status: 'actief' },
    });
    // A bounds the loop A → B → A: editing B must not be refused for a loop A already stops.
    expect(loopProblems(b, [a], catalog)).toEqual([]);
    // A second, unbounded loop through B is still refused: B → C → B.
    const c = t('c', {
      name: 'C',
      event: { type: 'statusSet', to: ['actief'] },
      effect: { type: 'setField', field: 'note', value: 'm' },
    });
    expect(loopProblems(b, [a, c], catalog)[0]!.message).toContain('"C" sets note to "m", which starts "B"');
  });

  it('warns about two templates setting the same field on the same event, not on different events', () => {
    const one = t('one', {
      event: { type: 'created' },
      effect: { type: 'setField', field: 'note', value: 'a' },
    });
    const two = t('two', {
      name: 'Twee',
      event: { type: 'created' },
      effect: { type: 'setField', field: 'note', value: 'b' },
    });
    const other = t('other', {
      event: { type: 'deleted' },
      effect: { type: 'setField', field: 'note', value: 'b' },
    });
    expect(fieldConflicts(one, [two, other]).map((c) => c.templateIds)).toEqual([['one', 'two']]);
    expect(fieldConflicts(one, [two])[0]!.message).toContain('(to "b" instead of "a")');
  });

  it('cycleThrough finds a cycle exactly when the start reaches itself, and returns a closed path', () => {
    const edgeArb = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }));
    fc.assert(
      fc.property(fc.array(edgeArb, { maxLength: 20 }), fc.integer({ min: 0, max: 6 }), (pairs, start) => {
        const edges: GraphEdge[] = pairs.map(([f, to]) => ({
          from: `n${f}`,
          to: `n${to}`,
          via: { kind: 'chain', on: 'actionCompleted' },
        }));
        // Reachability by brute force: repeated relaxation.
        const reach = new Set<string>();
        let frontier = edges.filter((e) => e.from === `n${start}`).map((e) => e.to);
        while (frontier.length > 0) {
          const next: string[] = [];
          for (const n of frontier) {
            if (reach.has(n)) continue;
            reach.add(n);
            next.push(...edges.filter((e) => e.from === n).map((e) => e.to));
          }
          frontier = next;
        }
        const cycle = cycleThrough(`n${start}`, edges);
        expect(cycle !== null).toBe(reach.has(`n${start}`));
        if (cycle) {
          expect(cycle[0]!.from).toBe(`n${start}`);
          expect(cycle[cycle.length - 1]!.to).toBe(`n${start}`);
          for (let i = 1; i < cycle.length; i++) expect(cycle[i]!.from).toBe(cycle[i - 1]!.to);
          for (const e of cycle) expect(edges).toContainEqual(e);
        }
      }),
      { numRuns: 500 },
    );
  });
});

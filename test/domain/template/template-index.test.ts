import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalogOf, type DossierTypeCatalog } from '../../../src/domain/dossier-type.js';
import { ENERGY_COOPERATIVE_TYPES } from '../../../src/domain/presets/energy-cooperative.js';
import {
  type ActiveTemplate,
  type TemplateDefinition,
  type TemplateEvent,
  withDefaults,
} from '../../../src/domain/template/action-template.js';
import {
  type MatchEvent,
  TemplateIndex,
  effectiveCondition,
} from '../../../src/domain/template/template-index.js';

const catalog = catalogOf(ENERGY_COOPERATIVE_TYPES);

/**
 * The specification of matching, written as a scan over every template: what the index must
 * return for an event, before conditions. Kept deliberately plain — one template at a time.
 */
function naiveMatch(
  templates: readonly ActiveTemplate[],
  e: MatchEvent,
  cat: DossierTypeCatalog,
): ActiveTemplate[] {
  const isEmpty = (v: unknown) => v === null || v === undefined || v === '';
  const equal = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const inCategory = (d: TemplateDefinition) => {
    if (d.categories.length === 0) return true;
    const field = cat.get(d.dossierType)?.categoryField;
    if (field === undefined) return false;
    const value = e.data[field];
    return d.categories.some((c) => c === String(value ?? ''));
  };
  const triggers = (ev: TemplateEvent): boolean => {
    switch (ev.type) {
      case 'created':
      case 'deleted':
        return e.kind === ev.type;
      case 'manual':
      case 'actionCompleted':
      case 'actionExpired':
        return false; // never by a dossier event
      case 'fieldChanged': {
        if (e.kind !== 'updated' || !Object.hasOwn(e.changes, ev.field)) return false;
        const change = e.changes[ev.field]!;
        return (
          (ev.from === undefined || equal(ev.from, change.old)) &&
          (ev.to === undefined || equal(ev.to, change.new))
        );
      }
      case 'statusSet': {
        if (e.kind === 'created')
          return ev.from === undefined && e.status !== null && ev.to.includes(e.status);
        if (e.kind !== 'updated') return false;
        const change = e.changes.status;
        if (!change || typeof change.new !== 'string') return false;
        return ev.to.includes(change.new) && (ev.from === undefined || ev.from.includes(String(change.old)));
      }
      case 'dateReached':
        if (e.kind === 'created') return !isEmpty(e.data[ev.field]);
        if (e.kind === 'updated')
          return Object.hasOwn(e.changes, ev.field) && !isEmpty(e.changes[ev.field]!.new);
        return false;
    }
  };
  return templates.filter(
    (t) =>
      t.definition.dossierType === e.dossierType && inCategory(t.definition) && triggers(t.definition.event),
  );
}

// Small pools, so that random templates and random events meet often.
const TYPES = ['quotationRequest', 'intake', 'task', 'contact'] as const;
const FIELDS = ['status', 'note', 'plannedFinishDate', 'campaign', 'taskType', 'finished'] as const;
const STATUSES = ['open', 'offerte-aangevraagd', 'uitgevoerd'] as const;
const VALUES = [
  null,
  '',
  'open',
  'offerte-aangevraagd',
  'uitgevoerd',
  'c1',
  'c2',
  'bellen',
  true,
  false,
  0,
  1,
  '2026-11-25',
] as const;

const valueArb = fc.constantFrom(...VALUES);
const statusesArb = fc.array(fc.constantFrom(...STATUSES), { minLength: 1, maxLength: 3 });
const eventArb: fc.Arbitrary<TemplateEvent> = fc.oneof(
  fc.constant({ type: 'created' as const }),
  fc.constant({ type: 'deleted' as const }),
  fc.constant({ type: 'manual' as const }),
  fc.record(
    {
      type: fc.constant('fieldChanged' as const),
      field: fc.constantFrom(...FIELDS),
      from: fc.option(valueArb, { nil: undefined }),
      to: fc.option(valueArb, { nil: undefined }),
    },
    { requiredKeys: ['type', 'field'] },
  ),
  fc.record(
    {
      type: fc.constant('statusSet' as const),
      to: statusesArb,
      from: fc.option(statusesArb, { nil: undefined }),
    },
    { requiredKeys: ['type', 'to'] },
  ),
  fc.record({ type: fc.constant('dateReached' as const), field: fc.constantFrom(...FIELDS) }),
  fc.record({
    type: fc.constantFrom('actionCompleted' as const, 'actionExpired' as const),
    templateId: fc.constantFrom('t0', 't1', 't2'),
  }),
);
const templateArb = (i: number): fc.Arbitrary<ActiveTemplate> =>
  fc
    .record({
      dossierType: fc.constantFrom(...TYPES),
      event: eventArb,
      categories: fc.oneof(
        { weight: 3, arbitrary: fc.constant<string[]>([]) },
        {
          weight: 1,
          arbitrary: fc.array(fc.constantFrom('c1', 'c2', 'bellen'), { minLength: 1, maxLength: 2 }),
        },
      ),
      fanOut: fc.option(fc.constant({ dossierType: 'task', field: 'intake' }), { nil: undefined }),
      version: fc.integer({ min: 1, max: 3 }),
    })
    .map(({ version, ...d }) => ({
      templateId: `t${i}`,
      version,
      definition: withDefaults({ name: `t${i}`, effect: { type: 'none' }, ...d }),
    }));
const templatesArb = fc
  .integer({ min: 0, max: 40 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => templateArb(i))));

const dataArb = fc.dictionary(fc.constantFrom(...FIELDS), valueArb, { maxKeys: FIELDS.length });
const matchEventArb: fc.Arbitrary<MatchEvent> = fc
  .record({
    dossierType: fc.constantFrom(...TYPES, 'visit'),
    kind: fc.constantFrom('created' as const, 'updated' as const, 'deleted' as const),
    data: dataArb,
    changes: fc.dictionary(fc.constantFrom(...FIELDS), fc.record({ old: valueArb, new: valueArb }), {
      maxKeys: 4,
    }),
    status: fc.option(fc.constantFrom(...STATUSES), { nil: null }),
  })
  .map((e) => ({
    id: 1,
    dossierId: 'd1',
    occurredAt: 0,
    ...e,
    changes: e.kind === 'updated' ? e.changes : {},
  }));

const ids = (list: readonly ActiveTemplate[]) => list.map((t) => t.templateId).sort();

describe('TemplateIndex', () => {
  it('returns exactly the templates a scan over all templates returns, for random templates and events (fast-check)', () => {
    fc.assert(
      fc.property(
        templatesArb,
        fc.array(matchEventArb, { minLength: 1, maxLength: 10 }),
        (templates, events) => {
          const index = new TemplateIndex(templates, catalog);
          for (const e of events) expect(ids(index.match(e))).toEqual(ids(naiveMatch(templates, e, catalog)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('finds chained templates and date templates by key, and knows which types have templates', () => {
    fc.assert(
      fc.property(templatesArb, (templates) => {
        const index = new TemplateIndex(templates, catalog);
        for (const source of ['t0', 't1', 't2']) {
          for (const kind of ['actionCompleted', 'actionExpired'] as const) {
            const expected = templates.filter(
              (t) =>
                t.definition.event.type === kind &&
                (t.definition.event as { templateId: string }).templateId === source,
            );
            expect(ids(index.chained(kind, source))).toEqual(ids(expected));
          }
        }
        for (const type of TYPES) {
          expect(index.hasTemplatesFor(type)).toBe(
            templates.some(
              (t) => t.definition.dossierType === type || t.definition.fanOut?.dossierType === type,
            ),
          );
          for (const field of FIELDS) {
            const expected = templates.filter(
              (t) =>
                t.definition.dossierType === type &&
                t.definition.event.type === 'dateReached' &&
                t.definition.event.field === field,
            );
            expect(ids(index.onDate(type, field))).toEqual(ids(expected));
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('matches a template once even when it lists a status twice', () => {
    const t: ActiveTemplate = {
      templateId: 'dup',
      version: 1,
      definition: withDefaults({
        name: 'dup',
        dossierType: 'quotationRequest',
        event: { type: 'statusSet', to: ['uitgevoerd', 'uitgevoerd'] },
        effect: { type: 'none' },
      }),
    };
    const index = new TemplateIndex([t], catalog);
    const e: MatchEvent = {
      id: 1,
      dossierId: 'd',
      dossierType: 'quotationRequest',
      kind: 'updated',
      changes: { status: { old: 'open', new: 'uitgevoerd' } },
      data: { status: 'uitgevoerd' },
      status: 'uitgevoerd',
      occurredAt: 0,
    };
    expect(ids(index.match(e))).toEqual(['dup']);
  });

  it('among 10,000 templates that cannot match, finds the one that does', () => {
    const noise: ActiveTemplate[] = Array.from({ length: 10_000 }, (_, i) => ({
      templateId: `n${i}`,
      version: 1,
      definition: withDefaults({
        name: `n${i}`,
        dossierType: i % 2 ? 'visit' : 'quotationRequest',
        event: { type: 'fieldChanged', field: i % 2 ? 'note' : 'quotationAmount' },
        effect: { type: 'none' },
      }),
    }));
    const wanted: ActiveTemplate = {
      templateId: 'wanted',
      version: 1,
      definition: withDefaults({
        name: 'w',
        dossierType: 'quotationRequest',
        event: { type: 'statusSet', to: ['offerte-aangevraagd'] },
        effect: { type: 'none' },
      }),
    };
    const index = new TemplateIndex([...noise, wanted], catalog);
    const e: MatchEvent = {
      id: 1,
      dossierId: 'd',
      dossierType: 'quotationRequest',
      kind: 'updated',
      changes: { status: { old: 'offerte-nog-niet-aangevraagd', new: 'offerte-aangevraagd' } },
      data: { status: 'offerte-aangevraagd' },
      status: 'offerte-aangevraagd',
      occurredAt: 0,
    };
    expect(ids(index.match(e))).toEqual(['wanted']);
    expect(index.get('wanted')).toBe(wanted);
  });
});

describe('effectiveCondition', () => {
  it('adds "still in one of the statuses" to status templates, so reminders stop once the status moved on', () => {
    const def = withDefaults({
      name: 'x',
      dossierType: 'quotationRequest',
      event: { type: 'statusSet', to: ['offerte-aangevraagd'] },
      effect: { type: 'none' },
    });
    expect(effectiveCondition(def)).toEqual({
      type: 'all',
      conditions: [
        { type: 'compare', field: 'status', op: 'in', value: ['offerte-aangevraagd'] },
        { type: 'all', conditions: [] },
      ],
    });
    const other = { ...def, event: { type: 'created' as const } };
    expect(effectiveCondition(other)).toBe(other.conditions);
  });
});

import type { ActionStatus } from '../domain/action/action.js';
import type { Clock } from '../domain/clock.js';
import { describeCondition, referencedDossierIds } from '../domain/condition/index.js';
import type { DossierTypeCatalog } from '../domain/dossier-type.js';
import { WerkflowError, throwIfProblems } from '../domain/errors.js';
import type { TemplateDefinition } from '../domain/template/action-template.js';
import { type Lang, describeEvent, eventDossierIds } from '../domain/template/explain-text.js';
import {
  type GraphTemplate,
  describeEdge,
  fieldConflicts,
  loopProblems,
  templateEdges,
} from '../domain/template/template-graph.js';
import type { Store } from '../store/database.js';
import type { ActionEngine } from '../engine/action-engine.js';
import type { TemplateWarning } from './template.service.js';

/**
 * The templates as a graph (src/domain/template/template-graph.ts) over the live data: loops
 * refused when a template is saved, published or switched on; conflicts returned as warnings.
 */
export class TemplateGraphService {
  /** Titles of dossiers by id (DossierService.titlesByIds): labels name referenced dossiers by title. */
  titlesByIds: ((ids: Iterable<string>, lang: Lang) => Promise<Map<string, string>>) | undefined;

  constructor(
    private readonly store: Store,
    private readonly engine: ActionEngine,
    private readonly catalog: () => DossierTypeCatalog,
    private readonly clock: Clock,
  ) {}

  /** The published versions of the active templates. */
  async activeTemplates(): Promise<GraphTemplate[]> {
    return (await this.engine.templates.listActive()).map((t) => ({
      id: t.templateId,
      definition: t.definition,
    }));
  }

  /** Throws (validation_failed, path `effect`) when the template closes a loop; returns its conflicts. */
  async check(id: string, def: TemplateDefinition): Promise<TemplateWarning[]> {
    const others = await this.activeTemplates();
    const candidate = { id, definition: def };
    throwIfProblems(loopProblems(candidate, others, this.catalog()));
    return fieldConflicts(candidate, others).map((c) => ({
      code: 'template.fieldConflict',
      message: c.message,
      params: { templateIds: c.templateIds, dossierType: c.dossierType, field: c.field },
    }));
  }
  /**
   * The process map (Coachview's "werkproces in een schema"): the templates of a process as
   * events → conditions → actions → follow-ups (reminders, created dossiers, templates they
   * start), with the actions of each node created in [from, to) counted by status.
   */
  async processMap(
    process: string,
    options: { from?: string; to?: string; lang: Lang },
  ): Promise<ProcessMap> {
    const now = this.clock.now();
    const to = instantParam(options.to, 'query.to') ?? now + 1; // up to and including now
    const from = instantParam(options.from, 'query.from') ?? to - 30 * 86_400_000;
    if (from >= to)
      throw new WerkflowError('validation_failed', 'from must lie before to.', { path: 'query.from' });
    // By the process of what is live (the published version), not of the draft: a draft moved to
    // another process leaves the template on this map until it is published. Every template is
    // read (the draft's process column cannot say), with their published versions in one query.
    const all = await this.engine.templates.list();
    const published = await this.engine.definitionsOf(
      all.flatMap((t) => (t.publishedVersion === null ? [] : [{ id: t.id, version: t.publishedVersion }])),
    );
    const graph: GraphTemplate[] = all
      .map((t) => ({
        id: t.id,
        definition:
          (t.publishedVersion !== null && published.get(`${t.id}@${t.publishedVersion}`)) || t.draft,
      }))
      .filter((g) => g.definition.process === process);
    if (graph.length === 0)
      throw new WerkflowError('not_found', `No template belongs to the process "${process}".`, {
        path: 'process',
      });
    const catalog = this.catalog();
    const rows = await this.store.db
      .selectFrom('actions')
      .select(['template_id', 'kind', 'status'])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(
        'template_id',
        'in',
        graph.map((g) => g.id),
      )
      .where('created_at', '>=', from)
      .where('created_at', '<', to)
      .groupBy(['template_id', 'kind', 'status'])
      .execute();
    const counts = new Map<string, StatusCounts>();
    for (const r of rows) {
      const key = `${r.kind}:${r.template_id}`;
      counts.set(key, { ...counts.get(key), [r.status as ActionStatus]: Number(r.n) });
    }
    const names = new Map(graph.map((g) => [g.id, g.definition.name]));
    // The dossiers the events and conditions name, by title (one load for the whole map).
    const named = graph.flatMap(({ definition: def }) => {
      const type = catalog.get(def.dossierType);
      return type
        ? [...eventDossierIds(def.event, type), ...referencedDossierIds(def.conditions, type, catalog)]
        : [];
    });
    const titles = this.titlesByIds ? await this.titlesByIds(named, options.lang) : new Map<string, string>();
    const dossierTitle = (did: string) => titles.get(did);
    const nodes: MapNode[] = [];
    const edges: MapEdge[] = [];
    for (const { id, definition: def } of graph) {
      const type = catalog.get(def.dossierType);
      const ctx = {
        lang: options.lang,
        timeZone: 'UTC',
        type,
        templateName: (tid: string) =>
          names.get(tid) ?? this.engine.templateIndex.get(tid)?.definition.name ?? tid,
        dossierTitle,
      };
      nodes.push({ id: `event:${id}`, kind: 'event', templateId: id, label: describeEvent(def.event, ctx) });
      let last = `event:${id}`;
      const hasConditions = !(def.conditions.type === 'all' && def.conditions.conditions.length === 0);
      if (hasConditions && type) {
        nodes.push({
          id: `conditions:${id}`,
          kind: 'conditions',
          templateId: id,
          label: describeCondition(def.conditions, type, options.lang, catalog, dossierTitle),
        });
        edges.push({ from: last, to: `conditions:${id}`, kind: 'flow' });
        last = `conditions:${id}`;
      }
      nodes.push({
        id: `action:${id}`,
        kind: 'action',
        templateId: id,
        label: def.name,
        counts: counts.get(`main:${id}`) ?? {},
      });
      edges.push({ from: last, to: `action:${id}`, kind: 'flow' });
      if (def.reminder) {
        nodes.push({
          id: `reminder:${id}`,
          kind: 'reminder',
          templateId: id,
          label: options.lang === 'nl' ? `${def.name} (herinnering)` : `${def.name} (reminder)`,
          counts: counts.get(`reminder:${id}`) ?? {},
        });
        edges.push({ from: `action:${id}`, to: `reminder:${id}`, kind: 'flow' });
      }
      if (def.effect.type === 'createTask' || def.effect.type === 'createDossier') {
        const created = def.effect.type === 'createTask' ? 'task' : def.effect.dossierType;
        const label = catalog.get(created)?.label[options.lang] ?? created;
        nodes.push({
          id: `creates:${id}`,
          kind: 'creates',
          templateId: id,
          label: options.lang === 'nl' ? `maakt ${label}` : `creates ${label}`,
        });
        edges.push({ from: `action:${id}`, to: `creates:${id}`, kind: 'flow' });
      }
    }
    const byId = new Map(graph.map((g) => [g.id, g.definition]));
    for (const e of templateEdges(graph)) {
      const source =
        e.via.kind === 'createDossier' && nodes.some((n) => n.id === `creates:${e.from}`)
          ? `creates:${e.from}`
          : `action:${e.from}`;
      edges.push({
        from: source,
        to: `event:${e.to}`,
        kind: 'trigger',
        label: describeEdge(
          e,
          (tid) => names.get(tid) ?? tid,
          catalog,
          (tid) => byId.get(tid)?.dossierType ?? '',
          options.lang,
        ),
      });
    }
    return {
      process,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      nodes,
      edges,
      mermaid: mermaidOf(nodes, edges),
    };
  }
}

/** Counts of actions in a period, by status. */
export type StatusCounts = Partial<Record<ActionStatus, number>>;

export interface MapNode {
  readonly id: string;
  readonly kind: 'event' | 'conditions' | 'action' | 'reminder' | 'creates';
  readonly templateId: string;
  readonly label: string;
  /** Actions of this node created in the period, by status (action and reminder nodes). */
  readonly counts?: StatusCounts;
}

export interface MapEdge {
  readonly from: string;
  readonly to: string;
  /** `flow` within a template; `trigger` from one template's action to another's event. */
  readonly kind: 'flow' | 'trigger';
  readonly label?: string;
}

export interface ProcessMap {
  readonly process: string;
  readonly from: string;
  readonly to: string;
  readonly nodes: readonly MapNode[];
  readonly edges: readonly MapEdge[];
  /** The same graph as Mermaid flowchart text. */
  readonly mermaid: string;
}

/** An ISO date or datetime from the query, as epoch ms; undefined when absent. */
function instantParam(value: string | undefined, path: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms))
    throw new WerkflowError(
      'validation_failed',
      `${path.slice('query.'.length)} must be a date such as 2026-11-01 or 2026-11-01T09:00:00Z.`,
      { path },
    );
  return ms;
}

/** The map as a Mermaid flowchart: events as rounded boxes, conditions as diamonds, actions as boxes with their counts. */
export function mermaidOf(nodes: readonly MapNode[], edges: readonly MapEdge[]): string {
  const ids = new Map(nodes.map((n, i) => [n.id, `n${i}`]));
  const text = (s: string) =>
    s
      .replace(/["<>{}[\]|#&;]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  const lines = ['flowchart LR'];
  for (const n of nodes) {
    const counts = n.counts
      ? Object.entries(n.counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')
      : '';
    const label = `"${text(n.label)}${counts ? ` (${counts})` : ''}"`;
    const id = ids.get(n.id)!;
    lines.push(
      n.kind === 'event'
        ? `  ${id}([${label}])`
        : n.kind === 'conditions'
          ? `  ${id}{${label}}`
          : n.kind === 'creates'
            ? `  ${id}[/${label}/]`
            : `  ${id}[${label}]`,
    );
  }
  for (const e of edges) {
    const from = ids.get(e.from);
    const to = ids.get(e.to);
    if (!from || !to) continue;
    lines.push(e.kind === 'trigger' ? `  ${from} -.-> ${to}` : `  ${from} --> ${to}`);
  }
  return lines.join('\n');
}

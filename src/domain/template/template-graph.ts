/**
 * The graph of templates: an edge A → B when what A's action does (set a field or a status,
 * create a dossier or a task) or its completion (chaining) can trigger B's event. A cycle in this
 * graph is a loop the engine would run for ever ("A sets status X, X stamps B, B sets the field
 * that triggers A"); saving or publishing a template that closes one is refused unless the
 * template states a maximum chain depth (`maxDepth`). Two active templates that set the same
 * field on the same event are a conflict worth a warning: which value wins depends on the order.
 *
 * Pure: works on definitions only, so the same graph serves the save check, the process map
 * and the docs.
 */
import type { DossierType, DossierTypeCatalog } from '../dossier-type.js';
import type { ErrorDetail } from '../errors.js';
import { canonicalJson, type TemplateDefinition } from './action-template.js';

/** A template as a node of the graph. */
export interface GraphTemplate {
  readonly id: string;
  readonly definition: TemplateDefinition;
}

/** Why A can trigger B, as data (the UI renders it) and as an English sentence. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly via:
    | { readonly kind: 'setStatus'; readonly status: string }
    | { readonly kind: 'setField'; readonly field: string; readonly value: unknown }
    | { readonly kind: 'createDossier'; readonly dossierType: string }
    | { readonly kind: 'chain'; readonly on: 'actionCompleted' | 'actionExpired' };
}

/** The dossier type an action's effect works on: the fan-out target's, else the template's own. */
export function actionDossierType(def: TemplateDefinition): string {
  return def.fanOut?.dossierType ?? def.dossierType;
}

/** The writes an effect makes, as (dossier type, field → value) or a new dossier of a type. */
function writesOf(
  def: TemplateDefinition,
): { type: string; field?: string; value?: unknown; creates?: boolean } | undefined {
  const target = actionDossierType(def);
  const e = def.effect;
  switch (e.type) {
    case 'setStatus':
      return { type: target, field: 'status', value: e.status };
    case 'setField':
      return { type: target, field: e.field, value: e.value };
    case 'createTask':
      return { type: 'task', creates: true };
    case 'createDossier':
      return { type: e.dossierType, creates: true };
    default:
      return undefined;
  }
}

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** Whether writing `field = value` on a dossier of B's type can trigger B's event. */
function writeTriggers(b: TemplateDefinition, field: string, value: unknown): boolean {
  const e = b.event;
  switch (e.type) {
    case 'fieldChanged':
      return e.field === field && (e.to === undefined || same(e.to, value));
    case 'statusSet':
      return field === 'status' && e.to.includes(String(value));
    case 'dateReached':
      return e.field === field && value !== null && value !== '';
    default:
      return false;
  }
}

/** Every edge between the templates. */
export function templateEdges(templates: readonly GraphTemplate[]): GraphEdge[] {
  const edges: GraphEdge[] = [];
  for (const a of templates) {
    const w = writesOf(a.definition);
    for (const b of templates) {
      const be = b.definition.event;
      if ((be.type === 'actionCompleted' || be.type === 'actionExpired') && be.templateId === a.id) {
        edges.push({ from: a.id, to: b.id, via: { kind: 'chain', on: be.type } });
        continue;
      }
      if (!w || b.definition.dossierType !== w.type) continue;
      if (w.creates) {
        // A new dossier fires "created", and "status set" (without a `from`: it had no status
        // before) / "date reached" when it is born with them — as TemplateIndex.match does.
        if (
          be.type === 'created' ||
          (be.type === 'statusSet' && be.from === undefined) ||
          be.type === 'dateReached'
        )
          edges.push({ from: a.id, to: b.id, via: { kind: 'createDossier', dossierType: w.type } });
      } else if (w.field !== undefined && writeTriggers(b.definition, w.field, w.value)) {
        edges.push({
          from: a.id,
          to: b.id,
          via:
            w.field === 'status'
              ? { kind: 'setStatus', status: String(w.value) }
              : { kind: 'setField', field: w.field, value: w.value },
        });
      }
    }
  }
  return edges;
}

/**
 * A cycle through `start`, as the edges from `start` back to it (shortest first by breadth-first
 * search), or null when `start` is on no cycle.
 */
export function cycleThrough(start: string, edges: readonly GraphEdge[]): GraphEdge[] | null {
  const out = new Map<string, GraphEdge[]>();
  for (const e of edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const cameBy = new Map<string, GraphEdge>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const e of out.get(node) ?? []) {
      if (e.to === start) {
        const path = [e];
        for (let at = node; at !== start;) {
          const prev = cameBy.get(at)!;
          path.unshift(prev);
          at = prev.from;
        }
        return path;
      }
      if (!cameBy.has(e.to) && e.to !== start) {
        cameBy.set(e.to, e);
        queue.push(e.to);
      }
    }
  }
  return null;
}

function statusLabel(type: DossierType | undefined, code: string, lang: 'nl' | 'en' = 'en'): string {
  return type?.statuses.find((s) => s.code === code)?.label[lang] ?? code;
}

/** One edge in words: `"A" sets the status to Offerte aangevraagd, which starts "B"`. */
export function describeEdge(
  edge: GraphEdge,
  name: (id: string) => string,
  catalog: DossierTypeCatalog,
  typeOf: (id: string) => string,
  lang: 'nl' | 'en' = 'en',
): string {
  const from = `"${name(edge.from)}"`;
  const to = `"${name(edge.to)}"`;
  const v = edge.via;
  const nl = lang === 'nl';
  switch (v.kind) {
    case 'setStatus': {
      const status = statusLabel(catalog.get(typeOf(edge.to)), v.status, lang);
      return nl
        ? `${from} zet de status op ${status}, waardoor ${to} start`
        : `${from} sets the status to ${status}, which starts ${to}`;
    }
    case 'setField': {
      const field =
        catalog.get(typeOf(edge.to))?.fields.find((f) => f.key === v.field)?.label[lang] ?? v.field;
      return nl
        ? `${from} zet ${field} op ${JSON.stringify(v.value)}, waardoor ${to} start`
        : `${from} sets ${v.field} to ${JSON.stringify(v.value)}, which starts ${to}`;
    }
    case 'createDossier': {
      const type = catalog.get(v.dossierType)?.label[lang] ?? v.dossierType;
      return nl
        ? `${from} maakt een ${type} aan, waardoor ${to} start`
        : `${from} creates a ${v.dossierType}, which starts ${to}`;
    }
    case 'chain':
      return nl
        ? `als ${from} ${v.on === 'actionCompleted' ? 'gereed is' : 'verloopt'}, start ${to}`
        : `${from} ${v.on === 'actionCompleted' ? 'being completed' : 'expiring'} starts ${to}`;
  }
}

/** The deepest chain the engine runs without a stated maximum, and the most a template may state. */
export const MAX_CHAIN_DEPTH = 20;

/**
 * The problems of saving `candidate` among the other active templates: a loop through it on which
 * no template states `maxDepth` (such a loop never stops), named step by step.
 */
export function loopProblems(
  candidate: GraphTemplate,
  others: readonly GraphTemplate[],
  catalog: DossierTypeCatalog,
): ErrorDetail[] {
  if (candidate.definition.maxDepth !== undefined) return [];
  const all = [...others.filter((o) => o.id !== candidate.id), candidate];
  // A loop through a template that states maxDepth stops there: only loops without one count.
  const bounded = new Set(all.filter((t) => t.definition.maxDepth !== undefined).map((t) => t.id));
  const edges = templateEdges(all).filter((e) => !bounded.has(e.from) && !bounded.has(e.to));
  const cycle = cycleThrough(candidate.id, edges);
  if (!cycle) return [];
  const byId = new Map(all.map((t) => [t.id, t.definition]));
  const name = (id: string) => byId.get(id)?.name ?? id;
  const typeOf = (id: string) => byId.get(id)?.dossierType ?? '';
  const steps = cycle.map((e) => describeEdge(e, name, catalog, typeOf));
  return [
    {
      path: 'effect',
      // For the UI's own words (err.template.loop): the steps in Dutch; English readers get `message`.
      code: 'template.loop',
      params: {
        steps: cycle.map((e) => describeEdge(e, name, catalog, typeOf, 'nl')).join('; '),
        maxDepth: MAX_CHAIN_DEPTH,
      },
      message: `This template closes a loop the engine would run for ever: ${steps.join('; ')}. Change an effect or an event to break it, or state a maximum chain depth (maxDepth, at most ${MAX_CHAIN_DEPTH}) if the loop is meant to stop by itself.`,
    },
  ];
}

/** Two templates that set the same field on the same event: which value wins depends on the order. */
export interface FieldConflict {
  readonly templateIds: readonly [string, string];
  readonly dossierType: string;
  readonly field: string;
  readonly message: string;
}

/** Conflicts of `candidate` with the other active templates (same type, same event, same field set). */
export function fieldConflicts(candidate: GraphTemplate, others: readonly GraphTemplate[]): FieldConflict[] {
  const w = writesOf(candidate.definition);
  if (!w || w.field === undefined) return [];
  const out: FieldConflict[] = [];
  for (const o of others) {
    if (o.id === candidate.id) continue;
    const ow = writesOf(o.definition);
    if (!ow || ow.field !== w.field || ow.type !== w.type) continue;
    if (o.definition.dossierType !== candidate.definition.dossierType) continue;
    if (!same(o.definition.event, candidate.definition.event)) continue;
    out.push({
      templateIds: [candidate.id, o.id],
      dossierType: w.type,
      field: w.field,
      message: `"${o.definition.name}" also sets ${w.field} of ${w.type} on the same event${same(ow.value, w.value) ? '' : ` (to ${JSON.stringify(ow.value)} instead of ${JSON.stringify(w.value)})`}: which value stays depends on the order they run in.`,
    });
  }
  return out;
}

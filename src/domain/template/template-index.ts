import type { Condition } from '../condition/condition.js';
import type { DossierTypeCatalog } from '../dossier-type.js';
import type { ActiveTemplate, TemplateDefinition } from './action-template.js';

/** A dossier event as the matcher sees it. */
export interface MatchEvent {
  readonly id: number | null;
  readonly dossierId: string;
  readonly dossierType: string;
  readonly kind: 'created' | 'updated' | 'deleted';
  readonly changes: Readonly<Record<string, { old: unknown; new: unknown }>>;
  readonly data: Readonly<Record<string, unknown>>;
  readonly status: string | null;
  readonly occurredAt: number;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const isEmpty = (v: unknown) => v === null || v === undefined || v === '';

/**
 * Templates indexed by (dossier type, event kind, field or status), so matching an event costs
 * the same whether there are 10 or 10,000 templates that cannot match it.
 */
export class TemplateIndex {
  private readonly byKey = new Map<string, ActiveTemplate[]>();
  private readonly types = new Set<string>();
  readonly size: number;

  constructor(
    templates: readonly ActiveTemplate[],
    private readonly catalog: DossierTypeCatalog,
  ) {
    this.size = templates.length;
    for (const t of templates) {
      const d = t.definition;
      this.types.add(d.dossierType);
      if (d.fanOut) this.types.add(d.fanOut.dossierType);
      for (const key of keysOf(d)) {
        const list = this.byKey.get(key) ?? [];
        list.push(t);
        this.byKey.set(key, list);
      }
    }
  }

  /** Whether any template works on dossiers of this type (else events of it can be skipped). */
  hasTemplatesFor(dossierType: string): boolean {
    return this.types.has(dossierType);
  }

  /** Templates chained to an action of `templateId` being completed or expired. */
  chained(kind: 'actionCompleted' | 'actionExpired', templateId: string): ActiveTemplate[] {
    return this.byKey.get(`*|${kind}|${templateId}`) ?? [];
  }

  get(templateId: string): ActiveTemplate | undefined {
    for (const list of this.byKey.values()) {
      const t = list.find((x) => x.templateId === templateId);
      if (t) return t;
    }
    return undefined;
  }

  /** The templates this event triggers, before conditions: event kind, field, values and categories match. */
  match(event: MatchEvent): ActiveTemplate[] {
    if (!this.types.has(event.dossierType)) return [];
    const t = event.dossierType;
    const found: ActiveTemplate[] = [];
    const consider = (key: string, accept: (d: TemplateDefinition) => boolean) => {
      for (const tpl of this.byKey.get(key) ?? []) if (accept(tpl.definition) && this.inCategory(tpl.definition, event.data)) found.push(tpl);
    };
    if (event.kind === 'created') {
      consider(`${t}|created`, () => true);
      if (event.status !== null) consider(`${t}|statusSet|${event.status}`, (d) => d.event.type === 'statusSet' && d.event.from === undefined);
      for (const [field, value] of Object.entries(event.data)) {
        if (!isEmpty(value)) consider(`${t}|dateReached|${field}`, () => true);
      }
    } else if (event.kind === 'updated') {
      for (const [field, change] of Object.entries(event.changes)) {
        consider(`${t}|fieldChanged|${field}`, (d) => {
          const e = d.event as { from?: unknown; to?: unknown };
          return ('from' in e && e.from !== undefined ? same(e.from, change.old) : true) && ('to' in e && e.to !== undefined ? same(e.to, change.new) : true);
        });
        if (!isEmpty(change.new)) consider(`${t}|dateReached|${field}`, () => true);
      }
      const status = event.changes.status;
      if (status && typeof status.new === 'string') {
        consider(`${t}|statusSet|${status.new}`, (d) => d.event.type === 'statusSet' && (d.event.from === undefined || d.event.from.includes(String(status.old))));
      }
    } else {
      consider(`${t}|deleted`, () => true);
    }
    return found;
  }

  private inCategory(d: TemplateDefinition, data: Readonly<Record<string, unknown>>): boolean {
    if (d.categories.length === 0) return true;
    const field = this.catalog.get(d.dossierType)?.categoryField;
    return field !== undefined && d.categories.includes(String(data[field] ?? ''));
  }
}

function keysOf(d: TemplateDefinition): string[] {
  const t = d.dossierType;
  const e = d.event;
  switch (e.type) {
    case 'created':
    case 'deleted':
      return [`${t}|${e.type}`];
    case 'fieldChanged':
      return [`${t}|fieldChanged|${e.field}`];
    case 'dateReached':
      return [`${t}|dateReached|${e.field}`];
    case 'statusSet':
      return e.to.map((s) => `${t}|statusSet|${s}`);
    case 'actionCompleted':
    case 'actionExpired':
      return [`*|${e.type}|${e.templateId}`];
    case 'manual':
      return [`${t}|manual`];
  }
}

/**
 * The condition an action must meet: the template's conditions, and for "status set" templates
 * that the dossier is still in one of those statuses (Econobis: no reminder once the status moved on).
 */
export function effectiveCondition(d: TemplateDefinition): Condition {
  if (d.event.type !== 'statusSet') return d.conditions;
  return {
    type: 'all',
    conditions: [{ type: 'compare', field: 'status', op: 'in', value: [...d.event.to] }, d.conditions],
  };
}

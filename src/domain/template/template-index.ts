import { assertNever } from '../assert-never.js';
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

const isEmpty = (v: unknown) => v === null || v === undefined || v === '';
/** The key two values are compared by (a value and `null` are the same as absent). */
const valueKey = (v: unknown): string => JSON.stringify(v ?? null);
/** A key's own value: field keys such as "constructor" must not reach Object.prototype. */
const own = (record: Readonly<Record<string, unknown>>, key: string): unknown =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/** A template in a bucket, with what is left to check once the bucket is found. */
interface Entry {
  readonly template: ActiveTemplate;
  /** fieldChanged: the `from` value's key; statusSet: the `from` statuses. Undefined = any. */
  readonly from?: string | readonly string[];
}

/** Templates of one (dossier type, event, field or value), split by the category they are linked to. */
class Bucket {
  /** Templates linked to no category: every dossier. */
  readonly anyCategory: Entry[] = [];
  readonly byCategory = new Map<string, Entry[]>();

  add(entry: Entry, categories: readonly string[]): void {
    if (categories.length === 0) {
      this.anyCategory.push(entry);
      return;
    }
    for (const c of new Set(categories)) {
      const list = this.byCategory.get(c);
      if (list) list.push(entry);
      else this.byCategory.set(c, [entry]);
    }
  }
}

/** The buckets of one dossier type. */
class TypeIndex {
  readonly created = new Bucket();
  readonly deleted = new Bucket();
  /** fieldChanged without `to`, by field. */
  readonly fieldChangedAny = new Map<string, Bucket>();
  /** fieldChanged with `to`, by field, then by the `to` value's key. */
  readonly fieldChangedTo = new Map<string, Map<string, Bucket>>();
  readonly statusSet = new Map<string, Bucket>();
  readonly dateReached = new Map<string, Bucket>();

  constructor(readonly categoryField: string | undefined) {}
}

function bucketIn<K>(map: Map<K, Bucket>, key: K): Bucket {
  let b = map.get(key);
  if (!b) map.set(key, (b = new Bucket()));
  return b;
}

/**
 * Templates indexed by dossier type, event, field or status, the value a field changes to, and
 * the category they are linked to, so that matching an event only visits templates that can
 * match it: its cost is the same whether there are 10 or 10,000 templates that cannot.
 */
export class TemplateIndex {
  private readonly byType = new Map<string, TypeIndex>();
  private readonly types = new Set<string>();
  private readonly byId = new Map<string, ActiveTemplate>();
  private readonly chains = new Map<string, ActiveTemplate[]>();
  private readonly dates = new Map<string, ActiveTemplate[]>();
  /** Templates a dossier joins by a reference field: fan-out ones, and those linked via the reference. */
  private readonly joins = new Map<string, ActiveTemplate[]>();
  private readonly joinFieldsByType = new Map<string, Set<string>>();
  /** Templates timed from a date one reference away ("training.startDate"), by (referenced type, field). */
  private readonly anchoredThrough = new Map<string, { template: ActiveTemplate; via: string }[]>();
  readonly size: number;

  constructor(
    templates: readonly ActiveTemplate[],
    private readonly catalog: DossierTypeCatalog,
  ) {
    this.size = templates.length;
    for (const t of templates) {
      const d = t.definition;
      this.byId.set(t.templateId, t);
      this.types.add(d.dossierType);
      if (d.fanOut) this.types.add(d.fanOut.dossierType);
      const anchor = d.timing.anchor.type === 'field' ? d.timing.anchor.field.split('.') : [];
      const ref =
        anchor.length === 2 ? catalog.get(d.dossierType)?.fields.find((f) => f.key === anchor[0]) : undefined;
      if (ref?.kind === 'reference' && d.event.type !== 'manual') {
        this.types.add(ref.refType);
        listIn(this.anchoredThrough, `${ref.refType}|${anchor[1]!}`).push({ template: t, via: ref.key });
      }
      this.add(t);
    }
  }

  private add(t: ActiveTemplate): void {
    const d = t.definition;
    const e = d.event;
    if (e.type === 'actionCompleted' || e.type === 'actionExpired') {
      listIn(this.chains, `${e.type}|${e.templateId}`).push(t);
      return;
    }
    if (e.type === 'dateReached') listIn(this.dates, `${d.dossierType}|${e.field}`).push(t);
    if (e.type === 'manual') return; // only started by a person
    const join =
      d.fanOut ?? (d.categoryVia ? { dossierType: d.dossierType, field: d.categoryVia } : undefined);
    if (join) {
      listIn(this.joins, `${join.dossierType}|${join.field}`).push(t);
      let fields = this.joinFieldsByType.get(join.dossierType);
      if (!fields) this.joinFieldsByType.set(join.dossierType, (fields = new Set()));
      fields.add(join.field);
    }
    // Linked through a reference: the category is the referenced dossier's, which the engine
    // reads when stamping; here the template stands for every category.
    const categories = d.categoryVia ? [] : d.categories;
    const categoryField = this.catalog.get(d.dossierType)?.categoryField;
    // Linked to categories of a type without a category field: no dossier can be in one.
    if (categories.length > 0 && categoryField === undefined) return;
    let ti = this.byType.get(d.dossierType);
    if (!ti) this.byType.set(d.dossierType, (ti = new TypeIndex(categoryField)));
    switch (e.type) {
      case 'created':
        ti.created.add({ template: t }, categories);
        return;
      case 'deleted':
        ti.deleted.add({ template: t }, categories);
        return;
      case 'fieldChanged': {
        const entry: Entry = { template: t, ...(e.from !== undefined ? { from: valueKey(e.from) } : {}) };
        if (e.to === undefined) bucketIn(ti.fieldChangedAny, e.field).add(entry, categories);
        else {
          let byValue = ti.fieldChangedTo.get(e.field);
          if (!byValue) ti.fieldChangedTo.set(e.field, (byValue = new Map()));
          bucketIn(byValue, valueKey(e.to)).add(entry, categories);
        }
        return;
      }
      case 'statusSet':
        // Once per status: a status listed twice must not match (and stamp) the template twice.
        for (const status of new Set(e.to))
          bucketIn(ti.statusSet, status).add(
            { template: t, ...(e.from !== undefined ? { from: e.from } : {}) },
            categories,
          );
        return;
      case 'dateReached':
        bucketIn(ti.dateReached, e.field).add({ template: t }, categories);
        return;
      default:
        // Every event a template can start on has its bucket above: a new kind does not compile.
        assertNever(e, 'template event');
    }
  }

  /** Whether any template works on dossiers of this type (else events of it can be skipped). */
  hasTemplatesFor(dossierType: string): boolean {
    return this.types.has(dossierType);
  }

  /** Templates chained to an action of `templateId` being completed or expired. */
  chained(kind: 'actionCompleted' | 'actionExpired', templateId: string): ActiveTemplate[] {
    return this.chains.get(`${kind}|${templateId}`) ?? [];
  }

  /** Templates counting from a date field of this dossier type ("a date is reached"), whatever its value. */
  onDate(dossierType: string, field: string): readonly ActiveTemplate[] {
    return this.dates.get(`${dossierType}|${field}`) ?? [];
  }

  /**
   * Templates a dossier of this type joins when `field` (a reference) is set: fan-out templates
   * on the referenced dossier ("one per participant"), and templates linked to a category via it.
   */
  joinedBy(dossierType: string, field: string): readonly ActiveTemplate[] {
    return this.joins.get(`${dossierType}|${field}`) ?? [];
  }

  /** The reference fields of this type that dossiers join templates by. */
  joinFields(dossierType: string): ReadonlySet<string> {
    return this.joinFieldsByType.get(dossierType) ?? new Set();
  }

  /** Templates timed from this date field of a referenced dossier, with the reference they go through. */
  timedFrom(dossierType: string, field: string): readonly { template: ActiveTemplate; via: string }[] {
    return this.anchoredThrough.get(`${dossierType}|${field}`) ?? [];
  }

  get(templateId: string): ActiveTemplate | undefined {
    return this.byId.get(templateId);
  }

  /** The templates this event triggers, before conditions: event kind, field, values and categories match. */
  match(event: MatchEvent): ActiveTemplate[] {
    const ti = this.byType.get(event.dossierType);
    if (!ti) return [];
    const category =
      ti.categoryField === undefined ? undefined : String(own(event.data, ti.categoryField) ?? '');
    const found: ActiveTemplate[] = [];
    if (event.kind === 'created') {
      take(ti.created, category, found);
      if (event.status !== null) {
        const b = ti.statusSet.get(event.status);
        if (b) takeIf(b, category, found, (entry) => entry.from === undefined);
      }
      for (const [field, b] of ti.dateReached) if (!isEmpty(own(event.data, field))) take(b, category, found);
    } else if (event.kind === 'updated') {
      for (const field of Object.keys(event.changes)) {
        const change = event.changes[field]!;
        let oldKey: string | undefined;
        const fromHolds = (entry: Entry) =>
          entry.from === undefined || entry.from === (oldKey ??= valueKey(change.old));
        const any = ti.fieldChangedAny.get(field);
        if (any) takeIf(any, category, found, fromHolds);
        const to = ti.fieldChangedTo.get(field)?.get(valueKey(change.new));
        if (to) takeIf(to, category, found, fromHolds);
        if (!isEmpty(change.new)) {
          const b = ti.dateReached.get(field);
          if (b) take(b, category, found);
        }
      }
      const status = own(event.changes, 'status') as { old: unknown; new: unknown } | undefined;
      if (status && typeof status.new === 'string') {
        const b = ti.statusSet.get(status.new);
        if (b)
          takeIf(
            b,
            category,
            found,
            (entry) =>
              entry.from === undefined || (entry.from as readonly string[]).includes(String(status.old)),
          );
      }
    } else {
      take(ti.deleted, category, found);
    }
    return found;
  }
}

function listIn<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

/** Adds the bucket's templates for every dossier and for the dossier's category. */
function take(b: Bucket, category: string | undefined, out: ActiveTemplate[]): void {
  for (const e of b.anyCategory) out.push(e.template);
  if (category === undefined || b.byCategory.size === 0) return;
  const linked = b.byCategory.get(category);
  if (linked) for (const e of linked) out.push(e.template);
}

function takeIf(
  b: Bucket,
  category: string | undefined,
  out: ActiveTemplate[],
  accept: (e: Entry) => boolean,
): void {
  for (const e of b.anyCategory) if (accept(e)) out.push(e.template);
  if (category === undefined || b.byCategory.size === 0) return;
  const linked = b.byCategory.get(category);
  if (linked) for (const e of linked) if (accept(e)) out.push(e.template);
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

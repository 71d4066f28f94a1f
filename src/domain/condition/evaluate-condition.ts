/**
 * In-memory evaluation of conditions, pure and synchronous; and their description in words.
 *
 * Semantics — src/store/condition-sql.ts compiles to SQL with exactly these, and
 * test/store/condition-sql.test.ts checks the two agree on random dossiers and conditions:
 *
 * - Reading a value. A field's value is read by its kind: a JSON string for text-like kinds
 *   (text, longText, email, phone, enum, status, reference, user, team, date, datetime), a JSON
 *   number for number and money, a JSON boolean for boolean. Anything else — absent, null, or a
 *   value of the wrong JSON type — reads as null. A field behind a reference path reads as null
 *   when any link of the chain is empty, not a text id, points at no dossier, or at a dossier of
 *   another type than the reference field names.
 * - Two-valued logic. Every condition is true or false, never unknown. A comparison with a null
 *   value is false (eq, in, gt, gte, lt, lte, contains, startsWith, dateBefore, dateAfter), and
 *   its negations are true: `ne` is exactly `not eq` and `notIn` exactly `not in`, so "status is
 *   not Afgerond" holds for a dossier without status (SQL's `is distinct from`). SQL's
 *   three-valued logic collapses to false: the compiler wraps every `not` in `coalesce(…, false)`.
 * - Empty. isEmpty holds for null (absent, wrong type, broken reference) and for ''. isNotEmpty is
 *   its negation.
 * - Text. Compared exactly: case-sensitive, no trimming, no Unicode normalisation. contains and
 *   startsWith look for the literal text (no wildcards).
 * - Numbers (number, money). Numeric comparison of the JSON numbers.
 * - Booleans. Only eq and ne: `eq true` holds for true only; `ne true` for false and for null.
 * - Dates. Compared as ISO text, which orders as time does because every value of a kind has one
 *   shape: a date field holds 'YYYY-MM-DD', a datetime field the UTC text 'YYYY-MM-DDTHH:MM:SS.sssZ'
 *   (the store normalises on write, and the condition's own datetime values are normalised the
 *   same way, so `+01:00` input compares correctly). A date is never compared with a datetime:
 *   each operand takes the form of its field.
 * - dateBefore / dateAfter `{ days: N }`: the field is before / after the moment now + N days
 *   (N < 0: in the past). For a date field that moment is the local date in the organisation's
 *   time zone (`dateBefore {days: 0}` = before today); for a datetime field it is the instant,
 *   N calendar days from now in that zone. The boundary itself is neither before nor after.
 * - changed. True when the triggering event changed the field (of the dossier itself), and, if
 *   given, its old value equals `from` and its new value equals `to` (`null` = was/became empty).
 *   Without an event — and always in SQL — it is false, so `not changed` is true.
 * - Groups. `all []` is true, `any []` is false.
 */
import type { DossierType, DossierTypeCatalog, FieldDef, FieldKind } from '../dossier-type.js';
import { fieldOf } from '../dossier-type.js';
import { assertNever } from '../errors.js';
import { DEFAULT_TIME_ZONE } from '../timing/index.js';
import {
  type CompareCondition,
  type Condition,
  normaliseOperand,
  readFieldValue,
  type RelativeDays,
  relativeDateOperand,
  type ResolvedField,
  resolveFieldPath,
} from './condition.js';
import { requireValidCondition } from './validate-condition.js';

type Data = Readonly<Record<string, unknown>>;

/** What evaluating a condition on one dossier needs; everything is given, nothing is fetched. */
export interface ConditionContext {
  /** The dossier type the condition runs on. */
  readonly type: DossierType;
  readonly catalog: DossierTypeCatalog;
  /** The dossier's field values. */
  readonly data: Data;
  /**
   * The data of the dossier at the end of a reference chain (see `referencePaths`), or null when
   * a link is empty or leads to no dossier of the referenced type. `resolverFromDossiers` builds
   * one from dossiers loaded beforehand.
   */
  readonly resolve: (chain: readonly string[]) => Data | null;
  /** Epoch milliseconds; the "now" of dateBefore and dateAfter. */
  readonly now: number;
  /** The organisation's IANA time zone, for the local date of dateBefore/dateAfter; default Europe/Amsterdam. */
  readonly timeZone?: string;
  /** The fields the triggering event changed, with old and new values (see diffData). */
  readonly changes?: Readonly<Record<string, { readonly old: unknown; readonly new: unknown }>>;
}

/** A dossier as the resolver needs it. */
export interface LoadedDossier {
  readonly type: string;
  readonly data: Data;
}

/** A key's own value: field keys such as "constructor" must not reach Object.prototype. */
function own(record: Data, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * The reference chains a condition reads through, each once, in order of appearance: what must
 * be loaded before evaluating it. `opportunity.intake.contact.email` needs
 * `['opportunity', 'intake', 'contact']` (loading it loads its prefixes on the way).
 */
export function referencePaths(condition: Condition): string[][] {
  const seen = new Map<string, string[]>();
  const visit = (node: Condition): void => {
    switch (node.type) {
      case 'all':
      case 'any':
        node.conditions.forEach(visit);
        return;
      case 'not':
        visit(node.condition);
        return;
      case 'compare': {
        const segments = node.field.split('.');
        if (segments.length < 2) return;
        const chain = segments.slice(0, -1);
        const key = chain.join('.');
        if (!seen.has(key)) seen.set(key, chain);
        return;
      }
      default:
        assertNever(node, 'condition');
    }
  };
  visit(condition);
  return [...seen.values()];
}

/**
 * A `resolve` for evaluateCondition over dossiers looked up by id (typically loaded beforehand
 * for `referencePaths`). A link that is empty, not text, unknown, or of another type than its
 * reference field names resolves to null — as the SQL join does.
 */
export function resolverFromDossiers(
  type: DossierType,
  catalog: DossierTypeCatalog,
  data: Data,
  lookup: (id: string) => LoadedDossier | undefined,
): (chain: readonly string[]) => Data | null {
  return (chain) => {
    let owner: DossierType | undefined = type;
    let current: Data = data;
    for (const segment of chain) {
      const field: FieldDef | undefined = owner && fieldOf(owner, segment);
      if (!field || field.kind !== 'reference') return null;
      const id = own(current, segment);
      if (typeof id !== 'string') return null;
      const next = lookup(id);
      if (!next || next.type !== field.refType) return null;
      owner = catalog.get(field.refType);
      current = next.data;
    }
    return current;
  };
}

/**
 * Whether the condition holds for the dossier in `ctx` (semantics at the top of this file).
 * Throws a validation error when the condition does not fit the dossier types (any more).
 * @example evaluateCondition({ type: 'compare', field: 'status', op: 'eq', value: 'actief' }, ctx)
 */
export function evaluateCondition(condition: Condition, ctx: ConditionContext): boolean {
  requireValidCondition(condition, ctx.type, ctx.catalog);
  return evaluate(condition, ctx, ctx.timeZone ?? DEFAULT_TIME_ZONE);
}

function evaluate(node: Condition, ctx: ConditionContext, timeZone: string): boolean {
  switch (node.type) {
    case 'all':
      return node.conditions.every((c) => evaluate(c, ctx, timeZone));
    case 'any':
      return node.conditions.some((c) => evaluate(c, ctx, timeZone));
    case 'not':
      return !evaluate(node.condition, ctx, timeZone);
    case 'compare':
      return compare(node, ctx, timeZone);
    default:
      return assertNever(node, 'condition');
  }
}

/** Validated conditions only: the path resolves. */
function resolved(ctx: ConditionContext, path: string): ResolvedField {
  const result = resolveFieldPath(ctx.type, ctx.catalog, path);
  if ('problem' in result) throw new Error(result.problem);
  return result;
}

function equalsOperand(kind: FieldKind, value: string | number | boolean | null, operand: unknown): boolean {
  return value !== null && value === normaliseOperand(kind, operand);
}

/** A value matches a changed's `from`/`to`: null there means "empty". */
function matchesChangeValue(kind: FieldKind, raw: unknown, expected: unknown): boolean {
  const value = readFieldValue(kind, raw);
  return expected === null ? value === null || value === '' : equalsOperand(kind, value, expected);
}

/** Ordering of two values of one class (validation makes the operand match the field). */
function ordered(
  value: string | number | boolean | null,
  operand: unknown,
  holds: (sign: number) => boolean,
): boolean {
  if (value === null) return false;
  if (typeof value === 'number' && typeof operand === 'number') return holds(Math.sign(value - operand));
  if (typeof value === 'string' && typeof operand === 'string')
    return holds(value < operand ? -1 : value > operand ? 1 : 0);
  return false;
}

function compare(node: CompareCondition, ctx: ConditionContext, timeZone: string): boolean {
  const { chain, field } = resolved(ctx, node.field);
  const kind = field.kind;
  if (node.op === 'changed') {
    const change = ctx.changes && Object.hasOwn(ctx.changes, field.key) ? ctx.changes[field.key] : undefined;
    if (!change) return false;
    if (node.from !== undefined && !matchesChangeValue(kind, change.old, node.from)) return false;
    if (node.to !== undefined && !matchesChangeValue(kind, change.new, node.to)) return false;
    return true;
  }
  const source = chain.length === 0 ? ctx.data : ctx.resolve(chain);
  const value = readFieldValue(kind, source === null ? undefined : own(source, field.key));
  const operand = normaliseOperand(kind, node.value);
  switch (node.op) {
    case 'eq':
      return equalsOperand(kind, value, node.value);
    case 'ne':
      return !equalsOperand(kind, value, node.value);
    case 'in':
      return (node.value as readonly unknown[]).some((v) => equalsOperand(kind, value, v));
    case 'notIn':
      return !(node.value as readonly unknown[]).some((v) => equalsOperand(kind, value, v));
    case 'gt':
      return ordered(value, operand, (s) => s > 0);
    case 'gte':
      return ordered(value, operand, (s) => s >= 0);
    case 'lt':
      return ordered(value, operand, (s) => s < 0);
    case 'lte':
      return ordered(value, operand, (s) => s <= 0);
    case 'contains':
      return typeof value === 'string' && value.includes(node.value as string);
    case 'startsWith':
      return typeof value === 'string' && value.startsWith(node.value as string);
    case 'isEmpty':
      return value === null || value === '';
    case 'isNotEmpty':
      return !(value === null || value === '');
    case 'dateBefore':
    case 'dateAfter': {
      const moment = relativeDateOperand(kind, (node.value as RelativeDays).days, ctx.now, timeZone);
      return ordered(value, moment, (s) => (node.op === 'dateBefore' ? s < 0 : s > 0));
    }
    default:
      return assertNever(node.op, 'operator');
  }
}

// ---------------------------------------------------------------------------------------------
// Description in words, for the UI.

type Lang = 'nl' | 'en';

const WORDS = {
  nl: {
    and: 'en',
    or: 'of',
    not: 'niet',
    of: 'van',
    always: 'altijd',
    never: 'nooit',
    yes: 'ja',
    no: 'nee',
    empty: 'leeg',
    today: 'vandaag',
    now: 'nu',
    day: 'dag',
    days: 'dagen',
  },
  en: {
    and: 'and',
    or: 'or',
    not: 'not',
    of: 'of',
    always: 'always',
    never: 'never',
    yes: 'yes',
    no: 'no',
    empty: 'empty',
    today: 'today',
    now: 'now',
    day: 'day',
    days: 'days',
  },
} as const;

const PHRASES: Readonly<Record<Lang, Readonly<Record<string, string>>>> = {
  nl: {
    eq: 'is',
    ne: 'is niet',
    in: 'is een van',
    notIn: 'is niet een van',
    gt: 'is groter dan',
    gte: 'is minstens',
    lt: 'is kleiner dan',
    lte: 'is hoogstens',
    dateGt: 'is na',
    dateGte: 'is op of na',
    dateLt: 'is vóór',
    dateLte: 'is op of vóór',
    contains: 'bevat',
    startsWith: 'begint met',
    isEmpty: 'is leeg',
    isNotEmpty: 'is niet leeg',
    changed: 'is gewijzigd',
    from: 'van',
    to: 'naar',
    dateBefore: 'is vóór',
    dateAfter: 'is na',
  },
  en: {
    eq: 'is',
    ne: 'is not',
    in: 'is one of',
    notIn: 'is not one of',
    gt: 'is greater than',
    gte: 'is at least',
    lt: 'is less than',
    lte: 'is at most',
    dateGt: 'is after',
    dateGte: 'is on or after',
    dateLt: 'is before',
    dateLte: 'is on or before',
    contains: 'contains',
    startsWith: 'starts with',
    isEmpty: 'is empty',
    isNotEmpty: 'is not empty',
    changed: 'changed',
    from: 'from',
    to: 'to',
    dateBefore: 'is before',
    dateAfter: 'is after',
  },
};

/** A label inside a sentence: "E-mail" → "e-mail", but "IBAN" stays "IBAN". */
function inSentence(label: string): string {
  const second = label.charAt(1);
  return second !== '' && second === second.toUpperCase() && second !== second.toLowerCase()
    ? label
    : label.charAt(0).toLowerCase() + label.slice(1);
}

/**
 * The condition in words for the UI, such as "status is Offerte aangevraagd en e-mail is niet
 * leeg". Pass the catalog to name fields behind references by their labels; without it (or for a
 * path that no longer resolves) the keys are shown.
 */
export function describeCondition(
  condition: Condition,
  type: DossierType,
  lang: Lang,
  catalog?: DossierTypeCatalog,
  titles?: DossierTitles,
): string {
  return describeNode(condition, type, lang, catalog, false, titles);
}

/** A referenced dossier's title by its id (undefined: not known), so a sentence names it, not its id. */
export type DossierTitles = (id: string) => string | undefined;

/**
 * The ids of the dossiers a condition's reference fields are compared with (`klant is "…"`):
 * load their titles once, then pass them to describeCondition.
 */
export function referencedDossierIds(
  condition: Condition,
  type: DossierType,
  catalog: DossierTypeCatalog,
): string[] {
  switch (condition.type) {
    case 'all':
    case 'any':
      return condition.conditions.flatMap((c) => referencedDossierIds(c, type, catalog));
    case 'not':
      return referencedDossierIds(condition.condition, type, catalog);
    case 'compare': {
      const found = resolveFieldPath(type, catalog, condition.field);
      if ('problem' in found || found.field.kind !== 'reference') return [];
      const values = Array.isArray(condition.value) ? condition.value : [condition.value];
      return values.filter((v): v is string => typeof v === 'string' && v !== '');
    }
    default:
      return assertNever(condition, 'condition');
  }
}

function describeNode(
  node: Condition,
  type: DossierType,
  lang: Lang,
  catalog: DossierTypeCatalog | undefined,
  nested: boolean,
  titles?: DossierTitles,
): string {
  const w = WORDS[lang];
  switch (node.type) {
    case 'all':
    case 'any': {
      if (node.conditions.length === 0) return node.type === 'all' ? w.always : w.never;
      if (node.conditions.length === 1)
        return describeNode(node.conditions[0]!, type, lang, catalog, nested, titles);
      const text = node.conditions
        .map((c) => describeNode(c, type, lang, catalog, true, titles))
        .join(` ${node.type === 'all' ? w.and : w.or} `);
      return nested ? `(${text})` : text;
    }
    case 'not':
      return `${w.not} (${describeNode(node.condition, type, lang, catalog, false, titles)})`;
    case 'compare':
      return describeComparison(node, type, lang, catalog, titles);
    default:
      return assertNever(node, 'condition');
  }
}

function describeComparison(
  node: CompareCondition,
  type: DossierType,
  lang: Lang,
  catalog: DossierTypeCatalog | undefined,
  titles?: DossierTitles,
): string {
  const w = WORDS[lang];
  const p = PHRASES[lang];
  const found = catalog ? resolveFieldPath(type, catalog, node.field) : undefined;
  let subject: string;
  let field: FieldDef | undefined;
  let owner = type;
  if (found && !('problem' in found)) {
    field = found.field;
    owner = found.owner;
    const labels = [...found.links, found.field].map((f) => inSentence(f.label[lang])).reverse();
    subject = labels.join(` ${w.of} `);
  } else {
    field = node.field.includes('.') ? undefined : fieldOf(type, node.field);
    subject = field ? inSentence(field.label[lang]) : node.field;
  }
  const kind = field?.kind;
  const show = (v: unknown): string => describeValue(v, field, owner, lang, titles);
  const isDate = kind === 'date' || kind === 'datetime';
  switch (node.op) {
    case 'eq':
    case 'ne':
      return `${subject} ${p[node.op]} ${show(node.value)}`;
    case 'in':
    case 'notIn': {
      const values = Array.isArray(node.value) ? node.value.map(show) : [show(node.value)];
      const list =
        values.length > 1
          ? `${values.slice(0, -1).join(', ')} ${w.or} ${values[values.length - 1]}`
          : values.join('');
      return `${subject} ${p[node.op]} ${list}`;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const phrase = isDate ? p[`date${node.op.charAt(0).toUpperCase()}${node.op.slice(1)}`] : p[node.op];
      return `${subject} ${phrase} ${show(node.value)}`;
    }
    case 'contains':
    case 'startsWith':
      return `${subject} ${p[node.op]} "${String(node.value)}"`;
    case 'isEmpty':
    case 'isNotEmpty':
      return `${subject} ${p[node.op]}`;
    case 'changed': {
      let text = `${subject} ${p.changed}`;
      if (node.from !== undefined) text += ` ${p.from} ${node.from === null ? w.empty : show(node.from)}`;
      if (node.to !== undefined) text += ` ${p.to} ${node.to === null ? w.empty : show(node.to)}`;
      return text;
    }
    case 'dateBefore':
    case 'dateAfter': {
      const days = (node.value as RelativeDays | undefined)?.days ?? 0;
      const base = kind === 'datetime' ? w.now : w.today;
      const count = Math.abs(days);
      const moment =
        days === 0 ? base : `${base} ${days > 0 ? '+' : '−'} ${count} ${count === 1 ? w.day : w.days}`;
      return `${subject} ${p[node.op]} ${moment}`;
    }
    default:
      return assertNever(node.op, 'operator');
  }
}

function describeValue(
  value: unknown,
  field: FieldDef | undefined,
  owner: DossierType,
  lang: Lang,
  titles?: DossierTitles,
): string {
  const w = WORDS[lang];
  if (typeof value === 'boolean') return value ? w.yes : w.no;
  if (typeof value === 'number') {
    if (field?.kind !== 'money') return lang === 'nl' ? String(value).replace('.', ',') : String(value);
    const amount = value.toFixed(2);
    return lang === 'nl' ? `€ ${amount.replace('.', ',')}` : `€${amount}`;
  }
  if (typeof value === 'string') {
    if (field?.kind === 'status') return owner.statuses.find((s) => s.code === value)?.label[lang] ?? value;
    if (field?.kind === 'enum') return field.options.find((o) => o.code === value)?.label[lang] ?? value;
    if (field?.kind === 'date' || field?.kind === 'datetime') return value;
    if (field?.kind === 'reference') return `"${titles?.(value) ?? value}"`;
    return `"${value}"`;
  }
  return JSON.stringify(value) ?? String(value);
}

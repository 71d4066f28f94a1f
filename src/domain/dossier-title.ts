/**
 * The readable title of a dossier, from its type's title rule.
 *
 * A type's `titleTemplate` names fields in braces: a participant is `{person} – {training}`, a
 * training `{name} {startDate}`. A reference field reads as the title of the dossier it points
 * at (so a participant reads "Jan de Vries – VCA Basis 12 jan 2027"), a date as a short date in
 * the reader's language, a status or option by its label. Without a template the type's
 * `titleField` is the title. A part without a value is left out with the separator before it.
 * When nothing is left, the title is the type's label and the start of the id, never an empty
 * string or a status code.
 */
import type { Dossier } from './dossier.js';
import type { DossierType, DossierTypeCatalog, FieldDef } from './dossier-type.js';

export type TitleLanguage = 'nl' | 'en';

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/** The field keys a title rule reads, in order. */
export function titleFieldKeys(type: DossierType): string[] {
  if (type.titleTemplate) return [...type.titleTemplate.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  return type.titleField ? [type.titleField] : [];
}

/** Problems of a title template against its type's fields (unknown field, no field at all). */
export function titleTemplateProblems(type: DossierType): string[] {
  if (type.titleTemplate === undefined) return [];
  const keys = titleFieldKeys(type);
  if (keys.length === 0)
    return [`The title template of "${type.key}" names no field; write fields in braces: {name}.`];
  return keys
    .filter((k) => !type.fields.some((f) => f.key === k))
    .map((k) => `The title template of "${type.key}" names "{${k}}", but "${type.key}" has no such field.`);
}

const MONTHS: Record<TitleLanguage, readonly string[]> = {
  nl: ['jan', 'feb', 'mrt', 'apr', 'mei', 'jun', 'jul', 'aug', 'sep', 'okt', 'nov', 'dec'],
  en: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
};

/** `2027-01-12` → "12 jan 2027" (nl) / "12 Jan 2027" (en); other text as it is. */
export function shortDate(value: string, lang: TitleLanguage): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!m) return value;
  const month = MONTHS[lang][Number(m[2]) - 1];
  return month ? `${Number(m[3])} ${month} ${m[1]}` : value;
}

/** Looks up a dossier another one refers to (already loaded), or undefined when unknown. */
export type DossierLookup = (id: string) => Dossier | undefined;

function partText(
  field: FieldDef | undefined,
  type: DossierType,
  value: unknown,
  catalog: DossierTypeCatalog,
  lookup: DossierLookup,
  lang: TitleLanguage,
  depth: number,
): string {
  if (value === null || value === undefined || value === '') return '';
  if (!field) return '';
  switch (field.kind) {
    case 'reference': {
      const target = typeof value === 'string' ? lookup(value) : undefined;
      if (!target || depth <= 0) return '';
      return titleOf(target, catalog, lookup, lang, depth - 1);
    }
    case 'status':
      return type.statuses.find((s) => s.code === value)?.label[lang] ?? String(value);
    case 'enum':
      return field.options.find((o) => o.code === value)?.label[lang] ?? String(value);
    case 'date':
    case 'datetime':
      return typeof value === 'string' ? shortDate(value, lang) : '';
    case 'user':
    case 'team':
    case 'boolean':
      return '';
    default:
      return typeof value === 'object' ? '' : String(value).trim();
  }
}

/** A title rule's placeholders, each with the literal text before it and the field it names. */
interface TemplatePart {
  readonly literal: string;
  readonly key: string;
  readonly field: FieldDef | undefined;
}

/** The parts of a type's title rule, worked out once per type object (a bulk write titles thousands). */
const templateParts = new WeakMap<DossierType, readonly TemplatePart[]>();

function templatePartsOf(type: DossierType): readonly TemplatePart[] {
  let parts = templateParts.get(type);
  if (parts === undefined) {
    const template = type.titleTemplate ?? (type.titleField ? `{${type.titleField}}` : '');
    const found: TemplatePart[] = [];
    let last = 0;
    for (const m of template.matchAll(PLACEHOLDER)) {
      found.push({
        literal: template.slice(last, m.index),
        key: m[1]!,
        field: type.fields.find((f) => f.key === m[1]),
      });
      last = m.index + m[0].length;
    }
    parts = found;
    templateParts.set(type, parts);
  }
  return parts;
}

/** The dossier's title in `lang`; references are followed up to `depth` links. */
export function titleOf(
  dossier: Dossier,
  catalog: DossierTypeCatalog,
  lookup: DossierLookup,
  lang: TitleLanguage,
  depth = 2,
): string {
  const type = catalog.get(dossier.type);
  const fallback = () => `${type?.label[lang] ?? dossier.type} ${dossier.id.slice(-6)}`;
  if (!type) return fallback();
  // Split into literal text and placeholders; a placeholder without a value drops the literal before it.
  const pieces: string[] = [];
  let pendingLiteral = '';
  for (const part of templatePartsOf(type)) {
    pendingLiteral += part.literal;
    const text = partText(part.field, type, dossier.data[part.key], catalog, lookup, lang, depth);
    if (text === '') continue;
    pieces.push(pieces.length === 0 ? text : pendingLiteral + text);
    pendingLiteral = '';
  }
  const title = pieces.join('').replace(/\s+/g, ' ').trim();
  return title === '' ? fallback() : title;
}

/**
 * The ids of dossiers a title of `dossiers` reads through references, `depth` links deep at
 * most, by the level they are reached at: load level 0, then the ids its dossiers name, and so on.
 */
export function titleReferences(dossiers: readonly Dossier[], catalog: DossierTypeCatalog): string[] {
  const ids = new Set<string>();
  for (const d of dossiers) {
    const type = catalog.get(d.type);
    if (!type) continue;
    for (const key of titleFieldKeys(type)) {
      const field = type.fields.find((f) => f.key === key);
      const value = d.data[key];
      if (field?.kind === 'reference' && typeof value === 'string') ids.add(value);
    }
  }
  return [...ids];
}

/**
 * Dossier types: the schema of each kind of dossier (Coachview: "datagroep").
 *
 * Vocabulary (see docs/glossary.md for the whole list):
 * - dossier: one record the engine works on — a contact, an opportunity, a training, a task.
 * - dossier type: its schema — fields, statuses, references to other types.
 * - field: one value of a dossier, of one of the FIELD_KINDS below.
 * - status: the state of a dossier, one of its type's status list (Econobis: "Offerte aangevraagd").
 * - reference: a field that points at another dossier by id.
 * - category field: the field whose value links templates to a dossier (Coachview "opleidingssoort").
 */

import { titleTemplateProblems } from './dossier-title.js';

export interface Label {
  readonly nl: string;
  readonly en: string;
}

export const FIELD_KINDS = [
  'text',
  'longText',
  'number',
  'money',
  'boolean',
  'date',
  'datetime',
  'email',
  'phone',
  'enum',
  'status',
  'reference',
  'user',
  'team',
] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

export interface EnumOption {
  readonly code: string;
  readonly label: Label;
}

interface FieldBase {
  readonly key: string;
  readonly label: Label;
  readonly required?: boolean;
}

/** A field definition, a union keyed on `kind`. */
export type FieldDef =
  | (FieldBase & { readonly kind: 'text' | 'longText' | 'email' | 'phone' | 'boolean' | 'date' | 'datetime' })
  | (FieldBase & { readonly kind: 'number' | 'money' })
  | (FieldBase & { readonly kind: 'enum'; readonly options: readonly EnumOption[] })
  | (FieldBase & { readonly kind: 'status' })
  | (FieldBase & { readonly kind: 'reference'; readonly refType: string })
  | (FieldBase & { readonly kind: 'user' | 'team' });

export interface StatusDef {
  readonly code: string;
  readonly label: Label;
  readonly order: number;
  readonly active: boolean;
  /**
   * The dossier dropped out (a participant "Afgemeld"): its open actions are cancelled, except
   * those of templates that react to this very status.
   */
  readonly withdrawn?: boolean;
}

export interface DossierType {
  readonly key: string;
  readonly label: Label;
  /** Plural label, for lists and menus. */
  readonly pluralLabel?: Label;
  readonly fields: readonly FieldDef[];
  /** Empty when dossiers of this type have no status. */
  readonly statuses: readonly StatusDef[];
  /** The field shown as the dossier's title in lists and e-mails. */
  readonly titleField?: string;
  /**
   * The title rule, fields in braces (`{person} – {training}`): references read as the title of
   * the dossier they point at, dates as short dates (see dossier-title.ts). Without it, `titleField`.
   */
  readonly titleTemplate?: string;
  /** The field whose value links action templates (training type, campaign). */
  readonly categoryField?: string;
}

/** The field that holds a dossier's status; stored in its own column for fast matching. */
export const STATUS_FIELD = 'status';

export function fieldOf(type: DossierType, key: string): FieldDef | undefined {
  return type.fields.find((f) => f.key === key);
}

export function statusOf(type: DossierType, code: string): StatusDef | undefined {
  return type.statuses.find((s) => s.code === code);
}

/** A lookup of dossier types by key; what every validator needs. */
export interface DossierTypeCatalog {
  get(key: string): DossierType | undefined;
  all(): readonly DossierType[];
}

export function catalogOf(types: readonly DossierType[]): DossierTypeCatalog {
  const byKey = new Map(types.map((t) => [t.key, t]));
  return { get: (key) => byKey.get(key), all: () => types };
}

const KEY_PATTERN = /^[a-z][A-Za-z0-9]*$/;
const STATUS_CODE_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Checks a set of dossier types for internal consistency: unique keys, references to known
 * types, enum options present, status codes well-formed. Returns the problems, empty when fine.
 */
export function checkDossierTypes(types: readonly DossierType[]): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const keys = new Set<string>();
  types.forEach((type, ti) => {
    const at = `dossierTypes[${ti}]`;
    if (!KEY_PATTERN.test(type.key)) {
      problems.push({
        path: `${at}.key`,
        message: `Dossier type key "${type.key}" must be camelCase letters and digits.`,
      });
    }
    if (keys.has(type.key))
      problems.push({ path: `${at}.key`, message: `Dossier type "${type.key}" is defined twice.` });
    keys.add(type.key);
    const fieldKeys = new Set<string>();
    type.fields.forEach((field, fi) => {
      const fat = `${at}.fields[${fi}]`;
      if (!KEY_PATTERN.test(field.key)) {
        problems.push({
          path: `${fat}.key`,
          message: `Field key "${field.key}" of "${type.key}" must be camelCase.`,
        });
      }
      if (fieldKeys.has(field.key)) {
        problems.push({
          path: `${fat}.key`,
          message: `Field "${field.key}" of "${type.key}" is defined twice.`,
        });
      }
      fieldKeys.add(field.key);
      if (field.kind === 'status' && field.key !== STATUS_FIELD) {
        problems.push({ path: `${fat}.key`, message: `A status field must be called "${STATUS_FIELD}".` });
      }
      if (field.kind === 'status' && type.statuses.length === 0) {
        problems.push({
          path: `${at}.statuses`,
          message: `"${type.key}" has a status field but no statuses.`,
        });
      }
      if (field.kind === 'enum' && field.options.length === 0) {
        problems.push({
          path: `${fat}.options`,
          message: `Enum field "${field.key}" of "${type.key}" has no options.`,
        });
      }
    });
    const codes = new Set<string>();
    type.statuses.forEach((status, si) => {
      if (!STATUS_CODE_PATTERN.test(status.code)) {
        problems.push({
          path: `${at}.statuses[${si}].code`,
          message: `Status code "${status.code}" must be lower-case letters, digits and dashes.`,
        });
      }
      if (codes.has(status.code)) {
        problems.push({
          path: `${at}.statuses[${si}].code`,
          message: `Status "${status.code}" is defined twice.`,
        });
      }
      codes.add(status.code);
    });
    for (const message of titleTemplateProblems(type))
      problems.push({ path: `${at}.titleTemplate`, message });
    for (const key of [type.titleField, type.categoryField]) {
      if (key !== undefined && !fieldKeys.has(key)) {
        problems.push({
          path: at,
          message: `"${type.key}" names field "${key}" as title or category, but has no such field.`,
        });
      }
    }
  });
  types.forEach((type, ti) =>
    type.fields.forEach((field, fi) => {
      if (field.kind === 'reference' && !keys.has(field.refType)) {
        problems.push({
          path: `dossierTypes[${ti}].fields[${fi}].refType`,
          message: `Field "${field.key}" of "${type.key}" refers to unknown dossier type "${field.refType}".`,
        });
      }
    }),
  );
  return problems;
}

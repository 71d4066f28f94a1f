import type { EnumOption, FieldDef, Label, StatusDef } from '../dossier-type.js';

/** Small constructors that keep the preset files readable. */
export const l = (nl: string, en: string): Label => ({ nl, en });

/** Dutch label to a status or option code: "Offerte aangevraagd" → "offerte-aangevraagd". */
export function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** A status list from [Dutch, English] label pairs, in order; all active. */
export function statuses(pairs: readonly (readonly [string, string])[]): StatusDef[] {
  return pairs.map(([nl, en], i) => ({ code: slug(nl), label: l(nl, en), order: i + 1, active: true }));
}

export function options(pairs: readonly (readonly [string, string])[]): EnumOption[] {
  return pairs.map(([nl, en]) => ({ code: slug(nl), label: l(nl, en) }));
}

type Simple =
  | 'text'
  | 'longText'
  | 'email'
  | 'phone'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'number'
  | 'money'
  | 'user'
  | 'team';

export const f = {
  simple: (key: string, kind: Simple, nl: string, en: string, required = false): FieldDef => ({
    key,
    kind,
    label: l(nl, en),
    required,
  }),
  ref: (key: string, refType: string, nl: string, en: string, required = false): FieldDef => ({
    key,
    kind: 'reference',
    refType,
    label: l(nl, en),
    required,
  }),
  enum: (key: string, opts: EnumOption[], nl: string, en: string, required = false): FieldDef => ({
    key,
    kind: 'enum',
    options: opts,
    label: l(nl, en),
    required,
  }),
  status: (required = true): FieldDef => ({
    key: 'status',
    kind: 'status',
    label: l('Status', 'Status'),
    required,
  }),
};

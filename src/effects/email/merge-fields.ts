import type { DossierType, DossierTypeCatalog, FieldDef } from '../../domain/dossier-type.js';
import { fieldOf } from '../../domain/dossier-type.js';
import { ORGANISATION_FIELDS } from '../../store/email-settings.repository.js';

/**
 * The merge fields a template may use, as data. A template declares its root dossier type; its
 * variables are:
 *
 * - `<rootType>.<field>` and its alias `dossier.<field>` — the dossier the mail is about, e.g.
 *   `{{ opportunity.name }}`; reference fields are followed: `{{ quotationRequest.opportunity.intake.contact.firstName }}`.
 * - `me.*` and its alias `responsibleUser.*` — the dossier's responsible user (Econobis "ik_"):
 *   name, firstName, lastName, email, phone, jobTitle.
 * - `organisation.*` — the organisation that sends (settings): name, email, phone, address, …
 * - `extra.*` — values the caller passes (the engine: the action).
 *
 * These five names are reserved: a dossier type with one of these keys (the training preset's
 * `organisation`) is reachable in its own templates as `dossier.*`.
 */
export const RESERVED_ROOTS = ['dossier', 'me', 'responsibleUser', 'organisation', 'extra'] as const;

/** What `me.*`, `responsibleUser.*` and a user field offer. */
export const USER_MEMBERS = ['id', 'name', 'firstName', 'lastName', 'email', 'phone', 'jobTitle'] as const;
/** What a team field offers. */
export const TEAM_MEMBERS = ['id', 'name'] as const;
/** What an enum or status field offers besides its label (what `{{ x.status }}` prints). */
export const OPTION_MEMBERS = ['code', 'label'] as const;
/** Every dossier, whatever its type, has these (fields of the same name win). */
export const DOSSIER_META = ['id', 'externalId', 'title'] as const;
/** Organisation members: the settings plus the composed address line. */
export const ORGANISATION_MEMBERS = [...ORGANISATION_FIELDS, 'address'] as const;

/** How deep reference paths are followed in lists of merge fields (checking has no limit). */
const LIST_DEPTH = 3;

export type Segment = string | number | readonly Segment[];

export type MergePathCheck =
  { readonly ok: true } | { readonly ok: false; readonly message: string; readonly field: string };

/** The user field `me.*` stands for: `responsibleUser`, else the type's first user field. */
export function responsibleUserField(type: DossierType): FieldDef | undefined {
  const named = fieldOf(type, 'responsibleUser');
  if (named?.kind === 'user') return named;
  return type.fields.find((f) => f.kind === 'user');
}

/** The first-segment names a template on `rootType` may use. */
export function rootNames(rootType: DossierType): string[] {
  const names: string[] = [...RESERVED_ROOTS];
  if (!(RESERVED_ROOTS as readonly string[]).includes(rootType.key)) names.unshift(rootType.key);
  return names;
}

function distance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(
        d[j]! + 1,
        d[j - 1]! + 1,
        prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
      prev = tmp;
    }
  }
  return d[b.length]!;
}

/** " Did you mean firstName?" when a known name is close, else the list of known names. */
export function suggestion(name: string, known: readonly string[]): string {
  const best = known.map((k) => ({ k, d: distance(name, k) })).sort((x, y) => x.d - y.d)[0];
  if (best && best.d <= Math.max(2, Math.floor(name.length / 3))) return ` Did you mean "${best.k}"?`;
  return known.length > 0 ? ` Known: ${known.join(', ')}.` : '';
}

function pathText(segments: readonly Segment[], upTo: number): string {
  return segments
    .slice(0, upTo + 1)
    .map((s, i) =>
      typeof s === 'number' ? `[${s}]` : Array.isArray(s) ? '[…]' : i === 0 ? s : `.${String(s)}`,
    )
    .join('');
}

function fail(segments: readonly Segment[], at: number, message: string): MergePathCheck {
  return { ok: false, message, field: pathText(segments, at) };
}

function checkMembers(
  segments: readonly Segment[],
  at: number,
  members: readonly string[],
  what: string,
): MergePathCheck {
  const seg = segments[at];
  if (seg === undefined) return { ok: true };
  if (typeof seg !== 'string' || !members.includes(seg)) {
    return fail(
      segments,
      at,
      `"${pathText(segments, at)}" does not exist: ${what} has ${members.join(', ')}.` +
        (typeof seg === 'string' ? suggestion(seg, members).replace(/ Known:.*/, '') : ''),
    );
  }
  return checkScalarTail(segments, at + 1);
}

/** A single value has no parts, except `size`, which Liquid gives every text. */
function checkScalarTail(segments: readonly Segment[], at: number): MergePathCheck {
  const seg = segments[at];
  if (seg === undefined) return { ok: true };
  if (seg === 'size' && at === segments.length - 1) return { ok: true };
  return fail(
    segments,
    at,
    `"${pathText(segments, at - 1)}" is a single value; it has no part "${String(seg)}".`,
  );
}

function checkDossierPath(
  type: DossierType,
  segments: readonly Segment[],
  at: number,
  catalog: DossierTypeCatalog,
): MergePathCheck {
  const seg = segments[at];
  if (seg === undefined) return { ok: true };
  if (typeof seg !== 'string') {
    return fail(
      segments,
      at,
      `"${pathText(segments, at)}": name the field after a dot (${pathText(segments, at - 1)}.name); computed lookups are not allowed in e-mail templates.`,
    );
  }
  const field = fieldOf(type, seg);
  if (!field) {
    if ((DOSSIER_META as readonly string[]).includes(seg)) return checkScalarTail(segments, at + 1);
    const known = [...type.fields.map((f) => f.key), ...DOSSIER_META];
    return fail(
      segments,
      at,
      `There is no field "${seg}" on ${type.label.en.toLowerCase()} (${pathText(segments, at)}).${suggestion(seg, known)}`,
    );
  }
  switch (field.kind) {
    case 'reference': {
      const target = catalog.get(field.refType);
      if (!target)
        return fail(
          segments,
          at,
          `"${seg}" refers to dossier type "${field.refType}", which does not exist.`,
        );
      return checkDossierPath(target, segments, at + 1, catalog);
    }
    case 'user':
      return checkMembers(segments, at + 1, USER_MEMBERS, `a user (${seg})`);
    case 'team':
      return checkMembers(segments, at + 1, TEAM_MEMBERS, `a team (${seg})`);
    case 'enum':
    case 'status':
      return checkMembers(segments, at + 1, OPTION_MEMBERS, `a choice field (${seg})`);
    default:
      return checkScalarTail(segments, at + 1);
  }
}

/**
 * Checks one variable a template uses (`['opportunity', 'intake', 'contact', 'firstName']`)
 * against the dossier types. The message names the field and what exists instead.
 */
export function checkMergePath(
  segments: readonly Segment[],
  rootType: DossierType,
  catalog: DossierTypeCatalog,
): MergePathCheck {
  const head = segments[0];
  if (typeof head !== 'string') return fail(segments, 0, 'A merge field starts with a name.');
  const roots = rootNames(rootType);
  if (head === rootType.key && !(RESERVED_ROOTS as readonly string[]).includes(head)) {
    return checkDossierPath(rootType, segments, 1, catalog);
  }
  switch (head) {
    case 'dossier':
      return checkDossierPath(rootType, segments, 1, catalog);
    case 'me':
    case 'responsibleUser':
      if (!responsibleUserField(rootType)) {
        return fail(
          segments,
          0,
          `"${head}" is the responsible user, but ${rootType.label.en.toLowerCase()} has no user field. Use organisation.* for the sender instead.`,
        );
      }
      return checkMembers(segments, 1, USER_MEMBERS, `the responsible user (${head})`);
    case 'organisation':
      return checkMembers(segments, 1, ORGANISATION_MEMBERS, 'the organisation');
    case 'extra':
      return { ok: true };
    default:
      return fail(
        segments,
        0,
        `Unknown merge field "${head}". A template on ${rootType.key} starts its merge fields with ${roots.join(', ')}.${suggestion(head, roots).startsWith(' Did') ? suggestion(head, roots) : ''}`,
      );
  }
}

/** One merge field, for the template editor's picker and the docs. */
export interface MergeFieldInfo {
  readonly path: string;
  readonly label: { readonly nl: string; readonly en: string };
  readonly kind: string;
}

/** The merge fields a template on `rootType` can use, following references up to three deep. */
export function mergeFieldsOf(rootType: DossierType, catalog: DossierTypeCatalog): MergeFieldInfo[] {
  const out: MergeFieldInfo[] = [];
  const root = (RESERVED_ROOTS as readonly string[]).includes(rootType.key) ? 'dossier' : rootType.key;
  const visit = (
    type: DossierType,
    prefix: string,
    label: { nl: string; en: string } | null,
    depth: number,
  ) => {
    const join = (l: { nl: string; en: string }) =>
      label ? { nl: `${label.nl} › ${l.nl}`, en: `${label.en} › ${l.en}` } : l;
    for (const f of type.fields) {
      const path = `${prefix}.${f.key}`;
      if (f.kind === 'reference') {
        const target = catalog.get(f.refType);
        if (target && depth < LIST_DEPTH) visit(target, path, join(f.label), depth + 1);
        continue;
      }
      if (f.kind === 'user' || f.kind === 'team') {
        for (const m of f.kind === 'user' ? USER_MEMBERS : TEAM_MEMBERS) {
          if (m === 'id') continue;
          out.push({
            path: `${path}.${m}`,
            label: join({ nl: `${f.label.nl} ${m}`, en: `${f.label.en} ${m}` }),
            kind: 'text',
          });
        }
        continue;
      }
      out.push({ path, label: join(f.label), kind: f.kind });
    }
  };
  visit(rootType, root, null, 0);
  if (responsibleUserField(rootType)) {
    for (const m of USER_MEMBERS) {
      if (m !== 'id') out.push({ path: `me.${m}`, label: { nl: `Ik: ${m}`, en: `Me: ${m}` }, kind: 'text' });
    }
  }
  for (const m of ORGANISATION_MEMBERS) {
    out.push({
      path: `organisation.${m}`,
      label: { nl: `Organisatie: ${m}`, en: `Organisation: ${m}` },
      kind: 'text',
    });
  }
  return out;
}

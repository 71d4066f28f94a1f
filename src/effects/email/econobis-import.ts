import type { DossierType, DossierTypeCatalog, FieldDef } from '../../domain/dossier-type.js';
import { slug } from '../../domain/presets/preset-builders.js';
import { RESERVED_ROOTS, responsibleUserField } from './merge-fields.js';

/**
 * Import of Econobis e-mail templates. Econobis writes merge fields as `{kans_naam}` (a prefix
 * naming the record, then the field), conditional blocks as `@als{contact_voornaam}…als@`
 * (shown when the field has a value) and `@alsniet{…}…alsniet@` (when it has none), and the date
 * as `{huidige_datum_lang}`. We convert them to Liquid on the template's root dossier type,
 * following references to reach the record a prefix names (`kans` from a quotation request is
 * `quotationRequest.opportunity`), and report, with line and column, everything we could not
 * convert. Text that happens to look like Liquid (`{{`, `{%`) is escaped, so it stays text.
 *
 * Pure: the dossier types are passed in.
 */
export interface EconobisImportNote {
  readonly part: 'subject' | 'htmlBody';
  readonly line: number;
  readonly column: number;
  /** The Econobis text, e.g. `{kans_naam}` or `als@`. */
  readonly original: string;
  /** What it became, or null when it was left out. */
  readonly converted: string | null;
  readonly message: string;
}

export interface EconobisImportResult {
  readonly subject: string;
  readonly htmlBody: string;
  /** How many merge fields and blocks were converted. */
  readonly converted: number;
  /** Everything that needs a person's eye: left out, or converted with a guess. */
  readonly notes: readonly EconobisImportNote[];
}

/** Econobis record prefixes and the dossier types they mean (the first that exists is used). */
const TYPE_PREFIXES: Record<string, readonly string[]> = {
  contact: ['contact', 'person'],
  persoon: ['person', 'contact'],
  organisatie: ['organisation', 'contact'],
  kans: ['opportunity'],
  intake: ['intake'],
  offerteverzoek: ['quotationRequest'],
  kansactie: ['quotationRequest', 'visit', 'budgetRequest', 'referral'],
  bezoek: ['visit'],
  budgetaanvraag: ['budgetRequest'],
  doorverwijzing: ['referral'],
  taak: ['task'],
  campagne: ['campaign'],
  maatregel: ['measureCategory'],
  deelnemer: ['participant'],
  opleiding: ['training'],
  docent: ['teacher'],
  locatie: ['location'],
  factuur: ['invoice'],
  aanvraag: ['request'],
  contactpersoon: ['contactPerson'],
};

/** Econobis field names that do not match a field's Dutch label. */
const FIELD_ALIASES: Record<string, readonly string[]> = {
  voornaam: ['firstName'],
  achternaam: ['lastName'],
  email: ['email'],
  telefoonnummer: ['phone'],
  telefoon: ['phone'],
  postcode: ['postalCode'],
  plaats: ['city'],
  woonplaats: ['city'],
  straat: ['street'],
  huisnummer: ['houseNumber'],
  omschrijving: ['description'],
  opmerking: ['note'],
  notitie: ['note'],
  toelichting: ['note'],
  opmerkingen_bewoner: ['note'],
  status: ['status'],
  type: ['taskType'],
  einddatum: ['plannedFinishDate', 'endDate'],
  datum_afhandelen: ['plannedFinishDate'],
  afgehandeld: ['finished'],
  verantwoordelijke: ['responsibleUser', 'responsibleTeam'],
  uitvoering_gepland: ['desiredDate'],
  datum_evaluatie: ['evaluationDate'],
};

const USER_ALIASES: Record<string, string> = {
  naam: 'name',
  voornaam: 'firstName',
  achternaam: 'lastName',
  email: 'email',
  telefoon: 'phone',
  telefoonnummer: 'phone',
  functie: 'jobTitle',
};

const ORGANISATION_ALIASES: Record<string, string> = {
  naam: 'name',
  adres: 'address',
  postcode: 'postalCode',
  plaats: 'city',
  email: 'email',
  website: 'website',
  telefoon: 'phone',
  telefoonnummer: 'phone',
  kvk: 'chamberOfCommerce',
  btw_nummer: 'vatNumber',
  btwnummer: 'vatNumber',
  iban: 'iban',
};

type Resolved =
  /** A Liquid path; `kind` decides the filter. */
  | { readonly path: string; readonly kind: FieldDef['kind'] | 'text'; readonly guessed?: string }
  /** The address: street and house number. */
  | { readonly address: { street: string; houseNumber: string | null } }
  | { readonly literal: string }
  | { readonly problem: string };

function snake(text: string): string {
  return slug(text).replace(/-/g, '_');
}

function fieldNames(field: FieldDef): string[] {
  return [
    field.key.toLowerCase(),
    snake(field.key.replace(/([A-Z])/g, ' $1')),
    snake(field.label.nl),
    snake(field.label.en),
  ];
}

function fieldByName(type: DossierType, name: string): FieldDef | undefined {
  for (const key of FIELD_ALIASES[name] ?? []) {
    const f = type.fields.find((x) => x.key === key);
    if (f) return f;
  }
  if (name === 'naam') {
    return type.fields.find((f) => f.key === 'name') ?? type.fields.find((f) => f.key === type.titleField);
  }
  return type.fields.find((f) => fieldNames(f).includes(name));
}

/** Dossier types an Econobis prefix can mean, that exist in this catalog. */
function typesForPrefix(prefix: string, catalog: DossierTypeCatalog): DossierType[] {
  const out: DossierType[] = [];
  for (const key of TYPE_PREFIXES[prefix] ?? []) {
    const t = catalog.get(key);
    if (t) out.push(t);
  }
  for (const t of catalog.all()) {
    if (!out.includes(t) && (t.key.toLowerCase() === prefix || snake(t.label.nl) === prefix)) out.push(t);
  }
  return out;
}

/**
 * The chain of reference fields from `from` to a dossier of type `to` (at most 4 deep). Among
 * all chains, one whose last field is named after the type wins (`opportunity.intake.contact`
 * over `organisation`, which also points at a contact), then the shortest.
 */
function referencePath(from: DossierType, to: DossierType, catalog: DossierTypeCatalog): string[] | null {
  if (from.key === to.key) return [];
  let best: { path: string[]; score: number } | null = null;
  const walk = (type: DossierType, path: string[], visited: Set<string>) => {
    if (path.length >= 4) return;
    for (const f of type.fields) {
      if (f.kind !== 'reference' || visited.has(f.refType)) continue;
      const next = catalog.get(f.refType);
      if (!next) continue;
      const p = [...path, f.key];
      if (next.key === to.key) {
        const score = (f.key === to.key ? 0 : 10) + p.length;
        if (!best || score < best.score) best = { path: p, score };
        continue;
      }
      walk(next, p, new Set([...visited, next.key]));
    }
  };
  walk(from, [], new Set([from.key]));
  return (best as { path: string[] } | null)?.path ?? null;
}

/** Resolves a field name (`contact_naam`, `gewenste_datum`) inside `type`, following references. */
function resolveIn(
  type: DossierType,
  name: string,
  base: string,
  catalog: DossierTypeCatalog,
  depth: number,
): Resolved {
  if (name === 'adres') {
    const street = type.fields.find((f) => f.key === 'street');
    if (street) {
      const nr = type.fields.find((f) => f.key === 'houseNumber');
      return { address: { street: `${base}.street`, houseNumber: nr ? `${base}.houseNumber` : null } };
    }
  }
  const field = fieldByName(type, name);
  if (field) {
    const path = `${base}.${field.key}`;
    if (field.kind === 'reference') return { path: `${path}.title`, kind: 'text' };
    if (field.kind === 'user' || field.kind === 'team') return { path: `${path}.name`, kind: 'text' };
    return { path, kind: field.kind };
  }
  if (depth < 4) {
    const words = name.split('_');
    for (let i = words.length - 1; i >= 1; i--) {
      const head = words.slice(0, i).join('_');
      const tail = words.slice(i).join('_');
      const ref = fieldByName(type, head);
      if (ref?.kind === 'reference') {
        const target = catalog.get(ref.refType);
        if (target) {
          const r = resolveIn(target, tail, `${base}.${ref.key}`, catalog, depth + 1);
          if (!('problem' in r)) return r;
        }
      }
      for (const target of typesForPrefix(head, catalog)) {
        const via = referencePath(type, target, catalog);
        if (via === null || via.length === 0) continue;
        const r = resolveIn(target, tail, [base, ...via].join('.'), catalog, depth + 1);
        if (!('problem' in r)) return r;
      }
    }
  }
  return { problem: `${type.label.en.toLowerCase()} has no field matching "${name}"` };
}

function resolveVariable(name: string, rootType: DossierType, catalog: DossierTypeCatalog): Resolved {
  const lower = name.toLowerCase();
  if (lower === 'huidige_datum_kort') return { literal: '{{ "now" | date: "short" }}' };
  if (lower === 'huidige_datum_lang' || lower === 'huidige_datum')
    return { literal: '{{ "now" | date: "long" }}' };
  const words = lower.split('_');
  const root = (RESERVED_ROOTS as readonly string[]).includes(rootType.key) ? 'dossier' : rootType.key;
  for (let i = words.length - 1; i >= 1; i--) {
    const prefix = words.slice(0, i).join('_');
    const rest = words.slice(i).join('_');
    if (prefix === 'ik' || prefix === 'gebruiker') {
      const member = USER_ALIASES[rest];
      if (!member)
        return {
          problem: `"${rest}" is not a field of the responsible user (ik_): use naam, voornaam, achternaam, email, telefoon or functie`,
        };
      if (!responsibleUserField(rootType))
        return { problem: `${rootType.label.en.toLowerCase()} has no responsible user for ik_ fields` };
      return { path: `me.${member}`, kind: 'text' };
    }
    if (prefix === 'cooperatie' || prefix === 'coöperatie') {
      const member = ORGANISATION_ALIASES[rest];
      if (!member) return { problem: `"${rest}" is not an organisation setting` };
      return { path: `organisation.${member}`, kind: 'text' };
    }
    const targets = typesForPrefix(prefix, catalog);
    let lastProblem: string | null = null;
    for (const target of targets) {
      const via = referencePath(rootType, target, catalog);
      if (via === null) {
        lastProblem = `a template on ${rootType.key} cannot reach a ${target.label.en.toLowerCase()} (${prefix}_) through its references`;
        continue;
      }
      const r = resolveIn(target, rest, [root, ...via].join('.'), catalog, 0);
      if (!('problem' in r)) return r;
      lastProblem = r.problem;
    }
    if (lastProblem) return { problem: lastProblem };
  }
  return { problem: `"${name}" is not an Econobis merge field we know` };
}

function output(r: Resolved): string {
  if ('literal' in r) return r.literal;
  if ('address' in r) {
    return r.address.houseNumber
      ? `{{ ${r.address.street} }} {{ ${r.address.houseNumber} }}`
      : `{{ ${r.address.street} }}`;
  }
  if ('problem' in r) return '';
  switch (r.kind) {
    case 'date':
      return `{{ ${r.path} | date: "short" }}`;
    case 'datetime':
      return `{{ ${r.path} | date: "datetime" }}`;
    case 'money':
      return `{{ ${r.path} | money }}`;
    case 'boolean':
      return `{% if ${r.path} %}Ja{% else %}Nee{% endif %}`;
    default:
      return `{{ ${r.path} }}`;
  }
}

function conditionPath(r: Resolved): string | null {
  if ('path' in r) return r.path;
  if ('address' in r) return r.address.street;
  return null;
}

/** Keeps text that looks like Liquid as text: `{{`, `{%`, and a `{` our own output would join. */
export function escapeLiquidText(text: string): string {
  return text.replace(/\{(?=[{%]|$)/g, '{{ "{" }}');
}

const TOKEN = /@alsniet\{([^{}\s]*)\}|alsniet@|@als\{([^{}\s]*)\}|als@|\{([A-Za-z0-9_]+)\}/g;

function position(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

function convertPart(
  source: string,
  part: 'subject' | 'htmlBody',
  rootType: DossierType,
  catalog: DossierTypeCatalog,
): { text: string; converted: number; notes: EconobisImportNote[] } {
  const notes: EconobisImportNote[] = [];
  const open: ('als' | 'alsniet')[] = [];
  let out = '';
  let converted = 0;
  let last = 0;
  const note = (offset: number, original: string, result: string | null, message: string) =>
    notes.push({ part, ...position(source, offset), original, converted: result, message });
  for (const m of source.matchAll(TOKEN)) {
    const at = m.index;
    out += escapeLiquidText(source.slice(last, at));
    last = at + m[0].length;
    const token = m[0];
    if (token === 'als@' || token === 'alsniet@') {
      const kind = token === 'als@' ? 'als' : 'alsniet';
      if (open[open.length - 1] === kind) {
        open.pop();
        out += '{% endif %}';
      } else {
        note(at, token, null, `"${token}" closes a block that was not opened here; left out.`);
      }
      continue;
    }
    const isBlock = token.startsWith('@');
    const name = (isBlock ? (m[1] ?? m[2]) : m[3]) ?? '';
    const resolved = resolveVariable(name, rootType, catalog);
    if (isBlock) {
      const kind = token.startsWith('@alsniet') ? 'alsniet' : 'als';
      const path = 'literal' in resolved ? 'true' : conditionPath(resolved);
      open.push(kind);
      if (path === null) {
        const problem = 'problem' in resolved ? resolved.problem : 'unknown';
        // Econobis drops an @als block whose field it does not know; so do we, visibly.
        const tag = kind === 'als' ? '{% if false %}' : '{% if true %}';
        out += tag;
        note(
          at,
          token,
          tag,
          `The condition on "${name}" could not be converted (${problem}); the block is ${kind === 'als' ? 'never' : 'always'} shown, as in Econobis. Rewrite it with {% if … %}.`,
        );
      } else {
        out += kind === 'als' ? `{% if ${path} != blank %}` : `{% if ${path} == blank %}`;
        converted++;
      }
      continue;
    }
    const liquid = output(resolved);
    if ('problem' in resolved) {
      note(at, token, null, `${token} was left out: ${resolved.problem}. Add the right merge field by hand.`);
    } else {
      out += liquid;
      converted++;
    }
  }
  out += escapeLiquidText(source.slice(last));
  for (const kind of open.reverse()) {
    out += '{% endif %}';
    note(
      source.length,
      kind === 'als' ? '@als{…}' : '@alsniet{…}',
      '{% endif %}',
      `A block opened with @${kind}{…} is not closed; it now ends at the end of the ${part === 'subject' ? 'subject' : 'message'}.`,
    );
  }
  return { text: out, converted, notes };
}

/** Converts an Econobis template (subject and HTML body) to a Werkflow template on `rootType`. */
export function importEconobisTemplate(
  input: { readonly subject: string; readonly htmlBody: string },
  rootType: DossierType,
  catalog: DossierTypeCatalog,
): EconobisImportResult {
  const subject = convertPart(input.subject.replace(/[\r\n]+/g, ' '), 'subject', rootType, catalog);
  const body = convertPart(input.htmlBody, 'htmlBody', rootType, catalog);
  return {
    subject: subject.text,
    htmlBody: body.text,
    converted: subject.converted + body.converted,
    notes: [...subject.notes, ...body.notes],
  };
}

import type { DossierType, FieldDef } from './dossier-type.js';
import { STATUS_FIELD, fieldOf, statusOf } from './dossier-type.js';
import { type ErrorDetail, throwIfProblems } from './errors.js';

/** The values of a dossier's fields, keyed by field key. Values are JSON: dates as ISO strings. */
export type DossierData = Record<string, unknown>;

export interface Dossier {
  readonly id: string;
  readonly type: string;
  /** The id this dossier has in the CRM that feeds it, unique per type. */
  readonly externalId: string | null;
  readonly status: string | null;
  readonly data: DossierData;
  /** Increases by one on every write; clients send it back as If-Match. */
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A reference the caller must check exists (the domain cannot: that is I/O). */
export interface ReferenceToCheck {
  readonly path: string;
  /** A dossier type key, or `user` / `team` for the people fields (refKind tells which). */
  readonly refType: string;
  readonly refKind: 'dossier' | 'user' | 'team';
  readonly id: string;
}

export interface ValidatedWrite {
  /** The data after normalisation (trimmed e-mail, money to 2 decimals, dates as YYYY-MM-DD). */
  readonly data: DossierData;
  readonly status: string | null;
  readonly references: ReferenceToCheck[];
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** RFC 5321's limit; also keeps the EMAIL pattern (quadratic on long input) fast. */
const EMAIL_MAX_LENGTH = 254;
const PHONE = /^\+?[0-9 ()-]{6,20}$/;
/** Half of a UTF-16 surrogate pair; with NUL, what PostgreSQL text and jsonb refuse. */
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether a text can be stored as it is on every backend. PostgreSQL refuses NUL characters and
 * unpaired surrogates (SQLite would keep them), so they are refused on input on both, alike.
 */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !UNPAIRED_SURROGATE.test(text);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** A calendar date YYYY-MM-DD that exists (proleptic Gregorian, years 0000–9999). */
function isRealDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  // Arithmetic rather than Date.UTC, which maps the years 0–99 to 1900–1999.
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

/** The first and last instants whose UTC ISO form has a four-digit year (0000–9999). */
const FIRST_INSTANT = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * A date and time with a zone (RFC 3339: hours 00–23, no leap second) on a real calendar date,
 * as epoch milliseconds; undefined when it is not one.
 */
function realMoment(text: string): number | undefined {
  const m = DATETIME.exec(text);
  if (!m || !isRealDate(m[1]!)) return undefined;
  const [hour, minute, second] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
  const [offsetHour, offsetMinute] = [Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59 || offsetHour > 23 || offsetMinute > 59) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || ms < FIRST_INSTANT || ms > LAST_INSTANT) return undefined;
  return ms;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text "${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Checks one field value and returns it normalised, or a problem. `null` clears a field.
 */
function checkValue(
  type: DossierType,
  field: FieldDef,
  value: unknown,
  path: string,
): { value: unknown } | { problem: string } {
  if (value === null) return { value: null };
  const name = `"${field.key}"`;
  if (typeof value === 'string' && !isStorableText(value)) {
    return {
      problem: `${name} contains a character that cannot be stored (a NUL character or half of a surrogate pair); remove it.`,
    };
  }
  switch (field.kind) {
    case 'text':
    case 'longText': {
      if (typeof value !== 'string') return { problem: `${name} must be text, not ${describe(value)}.` };
      const limit = field.kind === 'text' ? 1000 : 100_000;
      if (value.length > limit)
        return { problem: `${name} is ${value.length} characters long; at most ${limit} fit.` };
      return { value };
    }
    case 'email': {
      if (typeof value !== 'string')
        return { problem: `${name} must be an e-mail address, not ${describe(value)}.` };
      const trimmed = value.trim();
      if (trimmed.length > EMAIL_MAX_LENGTH)
        return {
          problem: `${name} is ${trimmed.length} characters long; an e-mail address has at most ${EMAIL_MAX_LENGTH}.`,
        };
      if (!EMAIL.test(trimmed))
        return { problem: `${name} is not an e-mail address: "${trimmed}". Use the form name@example.nl.` };
      return { value: trimmed };
    }
    case 'phone': {
      if (typeof value !== 'string' || !PHONE.test(value.trim())) {
        return {
          problem: `${name} must be a phone number such as "+31 6 12345678", not ${describe(value)}.`,
        };
      }
      return { value: value.trim() };
    }
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value))
        return { problem: `${name} must be a number, not ${describe(value)}.` };
      return { value };
    case 'money': {
      const n = typeof value === 'string' && /^-?\d+(\.\d{1,2})?$/.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) {
        return { problem: `${name} must be an amount in euros such as 1250.50, not ${describe(value)}.` };
      }
      if (Math.round(n * 100) / 100 !== n) return { problem: `${name} has more than two decimals: ${n}.` };
      return { value: n };
    }
    case 'boolean':
      if (typeof value !== 'boolean')
        return { problem: `${name} must be true or false, not ${describe(value)}.` };
      return { value };
    case 'date':
      if (typeof value !== 'string' || !isRealDate(value)) {
        return {
          problem: `${name} must be a date written as YYYY-MM-DD (for example 2027-02-03), not ${describe(value)}.`,
        };
      }
      return { value };
    case 'datetime': {
      if (typeof value !== 'string' || !DATETIME.test(value)) {
        return {
          problem: `${name} must be a date and time with a zone, such as 2027-02-03T09:30:00+01:00, not ${describe(value)}.`,
        };
      }
      const ms = realMoment(value);
      if (ms === undefined) return { problem: `${name} is not a real moment: "${value}".` };
      return { value: new Date(ms).toISOString() };
    }
    case 'enum': {
      if (typeof value !== 'string' || !field.options.some((o) => o.code === value)) {
        const allowed = field.options.map((o) => o.code).join(', ');
        return { problem: `${name} must be one of ${allowed}; got ${describe(value)}.` };
      }
      return { value };
    }
    case 'status': {
      if (typeof value !== 'string' || !statusOf(type, value)) {
        const allowed = type.statuses.map((s) => s.code).join(', ');
        return {
          problem: `Unknown status ${typeof value === 'string' && value.length <= 40 ? `"${value}"` : describe(value)} for ${type.label.en.toLowerCase()}: ${name} must be one of ${allowed}.`,
        };
      }
      return { value };
    }
    case 'reference':
    case 'user':
    case 'team':
      if (typeof value !== 'string' || value.length === 0 || value.length > 100) {
        return {
          problem: `${name} must be the id of a ${field.kind === 'reference' ? field.refType : field.kind}, not ${describe(value)}.`,
        };
      }
      void path;
      return { value };
  }
}

/**
 * Validates the data of a create (`mode: 'create'`: required fields must be present) or of a
 * patch (`mode: 'patch'`: only the given fields are checked, `previous` supplies the rest).
 * Returns the normalised write and the references to check, or the list of problems, each with
 * its path (`data.email`).
 */
export function validateDossierWrite(
  type: DossierType,
  input: unknown,
  mode: 'create' | 'patch',
  previous?: DossierData,
): { ok: true; write: ValidatedWrite } | { ok: false; problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      ok: false,
      problems: [{ path: 'data', message: 'The dossier data must be a JSON object of field values.' }],
    };
  }
  const data: DossierData = mode === 'patch' && previous ? { ...previous } : {};
  const references: ReferenceToCheck[] = [];
  const refused = new Set<string>();
  for (const [key, value] of Object.entries(input)) {
    const path = `data.${key}`;
    const field = fieldOf(type, key);
    if (!field) {
      const known = type.fields.map((f) => f.key).join(', ');
      problems.push({
        path,
        message: `Unknown field "${key}" for ${type.label.en.toLowerCase()}. Known fields: ${known}.`,
      });
      continue;
    }
    if (value === undefined) continue;
    const checked = checkValue(type, field, value, path);
    if ('problem' in checked) {
      problems.push({ path, message: checked.problem });
      refused.add(key);
      continue;
    }
    data[key] = checked.value;
    if (typeof checked.value === 'string') {
      if (field.kind === 'reference')
        references.push({ path, refType: field.refType, refKind: 'dossier', id: checked.value });
      if (field.kind === 'user' || field.kind === 'team') {
        references.push({ path, refType: field.kind, refKind: field.kind, id: checked.value });
      }
    }
  }
  for (const field of type.fields) {
    const v = data[field.key];
    // A refused value is reported once, not again as missing.
    if (field.required && !refused.has(field.key) && (v === undefined || v === null || v === '')) {
      problems.push({
        path: `data.${field.key}`,
        message: `"${field.key}" (${field.label.en}) is required.`,
      });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  const status = typeof data[STATUS_FIELD] === 'string' ? (data[STATUS_FIELD] as string) : null;
  return { ok: true, write: { data, status, references } };
}

/** The fields whose values differ between two versions of a dossier, with old and new values. */
export function diffData(
  before: DossierData,
  after: DossierData,
): Record<string, { old: unknown; new: unknown }> {
  const changes: Record<string, { old: unknown; new: unknown }> = {};
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    const a = before[key] ?? null;
    const b = after[key] ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) changes[key] = { old: a, new: b };
  }
  return changes;
}

/** Like validateDossierWrite, but raises the problems as one validation error. */
export function requireValidWrite(
  type: DossierType,
  input: unknown,
  mode: 'create' | 'patch',
  previous?: DossierData,
): ValidatedWrite {
  const result = validateDossierWrite(type, input, mode, previous);
  if (!result.ok) {
    throwIfProblems(result.problems);
    throw new Error('unreachable');
  }
  return result.write;
}

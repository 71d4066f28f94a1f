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
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ()-]{6,20}$/;

function isRealDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
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
      if (!EMAIL.test(trimmed))
        return { problem: `${name} is not an e-mail address: "${value}". Use the form name@example.nl.` };
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
      if (
        typeof value !== 'string' ||
        !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
      ) {
        return {
          problem: `${name} must be a date and time with a zone, such as 2027-02-03T09:30:00+01:00, not ${describe(value)}.`,
        };
      }
      const ms = Date.parse(value);
      if (Number.isNaN(ms) || !isRealDate(value.slice(0, 10)))
        return { problem: `${name} is not a real moment: "${value}".` };
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
          problem: `Unknown status ${describe(value)} for ${type.label.en.toLowerCase()}. Known statuses: ${allowed}.`,
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
    if (field.required && (v === undefined || v === null || v === '')) {
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

/**
 * Validation of conditions when a template is saved: shape, field paths, operator against field
 * kind, values against the field (known status and option codes, real dates), nesting depth.
 * Every problem carries the exact path of the offending part (`conditions.conditions[2].field`)
 * and a sentence a CRM administrator can act on. Evaluation and SQL compilation assume a
 * condition that passed here.
 */
import type { DossierType, DossierTypeCatalog, FieldKind } from '../dossier-type.js';
import { type ErrorDetail, throwIfProblems } from '../errors.js';
import { isLocalDate } from '../timing/index.js';
import {
  COMPARE_OPS,
  type CompareOp,
  type Condition,
  MAX_CONDITION_DEPTH,
  MAX_RELATIVE_DAYS,
  OPS_BY_KIND,
  type ResolvedField,
  resolveFieldPath,
  typeName,
} from './condition.js';

/** Most values an in/notIn list may hold; longer lists belong in a field or a category. */
export const MAX_IN_VALUES = 500;

const KIND_NAMES: Readonly<Record<FieldKind, string>> = {
  text: 'a text field',
  longText: 'a long text field',
  email: 'an e-mail field',
  phone: 'a phone field',
  number: 'a number field',
  money: 'an amount (money) field',
  boolean: 'a yes/no field',
  date: 'a date field',
  datetime: 'a date-and-time field',
  enum: 'a choice field',
  status: 'the status field',
  reference: 'a reference field',
  user: 'a user field',
  team: 'a team field',
};

const GROUP_KEYS = ['type', 'conditions'];
const NOT_KEYS = ['type', 'condition'];
const COMPARE_KEYS = ['type', 'field', 'op', 'value', 'from', 'to'];
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const EXAMPLE = '{"type": "compare", "field": "status", "op": "eq", "value": "…"}';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value inside a sentence: `the text "abc"`, `number 5`, `a list`. */
function show(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text "${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  if (typeof value === 'object') {
    const json = JSON.stringify(value);
    return json.length > 60 ? 'an object' : json;
  }
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** A value the user wrote, as they wrote it: `"nieuw"`, `12`, `true`. */
function quoted(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : capitalised(show(value));
}

/** Edit distance, to suggest "value" for "vaue"; keys are short, so the quadratic table is fine. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Checks a condition against the dossier type it runs on (`rootType`) and the types its reference
 * paths reach. Returns the problems, each with its path below `path`; empty when the condition is fine.
 */
export function validateCondition(
  condition: unknown,
  rootType: DossierType,
  catalog: DossierTypeCatalog,
  path = 'conditions',
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  visit(condition, 1, path, rootType, catalog, problems);
  return problems;
}

/** Throws a validation error carrying every problem when the condition is not valid. */
export function requireValidCondition(
  condition: unknown,
  rootType: DossierType,
  catalog: DossierTypeCatalog,
  path = 'conditions',
): asserts condition is Condition {
  throwIfProblems(validateCondition(condition, rootType, catalog, path));
}

function visit(
  node: unknown,
  depth: number,
  path: string,
  root: DossierType,
  catalog: DossierTypeCatalog,
  problems: ErrorDetail[],
): void {
  if (!isObject(node)) {
    problems.push({
      path,
      message: `${path} must be a condition object such as ${EXAMPLE}, not ${show(node)}.`,
    });
    return;
  }
  if (depth > MAX_CONDITION_DEPTH) {
    problems.push({
      path,
      message: `Conditions may be nested at most ${MAX_CONDITION_DEPTH} groups deep, and this one is deeper. Simplify it: an "all" inside an "all" (or an "any" inside an "any") can be merged into one.`,
    });
    return;
  }
  switch (node.type) {
    case 'all':
    case 'any': {
      unknownKeys(
        node,
        GROUP_KEYS,
        path,
        `An "${node.type}" group has only "type" and "conditions".`,
        problems,
      );
      if (!Array.isArray(node.conditions)) {
        problems.push({
          path: `${path}.conditions`,
          message: `An "${node.type}" group needs "conditions": a list of conditions (an empty list means ${node.type === 'all' ? 'always' : 'never'}).`,
        });
        return;
      }
      node.conditions.forEach((child: unknown, i: number) =>
        visit(child, depth + 1, `${path}.conditions[${i}]`, root, catalog, problems),
      );
      return;
    }
    case 'not':
      unknownKeys(
        node,
        NOT_KEYS,
        path,
        'A "not" group has only "type" and "condition" (one condition, not a list).',
        problems,
      );
      if (node.condition === undefined) {
        problems.push({
          path: `${path}.condition`,
          message: 'A "not" group needs "condition": the condition that must not hold.',
        });
        return;
      }
      visit(node.condition, depth + 1, `${path}.condition`, root, catalog, problems);
      return;
    case 'compare':
      unknownKeys(
        node,
        COMPARE_KEYS,
        path,
        'A comparison has "type", "field", "op" and "value" ("from" and "to" only with "changed").',
        problems,
      );
      checkComparison(node, path, root, catalog, problems);
      return;
    default:
      problems.push({
        path: `${path}.type`,
        message:
          node.type === undefined
            ? `A condition needs a "type": "all", "any", "not" or "compare".`
            : `A condition's "type" must be "all", "any", "not" or "compare", not ${quoted(node.type)}.`,
      });
  }
}

function unknownKeys(
  node: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  hint: string,
  problems: ErrorDetail[],
): void {
  for (const key of Object.keys(node)) {
    if (allowed.includes(key)) continue;
    const near = allowed.find((k) => distance(k.toLowerCase(), key.toLowerCase()) <= 2);
    problems.push({
      path: `${path}.${key}`,
      message: `Unknown property "${key}".${near && !(near in node) ? ` Did you mean "${near}"?` : ''} ${hint}`,
    });
  }
}

function checkComparison(
  node: Record<string, unknown>,
  path: string,
  root: DossierType,
  catalog: DossierTypeCatalog,
  problems: ErrorDetail[],
): void {
  let resolved: ResolvedField | undefined;
  if (typeof node.field !== 'string') {
    problems.push({
      path: `${path}.field`,
      message: `A comparison needs "field": the key of a field of ${typeName(root)}, such as "${root.fields[0]?.key ?? 'status'}", or a path through references such as "intake.contact.email".`,
    });
  } else {
    const result = resolveFieldPath(root, catalog, node.field);
    if ('problem' in result) problems.push({ path: `${path}.field`, message: result.problem });
    else resolved = result;
  }
  const op = node.op;
  if (typeof op !== 'string' || !(COMPARE_OPS as readonly string[]).includes(op)) {
    problems.push({
      path: `${path}.op`,
      message: `${op === undefined ? 'A comparison needs "op"' : `${quoted(op)} is not an operator`}. Use one of: ${COMPARE_OPS.join(', ')}.`,
    });
    return;
  }
  if (!resolved) return;
  const { field } = resolved;
  const name = `"${node.field as string}"`;
  const allowed = OPS_BY_KIND[field.kind];
  if (!allowed.includes(op as CompareOp)) {
    problems.push({
      path: `${path}.op`,
      message: `"${op}" does not apply to ${name}, which is ${KIND_NAMES[field.kind]}. Operators for it: ${allowed.join(', ')}.`,
    });
    return;
  }
  const at = (key: string) => `${path}.${key}`;
  if (op !== 'changed') {
    for (const key of ['from', 'to'] as const) {
      if (node[key] !== undefined) {
        problems.push({
          path: at(key),
          message: `"${key}" belongs to the "changed" operator only; remove it or use "changed".`,
        });
      }
    }
  }
  const value = node.value;
  switch (op as CompareOp) {
    case 'eq':
    case 'ne':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (value === undefined || value === null) {
        problems.push({
          path: at('value'),
          message: `"${op}" needs a "value" to compare ${name} with. To test for an empty field use "isEmpty" or "isNotEmpty".`,
        });
        return;
      }
      const problem = operandProblem(resolved, name, value);
      if (problem) problems.push({ path: at('value'), message: problem });
      return;
    }
    case 'in':
    case 'notIn': {
      if (!Array.isArray(value) || value.length === 0) {
        problems.push({
          path: at('value'),
          message: `"${op}" needs a "value" that is a list of one or more values for ${name}, such as ["a", "b"]; got ${show(value)}.`,
        });
        return;
      }
      if (value.length > MAX_IN_VALUES) {
        problems.push({
          path: at('value'),
          message: `"${op}" accepts at most ${MAX_IN_VALUES} values; this list has ${value.length}.`,
        });
        return;
      }
      value.forEach((item: unknown, i: number) => {
        const problem =
          item === null || item === undefined
            ? `The list for ${name} holds an empty value; to include empty fields combine with "isEmpty" in an "any" group.`
            : operandProblem(resolved, name, item);
        if (problem) problems.push({ path: `${at('value')}[${i}]`, message: problem });
      });
      return;
    }
    case 'contains':
    case 'startsWith':
      if (typeof value !== 'string' || value === '') {
        problems.push({
          path: at('value'),
          message: `"${op}" needs a "value" with the text to look for in ${name} (matched case-sensitively); got ${show(value)}.`,
        });
      }
      return;
    case 'isEmpty':
    case 'isNotEmpty':
      if (value !== undefined) {
        problems.push({ path: at('value'), message: `"${op}" takes no "value"; remove it.` });
      }
      return;
    case 'changed':
      if (value !== undefined) {
        problems.push({
          path: at('value'),
          message: `"changed" takes no "value"; use "from" and/or "to" for the old and the new value.`,
        });
      }
      if (resolved.chain.length > 0) {
        problems.push({
          path: at('field'),
          message: `"changed" looks at the fields of the dossier whose event started the template; ${name} is a field of another dossier. Start a template on ${typeName(resolved.owner)} to react to its changes.`,
        });
      }
      for (const key of ['from', 'to'] as const) {
        const v = node[key];
        if (v === undefined || v === null) continue;
        const problem = operandProblem(resolved, name, v);
        if (problem) problems.push({ path: at(key), message: problem });
      }
      return;
    case 'dateBefore':
    case 'dateAfter': {
      const days = isObject(value) ? value.days : undefined;
      const extra = isObject(value) ? Object.keys(value).filter((k) => k !== 'days') : [];
      if (!isObject(value) || typeof days !== 'number' || !Number.isInteger(days) || extra.length > 0) {
        problems.push({
          path: at('value'),
          message: `"${op}" needs a "value" such as {"days": 3} (3 days from now) or {"days": -7} (7 days ago): a whole number of days; got ${show(value)}.`,
        });
        return;
      }
      if (Math.abs(days) > MAX_RELATIVE_DAYS) {
        problems.push({
          path: `${at('value')}.days`,
          message: `${days} days is more than ten years; use at most ${MAX_RELATIVE_DAYS} days before or after now.`,
        });
      }
      return;
    }
  }
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Why `value` cannot be compared with the field, or null when it can. */
function operandProblem(resolved: ResolvedField, name: string, value: unknown): string | null {
  const { field, owner } = resolved;
  switch (field.kind) {
    case 'text':
    case 'longText':
    case 'email':
    case 'phone':
      return typeof value === 'string'
        ? null
        : `${name} is ${KIND_NAMES[field.kind]}: compare it with text, not ${show(value)}.`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? null
        : `${name} is ${KIND_NAMES[field.kind]}: compare it with a number such as 12 or 3.5, not ${show(value)}.`;
    case 'money':
      return typeof value === 'number' && Number.isFinite(value)
        ? null
        : `${name} is ${KIND_NAMES[field.kind]}: compare it with an amount in euros such as 1250.50 (a number, without quotes), not ${show(value)}.`;
    case 'boolean':
      return typeof value === 'boolean'
        ? null
        : `${name} is ${KIND_NAMES[field.kind]}: compare it with true or false, not ${show(value)}.`;
    case 'date':
      return typeof value === 'string' && isLocalDate(value)
        ? null
        : `${name} is ${KIND_NAMES[field.kind]}: compare it with a date written as YYYY-MM-DD, such as 2027-02-03, not ${show(value)}.`;
    case 'datetime':
      return typeof value === 'string' &&
        DATETIME.test(value) &&
        !Number.isNaN(Date.parse(value)) &&
        isLocalDate(value.slice(0, 10))
        ? null
        : `${name} is ${KIND_NAMES[field.kind]}: compare it with a date and time with a zone, such as 2027-02-03T09:30:00+01:00, not ${show(value)}.`;
    case 'enum':
      if (typeof value === 'string' && field.options.some((o) => o.code === value)) return null;
      return `${quoted(value)} is not an option of ${name}. Options: ${field.options.map((o) => `${o.code} (${o.label.en})`).join(', ')}.`;
    case 'status':
      if (typeof value === 'string' && owner.statuses.some((s) => s.code === value)) return null;
      return `${quoted(value)} is not a status of ${typeName(owner)}. Known statuses: ${owner.statuses.map((s) => `${s.code} (${s.label.en})`).join(', ')}.`;
    case 'reference':
    case 'user':
    case 'team':
      return typeof value === 'string' && value.length > 0
        ? null
        : `${name} holds the id of a ${field.kind === 'reference' ? field.refType : field.kind}: compare it with an id (text), not ${show(value)}.`;
  }
}

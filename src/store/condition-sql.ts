/**
 * Conditions compiled to SQL, for the queries that select dossiers by a template's conditions
 * (the dossiers a date-based template applies to, re-checks in bulk) instead of loading each one.
 *
 * The semantics are those of src/domain/condition/evaluate-condition.ts, to the letter; the
 * property test in test/store/condition-sql.test.ts holds the two together on every backend. How
 * each rule is kept in SQL:
 *
 * - Values are read with the adapter's typed JSON accessors (jsonString, jsonNumber, jsonBoolean),
 *   which yield NULL for a value of the wrong JSON type, exactly like readFieldValue. The status
 *   field reads the `status` column: the store writes it together with `data.status`, and it is
 *   indexed.
 * - A reference path is a correlated scalar subquery joining `dossiers` once per link, each link
 *   also checked for the referenced type; a broken chain yields no row, hence NULL. The same path
 *   used twice is two subqueries: simpler than threading joins through the outer query, and each
 *   is a primary-key lookup.
 * - NULL: every comparison is either TRUE exactly when the in-memory one is true, or FALSE/NULL.
 *   NULL only turns into a wrong answer under NOT, so every `not` (and `ne`, `notIn`, which are
 *   `not eq`, `not in`) is compiled as `not coalesce(…, false)`.
 * - Text is compared with `=` (byte equality) and instr/strpos (no LIKE wildcards, no case
 *   folding); dates under the adapter's binaryText so they order as JavaScript strings do.
 * - `changed` is false: there is no event in a query.
 * - Every value of the condition is a bound parameter. Field keys (validated camelCase) reach SQL
 *   only as JSON-path parameters, table aliases only through sql.id / sql.ref.
 */
import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import {
  type CompareCondition,
  type Condition,
  normaliseOperand,
  type RelativeDays,
  relativeDateOperand,
  type ResolvedField,
  requireValidCondition,
  resolveFieldPath,
  valueClassOf,
} from '../domain/condition/index.js';
import type { DossierType, DossierTypeCatalog } from '../domain/dossier-type.js';
import { assertNever } from '../domain/errors.js';
import { DEFAULT_TIME_ZONE } from '../domain/timing/index.js';
import type { DialectAdapter } from './dialect-adapter.js';

export interface CompileConditionOptions {
  /** The dossier type of the rows the condition filters (the query should filter on it too). */
  readonly type: DossierType;
  readonly catalog: DossierTypeCatalog;
  readonly adapter: DialectAdapter;
  /** Epoch milliseconds; the "now" of dateBefore and dateAfter, bound as computed values. */
  readonly now: number;
  /** The organisation's IANA time zone for dateBefore/dateAfter on date fields; default Europe/Amsterdam. */
  readonly timeZone?: string;
  /** The alias of `dossiers` in the outer query; default `d` (`selectFrom('dossiers as d')`). */
  readonly alias?: string;
}

const ALIAS = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TRUE = sql<SqlBool>`(1 = 1)`;
const FALSE = sql<SqlBool>`(1 = 0)`;

/**
 * The condition as a boolean SQL expression over the outer query's `dossiers` row. Throws a
 * validation error when the condition does not fit the dossier types.
 * @example db.selectFrom('dossiers as d').select('d.id').where('d.type', '=', type.key)
 *   .where(compileCondition(condition, { type, catalog, adapter: store.adapter, now }))
 */
export function compileCondition(
  condition: Condition,
  options: CompileConditionOptions,
): Expression<SqlBool> {
  const alias = options.alias ?? 'd';
  if (!ALIAS.test(alias)) throw new Error(`Table alias "${alias}" must be letters, digits and underscores.`);
  requireValidCondition(condition, options.type, options.catalog);
  return compileNode(condition, { ...options, alias, timeZone: options.timeZone ?? DEFAULT_TIME_ZONE });
}

type Compiling = Required<Pick<CompileConditionOptions, 'alias' | 'timeZone'>> & CompileConditionOptions;

function compileNode(node: Condition, o: Compiling): RawBuilder<SqlBool> {
  switch (node.type) {
    case 'all':
    case 'any': {
      if (node.conditions.length === 0) return node.type === 'all' ? TRUE : FALSE;
      const parts = node.conditions.map((c) => compileNode(c, o));
      return sql<SqlBool>`(${sql.join(parts, node.type === 'all' ? sql` and ` : sql` or `)})`;
    }
    case 'not':
      return negate(compileNode(node.condition, o));
    case 'compare':
      return compileComparison(node, o);
    default:
      return assertNever(node, 'condition');
  }
}

/** NOT that treats NULL (unknown) as false first, as the in-memory evaluation does. */
function negate(expression: Expression<SqlBool | null>): RawBuilder<SqlBool> {
  return sql<SqlBool>`(not coalesce(${expression}, ${FALSE}))`;
}

/** The field's value read from the dossier row under `alias`, as readFieldValue reads it. */
function readValue(resolved: ResolvedField, alias: string, adapter: DialectAdapter): RawBuilder<unknown> {
  const { field } = resolved;
  if (field.kind === 'status') return sql`${sql.ref(`${alias}.status`)}`;
  switch (valueClassOf(field.kind)) {
    case 'string':
      return adapter.jsonString(`${alias}.data`, field.key);
    case 'number':
      return adapter.jsonNumber(`${alias}.data`, field.key);
    case 'boolean':
      return adapter.jsonBoolean(`${alias}.data`, field.key);
  }
}

/**
 * The value of a field of the row itself, or of the dossier at the end of its reference chain:
 * `(select <value> from dossiers d_1 join dossiers d_2 on d_2.id = <d_1.data.intake> and
 * d_2.type = 'intake' … where d_1.id = <d.data.opportunity> and d_1.type = 'opportunity')`.
 */
function valueOf(resolved: ResolvedField, o: Compiling): RawBuilder<unknown> {
  const { chain, links } = resolved;
  if (chain.length === 0) return readValue(resolved, o.alias, o.adapter);
  const aliases = chain.map((_, i) => `${o.alias}_${i + 1}`);
  const linkTo = (i: number, from: string) =>
    sql<SqlBool>`${sql.ref(`${aliases[i]!}.id`)} = ${o.adapter.jsonString(`${from}.data`, chain[i]!)} and ${sql.ref(`${aliases[i]!}.type`)} = ${links[i]!.refType}`;
  const joins = aliases
    .slice(1)
    .map((a, j) => sql`join ${sql.table('dossiers')} as ${sql.id(a)} on ${linkTo(j + 1, aliases[j]!)}`);
  const last = aliases[aliases.length - 1]!;
  return sql`(select ${readValue(resolved, last, o.adapter)} from ${sql.table('dossiers')} as ${sql.id(aliases[0]!)} ${joins.length > 0 ? sql.join(joins, sql` `) : sql``} where ${linkTo(0, o.alias)})`;
}

function compileComparison(node: CompareCondition, o: Compiling): RawBuilder<SqlBool> {
  const resolved = resolveFieldPath(o.type, o.catalog, node.field);
  if ('problem' in resolved) throw new Error(resolved.problem); // validated above; cannot happen
  const kind = resolved.field.kind;
  const valueClass = valueClassOf(kind);
  if (node.op === 'changed') return FALSE;
  const x = valueOf(resolved, o);
  const operand = (v: unknown) => normaliseOperand(kind, v);
  // Dates order as text; binaryText keeps the database's collation out of it.
  const ordered = valueClass === 'string' ? o.adapter.binaryText(x as RawBuilder<string | null>) : x;
  const eq = (): RawBuilder<SqlBool> => {
    // Booleans are never bound: SQLite cannot bind them, and `x` / `not x` says the same.
    if (valueClass === 'boolean') return node.value === true ? sql<SqlBool>`${x}` : sql<SqlBool>`(not ${x})`;
    return sql<SqlBool>`(${x} = ${operand(node.value)})`;
  };
  const isIn = () => sql<SqlBool>`(${x} in (${sql.join((node.value as unknown[]).map(operand))}))`;
  const isEmpty = () =>
    valueClass === 'string' ? sql<SqlBool>`(coalesce(${x}, '') = '')` : sql<SqlBool>`(${x} is null)`;
  switch (node.op) {
    case 'eq':
      return eq();
    case 'ne':
      return negate(eq());
    case 'in':
      return isIn();
    case 'notIn':
      return negate(isIn());
    case 'gt':
      return sql<SqlBool>`(${ordered} > ${operand(node.value)})`;
    case 'gte':
      return sql<SqlBool>`(${ordered} >= ${operand(node.value)})`;
    case 'lt':
      return sql<SqlBool>`(${ordered} < ${operand(node.value)})`;
    case 'lte':
      return sql<SqlBool>`(${ordered} <= ${operand(node.value)})`;
    case 'contains':
      return sql<SqlBool>`(${o.adapter.textPosition(x as RawBuilder<string | null>, node.value as string)} > 0)`;
    case 'startsWith':
      return sql<SqlBool>`(${o.adapter.textPosition(x as RawBuilder<string | null>, node.value as string)} = 1)`;
    case 'isEmpty':
      return isEmpty();
    case 'isNotEmpty':
      return sql<SqlBool>`(not ${isEmpty()})`;
    case 'dateBefore':
    case 'dateAfter': {
      const moment = relativeDateOperand(kind, (node.value as RelativeDays).days, o.now, o.timeZone);
      return node.op === 'dateBefore'
        ? sql<SqlBool>`(${ordered} < ${moment})`
        : sql<SqlBool>`(${ordered} > ${moment})`;
    }
    default:
      return assertNever(node.op, 'operator');
  }
}

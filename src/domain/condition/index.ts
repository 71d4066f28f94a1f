/**
 * Conditions ("voorwaarden") of action templates: JSON data, validated when saved, evaluated in
 * memory by the matcher and the executor, compiled to SQL by src/store/condition-sql.ts.
 */
export {
  COMPARE_OPS,
  MAX_CONDITION_DEPTH,
  MAX_REFERENCE_LINKS,
  MAX_RELATIVE_DAYS,
  OPS_BY_KIND,
  TRUE_CONDITION,
  alwaysHolds,
  normaliseOperand,
  readFieldValue,
  relativeDateOperand,
  resolveFieldPath,
  valueClassOf,
  type AllCondition,
  type AnyCondition,
  type CompareCondition,
  type CompareOp,
  type Condition,
  type FieldPathProblem,
  type NotCondition,
  type RelativeDays,
  type ResolvedField,
  type ValueClass,
} from './condition.js';
export { MAX_IN_VALUES, requireValidCondition, validateCondition } from './validate-condition.js';
export {
  describeCondition,
  type DossierTitles,
  evaluateCondition,
  referencePaths,
  referencedDossierIds,
  resolverFromDossiers,
  type ConditionContext,
  type LoadedDossier,
} from './evaluate-condition.js';

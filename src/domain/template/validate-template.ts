import { validateCondition } from '../condition/index.js';
import { isStorableText } from '../dossier.js';
import {
  type DossierType,
  type DossierTypeCatalog,
  STATUS_FIELD,
  fieldOf,
  statusOf,
} from '../dossier-type.js';
import type { ErrorDetail } from '../errors.js';
import { validateExpiry, validateTiming } from '../timing/index.js';
import { EXECUTION_MODES, type TemplateDefinition } from './action-template.js';
import { MAX_CHAIN_DEPTH } from './template-graph.js';

type Problems = ErrorDetail[];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Follows a path of reference fields from `type`; the last segment is returned as a field. */
export function resolvePath(
  type: DossierType,
  catalog: DossierTypeCatalog,
  path: string,
): { field?: ReturnType<typeof fieldOf>; owner?: DossierType; problem?: string } {
  const segments = path.split('.');
  let current: DossierType = type;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const field = fieldOf(current, seg);
    if (!field) {
      return {
        problem: `"${segments.slice(0, i + 1).join('.')}" is not a field of ${current.key}. Known fields: ${current.fields.map((f) => f.key).join(', ')}.`,
      };
    }
    if (i === segments.length - 1) return { field, owner: current };
    if (field.kind !== 'reference')
      return { problem: `"${seg}" of ${current.key} is not a reference, so "${path}" cannot go further.` };
    const next = catalog.get(field.refType);
    if (!next) return { problem: `"${seg}" refers to unknown dossier type ${field.refType}.` };
    current = next;
  }
  return { problem: `"${path}" is empty.` };
}

function checkEvent(def: TemplateDefinition, type: DossierType, problems: Problems): void {
  const e = def.event as unknown;
  const at = 'event';
  if (!isObject(e) || typeof e.type !== 'string') {
    problems.push({
      path: at,
      message:
        'The event is missing: say when the template applies, e.g. { "type": "statusSet", "to": ["offerte-aangevraagd"] }.',
    });
    return;
  }
  switch (e.type) {
    case 'created':
    case 'deleted':
    case 'manual':
      return;
    case 'fieldChanged':
    case 'dateReached': {
      const field = typeof e.field === 'string' ? fieldOf(type, e.field) : undefined;
      if (!field) {
        problems.push({
          path: `${at}.field`,
          message: `The event needs a field of ${type.key}; "${String(e.field)}" is not one. Known fields: ${type.fields.map((f) => f.key).join(', ')}.`,
        });
      } else if (e.type === 'dateReached' && field.kind !== 'date' && field.kind !== 'datetime') {
        problems.push({
          path: `${at}.field`,
          message: `"A date is reached" needs a date field; "${field.key}" is a ${field.kind} field.`,
        });
      }
      return;
    }
    case 'statusSet': {
      if (type.statuses.length === 0) {
        problems.push({
          path: at,
          message: `${type.key} has no statuses, so "status set" cannot apply. Choose another event.`,
        });
        return;
      }
      for (const key of ['to', 'from'] as const) {
        const list = e[key];
        if (list === undefined && key === 'from') continue;
        if (!Array.isArray(list) || (key === 'to' && list.length === 0)) {
          problems.push({
            path: `${at}.${key}`,
            message: `"${key}" must be a list of status codes of ${type.key}.`,
          });
          continue;
        }
        list.forEach((code, i) => {
          if (typeof code !== 'string' || !statusOf(type, code)) {
            problems.push({
              path: `${at}.${key}[${i}]`,
              message: `Unknown status "${String(code)}" for ${type.key}. Known statuses: ${type.statuses.map((s) => s.code).join(', ')}.`,
            });
          }
        });
      }
      return;
    }
    case 'actionCompleted':
    case 'actionExpired':
      if (typeof e.templateId !== 'string' || e.templateId.length === 0) {
        problems.push({
          path: `${at}.templateId`,
          message: 'Name the template whose action must be completed or expired first.',
        });
      }
      return;
    default:
      problems.push({
        path: `${at}.type`,
        message: `Unknown event "${e.type}". Choose created, fieldChanged, statusSet, deleted, dateReached, actionCompleted, actionExpired or manual.`,
      });
  }
}

function checkAssignee(
  rule: unknown,
  at: string,
  type: DossierType,
  catalog: DossierTypeCatalog,
  problems: Problems,
): void {
  if (!isObject(rule) || typeof rule.type !== 'string') {
    problems.push({
      path: at,
      message: 'Say who the action is for: { "type": "none" }, a user, a team, or a field.',
    });
    return;
  }
  if (rule.type === 'none') return;
  if (rule.type === 'user' && typeof rule.userId === 'string') return;
  if (rule.type === 'team' && typeof rule.teamId === 'string') return;
  if (rule.type === 'field' && typeof rule.path === 'string') {
    const r = resolvePath(type, catalog, rule.path);
    if (r.problem) problems.push({ path: `${at}.path`, message: r.problem });
    else if (r.field && r.field.kind !== 'user' && r.field.kind !== 'team') {
      problems.push({
        path: `${at}.path`,
        message: `"${rule.path}" is a ${r.field.kind} field; the assignee must come from a user or team field.`,
      });
    }
    return;
  }
  problems.push({
    path: `${at}.type`,
    message: `The assignee "${String(rule.type)}" is incomplete: give userId, teamId or path.`,
  });
}

function checkEffect(
  def: TemplateDefinition,
  type: DossierType,
  catalog: DossierTypeCatalog,
  problems: Problems,
): void {
  const e = def.effect as unknown;
  const at = 'effect';
  if (!isObject(e) || typeof e.type !== 'string') {
    problems.push({
      path: at,
      message:
        'Say what the action does: { "type": "none" } for a to-do, or sendEmail, createTask, createDossier, setField, setStatus, webhook.',
    });
    return;
  }
  switch (e.type) {
    case 'none':
      return;
    case 'sendEmail':
      // The e-mail template and the recipients are checked by the e-mail service (it reads the
      // e-mail template table); here only the shape.
      if (typeof e.templateId !== 'string' || e.templateId.length === 0) {
        problems.push({ path: `${at}.templateId`, message: 'Choose the e-mail template to send.' });
      }
      if (!Array.isArray(e.to) || e.to.length === 0)
        problems.push({ path: `${at}.to`, message: 'Say who receives the e-mail ("to" is empty).' });
      return;
    case 'createTask': {
      const task = catalog.get('task');
      if (!task) {
        problems.push({
          path: at,
          message: 'There is no dossier type "task" to create tasks in; use createDossier instead.',
        });
        return;
      }
      const tt = fieldOf(task, 'taskType');
      if (tt?.kind === 'enum' && !tt.options.some((o) => o.code === e.taskType)) {
        problems.push({
          path: `${at}.taskType`,
          message: `Unknown task type "${String(e.taskType)}". Known: ${tt.options.map((o) => o.code).join(', ')}.`,
        });
      }
      if (typeof e.description !== 'string' || e.description.trim() === '')
        problems.push({ path: `${at}.description`, message: 'The task needs a description.' });
      if (typeof e.plannedInDays !== 'number' || !Number.isInteger(e.plannedInDays) || e.plannedInDays < 0) {
        problems.push({
          path: `${at}.plannedInDays`,
          message: 'plannedInDays must be a whole number of days, 0 or more.',
        });
      }
      checkAssignee(e.responsible, `${at}.responsible`, type, catalog, problems);
      return;
    }
    case 'createDossier': {
      const target = typeof e.dossierType === 'string' ? catalog.get(e.dossierType) : undefined;
      if (!target) {
        problems.push({
          path: `${at}.dossierType`,
          message: `Unknown dossier type "${String(e.dossierType)}". Known: ${catalog
            .all()
            .map((t) => t.key)
            .join(', ')}.`,
        });
        return;
      }
      if (!isObject(e.fields)) {
        problems.push({ path: `${at}.fields`, message: 'Give the fields of the new dossier as an object.' });
        return;
      }
      for (const [key, mapping] of Object.entries(e.fields)) {
        if (!fieldOf(target, key))
          problems.push({
            path: `${at}.fields.${key}`,
            message: `"${key}" is not a field of ${target.key}.`,
          });
        else if (isObject(mapping) && typeof mapping.from === 'string') {
          const r = mapping.from === 'id' ? {} : resolvePath(type, catalog, mapping.from);
          if (r.problem) problems.push({ path: `${at}.fields.${key}.from`, message: r.problem });
        } else if (!isObject(mapping) || !('value' in mapping)) {
          problems.push({
            path: `${at}.fields.${key}`,
            message:
              'Each field needs { "value": … } or { "from": "<field or path>" } ("from": "id" is this dossier).',
          });
        }
      }
      return;
    }
    case 'setField': {
      const field = typeof e.field === 'string' ? fieldOf(type, e.field) : undefined;
      if (!field)
        problems.push({
          path: `${at}.field`,
          message: `"${String(e.field)}" is not a field of ${type.key}.`,
        });
      else if (field.key === STATUS_FIELD)
        problems.push({ path: `${at}.field`, message: 'Use setStatus to change the status.' });
      return;
    }
    case 'setStatus':
      if (typeof e.status !== 'string' || !statusOf(type, e.status)) {
        problems.push({
          path: `${at}.status`,
          message: `Unknown status "${String(e.status)}" for ${type.key}. Known: ${type.statuses.map((s) => s.code).join(', ')}.`,
        });
      }
      return;
    case 'webhook': {
      let ok = false;
      try {
        const u = new URL(String(e.url));
        ok = u.protocol === 'https:' || u.protocol === 'http:';
      } catch {
        ok = false;
      }
      if (!ok)
        problems.push({
          path: `${at}.url`,
          message: `"${String(e.url)}" is not a web address; use https://….`,
        });
      return;
    }
    default:
      problems.push({
        path: `${at}.type`,
        message: `Unknown effect "${e.type}". Choose none, sendEmail, createTask, createDossier, setField, setStatus or webhook.`,
      });
  }
}

/** The most text problems reported for one definition: one per place is plenty to fix it. */
const MAX_TEXT_PROBLEMS = 10;

/**
 * Text PostgreSQL cannot store (NUL, half a surrogate pair) anywhere in the definition, keys
 * included: the definition is stored as JSON and its parts are bound into queries and actions.
 */
function checkStorableText(value: unknown, at: string, problems: Problems, depth = 0): void {
  if (problems.length >= MAX_TEXT_PROBLEMS || depth > 64) return;
  const where = at || 'the template';
  if (typeof value === 'string') {
    if (!isStorableText(value))
      problems.push({
        path: at,
        message: `The text at ${where} contains a NUL character or half a surrogate pair; remove it.`,
      });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkStorableText(item, `${at}[${i}]`, problems, depth + 1));
    return;
  }
  if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const path = at ? `${at}.${key}` : key;
      if (!isStorableText(key)) {
        if (problems.length < MAX_TEXT_PROBLEMS)
          problems.push({
            path: at,
            message: `A key in ${where} contains a NUL character or half a surrogate pair; remove it.`,
          });
        continue;
      }
      checkStorableText(item, path, problems, depth + 1);
    }
  }
}

/** The type whose category field a template's categories are values of: its own, or the one `categoryVia` leads to. */
function categoryOwner(
  def: TemplateDefinition,
  type: DossierType,
  catalog: DossierTypeCatalog,
  problems: Problems,
): DossierType | undefined {
  const via = def.categoryVia as unknown;
  if (via === undefined) return type;
  const field = typeof via === 'string' ? fieldOf(type, via) : undefined;
  const target = field?.kind === 'reference' ? catalog.get(field.refType) : undefined;
  if (!target?.categoryField) {
    const candidates = type.fields
      .filter((f) => f.kind === 'reference' && catalog.get(f.refType)?.categoryField)
      .map((f) => f.key);
    problems.push({
      path: 'categoryVia',
      message: `categoryVia must be a reference field of ${type.key} to a dossier with categories${candidates.length > 0 ? `: ${candidates.join(' or ')}` : `; ${type.key} has none`}.`,
    });
    return undefined;
  }
  return target;
}

function checkCategories(
  def: TemplateDefinition,
  ownType: DossierType,
  catalog: DossierTypeCatalog,
  problems: Problems,
): void {
  const type = categoryOwner(def, ownType, catalog, problems);
  if (!type) return;
  const categories = def.categories as unknown;
  if (!Array.isArray(categories)) {
    problems.push({ path: 'categories', message: 'categories must be a list (empty for every dossier).' });
    return;
  }
  if (categories.length === 0) return;
  const field = type.categoryField ? fieldOf(type, type.categoryField) : undefined;
  if (!field) {
    problems.push({
      path: 'categories',
      message: `${type.key} has no category field, so the template cannot be linked to categories.`,
    });
    return;
  }
  categories.forEach((category: unknown, i) => {
    const at = `categories[${i}]`;
    if (typeof category !== 'string' || category.trim() === '') {
      problems.push({
        path: at,
        message: `Each category must be a ${field.key} value, not ${JSON.stringify(category) ?? String(category)}.`,
      });
    } else if (field.kind === 'enum' && !field.options.some((o) => o.code === category)) {
      problems.push({
        path: at,
        message: `Unknown ${field.key} "${category}". Known: ${field.options.map((o) => o.code).join(', ')}.`,
      });
    }
  });
}

export interface ValidateTemplateOptions {
  /**
   * Accept `view` (the seed screen a template belongs to). Only the Econobis workflow screens
   * (src/services/econobis-workflows.service.ts) set it; a definition from a client may not.
   */
  readonly allowView?: boolean;
}

/**
 * Checks a template definition against the dossier types. Returns every problem with the path
 * of the offending part and a sentence a CRM administrator understands; empty when valid.
 */
export function validateTemplateDefinition(
  input: unknown,
  catalog: DossierTypeCatalog,
  options: ValidateTemplateOptions = {},
): Problems {
  const problems: Problems = [];
  if (!isObject(input)) return [{ path: '', message: 'A template must be a JSON object.' }];
  const def = input as unknown as TemplateDefinition;
  if (typeof def.name !== 'string' || def.name.trim() === '')
    problems.push({ path: 'name', message: 'Give the template a name.' });
  else if (def.name.length > 200)
    problems.push({ path: 'name', message: 'The name is longer than 200 characters.' });
  const extra = input as { process?: unknown; description?: unknown; view?: unknown };
  if (extra.process !== undefined && (typeof extra.process !== 'string' || extra.process.length > 100)) {
    problems.push({
      path: 'process',
      message: 'The process must be a text of at most 100 characters, such as "Offertes".',
    });
  }
  if (
    extra.description !== undefined &&
    (typeof extra.description !== 'string' || extra.description.length > 2000)
  ) {
    problems.push({
      path: 'description',
      message: 'The description must be a text of at most 2000 characters.',
    });
  }
  if (extra.view !== undefined && !options.allowView) {
    problems.push({
      path: 'view',
      message: 'view is set by the Econobis workflow screens (/api/workflows/…); leave it out.',
    });
  }
  checkStorableText(input, '', problems);
  const type = typeof def.dossierType === 'string' ? catalog.get(def.dossierType) : undefined;
  if (!type) {
    problems.push({
      path: 'dossierType',
      message: `Unknown dossier type "${String(def.dossierType)}". Known: ${catalog
        .all()
        .map((t) => t.key)
        .join(', ')}.`,
    });
    return problems;
  }
  checkEvent(def, type, problems);
  problems.push(...validateCondition(def.conditions, type, catalog, 'conditions'));
  // Own date fields, and those one reference away ("training.startDate" for a participant).
  const datesOf = (t: DossierType) =>
    t.fields.filter((f) => f.kind === 'date' || f.kind === 'datetime').map((f) => f.key);
  const dateFields = [
    ...datesOf(type),
    ...type.fields.flatMap((f) => {
      const target = f.kind === 'reference' ? catalog.get(f.refType) : undefined;
      return target ? datesOf(target).map((d) => `${f.key}.${d}`) : [];
    }),
  ];
  problems.push(...validateTiming(def.timing, 'timing', dateFields));
  if (
    def.event?.type === 'dateReached' &&
    isObject(def.timing) &&
    isObject(def.timing.anchor) &&
    def.timing.anchor.type !== 'field'
  ) {
    problems.push({
      path: 'timing.anchor',
      message: `"A date is reached" counts from the date field: set timing.anchor to { "type": "field", "field": "${String((def.event as { field?: unknown }).field)}" }.`,
    });
  }
  if (def.expiry !== undefined) problems.push(...validateExpiry(def.expiry, 'expiry'));
  if (!EXECUTION_MODES.includes(def.executionMode)) {
    problems.push({
      path: 'executionMode',
      message: `Execution must be one of ${EXECUTION_MODES.join(', ')}.`,
    });
  }
  // A fan-out template stamps its actions on the related dossiers (one per participant), and the
  // effect runs on each of those: its fields and statuses are the related type's.
  const fanOutType =
    isObject(def.fanOut) && typeof def.fanOut.dossierType === 'string'
      ? catalog.get(def.fanOut.dossierType)
      : undefined;
  checkEffect(def, fanOutType ?? type, catalog, problems);
  if (def.executionMode === 'manual' && def.effect?.type !== 'none' && def.effect?.type !== undefined) {
    problems.push({
      path: 'effect',
      message:
        'A manual action is done by a person: its effect must be "none". Choose semiAutomatic to let a person press Execute.',
    });
  }
  checkAssignee(def.assignee, 'assignee', type, catalog, problems);
  if (def.repeat !== 'once' && def.repeat !== 'everyTime')
    problems.push({ path: 'repeat', message: 'repeat must be "once" or "everyTime".' });
  if (typeof def.recheckAtDue !== 'boolean')
    problems.push({ path: 'recheckAtDue', message: 'recheckAtDue must be true or false.' });
  if (def.whenConditionsFail !== 'cancel' && def.whenConditionsFail !== 'wait') {
    problems.push({ path: 'whenConditionsFail', message: 'whenConditionsFail must be "cancel" or "wait".' });
  }
  checkCategories(def, type, catalog, problems);
  if (def.fanOut !== undefined) {
    const fanOut: Record<string, unknown> = isObject(def.fanOut) ? def.fanOut : {};
    const related = typeof fanOut.dossierType === 'string' ? catalog.get(fanOut.dossierType) : undefined;
    const field = related && typeof fanOut.field === 'string' ? fieldOf(related, fanOut.field) : undefined;
    if (!related || !field || field.kind !== 'reference' || field.refType !== type.key) {
      problems.push({
        path: 'fanOut',
        message: `fanOut needs a dossier type with a reference field to ${type.key} (e.g. participant.training).`,
      });
    }
  }
  if (def.reminder !== undefined) {
    const reminder: Record<string, unknown> = isObject(def.reminder) ? def.reminder : {};
    if (def.effect?.type !== 'sendEmail')
      problems.push({
        path: 'reminder',
        message: 'A reminder repeats an e-mail: the effect must be sendEmail.',
      });
    if (reminder.after === undefined) {
      problems.push({
        path: 'reminder.after',
        message:
          'Say how long after the first e-mail the reminder goes out, e.g. { "offset": 7, "unit": "days" }.',
      });
    } else problems.push(...validateExpiry(reminder.after, 'reminder.after'));
    if (
      reminder.emailTemplateId !== undefined &&
      (typeof reminder.emailTemplateId !== 'string' || reminder.emailTemplateId.length === 0)
    ) {
      problems.push({
        path: 'reminder.emailTemplateId',
        message:
          'Choose the e-mail template of the reminder, or leave it out to send the first e-mail again.',
      });
    }
  }
  if (!['low', 'normal', 'high'].includes(def.priority))
    problems.push({ path: 'priority', message: 'priority must be low, normal or high.' });
  if (
    def.skipIfLateHours !== undefined &&
    (typeof def.skipIfLateHours !== 'number' || def.skipIfLateHours <= 0)
  ) {
    problems.push({
      path: 'skipIfLateHours',
      message: 'skipIfLateHours must be a positive number of hours.',
    });
  }
  if (
    def.maxDepth !== undefined &&
    (!Number.isInteger(def.maxDepth) || def.maxDepth < 1 || def.maxDepth > MAX_CHAIN_DEPTH)
  ) {
    problems.push({
      path: 'maxDepth',
      message: `maxDepth must be a whole number from 1 to ${MAX_CHAIN_DEPTH}: how many actions may start each other in a row.`,
    });
  }
  return problems;
}

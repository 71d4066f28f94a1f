import type { Calendar } from '../timing/index.js';
import { computeDueTime, computeExpiry } from '../timing/index.js';
import type { ActiveTemplate, TemplateDefinition } from './action-template.js';

/**
 * The idempotency key of an action: stamping the same template (version) on the same dossier for
 * the same trigger twice yields the same key, and the unique index refuses the second.
 * - once: one per template and dossier, whatever the version or event.
 * - everyTime: one per template version, dossier and trigger (an event id, a date value, a
 *   manual start, a completed action).
 */
export function idempotencyKey(
  t: ActiveTemplate,
  dossierId: string,
  trigger: string,
  kind: 'main' | 'reminder' = 'main',
): string {
  const base =
    t.definition.repeat === 'once'
      ? `${t.templateId}|${dossierId}|once`
      : `${t.templateId}|v${t.version}|${dossierId}|${trigger}`;
  return kind === 'main' ? base : `${base}|reminder`;
}

/**
 * The last due time computed per timing: a bulk write stamps thousands of actions of one template
 * for one event time, and the time-zone arithmetic was a tenth of that. Keyed by the timing and
 * calendar objects (template versions and calendars are immutable once loaded) and the inputs.
 */
const lastDue = new WeakMap<
  TemplateDefinition['timing'],
  { calendar: Calendar; eventAt: number; fieldValue: string | null; due: number | null }
>();

/** When the action is due; null when its anchor date field is empty. */
export function dueTimeOf(
  d: TemplateDefinition,
  input: { eventAt: number; data: Readonly<Record<string, unknown>> },
  calendar: Calendar,
): number | null {
  const anchor = d.timing.anchor;
  const raw = anchor.type === 'field' ? input.data[anchor.field] : undefined;
  const fieldValue = typeof raw === 'string' ? raw : raw == null ? null : String(raw);
  const last = lastDue.get(d.timing);
  if (
    last !== undefined &&
    last.calendar === calendar &&
    last.eventAt === input.eventAt &&
    last.fieldValue === fieldValue
  ) {
    return last.due;
  }
  const due = computeDueTime(d.timing, { eventAt: input.eventAt, fieldValue }, calendar);
  lastDue.set(d.timing, { calendar, eventAt: input.eventAt, fieldValue, due });
  return due;
}

export function expiryOf(d: TemplateDefinition, startAt: number, calendar: Calendar): number | null {
  return computeExpiry(startAt, d.expiry, calendar);
}

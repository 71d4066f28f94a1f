/**
 * An audit-log entry as a sentence in the reader's language: "Demo Beheerder zette workflow
 * ‘Bellen – nieuw’ aan". Who by name (a user, an API token and its owner, or Werkflow itself), what
 * by a translated verb per action, and the object by its name: the name the entry itself recorded
 * (the name at that moment), else the current name from the lists the screen loaded.
 */
import type { Key } from './dictionary.js';

/** The translation functions this file needs (the I18n of i18n.ts has them). */
export interface Words {
  t(key: Key, params?: Record<string, string | number>): string;
  tOr(key: string, fallback: string, params?: Record<string, string | number>): string;
}

export interface AuditItem {
  readonly id: number;
  readonly occurredAt: string;
  readonly actor: string | null;
  readonly actorName: string | null;
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** The actions the audit log knows, in the order the filter offers them. */
export const AUDIT_ACTIONS = [
  'user.created',
  'user.updated',
  'user.roles_changed',
  'user.deactivated',
  'user.password_changed',
  'user.password_reset_issued',
  'user.locked',
  'user.blocked',
  'user.unblocked',
  'user.language_changed',
  'team.created',
  'team.updated',
  'team.members_changed',
  'team.deleted',
  'api-token.created',
  'api-token.revoked',
  'template.create',
  'template.updateDraft',
  'template.publish',
  'template.activate',
  'template.deactivate',
  'template.applyCategories',
  'emailTemplate.create',
  'emailTemplate.update',
  'emailTemplate.delete',
  'mailbox.create',
  'mailbox.update',
  'mailbox.delete',
  'email.resent',
  'email.dismissed',
  'emailSettings.update',
  'webhookSettings.updated',
  'action.execute',
  'action.complete',
  'action.reschedule',
  'action.cancel',
] as const;

/** The kinds of object the audit log records changes to. */
export const AUDIT_ENTITY_TYPES = [
  'user',
  'team',
  'api-token',
  'actionTemplate',
  'emailTemplate',
  'mailbox',
  'email',
  'action',
  'settings',
] as const;

/** Actors that are not a person: Werkflow's own work, the demo seeding, the command line. */
const SYSTEM_ACTORS = ['system', 'engine', 'scheduler', 'demo', 'cli'] as const;

/** Names of objects by `<entityType>:<id>` (users, teams, tokens, templates …). */
export type ObjectNames = ReadonlyMap<string, string>;

export const objectKey = (entityType: string, id: string) => `${entityType}:${id}`;

function recordedName(value: unknown): string | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as { name?: unknown; definition?: { name?: unknown } };
  if (typeof v.name === 'string' && v.name !== '') return v.name;
  if (typeof v.definition?.name === 'string' && v.definition.name !== '') return v.definition.name;
  return null;
}

/** The object's name: as recorded in the entry (after, else before), else as it is called now. */
export function objectName(entry: AuditItem, names: ObjectNames): string | null {
  return (
    recordedName(entry.after) ??
    recordedName(entry.before) ??
    names.get(objectKey(entry.entityType, entry.entityId)) ??
    null
  );
}

/** Who did it, in words: a person's name, a token with its owner, or Werkflow itself. */
export function actorText(i18n: Words, entry: AuditItem, names: ObjectNames): string {
  const actor = entry.actor;
  if (actor === null) return i18n.t('audit.actor.unknown');
  if (actor.startsWith('token:')) {
    const id = actor.slice('token:'.length);
    const name = names.get(objectKey('api-token', id));
    const owner = names.get(`owner:${id}`);
    if (name !== undefined)
      return owner !== undefined
        ? i18n.t('audit.actor.tokenOf', { name, owner })
        : i18n.t('audit.actor.token', { name });
  }
  if ((SYSTEM_ACTORS as readonly string[]).includes(actor)) return i18n.t(`audit.actor.${actor}` as Key);
  return entry.actorName ?? names.get(objectKey('user', actor)) ?? actor;
}

/** The role keys of a roles change, as labels. */
function rolesOf(value: unknown, roleLabel: (key: string) => string): string {
  const roles = (value as { roles?: unknown } | null)?.roles;
  return Array.isArray(roles) ? roles.map((r) => roleLabel(String(r))).join(', ') : '';
}

/** The language a `user.language_changed` entry set, in words ("English"; none chosen: the browser's). */
function languageOf(i18n: Words, value: unknown): string {
  const language = (value as { language?: unknown } | null)?.language;
  return language === 'nl' || language === 'en' ? i18n.t(`lang.${language}`) : i18n.t('audit.language.none');
}

/**
 * The entry as one sentence. Unknown actions (added after this screen) still read: who, the
 * action's code and the object.
 */
export function describeEntry(
  i18n: Words,
  entry: AuditItem,
  names: ObjectNames,
  roleLabel: (key: string) => string = (k) => k,
): string {
  const kind = i18n.tOr(`audit.kind.${entry.entityType}`, entry.entityType);
  const name = objectName(entry, names);
  const settingsName = i18n.tOr(`audit.settings.${entry.entityId}`, entry.entityId);
  const object =
    entry.entityType === 'settings'
      ? settingsName
      : name !== null
        ? `${kind} ‘${name}’`
        : entry.entityType === 'action'
          ? kind
          : `${kind} ${entry.entityId.slice(-8)}`;
  const params = {
    actor: actorText(i18n, entry, names),
    object,
    action: entry.action,
    roles: rolesOf(entry.after, roleLabel),
    language: languageOf(i18n, entry.after),
  };
  const sentence = i18n.tOr(`audit.do.${entry.action}`, i18n.t('audit.do.other', params), params);
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/** The top-level fields that differ between before and after (for the entry's details). */
export function changedFields(entry: AuditItem): { field: string; before: string; after: string }[] {
  const before = (entry.before && typeof entry.before === 'object' ? entry.before : {}) as Record<
    string,
    unknown
  >;
  const after = (entry.after && typeof entry.after === 'object' ? entry.after : {}) as Record<
    string,
    unknown
  >;
  const show = (v: unknown) => {
    if (v === undefined || v === null) return '—';
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    return text.length > 120 ? `${text.slice(0, 119)}…` : text;
  };
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return fields
    .filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]))
    .map((field) => ({ field, before: show(before[field]), after: show(after[field]) }));
}

/** The day after a `YYYY-MM-DD` date (the exclusive end of a "to and including" filter). */
export function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

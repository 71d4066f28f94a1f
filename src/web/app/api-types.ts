/** The shapes the UI reads from the JSON API (see /api/openapi.json), and a few shared look-ups. */
import { api } from './api-client.js';
import { label, type Label } from './i18n.js';

export interface User {
  readonly id: string;
  readonly name: string;
  readonly email: string;
}

export interface Me {
  readonly user: User;
  readonly permissions: string[];
  readonly csrfToken: string | null;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export interface Action {
  readonly id: string;
  readonly title: string;
  readonly process: string | null;
  readonly templateId: string;
  readonly templateVersion: number;
  readonly dossierId: string;
  readonly dossierType: string;
  readonly status: string;
  readonly statusReason: string | null;
  readonly executionMode: 'manual' | 'semiAutomatic' | 'automatic';
  readonly priority: string;
  readonly dueAt: string | null;
  readonly attempts: number;
  readonly result: unknown;
  readonly error: string | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
  readonly history?: {
    at: string;
    actor: string | null;
    from: string | null;
    to: string;
    note: string | null;
  }[];
}

export interface ActionPreview {
  readonly effect: string;
  readonly email?: { to: string[]; cc: string[]; bcc: string[]; subject: string; html: string; text: string };
  readonly details?: unknown;
}

export interface FieldDef {
  readonly key: string;
  readonly label: Label;
  readonly kind: string;
  readonly options?: { code: string; label: Label }[];
  readonly refType?: string;
}

export interface DossierType {
  readonly key: string;
  readonly label: Label;
  readonly pluralLabel?: Label;
  readonly fields: FieldDef[];
  readonly statuses: { code: string; label: Label }[];
  readonly titleField?: string;
}

export interface Dossier {
  readonly id: string;
  readonly type: string;
  readonly status: string | null;
  readonly version: number;
  readonly updatedAt: string;
  readonly data: Record<string, unknown>;
}

let types: Promise<DossierType[]> | null = null;

/** The dossier types (cached for the session; they change only with a preset or a deploy). */
export function dossierTypes(): Promise<DossierType[]> {
  types ??= api<{ items: DossierType[] }>('GET', '/api/dossier-types').then((r) => r.items);
  types.catch(() => (types = null));
  return types;
}

export async function dossierType(key: string): Promise<DossierType | undefined> {
  return (await dossierTypes()).find((t) => t.key === key);
}

/** The label of a dossier type, or its key. */
export function typeLabel(type: DossierType | undefined, key: string): string {
  return type ? label(type.label) : key;
}

/** The title of a dossier: its type's title field, else its id. */
export function dossierTitle(type: DossierType | undefined, dossier: Dossier): string {
  const value = type?.titleField ? dossier.data[type.titleField] : undefined;
  return typeof value === 'string' && value.trim() !== '' ? value : dossier.id;
}

/** The label of a status code of a type. */
export function statusLabel(type: DossierType | undefined, code: string | null): string {
  if (code === null) return '';
  return label(type?.statuses.find((s) => s.code === code)?.label, code);
}

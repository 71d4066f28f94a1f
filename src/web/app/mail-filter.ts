/**
 * The outbox filter (E-mail → Verzendlijst) and its place in the address:
 * `/mail?status=&template=&mailbox=&dossierType=&dossier=&from=&to=`, so a filtered view can be
 * bookmarked, reloaded and shared, and back/forward step through the filters (no DOM, no React).
 */
import { withQuery } from './query-string.js';

export const STATUS_CHOICES = [
  'attention',
  'all',
  'failed',
  'in_doubt',
  'queued',
  'sending',
  'sent',
  'dismissed',
] as const;
export type StatusChoice = (typeof STATUS_CHOICES)[number];

export interface Filter {
  readonly status: StatusChoice;
  readonly templateId: string | null;
  readonly mailboxId: string | null;
  readonly dossierType: string | null;
  /** Only with a dossier type. */
  readonly dossierId: string | null;
  /** Calendar dates (YYYY-MM-DD) in the organisation's zone; `to` is included. */
  readonly from: string;
  readonly to: string;
}

export const NO_FILTER: Filter = {
  status: 'attention',
  templateId: null,
  mailboxId: null,
  dossierType: null,
  dossierId: null,
  from: '',
  to: '',
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The filter in an address's query string; what is missing or not understood is the default. */
export function filterFromSearch(search: string): Filter {
  const q = new URLSearchParams(search);
  const status = q.get('status') ?? '';
  const date = (name: string) => {
    const value = q.get(name) ?? '';
    return DATE.test(value) ? value : '';
  };
  const dossierType = q.get('dossierType') || null;
  return {
    status: (STATUS_CHOICES as readonly string[]).includes(status) ? (status as StatusChoice) : 'attention',
    templateId: q.get('template') || null,
    mailboxId: q.get('mailbox') || null,
    dossierType,
    dossierId: dossierType ? q.get('dossier') || null : null,
    from: date('from'),
    to: date('to'),
  };
}

/** The outbox's address for a filter (default parts left out), with other parameters (`limit`) kept. */
export function searchForFilter(f: Filter, keep: Record<string, string | undefined> = {}): string {
  return withQuery('/mail', {
    status: f.status === 'attention' ? undefined : f.status,
    template: f.templateId ?? undefined,
    mailbox: f.mailboxId ?? undefined,
    dossierType: f.dossierType ?? undefined,
    dossier: (f.dossierType && f.dossierId) || undefined,
    from: f.from,
    to: f.to,
    ...keep,
  });
}

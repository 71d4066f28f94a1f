/** The dossier types (cached for the session) and the words for dossiers: titles, statuses, values. */
import { useQuery } from '@tanstack/react-query';
import { type Dossier, type DossierType, type FieldDef, api, apiPath } from './api.js';
import type { Formats, I18n } from './i18n.js';

export function useDossierTypes() {
  return useQuery({
    queryKey: ['dossier-types'],
    queryFn: async () => (await api<{ items: DossierType[] }>('GET', '/api/dossier-types')).items,
    staleTime: Infinity,
  });
}

export function useDossier(type: string, id: string | null | undefined) {
  return useQuery({
    queryKey: ['dossiers', type, id],
    queryFn: () => api<Dossier>('GET', apiPath('dossiers', type, id!)),
    enabled: Boolean(id),
    staleTime: 60_000,
  });
}

/** The title of a dossier: its type's title field, else its id. */
export function dossierTitle(type: DossierType | undefined, dossier: Pick<Dossier, 'id' | 'data'>): string {
  const value = type?.titleField ? dossier.data[type.titleField] : undefined;
  return typeof value === 'string' && value.trim() !== '' ? value : dossier.id;
}

/** The label of a status code of a type. */
export function statusLabel(
  i18n: I18n,
  type: DossierType | undefined,
  code: string | null | undefined,
): string {
  if (!code) return '';
  return i18n.label(type?.statuses.find((s) => s.code === code)?.label, code);
}

/** A field value in words: enum and status labels, yes/no, dates in the organisation's zone. */
export function valueText(
  i18n: I18n,
  f: Formats,
  type: DossierType | undefined,
  field: FieldDef | undefined,
  value: unknown,
): string {
  if (value === null || value === undefined || value === '') return i18n.t('none');
  if (field?.kind === 'boolean') return i18n.t(value ? 'yes' : 'no');
  if (field?.kind === 'status' && typeof value === 'string') return statusLabel(i18n, type, value);
  if (field?.kind === 'enum')
    return i18n.label(field.options?.find((o) => o.code === value)?.label, String(value));
  if (field?.kind === 'datetime' && typeof value === 'string') return f.dateTime(value);
  if (field?.kind === 'date' && typeof value === 'string') return f.day(value);
  if (field?.kind === 'money' && typeof value === 'number') return f.money(value);
  if (field?.kind === 'number' && typeof value === 'number') return f.number(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

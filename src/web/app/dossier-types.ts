/**
 * The dossier types (cached for the session) and the words for dossiers, shared by every screen:
 * titles, statuses, values, users and teams by name, and who did something.
 */
import { useQuery } from '@tanstack/react-query';
import { actorWord } from '../../domain/actor.js';
import { type Dossier, type DossierType, type FieldDef, api, apiPath } from './api.js';
import { type Formats, type I18n, lang } from './i18n.js';

export function useDossierTypes() {
  return useQuery({
    queryKey: ['dossier-types'],
    queryFn: async () => (await api<{ items: DossierType[] }>('GET', '/api/dossier-types')).items,
    staleTime: Infinity,
  });
}

export function useDossier(type: string, id: string | null | undefined) {
  return useQuery({
    // The title is written in the reader's language: one cache entry per language.
    queryKey: ['dossiers', type, id, lang()],
    queryFn: () => api<Dossier>('GET', apiPath('dossiers', type, id!)),
    enabled: Boolean(id),
    staleTime: 60_000,
  });
}

/** The title of a dossier: the server's (by the type's title rule), else its type's title field, else its id. */
export function dossierTitle(
  type: DossierType | undefined,
  dossier: Pick<Dossier, 'id' | 'data'> & { title?: string },
): string {
  if (dossier.title) return dossier.title;
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

export interface Person {
  readonly id: string;
  readonly name: string;
}

/** Users and teams by name (GET /api/people, readable by whoever reads dossiers). */
export function usePeopleList() {
  return useQuery({
    queryKey: ['people'],
    queryFn: () => api<{ users: Person[]; teams: Person[] }>('GET', '/api/people'),
    retry: false,
    staleTime: 60_000,
  });
}

/** Names of users and teams by id, for showing user and team fields (empty until loaded). */
export function usePeopleNames(): ReadonlyMap<string, string> {
  const people = usePeopleList();
  const data = people.data;
  return new Map([...(data?.users ?? []), ...(data?.teams ?? [])].map((p) => [p.id, p.name]));
}

/** Who did something, as the API names them: a person, the worker, or automatic. */
export function actorText(i18n: I18n, who: { actorName?: string | null; actorKind?: string | null }): string {
  return actorWord(who, i18n.t('dossiers.actor.automatic'));
}

/** A field value in words: enum and status labels, yes/no, dates in the organisation's zone, people by name. */
export function valueText(
  i18n: I18n,
  f: Formats,
  type: DossierType | undefined,
  field: FieldDef | undefined,
  value: unknown,
  names?: ReadonlyMap<string, string>,
): string {
  if (value === null || value === undefined || value === '') return i18n.t('none');
  if ((field?.kind === 'user' || field?.kind === 'team') && typeof value === 'string')
    return names?.get(value) ?? i18n.t('dossiers.unknownPerson');
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

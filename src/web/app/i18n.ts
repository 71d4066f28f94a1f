/**
 * The chosen language (remembered in localStorage, key `werkflow.lang`; until one is chosen, the
 * browser's: navigator.languages, nl* Dutch, otherwise English), translation with
 * `{name}` placeholders, and dates written the language's way in the organisation's time zone
 * (from the calendar settings, `GET /api/settings/calendar`).
 */
import { useQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { api } from './api.js';
import { browserLanguage } from './browser-language.js';
import { en, type Key, type Label, type Lang, nl } from './dictionary.js';

export type { Key, Label, Lang };

const STRINGS: Record<Lang, Record<Key, string>> = { nl, en };
const STORAGE_KEY = 'werkflow.lang';
/** Until the calendar settings are read (and for the log-in page): the default zone. */
export const DEFAULT_TIME_ZONE = 'Europe/Amsterdam';

/** The language chosen in this browser, else the browser's own (nl* Dutch, otherwise English). */
function stored(): Lang {
  let value: string | null = null;
  try {
    value = localStorage.getItem(STORAGE_KEY);
  } catch {
    // private mode: nothing remembered
  }
  if (value === 'en' || value === 'nl') return value;
  return browserLanguage(
    typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]),
  );
}

let current: Lang = stored();
const listeners = new Set<() => void>();

export function lang(): Lang {
  return current;
}

/** Switches the language, remembers it and re-renders every component that reads it. */
export function setLang(next: Lang): void {
  if (next === current) return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // private mode: the choice lasts for this page only
  }
  document.documentElement.lang = next;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export type Params = Record<string, string | number>;

/** The string for `key` in `language`, with `{name}` placeholders filled in. */
export function translate(language: Lang, key: Key, params: Params = {}): string {
  return STRINGS[language][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Whether a key built from data (a status, an error code) has a translation. */
export function isKey(key: string): key is Key {
  return key in nl;
}

export interface I18n {
  readonly lang: Lang;
  readonly locale: string;
  t(key: Key, params?: Params): string;
  /** A translated string for a key built from data (a status, a mode), or the raw value. */
  tOr(key: string, fallback: string, params?: Params): string;
  /** The label of an API `{ nl, en }` object. */
  label(value: Label | undefined | null, fallback?: string): string;
}

export function i18nFor(language: Lang): I18n {
  return {
    lang: language,
    locale: language === 'nl' ? 'nl-NL' : 'en-GB',
    t: (key, params) => translate(language, key, params),
    tOr: (key, fallback, params) => (isKey(key) ? translate(language, key, params) : fallback),
    label: (value, fallback = '') => (value ? value[language] : fallback),
  };
}

/** The current language and its translation functions; re-renders when the language changes. */
export function useI18n(): I18n {
  const language = useSyncExternalStore(subscribe, lang);
  return useMemo(() => i18nFor(language), [language]);
}

/** The organisation's time zone from the calendar settings (read once per session). */
export function useTimeZone(enabled = true): string {
  const { data } = useQuery({
    queryKey: ['settings', 'calendar'],
    queryFn: () => api<{ timeZone: string }>('GET', '/api/settings/calendar'),
    staleTime: 10 * 60_000,
    enabled,
  });
  return data?.timeZone ?? DEFAULT_TIME_ZONE;
}

// Wall-clock conversions live in zoned.ts (no DOM: the urgency arithmetic is tested in Node).
export { fromZoned, toZoned } from './zoned.js';

export interface Formats {
  readonly timeZone: string;
  dateTime(iso: string | null | undefined): string;
  date(iso: string | null | undefined): string;
  /** A calendar date `YYYY-MM-DD` (no time, no zone), written the language's way. */
  day(localDate: string): string;
  number(value: number): string;
  money(value: number): string;
}

/** Dates, times and numbers in the organisation's zone and the user's language. */
export function useFormats(): Formats {
  const { locale, t } = useI18n();
  const timeZone = useTimeZone();
  const format = useCallback(
    (options: Intl.DateTimeFormatOptions) => (iso: string | null | undefined) => {
      if (!iso) return t('none');
      const date = new Date(iso);
      if (Number.isNaN(date.getTime())) return iso;
      return new Intl.DateTimeFormat(locale, { timeZone, ...options }).format(date);
    },
    [locale, t, timeZone],
  );
  return useMemo(
    () => ({
      timeZone,
      dateTime: format({
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
      }),
      date: format({ weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }),
      day: (localDate) =>
        /^\d{4}-\d{2}-\d{2}$/.test(localDate)
          ? new Intl.DateTimeFormat(locale, {
              timeZone: 'UTC',
              weekday: 'short',
              day: 'numeric',
              month: 'short',
              year: 'numeric',
            }).format(new Date(`${localDate}T00:00:00Z`))
          : localDate,
      number: (value) => new Intl.NumberFormat(locale).format(value),
      money: (value) => new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' }).format(value),
    }),
    [format, locale, timeZone],
  );
}

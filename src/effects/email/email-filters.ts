import { DateTime } from 'luxon';
import type { EmailLanguage } from '../../store/email-template.repository.js';

/**
 * Dutch and English filters for dates, money and names, as pure functions; the Liquid engine
 * (liquid-engine.ts) registers them. Every one takes the render settings — language, time zone
 * and the time "now" — explicitly, so the same template renders the same at any hour.
 */
export interface FilterSettings {
  readonly language: EmailLanguage;
  /** IANA zone dates and times are shown in (the organisation's, Europe/Amsterdam by default). */
  readonly timeZone: string;
  /** Epoch milliseconds of the render, for `"now" | date`. */
  readonly now: number;
}

const LOCALES: Record<EmailLanguage, string> = { nl: 'nl-NL', en: 'en-GB' };

/** Named date formats: `{{ training.startDate | date: "long" }}` → "3 februari 2027". */
export const DATE_FORMATS: Record<string, Record<EmailLanguage, string>> = {
  short: { nl: 'dd-MM-yyyy', en: 'dd/MM/yyyy' },
  long: { nl: 'd MMMM yyyy', en: 'd MMMM yyyy' },
  full: { nl: 'cccc d MMMM yyyy', en: 'cccc d MMMM yyyy' },
  time: { nl: 'HH:mm', en: 'HH:mm' },
  datetime: { nl: "d MMMM yyyy 'om' HH:mm", en: "d MMMM yyyy 'at' HH:mm" },
  weekday: { nl: 'cccc', en: 'cccc' },
  month: { nl: 'MMMM yyyy', en: 'MMMM yyyy' },
  iso: { nl: 'yyyy-MM-dd', en: 'yyyy-MM-dd' },
};

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Thrown for a value a filter cannot format; Liquid reports it with the line and column. */
export class FilterValueError extends Error {}

function languageOf(arg: unknown, settings: FilterSettings): EmailLanguage {
  if (arg === undefined || arg === null) return settings.language;
  if (arg === 'nl' || arg === 'en') return arg;
  throw new FilterValueError(`Unknown language "${String(arg)}": use "nl" or "en".`);
}

/** Turns a field value into a moment in the organisation's zone; null for an empty value. */
export function toDateTime(value: unknown, settings: FilterSettings): DateTime | null {
  if (value === null || value === undefined || value === '') return null;
  const zone = settings.timeZone;
  if (value === 'now' || value === 'today') return DateTime.fromMillis(settings.now, { zone });
  if (typeof value === 'number' && Number.isFinite(value)) return DateTime.fromMillis(value, { zone });
  if (value instanceof Date) return DateTime.fromJSDate(value, { zone });
  if (typeof value === 'string') {
    // A date field is a calendar date: 2027-02-03 is 3 February everywhere, never shifted by a zone.
    const parsed = DATE_ONLY.test(value)
      ? DateTime.fromISO(value, { zone })
      : DateTime.fromISO(value, { setZone: true }).setZone(zone);
    if (parsed.isValid) return parsed;
  }
  throw new FilterValueError(
    `date: ${JSON.stringify(value)} is not a date; give a date field, a date as YYYY-MM-DD or "now".`,
  );
}

/**
 * `{{ value | date: "long" }}`: a named format (short, long, full, time, datetime, weekday,
 * month, iso) or Luxon tokens ("d MMMM yyyy"); the second argument overrides the language.
 */
export function formatDate(
  value: unknown,
  format: unknown,
  language: unknown,
  settings: FilterSettings,
): string {
  const moment = toDateTime(value, settings);
  if (moment === null) return '';
  const lang = languageOf(language, settings);
  const name = format === undefined || format === null ? 'long' : String(format);
  const pattern = DATE_FORMATS[name]?.[lang] ?? name;
  return moment.setLocale(LOCALES[lang]).toFormat(pattern);
}

function toNumber(value: unknown, filter: string): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new FilterValueError(`${filter}: ${JSON.stringify(value)} is not a number.`);
  }
  return n;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** `{{ quotation.amount | money }}` → "€ 1.250,50" (nl) or "€1,250.50" (en). */
export function formatMoney(
  value: unknown,
  currency: unknown,
  language: unknown,
  settings: FilterSettings,
): string {
  const n = toNumber(value, 'money');
  if (n === null) return '';
  const lang = languageOf(language, settings);
  const code = currency === undefined || currency === null ? 'EUR' : String(currency).toUpperCase();
  if (!/^[A-Z]{3}$/.test(code))
    throw new FilterValueError(`money: "${code}" is not a currency code such as EUR.`);
  const key = `${lang}:${code}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(LOCALES[lang], { style: 'currency', currency: code });
    moneyFormats.set(key, format);
  }
  return format.format(n);
}

/** `{{ x | number: 2 }}` → "1.250,50" (nl) or "1,250.50" (en). */
export function formatNumber(
  value: unknown,
  decimals: unknown,
  language: unknown,
  settings: FilterSettings,
): string {
  const n = toNumber(value, 'number');
  if (n === null) return '';
  const d = decimals === undefined || decimals === null ? undefined : Number(decimals);
  if (d !== undefined && (!Number.isInteger(d) || d < 0 || d > 10)) {
    throw new FilterValueError(`number: the number of decimals must be 0 to 10, not ${String(decimals)}.`);
  }
  return new Intl.NumberFormat(LOCALES[languageOf(language, settings)], {
    minimumFractionDigits: d,
    maximumFractionDigits: d ?? 20,
  }).format(n);
}

/** Dutch surname particles (tussenvoegsels), written in lower case after a first name. */
const PARTICLES = new Set([
  'van',
  'de',
  'der',
  'den',
  'het',
  "'t",
  'ter',
  'ten',
  'te',
  'in',
  "'s",
  'op',
  'aan',
  'bij',
  'uit',
  'uijt',
  'vd',
  'v/d',
  'la',
  'le',
  'du',
  'des',
  'di',
  'da',
  'del',
  'dos',
  'von',
  'zu',
  'el',
]);

function capitalise(word: string): string {
  // Hyphenated and apostrophe names: "jansen-de vries", "o'brien".
  return word
    .split(/(-|')/)
    .map((part) =>
      part === '-' || part === "'" ? part : part.charAt(0).toLocaleUpperCase('nl') + part.slice(1),
    )
    .join('');
}

function words(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  return String(value).trim().split(/\s+/).filter(Boolean);
}

/**
 * `{{ contact.name | name }}`: a full name in its usual form — "jan VAN DER berg" → "Jan van der
 * Berg". Particles stay lower case after a first name; letters after the first are kept as typed
 * unless the whole name was typed in one case.
 */
export function properName(value: unknown): string {
  const parts = words(value);
  const shouting = parts.join(' ') === parts.join(' ').toLocaleUpperCase('nl');
  const quiet = parts.join(' ') === parts.join(' ').toLocaleLowerCase('nl');
  return parts
    .map((w, i) => {
      const lower = w.toLocaleLowerCase('nl');
      if (i > 0 && i < parts.length - 1 && PARTICLES.has(lower)) return lower;
      return capitalise(shouting || quiet ? lower : w);
    })
    .join(' ');
}

/**
 * `{{ contact.lastName | surname }}`: a surname standing on its own, as in "Geachte heer Van der
 * Berg" — the first particle takes a capital, the rest stay lower case.
 */
export function surname(value: unknown): string {
  const parts = words(value);
  return parts
    .map((w, i) => {
      const lower = w.toLocaleLowerCase('nl');
      if (i === 0) return capitalise(PARTICLES.has(lower) ? lower : w);
      if (PARTICLES.has(lower) && i < parts.length - 1) return lower;
      return capitalise(w);
    })
    .join(' ');
}

/** `{{ contact.firstName | initials }}`: "Jan Pieter" → "J.P." */
export function initials(value: unknown): string {
  return words(value)
    .filter((w) => !PARTICLES.has(w.toLocaleLowerCase('nl')))
    .map((w) => `${w.charAt(0).toLocaleUpperCase('nl')}.`)
    .join('');
}

/** `{{ responsibleUser.name | first_name }}`: the first word of a full name. */
export function firstName(value: unknown): string {
  return capitalise(words(value)[0] ?? '');
}

import type { Lang } from './dictionary.js';

/**
 * The UI's language before the person chose one: the browser's (navigator.languages, most
 * preferred first). The first of them that is Dutch (`nl`, `nl-BE` …) or English decides; a browser
 * that prefers neither gets English.
 */
export function browserLanguage(languages: readonly string[]): Lang {
  for (const tag of languages) {
    const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
    if (primary === 'nl') return 'nl';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

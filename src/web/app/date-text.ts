/**
 * Calendar dates typed and shown the UI language's way, not the browser's: Dutch dd-mm-jjjj,
 * English (en-GB, as the rest of the English UI) dd/mm/yyyy. The value itself stays `YYYY-MM-DD`
 * (no DOM, no React: tested in Node).
 */
import type { Lang } from './dictionary.js';

/** The dayjs format of a date in a language (Mantine's `valueFormat`). */
export function dateFormat(lang: Lang): string {
  return lang === 'nl' ? 'DD-MM-YYYY' : 'DD/MM/YYYY';
}

/** What the empty field shows, in the language's own letters. */
export function datePlaceholder(lang: Lang): string {
  return lang === 'nl' ? 'dd-mm-jjjj' : 'dd/mm/yyyy';
}

function valid(y: number, m: number, d: number): boolean {
  if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * A typed date as `YYYY-MM-DD`, or null while it is not (yet) a whole, existing date: day first
 * (`31-12-2026`, `1-2-2027`, `31/12/2026`, `31.12.2026`, with a four-digit year), or ISO
 * `2026-12-31` as pasted from elsewhere.
 */
export function parseDate(text: string): string | null {
  const s = text.trim();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  const dayFirst = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(s);
  const [y, m, d] = iso
    ? [+iso[1]!, +iso[2]!, +iso[3]!]
    : dayFirst
      ? [+dayFirst[3]!, +dayFirst[2]!, +dayFirst[1]!]
      : [NaN, NaN, NaN];
  return valid(y, m, d) ? `${pad(y, 4)}-${pad(m)}-${pad(d)}` : null;
}

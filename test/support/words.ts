/**
 * The translate of src/web/app/i18n.ts (which needs a browser: localStorage) over the same
 * dictionaries, for tests that render UI text outside a browser (audit-log sentences).
 */
import type { Key } from '../../src/web/app/dictionary.js';

export function words(strings: Record<Key, string>) {
  const fill = (text: string, params: Record<string, string | number> = {}) =>
    text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  const isKey = (key: string): key is Key => key in strings;
  return {
    t: (key: Key, params?: Record<string, string | number>) => fill(strings[key], params),
    tOr: (key: string, fallback: string, params?: Record<string, string | number>) =>
      isKey(key) ? fill(strings[key], params) : fallback,
    isKey,
  };
}

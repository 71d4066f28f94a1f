/** The UI's language before a choice: the browser's (src/web/app/browser-language.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { browserLanguage } from '../../src/web/app/browser-language.js';

describe('the browser language', () => {
  it('is Dutch for a Dutch browser, English otherwise', () => {
    expect(browserLanguage(['nl-NL', 'en'])).toBe('nl');
    expect(browserLanguage(['nl-BE'])).toBe('nl');
    expect(browserLanguage(['NL'])).toBe('nl');
    expect(browserLanguage(['en-GB', 'nl'])).toBe('en');
    expect(browserLanguage(['de-DE', 'nl'])).toBe('nl');
    expect(browserLanguage(['de-DE', 'fr'])).toBe('en');
    expect(browserLanguage([])).toBe('en');
    // Not a prefix by letters: "nld" and "nn" are not Dutch tags.
    expect(browserLanguage(['nn-NO'])).toBe('en');
  });

  it('follows the first Dutch or English tag, whatever comes before or after it', () => {
    const other = fc.stringMatching(/^[a-z]{2,3}(-[A-Za-z]{2})?$/).filter((t) => !/^(nl|en)($|-)/i.test(t));
    fc.assert(
      fc.property(
        fc.array(other),
        fc.constantFrom('nl', 'en'),
        fc.stringMatching(/^(-[A-Za-z]{2})?$/),
        fc.array(fc.string()),
        (before, lang, region, after) => {
          expect(browserLanguage([...before, `${lang}${region}`, ...after])).toBe(lang);
          expect(browserLanguage(before)).toBe('en');
        },
      ),
    );
  });
});

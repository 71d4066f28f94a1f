import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { languageOf } from '../../../src/domain/template/explain-text.js';

describe('languageOf (Accept-Language)', () => {
  it('takes the preferred of Dutch and English, Dutch when neither is named', () => {
    expect(languageOf(undefined)).toBe('nl');
    expect(languageOf('')).toBe('nl');
    expect(languageOf('en')).toBe('en');
    expect(languageOf('en-GB,en;q=0.9')).toBe('en');
    expect(languageOf('nl-NL,nl;q=0.9,en;q=0.5')).toBe('nl');
    expect(languageOf('de-DE,en;q=0.3,nl;q=0.7')).toBe('nl');
    expect(languageOf('fr, de')).toBe('nl');
    expect(languageOf('nl;q=0, en;q=0.1')).toBe('en');
  });

  it('never throws and always answers nl or en, whatever the header', () => {
    fc.assert(
      fc.property(fc.string(), (header) => {
        expect(['nl', 'en']).toContain(languageOf(header));
      }),
    );
  });
});

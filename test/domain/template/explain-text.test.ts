import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalogOf } from '../../../src/domain/dossier-type.js';
import { ENERGY_COOPERATIVE_TYPES } from '../../../src/domain/presets/energy-cooperative.js';
import {
  type TextContext,
  describeEvent,
  languageOf,
  sentence,
} from '../../../src/domain/template/explain-text.js';

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

describe('the Dutch sentences read as a Dutch CRM administrator writes them', () => {
  const ctx = (lang: 'nl' | 'en'): TextContext => ({
    lang,
    timeZone: 'Europe/Amsterdam',
    type: catalogOf(ENERGY_COOPERATIVE_TYPES).get('task'),
    templateName: (id) => id,
  });
  const nl = (code: string, params: Record<string, unknown>) => sentence({ code, params }, ctx('nl'));
  const en = (code: string, params: Record<string, unknown>) => sentence({ code, params }, ctx('en'));

  it('one weekend day "telt" (singular), two "tellen"; English alike', () => {
    expect(nl('timing.skippedWeekend', { dates: ['2027-01-09'] })).toBe(
      'za 9 jan is weekend en telt niet mee.',
    );
    expect(en('timing.skippedWeekend', { dates: ['2027-01-09'] })).toBe(
      'Sat 9 Jan is weekend and does not count.',
    );
    expect(nl('timing.skippedWeekend', { dates: ['2027-01-09', '2027-01-10'] })).toBe(
      'za 9 jan en zo 10 jan zijn weekend en tellen niet mee.',
    );
  });

  it('a yes/no field changed to a value reads ja/nee, yes/no (the process map, explain)', () => {
    const event = { type: 'fieldChanged', field: 'finished', from: false, to: true } as const;
    expect(describeEvent(event, ctx('nl'))).toBe('Afgehandeld is gewijzigd van nee naar ja');
    expect(describeEvent(event, ctx('en'))).toBe('Finished changed from no to yes');
  });

  it('dates, categories and action statuses in words, not as codes', () => {
    expect(nl('timing.anchorField', { field: 'plannedFinishDate', value: '2027-01-12' })).toBe(
      'Gerekend vanaf Datum gepland gereed: di 12 jan 2027.',
    );
    expect(nl('reason.wrongCategory', { category: 'e-mail', linked: ['bellen', 'offerte-maken'] })).toBe(
      'Het dossier valt in categorie "E-mail", maar de template is alleen gekoppeld aan Bellen en Offerte maken.',
    );
    expect(
      nl('reason.repeatOnceUsed', { actionId: 'a1', status: 'done', createdAt: '2026-11-23T08:00:00.000Z' }),
    ).toBe(
      'De template maakt maar één actie per dossier ("eenmalig") en die is er al: actie a1 van ma 23 nov 2026 09:00 (gereed).',
    );
  });

  it('plain Dutch for the event, the conditions and what comes next', () => {
    expect(nl('event.happened', { event: 'het dossier is aangemaakt', at: '2026-11-23T08:00:00.000Z' })).toBe(
      'De gebeurtenis vond plaats op ma 23 nov 2026 09:00: het dossier is aangemaakt.',
    );
    expect(nl('reason.conditionsFailed', { failed: ['e-mail is niet leeg'] })).toBe(
      'Het dossier voldeed bij de gebeurtenis niet aan de voorwaarden: e-mail is niet leeg.',
    );
    expect(nl('next.due', { actionId: 'a1', at: '2027-01-08T08:00:00.000Z', statuses: [] })).toBe(
      'Actie a1 is aan de beurt op vr 8 jan 2027 09:00.',
    );
    expect(nl('reason.skippedTooLate', { actionId: 'a1', hours: 2 })).toBe(
      'Actie a1 is overgeslagen: die werd pas meer dan 2 uur na het geplande tijdstip opgepakt.',
    );
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type FilterSettings,
  firstName,
  formatDate,
  formatMoney,
  formatNumber,
  initials,
  properName,
  surname,
} from '../../../src/effects/email/email-filters.js';

const nl: FilterSettings = {
  language: 'nl',
  timeZone: 'Europe/Amsterdam',
  now: Date.parse('2026-11-23T08:00:00Z'),
};
const en: FilterSettings = { ...nl, language: 'en' };

describe('date filter', () => {
  it('formats a date field in Dutch and English with named formats', () => {
    expect(formatDate('2027-02-03', 'long', undefined, nl)).toBe('3 februari 2027');
    expect(formatDate('2027-02-03', 'long', undefined, en)).toBe('3 February 2027');
    expect(formatDate('2027-02-03', 'short', undefined, nl)).toBe('03-02-2027');
    expect(formatDate('2027-02-03', 'full', undefined, nl)).toBe('woensdag 3 februari 2027');
    expect(formatDate('2027-02-03', 'full', 'en', nl)).toBe('Wednesday 3 February 2027');
    expect(formatDate('2027-02-03', undefined, undefined, nl)).toBe('3 februari 2027');
  });

  it('keeps a calendar date on its day in every time zone', () => {
    for (const timeZone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'UTC', 'Europe/Amsterdam']) {
      expect(formatDate('2027-02-03', 'iso', undefined, { ...nl, timeZone })).toBe('2027-02-03');
    }
  });

  it('shows a moment in the organisation time zone, across the DST change', () => {
    expect(formatDate('2027-03-27T08:30:00Z', 'datetime', undefined, nl)).toBe('27 maart 2027 om 09:30');
    expect(formatDate('2027-03-29T08:30:00Z', 'datetime', undefined, nl)).toBe('29 maart 2027 om 10:30');
    expect(formatDate('2027-03-29T08:30:00Z', 'time', undefined, en)).toBe('10:30');
  });

  it('takes "now" from the render, not the machine clock', () => {
    expect(formatDate('now', 'datetime', undefined, nl)).toBe('23 november 2026 om 09:00');
  });

  it('prints nothing for an empty value and refuses what is not a date', () => {
    expect(formatDate(null, 'long', undefined, nl)).toBe('');
    expect(() => formatDate('next tuesday', 'long', undefined, nl)).toThrow(/not a date/);
    expect(() => formatDate('2027-02-03', 'long', 'de', nl)).toThrow(/"nl" or "en"/);
  });
});

describe('money and number filters', () => {
  it('formats euros the Dutch and the English way', () => {
    expect(formatMoney(1250.5, undefined, undefined, nl)).toBe('€\u00a01.250,50');
    expect(formatMoney('1250.50', undefined, undefined, en)).toBe('€1,250.50');
    expect(formatMoney(-3, undefined, undefined, nl)).toBe('€\u00a0-3,00');
    expect(formatMoney(null, undefined, undefined, nl)).toBe('');
    expect(() => formatMoney('veel', undefined, undefined, nl)).toThrow(/not a number/);
    expect(formatNumber(1234.5, 2, undefined, nl)).toBe('1.234,50');
  });

  it('round-trips every amount in cents (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000_00, max: 1_000_000_00 }), (cents) => {
        const text = formatMoney(cents / 100, undefined, undefined, nl);
        const back = Number(text.replace(/[€\u00a0.]/g, '').replace(',', '.'));
        expect(back).toBeCloseTo(cents / 100, 2);
      }),
    );
  });
});

describe('name filters', () => {
  it('writes Dutch names with their particles', () => {
    expect(properName('jan VAN DER berg')).toBe('Jan van der Berg');
    expect(properName('JAN VAN DER BERG')).toBe('Jan van der Berg');
    expect(properName('anne-marie de vries')).toBe('Anne-Marie de Vries');
    expect(properName('Mc Donald')).toBe('Mc Donald');
    expect(surname('van der berg')).toBe('Van der Berg');
    expect(initials('Jan Pieter')).toBe('J.P.');
    expect(initials('jan van der berg')).toBe('J.B.');
    expect(firstName('jan pieter jansen')).toBe('Jan');
    expect(properName(null)).toBe('');
  });
});

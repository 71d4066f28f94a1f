/**
 * Dates typed and shown the UI language's way (src/web/app/date-text.ts) and the outbox filter in
 * the address (src/web/app/mail-filter.ts): every date survives format → parse in both languages,
 * impossible dates are refused, and every filter survives address → filter.
 */
import dayjs from 'dayjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dateFormat, parseDate } from '../../src/web/app/date-text.js';
import {
  type Filter,
  filterFromSearch,
  NO_FILTER,
  STATUS_CHOICES,
  searchForFilter,
} from '../../src/web/app/mail-filter.js';

const day = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe('dates in the UI language', () => {
  it('a date written in nl or en reads back as the same date', () => {
    fc.assert(
      fc.property(day, fc.constantFrom('nl' as const, 'en' as const), (iso, lang) => {
        // As the date field shows it: Mantine formats with dayjs in the language's format.
        const text = dayjs(iso).format(dateFormat(lang));
        expect(text).toMatch(lang === 'nl' ? /^\d{2}-\d{2}-\d{4}$/ : /^\d{2}\/\d{2}\/\d{4}$/);
        expect(parseDate(text)).toBe(iso);
        expect(parseDate(iso)).toBe(iso);
      }),
    );
  });

  it('day first, with or without leading zeros; impossible or half-typed dates are null', () => {
    expect(parseDate('1-2-2027')).toBe('2027-02-01');
    expect(parseDate(' 31.12.2026 ')).toBe('2026-12-31');
    expect(parseDate('29-02-2028')).toBe('2028-02-29');
    for (const text of [
      '29-02-2027',
      '31-04-2026',
      '00-01-2026',
      '12-13-2026',
      '31-12',
      '31-12-26',
      '',
      'morgen',
    ])
      expect(parseDate(text), text).toBeNull();
    expect(dateFormat('nl')).toBe('DD-MM-YYYY');
    expect(dateFormat('en')).toBe('DD/MM/YYYY');
  });

  it('any text is either null or an existing date', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = parseDate(text);
        if (parsed !== null) expect(new Date(`${parsed}T00:00:00Z`).toISOString().slice(0, 10)).toBe(parsed);
      }),
    );
  });
});

describe('the outbox filter in the address', () => {
  const id = fc.option(fc.stringMatching(/^[a-z0-9-]{1,20}$/), { nil: null });
  const filter: fc.Arbitrary<Filter> = fc
    .record({
      status: fc.constantFrom(...STATUS_CHOICES),
      templateId: id,
      mailboxId: id,
      dossierType: id,
      dossierId: id,
      from: fc.option(day, { nil: '' }),
      to: fc.option(day, { nil: '' }),
    })
    .map((f) => ({ ...f, dossierId: f.dossierType ? f.dossierId : null }));

  it('survives address → filter, keeping other parameters', () => {
    fc.assert(
      fc.property(filter, fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }), (f, limit) => {
        const href = searchForFilter(f, { limit: limit === undefined ? undefined : String(limit) });
        expect(href.startsWith('/mail')).toBe(true);
        const search = href.slice('/mail'.length);
        expect(filterFromSearch(search)).toEqual(f);
        expect(new URLSearchParams(search).get('limit')).toBe(limit === undefined ? null : String(limit));
      }),
    );
  });

  it('the default filter is the bare address; nonsense reads as the default', () => {
    expect(searchForFilter(NO_FILTER)).toBe('/mail');
    expect(filterFromSearch('?status=weird&from=31-12-2026&dossier=x')).toEqual(NO_FILTER);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  REASON_TEXTS,
  type ReasonCode,
  instantParam,
  reason,
  reasonText,
  storedReason,
} from '../../../src/domain/action/reasons.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('reason codes', () => {
  it('every code has a Dutch and an English sentence with the same placeholders', () => {
    for (const [code, texts] of Object.entries(REASON_TEXTS)) {
      expect(texts.nl.trim(), code).not.toBe('');
      expect(texts.en.trim(), code).not.toBe('');
      expect(placeholders(texts.nl), code).toEqual(placeholders(texts.en));
    }
  });

  it('renders labels in the reader’s language and plain values as they are', () => {
    const r = reason('reason.withdrawn', { status: { nl: 'Afgemeld', en: 'Withdrawn' } });
    expect(reasonText(r, 'en')).toBe('withdrawn: status set to Withdrawn');
    expect(reasonText(r, 'nl')).toBe('afgemeld: status gezet op Afgemeld');
    expect(reasonText(reason('reason.skippedLate', { hours: 4 }), 'nl')).toBe(
      'overgeslagen: het was meer dan 4 uur te laat',
    );
  });

  it('writes an instant out in its calendar zone; rows written before instants keep their label', () => {
    const at = Date.parse('2026-12-01T09:00:00Z');
    const moved = reason('reason.rescheduled', { dueAt: instantParam(at, 'Europe/Amsterdam') });
    expect(moved.params.dueAt).toEqual({ instant: '2026-12-01T09:00:00.000Z', timeZone: 'Europe/Amsterdam' });
    expect(reasonText(moved, 'nl')).toBe('verplaatst naar 1 dec 2026, 10:00');
    expect(reasonText(moved, 'en')).toBe('rescheduled to 1 Dec 2026, 10:00');
    const old = storedReason(
      'reason.rescheduled',
      { dueAt: { nl: '1 dec 2026 10:00', en: '1 Dec 2026, 10:00' } },
      null,
    );
    expect(reasonText(old!, 'nl')).toBe('verplaatst naar 1 dec 2026 10:00');
    expect(reasonText(old!, 'en')).toBe('rescheduled to 1 Dec 2026, 10:00');
  });

  it('reads rows written before codes as reason.text with their words; unknown codes likewise', () => {
    expect(storedReason(null, null, 'marked done by Piet')).toEqual({
      code: 'reason.text',
      params: { text: 'marked done by Piet' },
    });
    expect(storedReason('reason.gone', null, 'old words')?.code).toBe('reason.text');
    expect(storedReason(null, null, null)).toBeNull();
    expect(storedReason('reason.expired', {}, 'its end date passed before it was done')).toEqual({
      code: 'reason.expired',
      params: {},
    });
  });

  it('fills every placeholder, whatever the values (property)', () => {
    const codes = Object.keys(REASON_TEXTS) as ReasonCode[];
    fc.assert(
      fc.property(fc.constantFrom(...codes), fc.string(), fc.string(), (code, a, b) => {
        const params = Object.fromEntries(
          placeholders(REASON_TEXTS[code].en).map((name, i) => [name, i % 2 ? { nl: a, en: b } : a]),
        );
        for (const lang of ['nl', 'en'] as const) {
          const text = reasonText(reason(code, params), lang);
          const template = REASON_TEXTS[code][lang];
          // The fixed words of the sentence are all there, and no placeholder is left over.
          for (const part of template.split(/\{\w+\}/)) expect(text).toContain(part);
          if (!/\{\w+\}/.test(a + b)) expect(text).not.toMatch(/\{\w+\}/);
        }
      }),
    );
  });
});

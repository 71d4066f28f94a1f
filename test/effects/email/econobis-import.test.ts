import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { catalogOf } from '../../../src/domain/dossier-type.js';
import { ENERGY_COOPERATIVE_TYPES } from '../../../src/domain/presets/energy-cooperative.js';
import { escapeLiquidText, importEconobisTemplate } from '../../../src/effects/email/econobis-import.js';
import { LiquidEngines, RENDER_SETTINGS } from '../../../src/effects/email/liquid-engine.js';
import { validateEmailTemplate } from '../../../src/effects/email/template-validation.js';

const catalog = catalogOf(ENERGY_COOPERATIVE_TYPES);
const engines = new LiquidEngines();
const convert = (htmlBody: string, rootType = 'quotationRequest', subject = 'x') =>
  importEconobisTemplate({ subject, htmlBody }, catalog.get(rootType)!, catalog);

function validate(result: { subject: string; htmlBody: string }, rootType = 'quotationRequest') {
  return validateEmailTemplate(
    {
      name: 'imported',
      rootType,
      language: 'nl',
      subject: result.subject,
      htmlBody: result.htmlBody,
      textBody: null,
      mailboxId: null,
      attachment: null,
    },
    catalog,
    engines,
  );
}

async function renderText(source: string, scope: Record<string, unknown> = {}): Promise<string> {
  return engines.render(engines.parse('text', source), {
    ...scope,
    [RENDER_SETTINGS]: { language: 'nl', timeZone: 'Europe/Amsterdam', now: 0 },
  });
}

describe('Econobis template import', () => {
  it('converts merge fields by following references from the root type', () => {
    const r = convert(
      '<p>Beste {contact_voornaam},</p><p>Uw kans {kans_naam} ({kans_status}) staat gepland op {kans_uitvoering_gepland}.</p>' +
        '<p>Bedrag: {kans_bedrag}</p><p>{ik_naam}, {ik_functie} — {cooperatie_naam}, {cooperatie_adres}</p><p>{huidige_datum_lang}</p>',
      'quotationRequest',
      'Offerte voor {contact_naam}',
    );
    expect(r.subject).toBe('Offerte voor {{ quotationRequest.opportunity.intake.contact.name }}');
    expect(r.htmlBody).toContain('{{ quotationRequest.opportunity.intake.contact.firstName }}');
    expect(r.htmlBody).toContain('{{ quotationRequest.opportunity.name }}');
    expect(r.htmlBody).toContain('{{ quotationRequest.opportunity.status }}');
    expect(r.htmlBody).toContain('{{ quotationRequest.opportunity.desiredDate | date: "short" }}');
    expect(r.htmlBody).toContain('{{ quotationRequest.opportunity.amount | money }}');
    expect(r.htmlBody).toContain('{{ me.name }}, {{ me.jobTitle }}');
    expect(r.htmlBody).toContain('{{ organisation.name }}, {{ organisation.address }}');
    expect(r.htmlBody).toContain('{{ "now" | date: "long" }}');
    expect(r.notes).toEqual([]);
    expect(r.converted).toBe(11);
    expect(validate(r)).toEqual([]);
  });

  it('converts @als and @alsniet blocks to conditions', () => {
    const r = convert(
      '@als{contact_telefoonnummer}Bel ons terug op {contact_telefoonnummer}.als@@alsniet{contact_email}Geen e-mail bekend.alsniet@',
      'opportunity',
    );
    expect(r.htmlBody).toBe(
      '{% if opportunity.intake.contact.phone != blank %}Bel ons terug op {{ opportunity.intake.contact.phone }}.{% endif %}' +
        '{% if opportunity.intake.contact.email == blank %}Geen e-mail bekend.{% endif %}',
    );
    expect(validate(r, 'opportunity')).toEqual([]);
  });

  it('reports, with line and column, what it could not convert', () => {
    const r = convert(
      '<p>Hallo</p>\n<p>{contact_schoenmaat} en {vrije_tekst_1}</p>\n@als{project_naam}weg als@ alsniet@\n@als{contact_naam}open',
    );
    expect(r.notes.map((n) => [n.line, n.column, n.original])).toEqual([
      [2, 4, '{contact_schoenmaat}'],
      [2, 28, '{vrije_tekst_1}'],
      [3, 1, '@als{project_naam}'],
      [3, 28, 'alsniet@'],
      [4, 23, '@als{…}'],
    ]);
    expect(r.notes[0]!.message).toMatch(/left out: contact has no field matching "schoenmaat"/);
    expect(r.notes[2]!.message).toMatch(/never shown, as in Econobis/);
    expect(r.htmlBody).toContain('{% if false %}weg {% endif %}');
    expect(validate(r)).toEqual([]);
  });

  it('keeps text that looks like Liquid as text', async () => {
    const r = convert('Prijs: {{ 7*7 }} en {% include "x" %} en {{kans_naam}}');
    expect(validate(r)).toEqual([]);
    expect(r.htmlBody).toContain('{{ quotationRequest.opportunity.name }}');
    expect(await renderText(escapeLiquidText('Prijs: {{ 7*7 }} en {% include "x" %} {'))).toBe(
      'Prijs: {{ 7*7 }} en {% include "x" %} {',
    );
  });

  it('renders any text without merge fields to itself (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({
          unit: fc.constantFrom('{', '}', '%', '@', 'a', ' ', '\n', '"', '{{', '{%', '%}', '}}', 'als@', 'é'),
        }),
        async (text) => {
          const plain = text.replace(/\{[A-Za-z0-9_]+\}|@als(niet)?\{[^{}\s]*\}|als@|alsniet@/g, '');
          fc.pre(plain === text);
          const r = convert(text);
          expect(await renderText(r.htmlBody)).toBe(text);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('always produces a template that parses and refers only to existing fields (property)', () => {
    const token = fc.constantFrom(
      '{contact_naam}',
      '{kans_naam}',
      '{kans_bedrag}',
      '{intake_adres}',
      '{ik_email}',
      '{onbekend}',
      '{cooperatie_website}',
      '@als{contact_email}',
      '@alsniet{kans_status}',
      '@als{raar_ding}',
      'als@',
      'alsniet@',
      '{',
      '}',
      '{{',
      '{%',
      '<p>',
      'tekst ',
      '\n',
    );
    fc.assert(
      fc.property(
        fc.array(token, { maxLength: 40 }),
        fc.constantFrom('quotationRequest', 'opportunity', 'task', 'contact'),
        (parts, root) => {
          const r = convert(`<p>${parts.join('')}`, root);
          expect(validate(r, root)).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { catalogOf } from '../../../src/domain/dossier-type.js';
import { ENERGY_COOPERATIVE_TYPES } from '../../../src/domain/presets/energy-cooperative.js';
import { TRAINING_INSTITUTE_TYPES } from '../../../src/domain/presets/training-institute.js';
import { LiquidEngines } from '../../../src/effects/email/liquid-engine.js';
import { mergeFieldsOf } from '../../../src/effects/email/merge-fields.js';
import {
  type EmailTemplateDraft,
  type TemplateProblem,
  describeProblem,
  validateEmailTemplate,
} from '../../../src/effects/email/template-validation.js';

const energy = catalogOf(ENERGY_COOPERATIVE_TYPES);
const training = catalogOf(TRAINING_INSTITUTE_TYPES);
const engines = new LiquidEngines();

function draft(over: Partial<EmailTemplateDraft> = {}): EmailTemplateDraft {
  return {
    name: 'Offerte aangevraagd',
    rootType: 'quotationRequest',
    language: 'nl',
    subject: 'Uw offerteverzoek {{ quotationRequest.description }}',
    htmlBody: '<p>Beste {{ quotationRequest.opportunity.intake.contact.firstName }},</p>',
    textBody: null,
    mailboxId: null,
    attachment: null,
    ...over,
  };
}

function problems(over: Partial<EmailTemplateDraft>, catalog = energy): TemplateProblem[] {
  return validateEmailTemplate(draft(over), catalog, engines);
}

describe('e-mail template validation', () => {
  it('accepts merge fields along references, the responsible user, the organisation and extra', () => {
    expect(
      problems({
        htmlBody: [
          '<p>{{ quotationRequest.opportunity.intake.contact.firstName | name }}</p>',
          '{{ dossier.opportunity.name }} {{ quotationRequest.opportunity.amount | money }}',
          '{{ quotationRequest.status }} {{ quotationRequest.status.code }} {{ quotationRequest.status.label }}',
          '{{ me.name }} {{ me.email }} {{ responsibleUser.jobTitle }} {{ quotationRequest.responsibleUser.phone }}',
          '{{ organisation.name }} {{ organisation.address }} {{ extra.anything }}',
          '{% if quotationRequest.opportunity.intake.contact.email != blank %}ja{% endif %}',
          '{% assign c = quotationRequest.opportunity.intake.contact %}{{ c.lastName }}',
          '{{ quotationRequest.id }} {{ quotationRequest.title }} {{ quotationRequest.description.size }}',
          '{{ quotationRequest.datePlanned | date: "long" }} {{ "now" | date: "short" }}',
        ].join('\n'),
      }),
    ).toEqual([]);
  });

  it('refuses an unknown field with the line, the column, the field and a suggestion', () => {
    const [p, ...rest] = problems({
      htmlBody: '<p>Beste,</p>\n<p>{{ quotationRequest.opportunity.intake.contact.fristName }}</p>',
    });
    expect(rest).toEqual([]);
    expect(p).toMatchObject({
      part: 'htmlBody',
      line: 2,
      column: 7,
      field: 'quotationRequest.opportunity.intake.contact.fristName',
    });
    expect(p!.message).toContain('There is no field "fristName" on contact');
    expect(p!.message).toContain('Did you mean "firstName"?');
    expect(describeProblem(p!)).toMatch(/^htmlBody, line 2, column 7: /);
  });

  it('refuses unknown roots, parts of single values, and members users do not have', () => {
    const ps = problems({
      subject: 'Hallo {{ contcat.name }}',
      htmlBody: '{{ quotationRequest.description.first.x }}\n{{ me.salary }}\n{{ organisation.ceo }}',
    });
    expect(ps.map((p) => [p.part, p.line, p.field])).toEqual([
      ['subject', 1, 'contcat'],
      ['htmlBody', 1, 'quotationRequest.description.first'],
      ['htmlBody', 2, 'me.salary'],
      ['htmlBody', 3, 'organisation.ceo'],
    ]);
    expect(ps[0]!.message).toMatch(
      /starts its merge fields with quotationRequest, dossier, me, responsibleUser, organisation, extra/,
    );
  });

  it('refuses computed lookups and me.* on a type without a responsible user', () => {
    expect(problems({ htmlBody: '{{ quotationRequest[extra.field] }}' })[0]!.message).toMatch(
      /computed lookups are not allowed/,
    );
    const [p] = problems({ rootType: 'measureCategory', subject: 'x', htmlBody: '{{ me.name }}' });
    expect(p!.message).toMatch(/measure category has no user field/);
  });

  it('refuses a template that does not parse, saying where', () => {
    const [p] = problems({ htmlBody: '<p>Hallo</p>\n{% if quotationRequest.description %}\n<p>open</p>' });
    expect(p).toMatchObject({ part: 'htmlBody', line: 2, column: 1 });
    expect(p!.message).toMatch(/not closed/);
    const [q] = problems({ subject: 'Hallo {{ quotationRequest.description | upcase: }' });
    expect(q).toMatchObject({ part: 'subject', line: 1 });
  });

  it('refuses unsafe input: raw, includes, scripts and event handlers', () => {
    const raw = problems({ htmlBody: '{{ quotationRequest.description | raw }}' });
    expect(raw[0]!.message).toMatch(/raw filter is not allowed/);
    const include = problems({ htmlBody: '{% include "secrets.txt" %}' });
    expect(include[0]!.message).toMatch(/include %} is not available/);
    const render = problems({ htmlBody: "{% render '/etc/passwd' %}" });
    expect(render[0]!.message).toMatch(/render %} is not available/);
    const script = problems({ htmlBody: '<p>Hoi</p>\n  <SCRIPT>alert(1)</script>' });
    expect(script[0]).toMatchObject({ line: 2, column: 3 });
    expect(script[0]!.message).toMatch(/remove the <script> element/);
    expect(problems({ htmlBody: '<a href="javascript:alert(1)">x</a>' })[0]!.message).toMatch(
      /javascript: link/,
    );
    expect(problems({ htmlBody: '<img src="x" onerror="alert(1)">' })[0]!.message).toMatch(/event attribute/);
    expect(problems({ htmlBody: '<iframe src="https://x"></iframe>' })[0]!.message).toMatch(/<iframe>/);
    expect(problems({ htmlBody: '{{ quotationRequest.description | nope }}' })[0]!.message).toMatch(
      /no filter "nope"/,
    );
  });

  it('finds event attributes however a tag is written, and only in tags', () => {
    const event = (htmlBody: string) =>
      problems({ htmlBody }).filter((p) => /event attribute/.test(p.message));
    expect(event('<p>Hoi</p>\n<a title="a > b" onclick="x()">y</a>')[0]).toMatchObject({
      line: 2,
      column: 1,
    });
    expect(event('<img/src="x"/onerror=alert(1)>')).toHaveLength(1);
    expect(event("<div\n  data-x='on=1'\n  ONMOUSEOVER = 'x'>")).toHaveLength(1);
    expect(event('<p>Kom op on=tijd, bel ons</p><a title="onclick=x">y</a>')).toEqual([]);
  });

  it(
    'checks an adversarial HTML body in linear time, and refuses one over 512 KB',
    { timeout: 10_000 },
    () => {
      // Quadratic for the former /<[^>]*\son[a-z]+\s*=/i: every "<" scanned to the end.
      const adversarial = '< onx'.repeat(50_000); // 250 KB
      expect(adversarial.length).toBe(250_000);
      const ps = problems({ htmlBody: adversarial });
      expect(ps.filter((p) => /event attribute/.test(p.message))).toEqual([]);
      for (const body of ['<a onx'.repeat(50_000), '<a b=1 onx'.repeat(30_000), '<p\t'.repeat(80_000)]) {
        expect(Array.isArray(problems({ htmlBody: body }))).toBe(true);
      }
      const big = problems({ htmlBody: 'x'.repeat(512 * 1024 + 1), textBody: 'y'.repeat(512 * 1024 + 1) });
      expect(big.map((p) => [p.part, p.message])).toEqual([
        ['htmlBody', expect.stringMatching(/longer than 512 KB/)],
        ['textBody', expect.stringMatching(/longer than 512 KB/)],
      ]);
    },
  );

  it('checks the name, the root type, the language, the subject and the attachment', () => {
    const ps = problems({
      name: ' ',
      rootType: 'offerte',
      language: 'de' as 'nl',
      subject: 'twee\nregels',
      htmlBody: ' ',
      attachment: { filename: '../etc/passwd', contentType: 'pdf', contentBase64: '@@@' },
    });
    expect(ps.map((p) => p.part)).toEqual([
      'name',
      'rootType',
      'language',
      'subject',
      'htmlBody',
      'attachment',
      'attachment',
      'attachment',
    ]);
    expect(ps[1]!.message).toContain('There is no dossier type "offerte"');
  });

  it('reaches a type named like a reserved root through dossier.* (training preset)', () => {
    const ok = problems(
      {
        rootType: 'organisation',
        subject: 'Hallo {{ dossier.name }}',
        htmlBody: '{{ dossier.kvkNumber }} {{ organisation.name }}',
      },
      training,
    );
    expect(ok).toEqual([]);
    const bad = problems(
      { rootType: 'organisation', subject: 'x', htmlBody: '{{ organisation.kvkNumber }}' },
      training,
    );
    expect(bad[0]!.field).toBe('organisation.kvkNumber');
  });

  it('lists the merge fields a template can use, each of which validates', () => {
    const type = energy.get('quotationRequest')!;
    const fields = mergeFieldsOf(type, energy);
    expect(fields.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        'quotationRequest.opportunity.intake.contact.email',
        'me.email',
        'organisation.city',
      ]),
    );
    const body = fields.map((f) => `{{ ${f.path} }}`).join('\n');
    expect(problems({ htmlBody: body })).toEqual([]);
  });
});

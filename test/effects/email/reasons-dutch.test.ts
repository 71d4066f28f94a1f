/**
 * Issue 8, story 8: every reason an e-mail, create-task, secret-box or chain-depth failure writes on
 * an action or outbox row is a code with params, and its Dutch rendering holds no English sentence:
 * each recipient rule's problem (and a list of them), the template fill-in problem, and the errors
 * of the other effects. The server's words (an SMTP reply, a template language's message) are the
 * only text kept as it is, and only where a sentence quotes it.
 */
import { describe, expect, it } from 'vitest';
import {
  REASON_TEXTS,
  type Reason,
  type ReasonParam,
  reasonText,
} from '../../../src/domain/action/reasons.js';
import type { Action } from '../../../src/domain/action/action.js';
import type { Dossier } from '../../../src/domain/dossier.js';
import { catalogOf } from '../../../src/domain/dossier-type.js';
import type { RecipientSpec, TemplateDefinition } from '../../../src/domain/template/action-template.js';
import { WerkflowError } from '../../../src/domain/errors.js';
import { presetByKey } from '../../../src/domain/presets/index.js';
import { fillInProblem } from '../../../src/effects/email/email-renderer.js';
import type { MergeLoader } from '../../../src/effects/email/merge-context.js';
import { resolveRecipients } from '../../../src/effects/email/recipients.js';
import { SecretBox, missingKeyError } from '../../../src/effects/email/secret-box.js';
import { liquidErrorPosition } from '../../../src/effects/email/template-validation.js';
import { chainTooDeep } from '../../../src/engine/chain-depth.js';
import { createTaskEffect } from '../../../src/effects/create-task.js';
import { en, nl } from '../../../src/web/app/dictionary.js';

const catalog = catalogOf(presetByKey('energy-cooperative')!.dossierTypes);

function dossier(id: string, type: string, data: Record<string, unknown>): Dossier {
  return { id, type, externalId: null, status: null, data, version: 1, createdAt: 0, updatedAt: 0 };
}

const contactWithout = dossier('c1', 'contact', { kind: 'persoon', name: 'Piet Zonder Mail' });
const intake = dossier('i1', 'intake', { contact: 'c1' });
const intakeGone = dossier('i2', 'intake', { contact: 'gone' });
const task = dossier('t1', 'task', {
  description: 'Bellen',
  responsibleUser: 'u-gone',
  responsibleTeam: 'team1',
});
const bare = dossier('t2', 'task', { description: 'Leeg' });
const noMail = dossier('t3', 'task', {
  description: 'Geen mail',
  responsibleUser: 'u2',
  responsibleTeam: 'empty',
});
const dossiers = new Map([contactWithout, intake, intakeGone, task, bare, noMail].map((d) => [d.id, d]));

const loader = {
  catalog,
  dossier: async (id: string) => dossiers.get(id),
  user: async (id: string) => (id === 'u2' ? { id, name: 'Marieke', email: '', active: true } : undefined),
  team: async (id: string) =>
    id === 'team1' ? undefined : id === 'empty' ? { id, name: 'Binnendienst', memberIds: ['u2'] } : undefined,
} as unknown as MergeLoader;

async function problemsOf(specs: readonly RecipientSpec[], root: Dossier, blocked: string[] = []) {
  return (await resolveRecipients({ to: specs }, root, loader, blocked)).problems;
}

/** Words that give an English sentence away (none of them is Dutch). */
const ENGLISH =
  /\b(the|has|have|is not|no longer|does not|exists?|receives?|change|Fill in|Assign|Settings|refers|leads nowhere|could not|stored|enter|Stopped|allows|alternatives|blocked|there is)\b/;

/** Every string reached from a reason's params, nested reasons included (labels: their Dutch side). */
function plainParams(r: Reason): string[] {
  const out: string[] = [];
  const walk = (v: ReasonParam) => {
    if (Array.isArray(v)) for (const inner of v as readonly Reason[]) out.push(...plainParams(inner));
    else if (typeof v === 'string') out.push(v);
    else if (typeof v === 'object') out.push((v as { nl: string }).nl);
  };
  for (const v of Object.values(r.params)) walk(v);
  return out;
}

/** Every code used, nested ones too. */
function codesOf(r: Reason): string[] {
  const nested = Object.values(r.params).flatMap((v) =>
    Array.isArray(v) ? (v as readonly Reason[]).flatMap(codesOf) : [],
  );
  return [r.code, ...nested];
}

function expectDutch(r: Reason) {
  for (const code of codesOf(r)) {
    expect(code, 'a code of its own, not free text').not.toBe('reason.text');
    expect(Object.keys(REASON_TEXTS)).toContain(code);
    // The UI renders it from its dictionary, in both languages.
    expect((nl as Record<string, string>)[code]).toBeDefined();
    expect((en as Record<string, string>)[code]).toBeDefined();
  }
  const dutch = reasonText(r, 'nl');
  expect(dutch).not.toBe(reasonText(r, 'en'));
  expect(dutch, dutch).not.toMatch(ENGLISH);
  for (const value of plainParams(r)) expect(value, `parameter "${value}"`).not.toMatch(ENGLISH);
}

describe('reasons written on actions and outbox rows read Dutch in Dutch', () => {
  it('each recipient rule’s problem, alone and as a list, and "none of the alternatives"', async () => {
    const cases: [readonly RecipientSpec[], Dossier, string[]?][] = [
      [[{ type: 'field', path: 'contact.email' }], intake],
      [[{ type: 'field', path: 'contact.email' }], bare],
      [[{ type: 'field', path: 'contact.email' }], intakeGone],
      [[{ type: 'user', field: 'responsibleUser' }], bare],
      [[{ type: 'user', field: 'responsibleUser' }], task],
      [[{ type: 'user', field: 'coach' }], bare],
      [[{ type: 'user', field: 'responsibleUser' }], noMail],
      [[{ type: 'team', field: 'responsibleTeam' }], bare],
      [[{ type: 'team', field: 'responsibleTeam' }], task],
      [[{ type: 'team', field: 'responsibleTeam' }], noMail],
      [[{ type: 'address', address: 'geen-adres' }], bare],
      [[{ type: 'address', address: 'jan@example.nl' }], bare, ['example.nl']],
      [
        [
          {
            type: 'firstOf',
            of: [
              { type: 'user', field: 'responsibleUser' },
              { type: 'team', field: 'responsibleTeam' },
            ],
          },
        ],
        bare,
      ],
      [[], bare],
    ];
    // Only reached by a path without parts, which the template check refuses: rendered here.
    expectDutch({ code: 'reason.recipient.pathEmpty', params: { path: '' } });
    const seen = new Set<string>(['reason.recipient.pathEmpty']);
    for (const [specs, root, blocked] of cases) {
      const problems = await problemsOf(specs, root, blocked);
      expect(problems.length, JSON.stringify(specs)).toBeGreaterThan(0);
      for (const p of problems) {
        expectDutch(p);
        for (const c of codesOf(p)) seen.add(c);
      }
      // As the action's failure: the e-mail's sentence with the list of problems.
      expectDutch({
        code: 'reason.recipientsMissing',
        params: { template: 'Welkom', dossierType: { nl: 'taak', en: 'task' }, dossier: 'Bellen', problems },
      });
    }
    // Every recipient code was met.
    expect([...seen].sort()).toEqual(
      Object.keys(REASON_TEXTS)
        .filter((c) => c.startsWith('reason.recipient.'))
        .sort(),
    );
    // Two rules that yield nothing: two Dutch sentences, one after the other.
    const two = await problemsOf(
      [
        { type: 'user', field: 'responsibleUser' },
        { type: 'team', field: 'responsibleTeam' },
      ],
      bare,
    );
    expect(reasonText({ code: 'reason.recipientNotes', params: { problems: two } }, 'nl')).toBe(
      'Verstuurd; niet elke ontvangersregel leverde een adres op: ' +
        'Bij taak "Leeg" is geen verantwoordelijke gebruiker ingevuld. Wijs er een toe, of wijzig wie deze e-mail ontvangt. ' +
        'Bij taak "Leeg" is geen team ingevuld in "responsibleTeam". Wijs er een toe, of wijzig wie deze e-mail ontvangt.',
    );
    // The English text for integrators is the sentence it always was.
    expect(reasonText(two[1]!, 'en')).toBe(
      'the task "Leeg" has no team in "responsibleTeam". Assign one, or change who receives this e-mail.',
    );
  });

  it('the template fill-in problem names part, line and column in Dutch', () => {
    const errors = [
      Object.assign(new Error('undefined variable: contact.fristName, line:1, col:4'), {
        token: { getPosition: () => [3, 14] },
      }),
      new Error('undefined filter: shout'),
      new Error('undefined filter: raw'),
    ];
    for (const error of errors) {
      const problem = fillInProblem('htmlBody', liquidErrorPosition(error));
      expectDutch({
        code: 'reason.emailTemplateUnfillable',
        params: { template: 'Welkom', problem: [problem] },
      });
    }
    expect(reasonText(fillInProblem('htmlBody', liquidErrorPosition(errors[0])), 'nl')).toBe(
      'HTML, regel 3, kolom 14: het samenvoegveld "contact.fristName" bestaat niet',
    );
    // A template language's own message is quoted as it is, inside a Dutch sentence.
    const syntax = fillInProblem('subject', liquidErrorPosition(new Error('tag "iff" not found')));
    expect(reasonText(syntax, 'nl')).toBe(
      'Onderwerp: deze opmaak klopt niet (de sjabloontaal meldt: tag "iff" not found)',
    );
  });

  it('secret-box, create-task and chain-depth errors carry codes', async () => {
    const box = new SecretBox(Buffer.alloc(32, 1));
    const other = new SecretBox(Buffer.alloc(32, 2));
    const stored = box.encrypt('geheim');
    const [v, k, iv, tag] = stored.split('.');
    const thrown: unknown[] = [];
    const catching = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        thrown.push(e);
      }
    };
    catching(() => SecretBox.fromText('kort'));
    catching(() => box.decrypt('nonsense'));
    catching(() => other.decrypt(stored));
    catching(() => box.decrypt([v, k, iv, tag, 'AAAA'].join('.')));
    thrown.push(missingKeyError());
    try {
      await createTaskEffect.apply({ type: 'createTask' } as never, { catalog: catalogOf([]) } as never);
    } catch (e) {
      thrown.push(e);
    }
    expect(thrown).toHaveLength(6);
    for (const e of thrown) {
      expect(e).toBeInstanceOf(WerkflowError);
      expectDutch((e as WerkflowError).reason!);
      expect(reasonText((e as WerkflowError).reason!, 'en')).toBe((e as WerkflowError).message);
    }
    const def = { name: 'Taak maakt vervolgtaak', maxDepth: 3 } as TemplateDefinition;
    const tooDeep = chainTooDeep({ chainDepth: 3 } as Action, def)!;
    expectDutch(tooDeep);
    expect(reasonText(tooDeep, 'en')).toBe(
      'Stopped: this action is number 4 in a chain of actions that start each other, and "Taak maakt vervolgtaak" allows at most 3 (its maxDepth). Check the templates for a loop.',
    );
    expect(chainTooDeep({ chainDepth: 2 } as Action, def)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { catalogOf } from '../../../src/domain/dossier-type.js';
import { ENERGY_COOPERATIVE_TYPES } from '../../../src/domain/presets/energy-cooperative.js';
import { TRAINING_INSTITUTE_TYPES } from '../../../src/domain/presets/training-institute.js';
import { type TemplateDefinition, withDefaults } from '../../../src/domain/template/action-template.js';
import { validateTemplateDefinition } from '../../../src/domain/template/validate-template.js';

const energy = catalogOf(ENERGY_COOPERATIVE_TYPES);
const training = catalogOf(TRAINING_INSTITUTE_TYPES);

/** A valid Econobis workflow: quotation request set to "Offerte aangevraagd" → e-mail after 3 days, reminder after 7. */
const valid: TemplateDefinition = withDefaults({
  name: 'Offerteverzoek - Offerte aangevraagd',
  process: 'Offertes',
  dossierType: 'quotationRequest',
  event: { type: 'statusSet', to: ['offerte-aangevraagd'] },
  conditions: { type: 'compare', field: 'opportunity.intake.contact.email', op: 'isNotEmpty' },
  timing: { anchor: { type: 'event' }, offset: 3, unit: 'days', atTime: '09:00' },
  expiry: { offset: 14, unit: 'days' },
  effect: {
    type: 'sendEmail',
    templateId: 'et-1',
    to: [
      { type: 'field', path: 'opportunity.intake.contact.email' },
      { type: 'field', path: 'coach.email' },
    ],
  },
  assignee: { type: 'field', path: 'responsibleUser' },
  reminder: { after: { offset: 7, unit: 'days' } },
  skipIfLateHours: 48,
});

const problemsOf = (change: Record<string, unknown>, catalog = energy) =>
  validateTemplateDefinition({ ...valid, ...change }, catalog);

/** Asserts exactly one problem (or the listed paths) and that each message is a sentence that says what to do. */
function expectProblems(
  problems: readonly { path: string; message: string }[],
  paths: string[],
  mentions?: RegExp,
): void {
  expect(problems.map((p) => p.path)).toEqual(paths);
  for (const p of problems) {
    expect(p.message).toMatch(/^\S.{15,}[.)]$/s);
    expect(p.message).not.toMatch(/undefined|\[object Object\]/);
  }
  if (mentions) expect(problems.map((p) => p.message).join(' ')).toMatch(mentions);
}

describe('validateTemplateDefinition accepts', () => {
  it('complete templates of both seeds', () => {
    expect(validateTemplateDefinition(valid, energy)).toEqual([]);
    const perParticipant = withDefaults({
      name: 'Presentielijst twee werkdagen voor de start',
      dossierType: 'training',
      event: { type: 'dateReached', field: 'startDate' },
      timing: {
        anchor: { type: 'field', field: 'startDate' },
        offset: -2,
        unit: 'workingDays',
        atTime: '09:00',
      },
      categories: ['tt-bhv'],
      fanOut: { dossierType: 'participant', field: 'training' },
      executionMode: 'semiAutomatic',
      // The effect runs on each participant: a participant status.
      effect: { type: 'setStatus', status: 'geplaatst' },
      assignee: { type: 'field', path: 'coach' },
      whenConditionsFail: 'wait',
    });
    expect(validateTemplateDefinition(perParticipant, training)).toEqual([]);
    const expiredTask = withDefaults({
      name: 'Bellen - verlopen taak',
      dossierType: 'task',
      categories: ['bellen'],
      event: { type: 'dateReached', field: 'plannedFinishDate' },
      timing: { anchor: { type: 'field', field: 'plannedFinishDate' }, offset: 1, unit: 'days' },
      conditions: { type: 'compare', field: 'finished', op: 'ne', value: true },
      repeat: 'once',
      effect: {
        type: 'createDossier',
        dossierType: 'task',
        fields: {
          taskType: { value: 'bellen' },
          description: { value: 'Nabellen' },
          contact: { from: 'contact' },
          opportunity: { from: 'opportunity' },
        },
      },
    });
    expect(validateTemplateDefinition(expiredTask, energy)).toEqual([]);
  });

  it('the minimal definition withDefaults completes, for every event kind', () => {
    const events: TemplateDefinition['event'][] = [
      { type: 'created' },
      { type: 'deleted' },
      { type: 'manual' },
      { type: 'fieldChanged', field: 'quotationAmount', from: null, to: 100 },
      { type: 'statusSet', to: ['uitgevoerd'], from: ['bewoner-is-akkoord'] },
      { type: 'actionCompleted', templateId: 'tpl-1' },
      { type: 'actionExpired', templateId: 'tpl-1' },
    ];
    for (const event of events) {
      expect(
        validateTemplateDefinition(
          withDefaults({ name: 'x', dossierType: 'quotationRequest', event, effect: { type: 'none' } }),
          energy,
        ),
      ).toEqual([]);
    }
  });
});

describe('validateTemplateDefinition refuses, with a path and a sentence', () => {
  it('what is not a template at all', () => {
    expectProblems(validateTemplateDefinition(null, energy), ['']);
    expectProblems(validateTemplateDefinition([valid], energy), ['']);
  });

  it('a missing or overlong name, an unknown dossier type', () => {
    expectProblems(problemsOf({ name: '  ' }), ['name'], /name/);
    expectProblems(problemsOf({ name: 5 }), ['name']);
    expectProblems(problemsOf({ name: 'x'.repeat(201) }), ['name'], /200/);
    expectProblems(problemsOf({ dossierType: 'kansactie' }), ['dossierType'], /Known: contact, campaign/);
  });

  it('events that cannot happen to the dossier type', () => {
    expectProblems(problemsOf({ event: undefined }), ['event'], /statusSet/);
    expectProblems(problemsOf({ event: { type: 'updated' } }), ['event.type'], /Unknown event "updated"/);
    expectProblems(
      problemsOf({ event: { type: 'fieldChanged', field: 'price' } }),
      ['event.field'],
      /Known fields: opportunity/,
    );
    expectProblems(
      problemsOf({ event: { type: 'dateReached', field: 'note' } }, energy),
      ['event.field', 'timing.anchor'],
      /needs a date field; "note" is a longText field/,
    );
    expectProblems(problemsOf({ event: { type: 'statusSet', to: [] } }), ['event.to']);
    expectProblems(
      problemsOf({ event: { type: 'statusSet', to: ['offerte-verstuurd'] } }),
      ['event.to[0]'],
      /Unknown status "offerte-verstuurd".*Known statuses: offerte-nog-niet-aangevraagd/,
    );
    expectProblems(
      problemsOf({ event: { type: 'statusSet', to: ['uitgevoerd'], from: 'bewoner-is-akkoord' } }),
      ['event.from'],
    );
    expectProblems(problemsOf({ event: { type: 'statusSet', to: ['uitgevoerd'], from: ['akkoord'] } }), [
      'event.from[0]',
    ]);
    expectProblems(
      validateTemplateDefinition(
        {
          ...valid,
          dossierType: 'contact',
          event: { type: 'statusSet', to: ['x'] },
          conditions: { type: 'all', conditions: [] },
          effect: { type: 'none' },
          reminder: undefined,
          assignee: { type: 'none' },
        },
        energy,
      ),
      ['event'],
      /contact has no statuses/,
    );
    expectProblems(problemsOf({ event: { type: 'actionCompleted' } }), ['event.templateId']);
  });

  it('conditions that do not fit the dossier types', () => {
    expectProblems(problemsOf({ conditions: null }), ['conditions']);
    expectProblems(
      problemsOf({
        conditions: { type: 'compare', field: 'opportunity.intake.contact.mail', op: 'isNotEmpty' },
      }),
      ['conditions.field'],
      /"mail" is not a field|mail/,
    );
    expectProblems(
      problemsOf({
        conditions: {
          type: 'all',
          conditions: [{ type: 'compare', field: 'quotationAmount', op: 'contains', value: 'x' }],
        },
      }),
      ['conditions.conditions[0].op'],
    );
  });

  it('timings, expiries and reminders that cannot be computed', () => {
    expectProblems(problemsOf({ timing: null }), ['timing']);
    expectProblems(
      problemsOf({ timing: { anchor: { type: 'event' }, offset: 1.5, unit: 'days' } }),
      ['timing.offset'],
      /whole number/,
    );
    expectProblems(
      problemsOf({ timing: { anchor: { type: 'event' }, offset: 2, unit: 'fortnights' } }),
      ['timing.unit'],
      /workingDays/,
    );
    expectProblems(
      problemsOf({ timing: { anchor: { type: 'field', field: 'note' }, offset: 0, unit: 'days' } }),
      ['timing.anchor.field'],
      /dateRequested, datePlanned/,
    );
    expectProblems(
      problemsOf({
        event: { type: 'dateReached', field: 'datePlanned' },
        timing: { anchor: { type: 'event' }, offset: 1, unit: 'days' },
      }),
      ['timing.anchor'],
      /"field": "datePlanned"/,
    );
    expectProblems(problemsOf({ expiry: { offset: 0, unit: 'days' } }), ['expiry.offset'], /at least 1/);
    expectProblems(problemsOf({ reminder: { after: { offset: 0, unit: 'days' } } }), [
      'reminder.after.offset',
    ]);
    expectProblems(problemsOf({ reminder: {} }), ['reminder.after'], /how long after the first e-mail/);
    expectProblems(problemsOf({ reminder: null }), ['reminder.after']);
    expectProblems(
      problemsOf({ reminder: { after: { offset: 7, unit: 'days' } }, effect: { type: 'none' } }),
      ['reminder'],
      /must be sendEmail/,
    );
    expectProblems(problemsOf({ reminder: { after: { offset: 7, unit: 'days' }, emailTemplateId: '' } }), [
      'reminder.emailTemplateId',
    ]);
    expectProblems(problemsOf({ skipIfLateHours: 0 }), ['skipIfLateHours']);
  });

  it('execution modes and effects that cannot run', () => {
    expectProblems(
      problemsOf({ executionMode: 'scheduled' }),
      ['executionMode'],
      /manual, semiAutomatic, automatic/,
    );
    expectProblems(problemsOf({ executionMode: 'manual' }), ['effect'], /Choose semiAutomatic/);
    expectProblems(problemsOf({ effect: undefined, reminder: undefined }), ['effect']);
    expectProblems(
      problemsOf({ effect: { type: 'sms' }, reminder: undefined }),
      ['effect.type'],
      /Unknown effect "sms"/,
    );
    expectProblems(problemsOf({ effect: { type: 'sendEmail', templateId: '', to: [] } }), [
      'effect.templateId',
      'effect.to',
    ]);
    expectProblems(
      problemsOf({
        effect: {
          type: 'createTask',
          taskType: 'faxen',
          description: ' ',
          plannedInDays: -1,
          responsible: { type: 'field', path: 'note' },
        },
        reminder: undefined,
      }),
      ['effect.taskType', 'effect.description', 'effect.plannedInDays', 'effect.responsible.path'],
      /Unknown task type "faxen"/,
    );
    expectProblems(
      problemsOf({
        effect: { type: 'createDossier', dossierType: 'offerte', fields: {} },
        reminder: undefined,
      }),
      ['effect.dossierType'],
    );
    expectProblems(
      problemsOf({
        effect: {
          type: 'createDossier',
          dossierType: 'task',
          fields: { nope: { value: 1 }, description: 'x', contact: { from: 'opportunity.intake.nope' } },
        },
        reminder: undefined,
      }),
      ['effect.fields.nope', 'effect.fields.description', 'effect.fields.contact.from'],
    );
    expectProblems(
      problemsOf({ effect: { type: 'setField', field: 'remark', value: 1 }, reminder: undefined }),
      ['effect.field'],
    );
    expectProblems(
      problemsOf({ effect: { type: 'setField', field: 'status', value: 'uitgevoerd' }, reminder: undefined }),
      ['effect.field'],
      /Use setStatus/,
    );
    expectProblems(
      problemsOf({ effect: { type: 'setStatus', status: 'klaar' }, reminder: undefined }),
      ['effect.status'],
      /Known: offerte-nog-niet-aangevraagd/,
    );
    expectProblems(
      problemsOf({ effect: { type: 'webhook', url: 'ftp://example.nl/x' }, reminder: undefined }),
      ['effect.url'],
      /https/,
    );
    // A fan-out effect runs on the related dossier: a training status is not a participant status.
    expectProblems(
      validateTemplateDefinition(
        withDefaults({
          name: 'x',
          dossierType: 'training',
          event: { type: 'created' },
          fanOut: { dossierType: 'participant', field: 'training' },
          effect: { type: 'setStatus', status: 'definitief' },
        }),
        training,
      ),
      ['effect.status'],
      /for participant/,
    );
  });

  it('assignees, repeat, categories, fan-out and the other settings', () => {
    expectProblems(problemsOf({ assignee: null }), ['assignee']);
    expectProblems(problemsOf({ assignee: { type: 'user' } }), ['assignee.type'], /userId, teamId or path/);
    expectProblems(
      problemsOf({ assignee: { type: 'field', path: 'quotationAmount' } }),
      ['assignee.path'],
      /user or team field/,
    );
    expectProblems(problemsOf({ assignee: { type: 'field', path: 'coach.nope' } }), ['assignee.path']);
    expectProblems(problemsOf({ repeat: 'twice' }), ['repeat']);
    expectProblems(problemsOf({ recheckAtDue: 'yes' }), ['recheckAtDue']);
    expectProblems(problemsOf({ whenConditionsFail: 'ignore' }), ['whenConditionsFail']);
    expectProblems(problemsOf({ categories: 'campagne-1' }), ['categories']);
    expectProblems(
      problemsOf({ categories: ['c1'] }),
      ['categories'],
      /quotationRequest has no category field/,
    );
    expectProblems(
      problemsOf({ fanOut: { dossierType: 'visit', field: 'opportunity' } }),
      ['fanOut'],
      /reference field to quotationRequest/,
    );
    expectProblems(problemsOf({ fanOut: null }), ['fanOut']);
    expectProblems(problemsOf({ priority: 'urgent' }), ['priority']);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({
      name: '',
      executionMode: 'x',
      repeat: 'x',
      priority: 'x',
      categories: ['c'],
    });
    expect(problems.map((p) => p.path).sort()).toEqual([
      'categories',
      'executionMode',
      'name',
      'priority',
      'repeat',
    ]);
  });
});

describe('validateTemplateDefinition: what later reaches storage', () => {
  const task = (change: Record<string, unknown>) =>
    validateTemplateDefinition(
      withDefaults({
        name: 'Bellen - nieuwe taak',
        dossierType: 'task',
        event: { type: 'created' },
        categories: ['bellen'],
        effect: { type: 'none' },
        ...change,
      }),
      energy,
    );

  it('process is text of at most 100 characters (it is stamped into every action)', () => {
    expectProblems(problemsOf({ process: true }), ['process'], /process/);
    expectProblems(problemsOf({ process: 7 }), ['process']);
    expectProblems(problemsOf({ process: { nl: 'Offertes' } }), ['process']);
    expectProblems(problemsOf({ process: 'p'.repeat(101) }), ['process'], /100/);
    expect(problemsOf({ process: 'p'.repeat(100) })).toEqual([]);
    expect(problemsOf({ process: undefined })).toEqual([]);
  });

  it('description is text of at most 2000 characters', () => {
    expectProblems(problemsOf({ description: false }), ['description']);
    expectProblems(problemsOf({ description: ['x'] }), ['description']);
    expectProblems(problemsOf({ description: 'd'.repeat(2001) }), ['description'], /2000/);
    expect(problemsOf({ description: 'd'.repeat(2000) })).toEqual([]);
  });

  it('each category is a non-empty string; an option code when the category field is an enum', () => {
    expect(task({})).toEqual([]);
    expectProblems(task({ categories: [''] }), ['categories[0]']);
    expectProblems(task({ categories: ['bellen', 3] }), ['categories[1]']);
    expectProblems(task({ categories: [null] }), ['categories[0]']);
    expectProblems(task({ categories: ['faxen'] }), ['categories[0]'], /Unknown task type|"faxen".*bellen/);
    // A reference category field (training type) takes any id.
    const onTraining = (categories: unknown[]) =>
      validateTemplateDefinition(
        withDefaults({
          name: 'x',
          dossierType: 'training',
          event: { type: 'created' },
          effect: { type: 'none' },
          categories: categories as string[],
        }),
        training,
      );
    expect(onTraining(['01JABCDEF'])).toEqual([]);
    expectProblems(onTraining(['']), ['categories[0]']);
    expectProblems(onTraining([{ id: 'x' }]), ['categories[0]']);
  });

  it('view is set by the Econobis workflow screens only', () => {
    const view = { kind: 'econobisStatus', dossierType: 'quotationRequest', status: 'offerte-aangevraagd' };
    expectProblems(problemsOf({ view }), ['view'], /Econobis workflow screens/);
    expect(validateTemplateDefinition({ ...valid, view }, energy, { allowView: true })).toEqual([]);
    expect(validateTemplateDefinition({ ...valid, view }, energy, {})).toHaveLength(1);
  });

  it('no text anywhere holds a NUL character or half a surrogate pair (PostgreSQL refuses it)', () => {
    expectProblems(problemsOf({ name: 'Bel\u0000 bewoner' }), ['name'], /NUL/);
    expectProblems(
      problemsOf({
        effect: { type: 'sendEmail', templateId: 'et\u0000', to: [{ type: 'field', path: 'coach.email' }] },
      }),
      ['effect.templateId'],
    );
    expectProblems(problemsOf({ assignee: { type: 'user', userId: '\ud800' } }), ['assignee.userId']);
    expectProblems(
      problemsOf({ conditions: { type: 'compare', field: 'note', op: 'eq', value: 'a\u0000' } }),
      ['conditions.value'],
    );
  });
});

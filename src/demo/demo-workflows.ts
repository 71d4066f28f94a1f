import { SYSTEM_PRINCIPAL } from '../domain/permissions.js';
import type { Werkflow } from '../engine/werkflow.js';

/**
 * Example e-mail templates and workflows that come with the demo data, so that `npm start`
 * shows mail flowing into the local mail viewer at once. Installed once per database: nothing
 * is added when an e-mail template of the same name exists.
 */
export async function installDemoWorkflows(werkflow: Werkflow, preset: string): Promise<number> {
  const existing = new Set((await werkflow.email.templates.listTemplates()).map((t) => t.name));
  const template = async (input: Parameters<Werkflow['email']['templates']['createTemplate']>[0]) =>
    existing.has(input.name) ? undefined : werkflow.email.templates.createTemplate(input);
  let installed = 0;
  if (preset === 'energy-cooperative') {
    const requested = await template({
      name: 'Offerte aangevraagd',
      rootType: 'quotationRequest',
      subject: 'Uw offerte voor {{ quotationRequest.opportunity.measureCategory.name }} is aangevraagd',
      htmlBody: `<p>Beste {{ quotationRequest.opportunity.intake.contact.firstName }},</p>
<p>Wij hebben voor u een offerte aangevraagd voor <strong>{{ quotationRequest.opportunity.measureCategory.name }}</strong>{% if quotationRequest.organisation %} bij {{ quotationRequest.organisation.name }}{% endif %}.
U hoort binnen twee weken van ons.</p>
<p>Met vriendelijke groet,<br>{{ organisation.name }}</p>`,
    });
    const reminder = await template({
      name: 'Herinnering offerte',
      rootType: 'quotationRequest',
      subject: 'Herinnering: uw offerte voor {{ quotationRequest.opportunity.measureCategory.name }}',
      htmlBody: `<p>Beste {{ quotationRequest.opportunity.intake.contact.firstName }},</p>
<p>Heeft u de offerte voor {{ quotationRequest.opportunity.measureCategory.name }} al kunnen bekijken? Laat het ons weten.</p>
<p>Met vriendelijke groet,<br>{{ organisation.name }}</p>`,
    });
    if (requested && reminder) {
      await werkflow.econobis.saveStatusWorkflow(
        'quotationRequest',
        'offerte-aangevraagd',
        { active: true, emailTemplateId: requested.id, numberOfDays: 0, sendReminder: true, reminderDays: 7 },
        SYSTEM_PRINCIPAL,
      );
      installed++;
    }
    const newTask = await template({
      name: 'Nieuwe taak',
      rootType: 'task',
      subject: 'Nieuwe taak: {{ task.description }}',
      htmlBody:
        '<p>Hallo {{ me.name }},</p><p>Er staat een nieuwe taak voor je klaar: <strong>{{ task.description }}</strong>, gepland gereed op {{ task.plannedFinishDate | date: "long" }}.</p>',
    });
    const expiredTask = await template({
      name: 'Verlopen taak',
      rootType: 'task',
      subject: 'Verlopen taak: {{ task.description }}',
      htmlBody:
        '<p>Hallo {{ me.name }},</p><p>De taak <strong>{{ task.description }}</strong> had op {{ task.plannedFinishDate | date: "long" }} klaar moeten zijn.</p>',
    });
    const doneTask = await template({
      name: 'Afgehandelde taak',
      rootType: 'task',
      subject: 'Wij hebben uw vraag afgehandeld',
      htmlBody:
        '<p>Beste {{ task.contact.firstName }},</p><p>Wij hebben uw vraag afgehandeld. Heeft u nog vragen? Bel ons gerust.</p><p>{{ organisation.name }}</p>',
    });
    if (newTask && expiredTask && doneTask) {
      await werkflow.econobis.saveTaskTypeWorkflows(
        'bellen',
        {
          new: { enabled: true, emailTemplateId: newTask.id },
          expired: { enabled: true, emailTemplateId: expiredTask.id },
          completed: { enabled: true, emailTemplateId: doneTask.id, numberOfDays: 2 },
        },
        SYSTEM_PRINCIPAL,
      );
      installed++;
    }
  }
  if (preset === 'training-institute') {
    const list = await template({
      name: 'Deelnemersinformatie',
      rootType: 'participant',
      subject: 'Over twee dagen: {{ participant.training.name }}',
      htmlBody: `<p>Beste {{ participant.person.firstName }},</p>
<p>Op {{ participant.training.startDate | date: "full" }} begint <strong>{{ participant.training.name }}</strong>{% if participant.training.location %} in {{ participant.training.location.name }}, {{ participant.training.location.city }}{% endif %}.</p>
<p>Tot dan!</p>`,
    });
    if (list) {
      await werkflow.templates.create(
        {
          name: 'Deelnemers informeren (2 werkdagen voor de start)',
          process: 'Uitvoering opleiding',
          dossierType: 'training',
          event: { type: 'statusSet', to: ['definitief'] },
          timing: {
            anchor: { type: 'field', field: 'startDate' },
            offset: -2,
            unit: 'workingDays',
            atTime: '09:00',
          },
          executionMode: 'semiAutomatic',
          effect: { type: 'sendEmail', templateId: list.id, to: [{ type: 'field', path: 'person.email' }] },
          fanOut: { dossierType: 'participant', field: 'training' },
          assignee: { type: 'field', path: 'coach' },
          repeat: 'once',
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      await werkflow.templates.create(
        {
          name: 'Webaanvraag terugbellen',
          process: 'Inschrijving',
          dossierType: 'webRequest',
          event: { type: 'created' },
          timing: { anchor: { type: 'event' }, offset: 1, unit: 'workingDays' },
          executionMode: 'manual',
          effect: { type: 'none' },
          repeat: 'once',
        },
        SYSTEM_PRINCIPAL,
        { publish: true },
      );
      installed++;
    }
  }
  return installed;
}

/**
 * Workflows that need demo dossiers (run after they are written): the intake-measure workflows of
 * the energy cooperative for its first two measures — an opportunity, a quotation request to the
 * first supplier, and a mail to the resident — and a fitting e-mail template for every kind of
 * Workflows row (kans, each kansactie kind, task), so every row can be switched on. Installed once.
 */
export async function installDemoDossierWorkflows(werkflow: Werkflow, preset: string): Promise<number> {
  if (preset !== 'energy-cooperative') return 0;
  const existing = new Set((await werkflow.email.templates.listTemplates()).map((t) => t.name));
  if (existing.has('Kans aangemaakt')) return 0;
  const greeting = (path: string) => `<p>Beste {{ ${path}.firstName }},</p>`;
  const signature = '<p>Met vriendelijke groet,<br>{{ organisation.name }}</p>';
  const opportunityMail = await werkflow.email.templates.createTemplate({
    name: 'Kans aangemaakt',
    rootType: 'opportunity',
    subject: 'Wij gaan aan de slag met {{ opportunity.measureCategory.name }}',
    htmlBody: `${greeting('opportunity.intake.contact')}
<p>Bedankt voor uw interesse in <strong>{{ opportunity.measureCategory.name }}</strong>. Wij nemen binnenkort contact met u op.</p>
${signature}`,
  });
  const actionMails: [string, string, string][] = [
    ['visit', 'Bezoek', 'Uw afspraak voor {{ visit.opportunity.measureCategory.name }}'],
    [
      'budgetRequest',
      'Budgetaanvraag',
      'Uw budgetaanvraag voor {{ budgetRequest.opportunity.measureCategory.name }}',
    ],
    ['referral', 'Doorverwijzing', 'Doorverwijzing voor {{ referral.opportunity.measureCategory.name }}'],
  ];
  for (const [rootType, label, subject] of actionMails) {
    if (existing.has(label)) continue;
    await werkflow.email.templates.createTemplate({
      name: label,
      rootType,
      subject,
      htmlBody: `${greeting(`${rootType}.opportunity.intake.contact`)}
<p>${label}: wij houden u op de hoogte van de voortgang.</p>
${signature}`,
    });
  }
  const measures = await werkflow.dossiers.list({ type: 'measureCategory', limit: 2 });
  const [supplier] = await werkflow.dossiers.list({
    type: 'contact',
    fields: { kind: 'organisatie' },
    limit: 1,
  });
  for (const m of measures) {
    await werkflow.econobis.saveIntakeMeasureWorkflow(
      m.id,
      {
        active: true,
        opportunityStatus: 'actief',
        opportunityAction: {
          dossierType: 'quotationRequest',
          status: 'offerte-nog-niet-aangevraagd',
          ...(supplier ? { organisationId: supplier.id } : {}),
        },
        emailTemplateId: opportunityMail.id,
      },
      SYSTEM_PRINCIPAL,
    );
  }
  return measures.length;
}

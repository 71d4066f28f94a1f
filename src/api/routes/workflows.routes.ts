import { Type } from '@sinclair/typebox';
import type { TypedApp } from '../fastify-types.js';
import type { Werkflow } from '../../engine/werkflow.js';
import { enginePrincipal } from '../principal.js';
import { errorResponses } from '../schemas.js';

const Recipients = Type.Array(Type.Union([Type.Literal('resident'), Type.Literal('coach')]), {
  minItems: 1,
  description: 'Who gets the mail: the resident (contact of the intake), the coach, or both',
});
const Part = Type.Object({ enabled: Type.Boolean(), emailTemplateId: Type.Optional(Type.String()) });

/** The Econobis "Workflows" screens: status workflows and task-type workflows, backed by templates. */
export function workflowRoutes(app: TypedApp, werkflow: Werkflow): void {
  app.get(
    '/api/workflows/statuses',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['econobis workflows'],
        summary: 'Workflows on opportunity and opportunity-action statuses (Actief, Verstuur herinnering)',
        response: { 200: Type.Object({ items: Type.Array(Type.Unknown()) }) },
      },
    },
    async () => ({ items: await werkflow.econobis.statusWorkflows() }),
  );
  app.put(
    '/api/workflows/statuses/:dossierType/:status',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['econobis workflows'],
        summary: 'Which status change sends which e-mail template after how many days (and a reminder)',
        params: Type.Object({ dossierType: Type.String(), status: Type.String() }),
        body: Type.Object({
          active: Type.Boolean(),
          emailTemplateId: Type.String(),
          numberOfDays: Type.Integer({ minimum: 0, maximum: 3650 }),
          sendReminder: Type.Boolean(),
          reminderDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
          recipients: Type.Optional(Recipients),
          reminderEmailTemplateId: Type.Optional(
            Type.String({ description: "The reminder's own e-mail template (default: the first mail's)" }),
          ),
          reminderRecipients: Type.Optional(Recipients),
        }),
        response: { 200: Type.Unknown(), ...errorResponses },
      },
    },
    async (request) => {
      const { dossierType, status } = request.params;
      return werkflow.econobis.saveStatusWorkflow(
        dossierType,
        status,
        request.body,
        enginePrincipal(request),
      );
    },
  );
  app.get(
    '/api/workflows/task-types',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['econobis workflows'],
        summary: 'The new / expired / completed workflows of every task type',
        response: { 200: Type.Object({ items: Type.Array(Type.Unknown()) }) },
      },
    },
    async () => ({ items: await werkflow.econobis.taskTypeWorkflows() }),
  );
  app.put(
    '/api/workflows/task-types/:taskType',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['econobis workflows'],
        summary: 'Set the task workflows of one task type',
        params: Type.Object({ taskType: Type.String() }),
        body: Type.Object({
          new: Type.Optional(Part),
          expired: Type.Optional(Part),
          completed: Type.Optional(
            Type.Object({
              enabled: Type.Boolean(),
              emailTemplateId: Type.Optional(Type.String()),
              numberOfDays: Type.Optional(Type.Integer({ minimum: 0 })),
            }),
          ),
        }),
        response: { 200: Type.Unknown(), ...errorResponses },
      },
    },
    async (request) =>
      werkflow.econobis.saveTaskTypeWorkflows(
        request.params.taskType,
        request.body,
        enginePrincipal(request),
      ),
  );
  app.get(
    '/api/workflows/intake-measures',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['econobis workflows'],
        summary:
          'Workflows on intake measures: per measure category the opportunity, opportunity action and mail made when an intake gets it',
        response: { 200: Type.Object({ items: Type.Array(Type.Unknown()) }) },
      },
    },
    async () => ({ items: await werkflow.econobis.intakeMeasureWorkflows() }),
  );
  app.put(
    '/api/workflows/intake-measures/:measureCategory',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['econobis workflows'],
        summary: 'When an intake gets this measure: the opportunity (status), an opportunity action, a mail',
        params: Type.Object({
          measureCategory: Type.String({ description: 'The measure category (dossier id)' }),
        }),
        body: Type.Object({
          active: Type.Boolean(),
          opportunityStatus: Type.String({ description: 'Status of the opportunity that is made' }),
          opportunityAction: Type.Optional(
            Type.Union([
              Type.Object({
                dossierType: Type.String({
                  description: 'quotationRequest, visit, budgetRequest or referral',
                }),
                status: Type.String(),
                organisationId: Type.Optional(
                  Type.String({ description: 'e.g. the supplier asked for a quotation' }),
                ),
              }),
              Type.Null(),
            ]),
          ),
          emailTemplateId: Type.Optional(
            Type.Union([
              Type.String({ description: 'An e-mail template written for opportunity' }),
              Type.Null(),
            ]),
          ),
        }),
        response: { 200: Type.Unknown(), ...errorResponses },
      },
    },
    async (request) =>
      werkflow.econobis.saveIntakeMeasureWorkflow(
        request.params.measureCategory,
        request.body,
        enginePrincipal(request),
      ),
  );
}

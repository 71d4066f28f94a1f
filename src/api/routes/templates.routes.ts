import { Type } from '@sinclair/typebox';
import type { TypedApp } from '../fastify-types.js';
import type { ActionTemplate, TemplateVersion } from '../../domain/template/action-template.js';
import { PENDING_CHOICES, pendingChoice } from '../../services/impact.service.js';
import type { TemplateWarning } from '../../services/template.service.js';
import type { Werkflow } from '../../engine/werkflow.js';
import { enginePrincipal } from '../principal.js';
import { plainJson } from '../contract-schemas.js';
import { ImpactReportSchema } from '../explain.schemas.js';
import { dossierBody, errorResponses } from '../schemas.js';

const Params = Type.Object({ id: Type.String() });
const DryRunQuery = Type.Object({ dryRun: Type.Optional(Type.Boolean()) });
const PendingBody = Type.Object({
  pending: Type.Optional(
    Type.Union([Type.Literal('keep'), Type.Literal('move'), Type.Literal('cancel')], {
      description: 'What happens to actions already planned from the old version; default keep.',
    }),
  ),
});
const Definition = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'A template definition: name, process, dossierType, event, conditions, timing, expiry, executionMode, effect, assignee, repeat, recheckAtDue, whenConditionsFail, categories, fanOut, reminder, priority, skipIfLateHours, maxDepth. Omitted optional parts get defaults. See docs/engine.md.',
});

function templateBody(t: ActionTemplate & { versions?: TemplateVersion[]; warnings?: TemplateWarning[] }) {
  return {
    ...(t.warnings && t.warnings.length > 0 ? { warnings: t.warnings } : {}),
    id: t.id,
    active: t.active,
    publishedVersion: t.publishedVersion,
    draft: t.draft,
    createdAt: new Date(t.createdAt).toISOString(),
    updatedAt: new Date(t.updatedAt).toISOString(),
    ...(t.versions
      ? {
          versions: t.versions.map((v) => ({
            version: v.version,
            publishedAt: new Date(v.publishedAt).toISOString(),
            publishedBy: v.publishedBy,
            definition: v.definition,
          })),
        }
      : {}),
  };
}

/** Action templates: drafts, publishing, activation, simulation, manual start, categories. */
export function templateRoutes(app: TypedApp, werkflow: Werkflow): void {
  const service = werkflow.templates;
  app.get(
    '/api/templates',
    {
      config: { permission: 'dossiers.read' },
      ...plainJson,
      schema: {
        tags: ['templates'],
        summary: 'List action templates',
        querystring: Type.Object({
          dossierType: Type.Optional(Type.String()),
          process: Type.Optional(Type.String()),
          active: Type.Optional(Type.Boolean()),
        }),
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('Template')) }), ...errorResponses },
      },
    },
    async (request) => ({
      items: (await service.list(request.query)).map((t) => templateBody(t)),
    }),
  );
  app.post(
    '/api/templates',
    {
      config: { permission: 'templates.manual' },
      ...plainJson,
      schema: {
        tags: ['templates'],
        summary: 'Create an action template (a draft; publish=true publishes it at once)',
        description:
          'Automatic and semi-automatic templates need the right workflows.automatic (Automatische workflow); manual ones templates.manual.',
        querystring: Type.Object({ publish: Type.Optional(Type.Boolean()) }),
        body: Definition,
        response: { 201: Type.Ref('Template'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const t = await service.create(request.body, enginePrincipal(request), {
        publish: request.query.publish ?? false,
      });
      return reply.status(201).header('Location', `/api/templates/${t.id}`).send(templateBody(t));
    },
  );
  app.get(
    '/api/templates/:id',
    {
      config: { permission: 'dossiers.read' },
      ...plainJson,
      schema: {
        tags: ['templates'],
        summary: 'A template with its draft and published versions',
        params: Params,
        response: { 200: Type.Ref('Template'), ...errorResponses },
      },
    },
    async (request) => templateBody(await service.get(request.params.id)),
  );
  app.put(
    '/api/templates/:id/draft',
    {
      config: { permission: 'templates.manual' },
      ...plainJson,
      schema: {
        tags: ['templates'],
        summary: 'Replace the draft (checked against the dossier types when saved)',
        params: Params,
        body: Definition,
        response: { 200: Type.Ref('Template'), ...errorResponses },
      },
    },
    async (request) =>
      templateBody(await service.updateDraft(request.params.id, request.body, enginePrincipal(request))),
  );
  app.post(
    '/api/templates/:id/publish',
    {
      config: { permission: 'templates.manual' },
      ...plainJson,
      schema: {
        tags: ['templates'],
        summary: 'Publish the draft as a new immutable version (dryRun=true: only show the impact)',
        description:
          'Body (optional): `{ "pending": "keep" | "move" | "cancel" }`. The answer has `impact`: open actions of the template cancelled / kept / re-timed (with new due times), dossiers that newly meet the template, and a sample of each with the reason. `pending` chooses what happens to actions already planned: keep them on their version (default), move them to the new one (re-checked and re-timed), or cancel them. The choice and the counts go into the audit log.',
        params: Params,
        querystring: DryRunQuery,
        response: {
          200: Type.Object({ version: Type.Integer(), impact: Type.Optional(ImpactReportSchema) }),
          ...errorResponses,
        },
      },
    },
    async (request) =>
      service.publish(request.params.id, enginePrincipal(request), {
        pending: pendingChoice(request.body),
        dryRun: request.query.dryRun ?? false,
      }),
  );
  app.post(
    '/api/templates/:id/active',
    {
      config: { permission: 'templates.manual' },
      ...plainJson,
      schema: {
        tags: ['templates'],
        summary: 'Switch a template on or off (dryRun=true: only show the impact)',
        description:
          'The answer has `impact` as for publishing; `pending` (keep, move, cancel) chooses what happens to actions already planned.',
        params: Params,
        querystring: DryRunQuery,
        body: Type.Object({ active: Type.Boolean(), pending: Type.Optional(PendingBody.properties.pending) }),
        response: {
          200: Type.Intersect([
            Type.Ref('Template'),
            Type.Object({ impact: Type.Optional(ImpactReportSchema) }),
          ]),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const body = request.body;
      const t = await service.setActive(request.params.id, body.active, enginePrincipal(request), {
        pending: body.pending ?? 'keep',
        dryRun: request.query.dryRun ?? false,
      });
      return { ...templateBody(t), ...(t.impact ? { impact: t.impact } : {}) };
    },
  );
  app.post(
    '/api/templates/:id/simulate',
    {
      config: { permission: 'dossiers.read' },
      ...plainJson,
      schema: {
        tags: ['templates'],
        summary:
          'What the template (or a given draft) would stamp now, with due times and rendered effects; writes nothing',
        params: Params,
        body: Type.Optional(
          Type.Object({
            draft: Type.Optional(Definition),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          }),
        ),
        response: { 200: Type.Ref('Simulation'), ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body ?? {};
      const r = await service.simulate(request.params.id, body);
      return {
        total: r.total,
        items: r.items.map((i) => ({
          dossier: dossierBody(i.dossier),
          dueAt: i.dueAt === null ? null : new Date(i.dueAt).toISOString(),
          effect: i.effect,
        })),
      };
    },
  );
  app.post(
    '/api/templates/:id/start',
    {
      config: { permission: 'actions.handle' },
      schema: {
        tags: ['templates'],
        summary: 'Start the published template on chosen dossiers by hand',
        params: Params,
        body: Type.Object({ dossierIds: Type.Array(Type.String(), { minItems: 1, maxItems: 10_000 }) }),
        response: {
          200: Type.Object({ stamped: Type.Integer(), actionIds: Type.Array(Type.String()) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const actions = await service.start(
        request.params.id,
        request.body.dossierIds,
        enginePrincipal(request),
      );
      return { stamped: actions.length, actionIds: actions.map((a) => a.id) };
    },
  );
  app.post(
    '/api/templates/:id/apply-categories',
    {
      config: { permission: 'templates.manual' },
      ...plainJson,
      schema: {
        tags: ['templates'],
        summary: 'Apply the linked categories to existing dossiers (dryRun: only count)',
        description:
          'toStamp and toRemove count actions (a fan-out template: one per related dossier). A dry run does the same work and rolls it back, so applying does exactly what it reported; applying again reports and does 0 / 0. `pending` chooses what happens to the open actions: `cancel` (default) cancels those whose dossier is outside the linked categories, `keep` leaves every open action as planned, `move` cancels those outside and re-checks and re-times the others on the published version. `impact` reports it as publishing does (cancelled, kept, re-timed, new dossiers, samples); the choice and the counts go into the audit log.',
        params: Params,
        body: Type.Object({
          dryRun: Type.Boolean({ default: true }),
          pending: Type.Optional(Type.Union(PENDING_CHOICES.map((p) => Type.Literal(p)))),
        }),
        response: {
          200: Type.Object({
            toStamp: Type.Integer(),
            toRemove: Type.Integer(),
            applied: Type.Boolean(),
            impact: ImpactReportSchema,
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const body = request.body;
      return service.applyCategories(request.params.id, enginePrincipal(request), {
        dryRun: body.dryRun,
        ...(body.pending ? { pending: body.pending } : {}),
      });
    },
  );
}

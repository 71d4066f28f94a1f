import { Type } from '@sinclair/typebox';
import type { TypedApp } from '../fastify-types.js';
import {
  ACTION_STATUSES,
  type Action,
  type ActionHistoryEntry,
  type ActionStatus,
} from '../../domain/action/action.js';
import { WerkflowError } from '../../domain/errors.js';
import type { Werkflow } from '../../engine/werkflow.js';
import { principalOf } from '../auth.hook.js';
import { enginePrincipal } from '../principal.js';
import { plainJson } from '../contract-schemas.js';
import { CursorQuery, decodeCursor, encodeCursor, errorResponses } from '../schemas.js';

const Params = Type.Object({ id: Type.String() });
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function actionBody(a: Action & { history?: ActionHistoryEntry[] }) {
  return {
    id: a.id,
    title: a.title,
    process: a.process,
    templateId: a.templateId,
    templateVersion: a.templateVersion,
    dossierId: a.dossierId,
    dossierType: a.dossierType,
    kind: a.kind,
    status: a.status,
    statusReason: a.statusReason,
    executionMode: a.executionMode,
    priority: a.priority,
    dueAt: iso(a.dueAt),
    expiresAt: iso(a.expiresAt),
    assigneeUserId: a.assigneeUserId,
    assigneeTeamId: a.assigneeTeamId,
    attempts: a.attempts,
    result: a.result,
    error: a.error,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
    completedAt: iso(a.completedAt),
    ...(a.delivery ? { delivery: { ...a.delivery, sentAt: iso(a.delivery.sentAt) } } : {}),
    ...(a.history
      ? {
          history: a.history.map((h) => ({
            at: iso(h.at),
            actor: h.actor,
            from: h.fromStatus,
            to: h.toStatus,
            note: h.note,
          })),
        }
      : {}),
  };
}

/** Actions: the to-do list and what people do with it. */
export function actionRoutes(app: TypedApp, werkflow: Werkflow): void {
  const service = werkflow.actions;
  app.get(
    '/api/actions',
    {
      config: { permission: 'dossiers.read' },
      ...plainJson,
      schema: {
        tags: ['actions'],
        summary: 'List actions: mine, my team’s, overdue, failed, by process, by dossier, by template',
        description:
          'Keyset-paged: pass `nextCursor` back as `cursor`. Overdue actions come most overdue first (by due time); every other list in creation order.',
        querystring: Type.Object({
          ...CursorQuery,
          status: Type.Optional(
            Type.String({ description: `Comma-separated: ${ACTION_STATUSES.join(', ')}` }),
          ),
          mine: Type.Optional(Type.Boolean({ description: 'Assigned to me or to one of my teams' })),
          overdue: Type.Optional(Type.Boolean()),
          process: Type.Optional(Type.String()),
          dossierId: Type.Optional(Type.String()),
          templateId: Type.Optional(Type.String()),
          assigneeUserId: Type.Optional(Type.String()),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(Type.Ref('Action')),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = Number(q.limit ?? 100);
      const statuses = typeof q.status === 'string' ? (q.status.split(',') as ActionStatus[]) : undefined;
      const unknown = statuses?.find((s) => !ACTION_STATUSES.includes(s));
      if (unknown)
        throw new WerkflowError(
          'validation_failed',
          `Unknown action status "${unknown}". Known: ${ACTION_STATUSES.join(', ')}.`,
          { path: 'query.status' },
        );
      let assigneeUserId = typeof q.assigneeUserId === 'string' ? q.assigneeUserId : undefined;
      let assigneeTeamIds: string[] | undefined;
      if (q.mine === true) {
        const me = principalOf(request).user;
        assigneeUserId = me.id;
        assigneeTeamIds = (await werkflow.dossiers.users.listTeams())
          .filter((t) => t.memberIds.includes(me.id))
          .map((t) => t.id);
      }
      const filter = {
        statuses,
        assigneeUserId,
        assigneeTeamIds,
        overdueAt: q.overdue === true ? werkflow.clock.now() : undefined,
        process: typeof q.process === 'string' ? q.process : undefined,
        dossierId: typeof q.dossierId === 'string' ? q.dossierId : undefined,
        templateId: typeof q.templateId === 'string' ? q.templateId : undefined,
        after: decodeCursor(typeof q.cursor === 'string' ? q.cursor : undefined),
        limit: limit + 1,
      };
      const items = await service.list(filter);
      const page = items.slice(0, limit);
      return {
        items: page.map((a) => actionBody(a)),
        nextCursor:
          items.length > limit ? encodeCursor(service.cursorAfter(filter, page[page.length - 1]!)) : null,
      };
    },
  );
  app.get(
    '/api/actions/:id',
    {
      config: { permission: 'dossiers.read' },
      ...plainJson,
      schema: {
        tags: ['actions'],
        summary: 'An action with its history',
        params: Params,
        response: { 200: Type.Ref('Action'), ...errorResponses },
      },
    },
    async (request) => actionBody(await service.get(request.params.id)),
  );
  app.get(
    '/api/actions/:id/preview',
    {
      config: { permission: 'actions.handle' },
      ...plainJson,
      schema: {
        tags: ['actions'],
        summary: 'What executing the action would do (the rendered e-mail)',
        params: Params,
        response: { 200: Type.Unknown(), ...errorResponses },
      },
    },
    async (request) => service.preview(request.params.id),
  );
  app.post(
    '/api/actions/:id/execute',
    {
      config: { permission: 'actions.handle' },
      ...plainJson,
      schema: {
        tags: ['actions'],
        summary: 'Execute now (semi-automatic "Execute", or again after a failure)',
        params: Params,
        response: { 200: Type.Ref('Action'), ...errorResponses },
      },
    },
    async (request) => actionBody(await service.execute(request.params.id, enginePrincipal(request))),
  );
  app.post(
    '/api/actions/:id/complete',
    {
      config: { permission: 'actions.handle' },
      ...plainJson,
      schema: {
        tags: ['actions'],
        summary: 'Mark done (manual actions and to-dos)',
        description:
          'For manual and semi-automatic actions, and for automatic actions that failed (done by hand instead). A pending automatic action is the engine’s to perform: cancel it to stop it. A running action cannot be marked done or cancelled until it finishes.',
        params: Params,
        body: Type.Optional(Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) })),
        response: { 200: Type.Ref('Action'), ...errorResponses },
      },
    },
    async (request) =>
      actionBody(await service.complete(request.params.id, enginePrincipal(request), request.body?.note)),
  );
  app.post(
    '/api/actions/:id/reschedule',
    {
      config: { permission: 'actions.handle' },
      ...plainJson,
      schema: {
        tags: ['actions'],
        summary: 'Move the due time',
        params: Params,
        body: Type.Object({ dueAt: Type.String({ format: 'date-time' }) }),
        response: { 200: Type.Ref('Action'), ...errorResponses },
      },
    },
    async (request) =>
      actionBody(
        await service.reschedule(request.params.id, Date.parse(request.body.dueAt), enginePrincipal(request)),
      ),
  );
  app.post(
    '/api/actions/:id/cancel',
    {
      config: { permission: 'actions.handle' },
      ...plainJson,
      schema: {
        tags: ['actions'],
        summary: 'Cancel an open action',
        params: Params,
        body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) })),
        response: { 200: Type.Ref('Action'), ...errorResponses },
      },
    },
    async (request) =>
      actionBody(await service.cancel(request.params.id, enginePrincipal(request), request.body?.reason)),
  );
}

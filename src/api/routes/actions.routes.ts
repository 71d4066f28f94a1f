import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { type Reason, readerReason } from '../../domain/action/reasons.js';
import { type Lang, languageOf } from '../../domain/template/explain-text.js';
import type { TypedApp } from '../fastify-types.js';
import {
  ACTION_STATUSES,
  type Action,
  type ActionHistoryEntry,
  type ActionStatus,
} from '../../domain/action/action.js';
import { WerkflowError } from '../../domain/errors.js';
import type { Werkflow } from '../../engine/werkflow.js';
import type { BulkOperation, Dashboard } from '../../services/action.service.js';
import type { ActionCountFilter } from '../../store/action.repository.js';
import { principalOf } from '../auth.hook.js';
import { enginePrincipal } from '../principal.js';
import { plainJson } from '../contract-schemas.js';
import { actorViews } from '../dossier-views.js';
import { CursorQuery, decodeCursor, encodeCursor, errorResponses } from '../schemas.js';

const Params = Type.Object({ id: Type.String() });

/** Counts stop here: "10.000+" costs a bounded read at a million actions, an exact count does not. */
const COUNT_CAP = 10_000;
const TABS = ['mine', 'team', 'overdue', 'failed', 'inDoubt', 'all'] as const;
type Tab = (typeof TABS)[number];
const OPEN_WORK: ActionStatus[] = ['waiting', 'pending', 'due', 'running', 'failed'];

const FilterQuery = {
  tab: Type.Optional(
    Type.Union(
      TABS.map((t) => Type.Literal(t)),
      {
        description:
          'mine: open work assigned to me; team: open work assigned to one of my teams; overdue: open work past its due time, most overdue first; failed; inDoubt: actions whose e-mail is in doubt; all',
      },
    ),
  ),
  status: Type.Optional(Type.String({ description: `Comma-separated: ${ACTION_STATUSES.join(', ')}` })),
  mine: Type.Optional(Type.Boolean({ description: 'Assigned to me or to one of my teams' })),
  overdue: Type.Optional(Type.Boolean()),
  inDoubt: Type.Optional(Type.Boolean({ description: 'Only actions whose e-mail is in doubt' })),
  process: Type.Optional(Type.String()),
  dossierId: Type.Optional(Type.String()),
  dossierType: Type.Optional(Type.String({ description: 'The data group (dossier type)' })),
  templateId: Type.Optional(Type.String()),
  assigneeUserId: Type.Optional(Type.String()),
  assigneeTeamId: Type.Optional(Type.String()),
  dueFrom: Type.Optional(Type.String({ format: 'date-time', description: 'Due at or after' })),
  dueBefore: Type.Optional(Type.String({ format: 'date-time', description: 'Due before' })),
};

const Count = Type.Object({ count: Type.Integer(), capped: Type.Boolean() });
const DashboardBody = Type.Object({
  timeZone: Type.String(),
  dayStart: Type.String({ format: 'date-time' }),
  dayEnd: Type.String({ format: 'date-time' }),
  weekStart: Type.String({ format: 'date-time' }),
  dueToday: Count,
  overdue: Count,
  failed: Count,
  inDoubt: Count,
  mailsSentThisWeek: Count,
  processes: Type.Array(
    Type.Object({
      process: Type.Union([Type.String(), Type.Null()]),
      dueToday: Type.Integer(),
      overdue: Type.Integer(),
      failed: Type.Integer(),
    }),
  ),
});

function dashboardBody(d: Dashboard, timeZone: string) {
  const count = (n: number) => ({ count: Math.min(n, d.cap), capped: n > d.cap });
  return {
    timeZone,
    dayStart: iso(d.dayStart)!,
    dayEnd: iso(d.dayEnd)!,
    weekStart: iso(d.weekStart)!,
    dueToday: count(d.dueToday),
    overdue: count(d.overdue),
    failed: count(d.failed),
    inDoubt: count(d.inDoubt),
    mailsSentThisWeek: count(d.mailsSentThisWeek),
    processes: d.processes,
  };
}
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A coded reason as the API gives it: code, params, and the sentence in the reader's language. */
function coded(r: Reason | null | undefined, lang: Lang) {
  return readerReason(r, lang);
}

function actionBody(
  a: Action & { history?: ActionHistoryEntry[] },
  request: FastifyRequest,
  who?: Awaited<ReturnType<typeof actorViews>>,
) {
  const lang = languageOf(request.headers['accept-language']);
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
    statusReasonCoded: coded(a.statusReasonCoded, lang),
    executionMode: a.executionMode,
    priority: a.priority,
    dueAt: iso(a.dueAt),
    expiresAt: iso(a.expiresAt),
    assigneeUserId: a.assigneeUserId,
    assigneeTeamId: a.assigneeTeamId,
    attempts: a.attempts,
    result: a.result,
    error: a.error,
    errorCoded: coded(a.errorCoded, lang),
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
    completedAt: iso(a.completedAt),
    ...(a.delivery ? { delivery: { ...a.delivery, sentAt: iso(a.delivery.sentAt) } } : {}),
    ...(a.history
      ? {
          history: a.history.map((h) => ({
            at: iso(h.at),
            // actor, and with `who` its name and kind, from one lookup.
            ...(who ? who(h.actor) : { actor: h.actor }),
            from: h.fromStatus,
            to: h.toStatus,
            note: h.note,
            noteCoded: coded(h.noteCoded, lang),
          })),
        }
      : {}),
  };
}

/** Actions: the to-do list and what people do with it. */
export function actionRoutes(app: TypedApp, werkflow: Werkflow): void {
  const service = werkflow.actions;
  /** The filters every list, count and tab shares (query string → repository filter). */
  async function selection(request: FastifyRequest, tab: Tab | undefined): Promise<ActionCountFilter> {
    const q = request.query as Record<string, string | boolean | number | undefined>;
    const text = (key: string) =>
      typeof q[key] === 'string' && q[key] !== '' ? (q[key] as string) : undefined;
    const statuses = text('status')?.split(',') as ActionStatus[] | undefined;
    const unknown = statuses?.find((s) => !ACTION_STATUSES.includes(s));
    if (unknown)
      throw new WerkflowError(
        'validation_failed',
        `Unknown action status "${unknown}". Known: ${ACTION_STATUSES.join(', ')}.`,
        { path: 'query.status' },
      );
    const time = (key: string) => {
      const value = text(key);
      return value === undefined ? undefined : Date.parse(value);
    };
    let filter: ActionCountFilter = {
      statuses,
      assigneeUserId: text('assigneeUserId'),
      assigneeTeamIds: text('assigneeTeamId') ? [text('assigneeTeamId')!] : undefined,
      overdueAt: q.overdue === true ? werkflow.clock.now() : undefined,
      process: text('process'),
      dossierId: text('dossierId'),
      templateId: text('templateId'),
      dossierType: text('dossierType'),
      dueFrom: time('dueFrom'),
      dueBefore: time('dueBefore'),
      inDoubt: q.inDoubt === true ? true : undefined,
    };
    if (q.mine === true) {
      const me = principalOf(request).user;
      filter = { ...filter, assigneeUserId: me.id, assigneeTeamIds: await teamsOf(me.id) };
    }
    return tab === undefined ? filter : { ...filter, ...(await tabFilter(request, tab)) };
  }

  async function teamsOf(userId: string): Promise<string[]> {
    return (await werkflow.dossiers.users.listTeams())
      .filter((t) => t.memberIds.includes(userId))
      .map((t) => t.id);
  }

  /** What each tab of the to-do list selects (the list and its count read the same). */
  async function tabFilter(request: FastifyRequest, tab: Tab): Promise<Partial<ActionCountFilter>> {
    const me = principalOf(request).user.id;
    switch (tab) {
      case 'mine':
        return { statuses: OPEN_WORK, assigneeUserId: me, assigneeTeamIds: undefined };
      case 'team':
        return { statuses: OPEN_WORK, assigneeUserId: undefined, assigneeTeamIds: await teamsOf(me) };
      case 'overdue':
        return { statuses: ['pending', 'due', 'failed'], overdueAt: werkflow.clock.now() };
      case 'failed':
        return { statuses: ['failed'] };
      case 'inDoubt':
        return { inDoubt: true };
      case 'all':
        return {};
    }
  }

  async function withNames(actions: readonly Action[], request: FastifyRequest) {
    const names = await service.names(actions);
    return actions.map((a) => ({ ...actionBody(a, request), ...names.get(a.id) }));
  }

  app.get(
    '/api/actions',
    {
      config: { permission: 'dossiers.read' },
      ...plainJson,
      schema: {
        tags: ['actions'],
        summary: 'List actions: mine, my team’s, overdue, failed, by process, by dossier, by template',
        description:
          'Keyset-paged: pass `nextCursor` back as `cursor`. Overdue actions come most overdue first (by due time); every other list in creation order. `tab` selects what a tab of the to-do list shows (the same as `/api/actions/counts` counts); the other filters narrow it. Each item carries its dossier’s title and the assignee’s name. `total` counts the whole selection up to 10,000 (`totalCapped`: more than that).',
        querystring: Type.Object({ ...CursorQuery, ...FilterQuery }),
        response: {
          200: Type.Object({
            items: Type.Array(Type.Ref('Action')),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
            total: Type.Integer(),
            totalCapped: Type.Boolean(),
            now: Type.String({
              format: 'date-time',
              description:
                'The server’s time of the answer: what is late, today or later is judged against it',
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = Number(q.limit ?? 100);
      const selected = await selection(request, q.tab);
      const filter = { ...selected, after: decodeCursor(q.cursor), limit: limit + 1 };
      const [items, total] = await Promise.all([service.list(filter), service.count(selected, COUNT_CAP)]);
      const page = items.slice(0, limit);
      return {
        items: await withNames(page, request),
        nextCursor:
          items.length > limit ? encodeCursor(service.cursorAfter(filter, page[page.length - 1]!)) : null,
        total: Math.min(total, COUNT_CAP),
        totalCapped: total > COUNT_CAP,
        now: iso(werkflow.clock.now())!,
      };
    },
  );

  app.get(
    '/api/actions/counts',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['actions'],
        summary: 'How many actions each tab of the to-do list holds, with the same filters',
        description: `Counted up to ${COUNT_CAP}; \`capped\` names the tabs holding more.`,
        querystring: Type.Object(FilterQuery),
        response: {
          200: Type.Object({
            counts: Type.Object(Object.fromEntries(TABS.map((t) => [t, Type.Integer()]))),
            capped: Type.Array(Type.String()),
            cap: Type.Integer(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      // In parallel: on PostgreSQL each count takes its own pooled connection.
      const found = await Promise.all(
        TABS.map(
          async (tab) => [tab, await service.count(await selection(request, tab), COUNT_CAP)] as const,
        ),
      );
      const counts = Object.fromEntries(found.map(([tab, n]) => [tab, Math.min(n, COUNT_CAP)]));
      const capped = found.filter(([, n]) => n > COUNT_CAP).map(([tab]) => tab);
      return { counts, capped, cap: COUNT_CAP };
    },
  );

  app.get(
    '/api/actions/dashboard',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['actions'],
        summary: 'The start page: due today, overdue, failed, in doubt, mails sent this week, per process',
        description:
          'Today and this week (from Monday) in the organisation’s time zone. Each figure is what the to-do list shows with the same filter: due today is open work (pending, due) due from `dayStart` to `dayEnd`; in doubt counts actions whose e-mail is in doubt; mails sent this week counts outbox messages sent since `weekStart`.',
        response: { 200: DashboardBody, ...errorResponses },
      },
    },
    async () => {
      const { timeZone } = await werkflow.calendar.settings();
      const now = DateTime.fromMillis(werkflow.clock.now(), { zone: timeZone });
      const day = now.startOf('day');
      return dashboardBody(
        await service.dashboard({
          now: now.toMillis(),
          dayStart: day.toMillis(),
          dayEnd: day.plus({ days: 1 }).toMillis(),
          weekStart: now.startOf('week').toMillis(),
          cap: COUNT_CAP,
        }),
        timeZone,
      );
    },
  );

  app.get(
    '/api/actions/assignees',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['actions'],
        summary: 'People and teams work can be assigned to, by name (for the list’s filter)',
        response: {
          200: Type.Object({
            users: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
            teams: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
          }),
          ...errorResponses,
        },
      },
    },
    async () => {
      const [users, teams] = await Promise.all([
        werkflow.dossiers.users.list(),
        werkflow.dossiers.users.listTeams(),
      ]);
      return {
        users: users.filter((u) => u.active).map((u) => ({ id: u.id, name: u.name })),
        teams: teams.map((t) => ({ id: t.id, name: t.name })),
      };
    },
  );

  app.post(
    '/api/actions/bulk',
    {
      config: { permission: 'actions.handle' },
      ...plainJson,
      schema: {
        tags: ['actions'],
        summary: 'Execute, complete, reschedule or cancel many actions at once',
        description:
          'Each action is handled on its own, as by its own request (audited one by one); the answer says per action whether it was done and, if not, why — with the action’s title and dossier, so a person reads which ones were left.',
        body: Type.Object({
          ids: Type.Array(Type.String(), { minItems: 1, maxItems: 200, uniqueItems: true }),
          operation: Type.Union([
            Type.Literal('execute'),
            Type.Literal('complete'),
            Type.Literal('reschedule'),
            Type.Literal('cancel'),
          ]),
          note: Type.Optional(Type.String({ maxLength: 2000 })),
          reason: Type.Optional(Type.String({ maxLength: 500 })),
          dueAt: Type.Optional(Type.String({ format: 'date-time' })),
          allowPast: Type.Optional(Type.Boolean()),
        }),
        response: {
          200: Type.Object({
            done: Type.Integer(),
            failed: Type.Integer(),
            results: Type.Array(
              Type.Object({
                id: Type.String(),
                ok: Type.Boolean(),
                title: Type.Union([Type.String(), Type.Null()]),
                dossierTitle: Type.Union([Type.String(), Type.Null()]),
                status: Type.Union([Type.String(), Type.Null()]),
                error: Type.Optional(Type.Ref('ErrorBody')),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const body = request.body as {
        ids: string[];
        operation: BulkOperation['type'];
        note?: string;
        reason?: string;
        dueAt?: string;
        allowPast?: boolean;
      };
      let op: BulkOperation;
      if (body.operation === 'reschedule') {
        if (body.dueAt === undefined)
          throw new WerkflowError('validation_failed', 'Rescheduling needs the new due time (dueAt).', {
            path: 'dueAt',
          });
        op = { type: 'reschedule', dueAt: Date.parse(body.dueAt), allowPast: body.allowPast };
      } else if (body.operation === 'complete') op = { type: 'complete', note: body.note };
      else if (body.operation === 'cancel') op = { type: 'cancel', reason: body.reason };
      else op = { type: 'execute' };
      const results = await service.bulk(body.ids, op, enginePrincipal(request));
      const actions = await service.found(body.ids);
      const names = await service.names(actions);
      const byId = new Map(actions.map((a) => [a.id, a] as const));
      return {
        done: results.filter((r) => r.ok).length,
        failed: results.filter((r) => !r.ok).length,
        results: results.map((r) => ({
          id: r.id,
          ok: r.ok,
          title: byId.get(r.id)?.title ?? null,
          dossierTitle: names.get(r.id)?.dossierTitle ?? null,
          status: byId.get(r.id)?.status ?? null,
          ...(r.ok ? {} : { error: { error: r.error } }),
        })),
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
    async (request) => {
      const action = await service.get(request.params.id);
      // Who did each step, by name ("Demo Beheerder", werkflow-worker, automatic).
      const who = await actorViews(
        werkflow,
        (action.history ?? []).map((h) => h.actor),
      );
      const names = await service.names([action]);
      return { ...actionBody(action, request, who), ...names.get(action.id) };
    },
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
    async (request) =>
      actionBody(await service.execute(request.params.id, enginePrincipal(request)), request),
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
      actionBody(
        await service.complete(request.params.id, enginePrincipal(request), request.body?.note),
        request,
      ),
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
        description:
          'A time in the past makes the action due at once; it is refused (422 at `dueAt`) unless `allowPast` is true.',
        body: Type.Object({
          dueAt: Type.String({ format: 'date-time' }),
          allowPast: Type.Optional(Type.Boolean({ description: 'The person confirmed a time in the past' })),
        }),
        response: { 200: Type.Ref('Action'), ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body;
      return actionBody(
        await service.reschedule(request.params.id, Date.parse(body.dueAt), enginePrincipal(request), {
          allowPast: body.allowPast,
        }),
        request,
      );
    },
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
      actionBody(
        await service.cancel(request.params.id, enginePrincipal(request), request.body?.reason),
        request,
      ),
  );
}

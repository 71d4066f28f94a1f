import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { TypedApp } from '../fastify-types.js';
import { WerkflowError } from '../../domain/errors.js';
import { isStorableText } from '../../domain/dossier.js';
import { actorWord } from '../../domain/actor.js';
import type { Werkflow } from '../../engine/werkflow.js';
import { actorOf } from '../request-context.js';
import { ActorFields, actorViews, dossierBodies, titleLanguage } from '../dossier-views.js';
import { readerReason } from '../../domain/action/reasons.js';
import { CodedReason } from '../contract-schemas.js';
import {
  CursorQuery,
  decodeCursor,
  decodeIdCursor,
  dossierBody,
  encodeCursor,
  errorResponses,
} from '../schemas.js';

const TypeParams = Type.Object({ type: Type.String({ description: 'Dossier type key, e.g. opportunity' }) });
const DossierParams = Type.Object({ type: Type.String(), id: Type.String() });
const RESERVED_QUERY = new Set(['cursor', 'limit', 'status', 'q', 'sort']);

/** The cursor of a page sorted otherwise than by id: the last item's sort key and id. */
function keyCursor(value: string | number, id: string): string {
  return encodeCursor(JSON.stringify([value, id]));
}

function decodeKeyCursor(cursor: string | undefined): { value: string | number; id: string } | undefined {
  const raw = decodeCursor(cursor);
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 2 &&
    (typeof parsed[0] === 'string' || typeof parsed[0] === 'number') &&
    typeof parsed[1] === 'string'
  )
    return { value: parsed[0], id: parsed[1] };
  throw new WerkflowError(
    'validation_failed',
    'This cursor is not valid for this order: start again without it.',
    {
      path: 'query.cursor',
    },
  );
}

/** The version a client read, from If-Match ("3" or W/"3"); required where `required`. */
function ifMatch(request: FastifyRequest, required: boolean): number | undefined {
  const raw = request.headers['if-match'];
  if (raw === undefined) {
    if (!required) return undefined;
    throw new WerkflowError(
      'precondition_required',
      'Send the version you read in an If-Match header (the ETag of GET), so that changes made by someone else in the meantime are not overwritten.',
      { path: 'If-Match' },
    );
  }
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(String(raw).trim());
  if (!m)
    throw new WerkflowError(
      'validation_failed',
      `If-Match must hold a version number such as "3", not ${String(raw)}.`,
      { path: 'If-Match' },
    );
  return Number(m[1]);
}

export function dossierRoutes(app: TypedApp, werkflow: Werkflow): void {
  const service = werkflow.dossiers;

  app.post(
    '/api/dossiers/:type',
    {
      config: { permission: 'dossiers.write' },
      schema: {
        tags: ['dossiers'],
        summary: 'Create a dossier',
        description:
          'The data is validated against the dossier type: unknown fields, wrong kinds, unknown statuses and references to missing dossiers are refused with 422 naming the field.',
        params: TypeParams,
        body: Type.Object({
          data: Type.Record(Type.String(), Type.Unknown()),
          externalId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        }),
        response: { 201: Type.Ref('Dossier'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { type } = request.params;
      const body = request.body;
      const dossier = await service.create(
        type,
        { data: body.data, externalId: body.externalId ?? null },
        actorOf(request),
      );
      return reply
        .status(201)
        .header('ETag', `"${dossier.version}"`)
        .header('Location', `/api/dossiers/${type}/${dossier.id}`)
        .send((await dossierBodies(werkflow, request, [dossier]))[0]);
    },
  );

  app.get(
    '/api/dossiers/:type',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['dossiers'],
        summary: 'List dossiers of a type',
        description:
          'Filter by status (`status=a,b`), by any field (`city=Zwolle`) and by words (`q=jan vries`: in the text fields, and in those of the dossiers the title reads through references); sort with `sort=field`, `sort=-updatedAt`; page with `cursor`. `total` counts every match.',
        params: TypeParams,
        querystring: Type.Object(
          {
            ...CursorQuery,
            status: Type.Optional(Type.String()),
            q: Type.Optional(Type.String({ maxLength: 200, description: 'Words to find, each must occur.' })),
            sort: Type.Optional(
              Type.String({
                description: 'id (default), updatedAt or a field key; a leading - sorts descending.',
              }),
            ),
          },
          { additionalProperties: true },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Type.Ref('Dossier')),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
            total: Type.Union([Type.Integer(), Type.Null()], {
              description:
                'How many dossiers match the filters (all pages); counted on the first page only (null with a cursor).',
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { type } = request.params;
      const query = request.query;
      const limit = Number(query.limit ?? 100);
      const fields: Record<string, string> = {};
      for (const [k, v] of Object.entries(query))
        if (!RESERVED_QUERY.has(k) && v !== undefined) fields[k] = String(v);
      const sortText = query.sort ?? '';
      const desc = sortText.startsWith('-');
      const by = sortText.replace(/^-/, '') || 'id';
      const byId = by === 'id' && !desc;
      const filter = {
        type,
        statuses: query.status ? query.status.split(',') : undefined,
        fields,
        search: query.q ? service.searchOf(type, query.q) : undefined,
        sort: service.sortOf(type, by, desc),
      };
      const items = await service.listSorted({
        ...filter,
        after: byId ? decodeCursor(query.cursor) : undefined,
        afterKey: byId ? undefined : decodeKeyCursor(query.cursor),
        limit: limit + 1,
      });
      const page = items.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: await dossierBodies(
          werkflow,
          request,
          page.map((r) => r.dossier),
        ),
        nextCursor:
          items.length > limit && last
            ? byId
              ? encodeCursor(last.dossier.id)
              : keyCursor(last.sortKey, last.dossier.id)
            : null,
        total: query.cursor ? null : await service.count({ ...filter, limit: 0 }),
      };
    },
  );

  app.get(
    '/api/dossiers/:type/:id',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['dossiers'],
        summary: 'Get a dossier (ETag = version)',
        params: DossierParams,
        response: { 200: Type.Ref('Dossier'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { type, id } = request.params;
      const dossier = await service.get(type, id);
      return reply
        .header('ETag', `"${dossier.version}"`)
        .send((await dossierBodies(werkflow, request, [dossier]))[0]);
    },
  );

  app.patch(
    '/api/dossiers/:type/:id',
    {
      config: { permission: 'dossiers.write' },
      schema: {
        tags: ['dossiers'],
        summary: 'Change fields of a dossier',
        description:
          'Requires If-Match with the version you read; 409 when someone else changed the dossier since, with `params` saying who (`by`, names), which fields (`fields`, keys) and the versions (`expected`, `current`). `null` clears a field.',
        params: DossierParams,
        headers: Type.Object({ 'if-match': Type.Optional(Type.String()) }),
        body: Type.Object({ data: Type.Record(Type.String(), Type.Unknown()) }),
        response: { 200: Type.Ref('Dossier'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { type, id } = request.params;
      const version = ifMatch(request, true)!;
      let dossier;
      try {
        dossier = await service.patch(type, id, request.body.data, version, actorOf(request));
      } catch (error) {
        throw await withWhoChanged(werkflow, error, type, id, version);
      }
      return reply
        .header('ETag', `"${dossier.version}"`)
        .send((await dossierBodies(werkflow, request, [dossier]))[0]);
    },
  );

  app.delete(
    '/api/dossiers/:type/:id',
    {
      config: { permission: 'dossiers.write' },
      schema: {
        tags: ['dossiers'],
        summary: 'Delete a dossier (If-Match optional)',
        params: DossierParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { type, id } = request.params;
      await service.delete(type, id, ifMatch(request, false), actorOf(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/dossiers/:type/:id/events',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['dossiers'],
        summary: 'The history of a dossier: every create, change (old and new values) and delete',
        params: DossierParams,
        querystring: Type.Object(CursorQuery),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.Integer(),
                kind: Type.String(),
                changes: Type.Record(
                  Type.String(),
                  Type.Object({ old: Type.Unknown(), new: Type.Unknown() }),
                ),
                status: Type.Union([Type.String(), Type.Null()]),
                ...ActorFields,
                occurredAt: Type.String({ format: 'date-time' }),
              }),
            ),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { type, id } = request.params;
      const query = request.query;
      const limit = query.limit ?? 100;
      const dossierType = service.typeOf(type);
      const before = decodeIdCursor(query.cursor);
      // A dossier's events outlive it (history of a deleted dossier stays readable), so the
      // events themselves say whether the id is one of this type; without any, ask the dossier.
      if (!isStorableText(id)) await service.get(type, id); // 404
      const events = await service.events.listForDossier(id, { limit: limit + 1, before });
      if (events.length === 0 && before === undefined) await service.get(type, id); // 404 for unknown dossiers
      if (events.length > 0 && events[0]!.dossierType !== dossierType.key) await service.get(type, id); // 404
      const page = events.slice(0, limit);
      const who = await actorViews(
        werkflow,
        page.map((e) => e.actor),
      );
      return {
        items: page.map((e) => ({
          id: e.id,
          kind: e.kind,
          changes: e.changes,
          status: e.status,
          ...who(e.actor),
          occurredAt: new Date(e.occurredAt).toISOString(),
        })),
        nextCursor: events.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
      };
    },
  );

  app.get(
    '/api/dossiers/:type/:id/action-steps',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['dossiers'],
        summary:
          'The steps of a dossier’s actions, newest first: created, due, executed, failed, rescheduled, cancelled',
        description:
          'One item per step (a row of an action’s history) with who did it by name and the reason in the reader’s language; page with `cursor` (keyset on the step id).',
        params: DossierParams,
        querystring: Type.Object(CursorQuery),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.Integer(),
                actionId: Type.String(),
                actionTitle: Type.String(),
                at: Type.String({ format: 'date-time' }),
                from: Type.Union([Type.String(), Type.Null()]),
                to: Type.String(),
                note: Type.Union([Type.String(), Type.Null()]),
                noteCoded: CodedReason,
                ...ActorFields,
              }),
            ),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { type, id } = request.params;
      const limit = request.query.limit ?? 100;
      const before = decodeIdCursor(request.query.cursor);
      const steps = await service.actionSteps(type, id, { before, limit: limit + 1 });
      if (steps.length === 0 && before === undefined) await service.get(type, id); // 404 for unknown dossiers
      const page = steps.slice(0, limit);
      const who = await actorViews(
        werkflow,
        page.map((s) => s.actor),
      );
      const lang = titleLanguage(request);
      return {
        items: page.map((s) => ({
          id: s.id,
          actionId: s.actionId,
          actionTitle: s.actionTitle,
          at: new Date(s.at).toISOString(),
          from: s.fromStatus,
          to: s.toStatus,
          note: s.note,
          noteCoded: readerReason(s.noteCoded, lang),
          ...who(s.actor),
        })),
        nextCursor: steps.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
      };
    },
  );

  app.get(
    '/api/dossiers/:type/:id/related',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['dossiers'],
        summary: 'The dossiers that refer to this one, per type and field (a training’s participants)',
        description:
          'One group per referring type and field with at least one dossier: `total` counts them all, `items` holds the first `limit` (default 20) with their titles. What a delete would be refused for.',
        params: DossierParams,
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                type: Type.String({ description: 'The referring dossier type.' }),
                field: Type.String({ description: 'Its field that points at this dossier.' }),
                total: Type.Integer(),
                items: Type.Array(Type.Ref('Dossier')),
                through: Type.Optional(
                  Type.Object(
                    { type: Type.String(), field: Type.String() },
                    {
                      description:
                        'Reached in two steps along required references: the type and field in between (a contact’s opportunities through its intakes).',
                    },
                  ),
                ),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { type, id } = request.params;
      const limit = request.query.limit ?? 20;
      const groups = await service.related(type, id, limit);
      const bodies = await dossierBodies(
        werkflow,
        request,
        groups.flatMap((g) => g.items),
      );
      const byId = new Map(bodies.map((b) => [b.id, b]));
      return {
        items: groups.map((g) => ({
          type: g.type,
          field: g.field,
          total: g.total,
          items: g.items.map((d) => byId.get(d.id)!),
          ...(g.through ? { through: g.through } : {}),
        })),
      };
    },
  );

  app.get(
    '/api/people',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['dossiers'],
        summary: 'Users and teams by name, for the user and team fields of dossiers',
        description: 'Only id and name (active users); the administration of users is under /api/users.',
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
        werkflow.auth.users.listUsers(),
        werkflow.auth.users.listTeams(),
      ]);
      const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, 'nl');
      return {
        users: users
          .filter((u) => u.active !== false)
          .map((u) => ({ id: u.id, name: u.name }))
          .sort(byName),
        teams: teams.map((t) => ({ id: t.id, name: t.name })).sort(byName),
      };
    },
  );

  app.put(
    '/api/dossiers/:type/by-external-id/:externalId',
    {
      config: { permission: 'dossiers.write' },
      schema: {
        tags: ['dossiers'],
        summary: 'Create or update one dossier by the id your CRM gives it',
        params: Type.Object({
          type: Type.String(),
          externalId: Type.String({ minLength: 1, maxLength: 200 }),
        }),
        body: Type.Object({ data: Type.Record(Type.String(), Type.Unknown()) }),
        response: { 200: Type.Ref('Dossier'), 201: Type.Ref('Dossier'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { type, externalId } = request.params;
      const result = await service.upsertByExternalId(
        type,
        [{ externalId, data: request.body.data }],
        actorOf(request),
      );
      const dossier = await service.get(type, result.ids[0]!);
      return reply
        .status(result.created === 1 ? 201 : 200)
        .header('ETag', `"${dossier.version}"`)
        .send(dossierBody(dossier));
    },
  );

  app.post(
    '/api/dossiers/:type/bulk-upsert',
    {
      bodyLimit: 64 * 1024 * 1024,
      config: { permission: 'dossiers.write' },
      schema: {
        tags: ['dossiers'],
        summary: 'Create or update up to 10,000 dossiers by external id, all or nothing',
        description:
          'One transaction: when any item is invalid nothing is written and the error names the item (items[12].data.email). Unchanged items cause no event.',
        params: TypeParams,
        body: Type.Object({
          items: Type.Array(
            Type.Object({
              externalId: Type.String({ minLength: 1, maxLength: 200 }),
              data: Type.Record(Type.String(), Type.Unknown()),
            }),
            { maxItems: 10_000 },
          ),
        }),
        response: {
          200: Type.Object({
            created: Type.Integer(),
            updated: Type.Integer(),
            unchanged: Type.Integer(),
            ids: Type.Array(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { type } = request.params;
      return service.upsertByExternalId(type, request.body.items, actorOf(request));
    },
  );
}

/**
 * A version conflict with who changed the dossier since the version the client read, and which
 * fields: `params.by` (names), `params.fields` (field keys), `expected` and `current` versions.
 */
async function withWhoChanged(
  werkflow: Werkflow,
  error: unknown,
  type: string,
  id: string,
  expected: number,
): Promise<unknown> {
  if (!(error instanceof WerkflowError) || error.code !== 'version_conflict') return error;
  const current = await werkflow.dossiers.dossiers.get(id);
  if (!current || current.type !== type) return error;
  const changes = await werkflow.dossiers.changesSince(id, expected, current.version);
  const who = await actorViews(
    werkflow,
    changes.map((c) => c.actor),
  );
  const by = [...new Set(changes.map((c) => actorWord(who(c.actor), 'automatic')))].join(', ');
  const fields = [...new Set(changes.flatMap((c) => c.fields))].join(',');
  const at = changes[0] ? new Date(changes[0].occurredAt).toISOString() : '';
  return new WerkflowError(
    'version_conflict',
    `This dossier was changed by ${by || 'someone else'} after you read it (${fields ? `fields: ${fields.split(',').join(', ')}; ` : ''}you read version ${expected}, it is now at version ${current.version}). Reload it to see the changes, apply yours again and send If-Match: ${current.version}.`,
    { path: 'If-Match', params: { expected, current: current.version, by, fields, at } },
  );
}

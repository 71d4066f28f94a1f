import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { TypedApp } from '../fastify-types.js';
import { WerkflowError } from '../../domain/errors.js';
import { isStorableText } from '../../domain/dossier.js';
import type { Werkflow } from '../../engine/werkflow.js';
import { actorOf } from '../request-context.js';
import { CursorQuery, decodeCursor, dossierBody, encodeCursor, errorResponses } from '../schemas.js';

const TypeParams = Type.Object({ type: Type.String({ description: 'Dossier type key, e.g. opportunity' }) });
const DossierParams = Type.Object({ type: Type.String(), id: Type.String() });
const RESERVED_QUERY = new Set(['cursor', 'limit', 'status']);

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
        .send(dossierBody(dossier));
    },
  );

  app.get(
    '/api/dossiers/:type',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['dossiers'],
        summary: 'List dossiers of a type',
        description: 'Filter by status (`status=a,b`) and by any field (`city=Zwolle`); page with `cursor`.',
        params: TypeParams,
        querystring: Type.Object(
          { ...CursorQuery, status: Type.Optional(Type.String()) },
          { additionalProperties: true },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Type.Ref('Dossier')),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
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
      const items = await service.list({
        type,
        statuses: query.status ? query.status.split(',') : undefined,
        fields,
        after: decodeCursor(query.cursor),
        limit: limit + 1,
      });
      const page = items.slice(0, limit);
      return {
        items: page.map(dossierBody),
        nextCursor: items.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
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
      return reply.header('ETag', `"${dossier.version}"`).send(dossierBody(dossier));
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
          'Requires If-Match with the version you read; 409 when someone else changed the dossier since. `null` clears a field.',
        params: DossierParams,
        headers: Type.Object({ 'if-match': Type.Optional(Type.String()) }),
        body: Type.Object({ data: Type.Record(Type.String(), Type.Unknown()) }),
        response: { 200: Type.Ref('Dossier'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { type, id } = request.params;
      const version = ifMatch(request, true)!;
      const dossier = await service.patch(type, id, request.body.data, version, actorOf(request));
      return reply.header('ETag', `"${dossier.version}"`).send(dossierBody(dossier));
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
                actor: Type.Union([Type.String(), Type.Null()]),
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
      const decoded = decodeCursor(query.cursor);
      const before = decoded === undefined ? undefined : Number(decoded);
      if (before !== undefined && !(Number.isSafeInteger(before) && before > 0)) {
        throw new WerkflowError(
          'validation_failed',
          'The cursor is not one this API gave out; start again without it.',
          {
            path: 'query.cursor',
          },
        );
      }
      // A dossier's events outlive it (history of a deleted dossier stays readable), so the
      // events themselves say whether the id is one of this type; without any, ask the dossier.
      if (!isStorableText(id)) await service.get(type, id); // 404
      const events = await service.events.listForDossier(id, { limit: limit + 1, before });
      if (events.length === 0 && before === undefined) await service.get(type, id); // 404 for unknown dossiers
      if (events.length > 0 && events[0]!.dossierType !== dossierType.key) await service.get(type, id); // 404
      const page = events.slice(0, limit);
      return {
        items: page.map((e) => ({
          id: e.id,
          kind: e.kind,
          changes: e.changes,
          status: e.status,
          actor: e.actor,
          occurredAt: new Date(e.occurredAt).toISOString(),
        })),
        nextCursor: events.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
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

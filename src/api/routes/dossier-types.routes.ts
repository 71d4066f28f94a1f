import { Type } from '@sinclair/typebox';
import type { TypedApp } from '../fastify-types.js';
import type { Werkflow } from '../../engine/werkflow.js';
import { plainJson } from '../contract-schemas.js';
import { errorResponses } from '../schemas.js';

export function dossierTypeRoutes(app: TypedApp, werkflow: Werkflow): void {
  app.get(
    '/api/dossier-types',
    {
      config: { permission: 'dossiers.read' },
      ...plainJson,
      schema: {
        tags: ['dossier types'],
        summary: 'The dossier types (data groups) with their fields and statuses',
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('DossierType')) }) },
      },
    },
    async () => ({ items: [...werkflow.catalog.all()] }),
  );
  app.get(
    '/api/dossier-types/:type',
    {
      config: { permission: 'dossiers.read' },
      ...plainJson,
      schema: {
        tags: ['dossier types'],
        summary: 'One dossier type',
        params: Type.Object({ type: Type.String() }),
        response: { 200: Type.Ref('DossierType'), ...errorResponses },
      },
    },
    async (request) => werkflow.dossiers.typeOf(request.params.type),
  );
}

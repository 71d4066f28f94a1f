import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Werkflow } from '../../engine/werkflow.js';
import { schemaVersion } from '../../store/migrator.js';

export function healthRoutes(app: FastifyInstance, werkflow: Werkflow): void {
  app.get(
    '/api/health',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Whether the service and its database answer',
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            database: Type.String(),
            schemaVersion: Type.Integer(),
            time: Type.String({ format: 'date-time' }),
          }),
        },
      },
    },
    async () => ({
      status: 'ok' as const,
      database: werkflow.store.adapter.name,
      schemaVersion: await schemaVersion(werkflow.store),
      time: new Date(werkflow.clock.now()).toISOString(),
    }),
  );
}

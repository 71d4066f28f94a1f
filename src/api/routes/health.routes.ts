import { Type } from '@sinclair/typebox';
import type { TypedApp } from '../fastify-types.js';
import { WerkflowError } from '../../domain/errors.js';
import type { Werkflow } from '../../engine/werkflow.js';
import { metricsAccess } from '../metrics-endpoint.js';

const ReadyBody = Type.Object({
  ready: Type.Boolean(),
  checks: Type.Object({
    database: Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) }),
    migrations: Type.Object({
      ok: Type.Boolean(),
      current: Type.Union([Type.Integer(), Type.Null()]),
      expected: Type.Integer(),
    }),
    scheduler: Type.Object({
      ok: Type.Boolean(),
      state: Type.Union([Type.Literal('not_started'), Type.Literal('alive'), Type.Literal('stalled')]),
      failing: Type.Boolean(),
    }),
  }),
});

export interface HealthOptions {
  /** WERKFLOW_METRICS_TOKEN: `/metrics` on the API port answers requests that carry it. */
  readonly metricsToken?: string | null;
}

/** Liveness, readiness (orchestrators) and the Prometheus metrics. */
export function healthRoutes(app: TypedApp, werkflow: Werkflow, options: HealthOptions = {}): void {
  app.get(
    '/api/health',
    {
      config: { permission: 'public' },
      logLevel: 'warn',
      schema: {
        tags: ['system'],
        summary: 'Liveness: the process answers (the database is not asked; see /api/ready)',
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            database: Type.String(),
            schemaVersion: Type.Integer({ description: 'The schema version this process migrated to' }),
            time: Type.String({ format: 'date-time' }),
          }),
        },
      },
    },
    async () => ({
      status: 'ok' as const,
      database: werkflow.store.adapter.name,
      schemaVersion: werkflow.migration.to,
      time: new Date(werkflow.clock.now()).toISOString(),
    }),
  );
  app.get(
    '/api/ready',
    {
      config: { permission: 'public' },
      logLevel: 'warn',
      schema: {
        tags: ['system'],
        summary:
          'Readiness: the database answers, migrations are current and the scheduler loop (if started here) is alive; 503 otherwise',
        response: { 200: ReadyBody, 503: ReadyBody },
      },
    },
    async (_request, reply) => {
      const r = await werkflow.readiness.check();
      return reply.code(r.ready ? 200 : 503).send(r);
    },
  );
  app.get(
    '/metrics',
    // Prometheus text, not part of the JSON API: left out of the OpenAPI document (docs/operations.md).
    { config: { permission: 'public' }, logLevel: 'warn', schema: { hide: true } },
    async (request, reply) => {
      const access = metricsAccess(options.metricsToken ?? null, request.headers.authorization);
      if (access === 'off')
        throw new WerkflowError(
          'not_found',
          'Metrics are off on this port: set WERKFLOW_METRICS_TOKEN (and send it as a bearer token), or start with --metrics-port.',
        );
      if (access === 'unauthenticated') {
        reply.header('WWW-Authenticate', 'Bearer');
        throw new WerkflowError('unauthenticated', 'Send WERKFLOW_METRICS_TOKEN as a bearer token.');
      }
      return reply.type(werkflow.metrics.contentType).send(await werkflow.metrics.text());
    },
  );
}

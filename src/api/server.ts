import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TypedApp } from './fastify-types.js';
import type { Werkflow } from '../engine/werkflow.js';
import { installErrorHandler } from './error-handler.js';
import { maskWebhookSecrets } from '../services/webhook-secrets.js';
import { DossierSchema, ErrorBodySchema } from './schemas.js';
import { CONTRACT_SCHEMAS } from './contract-schemas.js';
import { healthRoutes } from './routes/health.routes.js';
import { dossierTypeRoutes } from './routes/dossier-types.routes.js';
import { dossierRoutes } from './routes/dossiers.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { templateRoutes } from './routes/templates.routes.js';
import { actionRoutes } from './routes/actions.routes.js';
import { systemRoutes } from './routes/system.routes.js';
import { workflowRoutes } from './routes/workflows.routes.js';
import { emailRoutes } from './routes/email.routes.js';
import { meRoutes } from './routes/me.routes.js';
import { explainRoutes } from './routes/explain.routes.js';
import { installAuth, openApiTransform } from './auth.hook.js';
import { installStorableTextCheck } from './storable-text.js';
import { webRoutes } from '../web/web.routes.js';

export interface ServerOptions {
  /** `true`: Fastify's own pino at level info; a logger: request logs go to it (the CLI's pino). */
  readonly logger?: boolean | FastifyBaseLogger;
  /** WERKFLOW_METRICS_TOKEN: `/metrics` on the API port for requests that carry it as a bearer token. */
  readonly metricsToken?: string | null;
}

/** Route modules, each `(app, werkflow) => void`; one place lists them all. */
export type RouteModule = (app: TypedApp, werkflow: Werkflow) => void;
const ROUTES: RouteModule[] = [
  dossierTypeRoutes,
  dossierRoutes,
  authRoutes,
  templateRoutes,
  actionRoutes,
  systemRoutes,
  workflowRoutes,
  emailRoutes,
  explainRoutes,
  meRoutes,
  webRoutes,
];

/**
 * Builds the HTTP server: JSON API under /api, OpenAPI at /api/openapi.json, readable docs at
 * /api/docs. The routes only call the engine's services; none of them talks SQL.
 */
export async function buildServer(werkflow: Werkflow, options: ServerOptions = {}): Promise<FastifyInstance> {
  const logger = options.logger;
  const app = Fastify({
    ...(typeof logger === 'object'
      ? { loggerInstance: logger }
      : { logger: logger ? { level: 'info' } : false }),
    // Every request log line carries reqId: the caller's X-Request-Id when it sends one, else a new UUID.
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  });
  app.decorateRequest('actor', null);
  // The request id goes back to the caller, so a complaint can be matched to its log lines.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  installErrorHandler(app);
  // Parses the Cookie header (request.cookies) before the auth hook reads the session cookie.
  await app.register(cookie);
  // Before any route: refuses routes without a permission at start-up, checks rights per request.
  installAuth(app, werkflow);
  // Webhook signing secrets never leave the server: every answer carries a mask instead.
  app.addHook('preSerialization', async (_request, _reply, payload) => maskWebhookSecrets(payload));
  // No NUL or half surrogate pair in params, query or body (PostgreSQL refuses them): 422.
  installStorableTextCheck(app);
  app.addSchema(ErrorBodySchema);
  app.addSchema(DossierSchema);
  for (const schema of CONTRACT_SCHEMAS) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Werkflow API',
        version: '0.1.0',
        description:
          'Workflow and action engine for CRM dossiers. Errors are `{ "error": { "code", "message", "path" } }`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token (see /api/tokens).' },
          session: { type: 'apiKey', in: 'cookie', name: 'werkflow_session' },
        },
      },
    },
    transform: openApiTransform,
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  healthRoutes(app, werkflow, { metricsToken: options.metricsToken ?? null });
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  for (const routes of ROUTES) routes(typed, werkflow);
  return app;
}

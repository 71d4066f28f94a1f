/**
 * Authentication and rights for every route, in one place.
 *
 * The contract: every route declares `config: { permission }` (src/domain/permissions.ts).
 * - A route without one cannot be registered: `installAuth` adds an onRoute hook that throws,
 *   so `buildServer` (or the plugin that adds the route) fails at start-up and such a route can
 *   never ship. Routes under PUBLIC_ROUTE_PREFIXES (the API docs UI, whose plugin cannot declare
 *   a config) are marked `public` instead. Should a route still arrive without one, the request
 *   is refused (deny by default) and logged as a programming error.
 * - `public`: no credential needed (none is read).
 * - any other permission: the request must carry `Authorization: Bearer <API token>` or the
 *   session cookie. Missing or bad credential → 401 with `WWW-Authenticate`; a credential without
 *   the right → 403 whose message names the right. State-changing requests (POST, PUT, PATCH,
 *   DELETE) authenticated by the cookie must send the session's CSRF token in `X-CSRF-Token`;
 *   bearer-token requests need none (a browser never adds that header on its own).
 * - On success `request.principal` holds who it is (user, roles, rights) and `request.actor`
 *   what history and the audit log record (a user id, or `token:<id>`).
 *
 * Checks that depend on the body (an automatic template needs `workflows.automatic`) call
 * `requirePermission(request, permission, purpose)` in the handler.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { WerkflowError } from '../domain/errors.js';
import type { Permission } from '../domain/permissions.js';
import {
  API_TOKEN_PREFIX,
  RIGHT_LABELS,
  missingRightMessage,
  safeEqual,
  scopesGranting,
} from '../domain/auth/index.js';
import type { Principal } from '../services/auth/index.js';
import type { Werkflow } from '../engine/werkflow.js';
import './fastify-types.js';
import './request-context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is authenticated on this request; null on public routes. */
    principal: Principal | null;
  }
}

/** The name of the session cookie. */
export const SESSION_COOKIE = 'werkflow_session';

/** The header that carries the CSRF token of a cookie session. */
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Routes added by plugins that cannot declare a permission (the Swagger UI and its static
 * files). Everything under these prefixes is public; keep the list short.
 */
export const PUBLIC_ROUTE_PREFIXES: readonly string[] = ['/api/docs'];

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Reads one cookie of the request (parsed by @fastify/cookie, registered in buildServer). */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  return request.cookies?.[name];
}

/** Whether cookies must be `Secure`: behind https, or when WERKFLOW_COOKIE_SECURE=true. */
function secureCookies(request: FastifyRequest): boolean {
  if (process.env.WERKFLOW_COOKIE_SECURE === 'true') return true;
  if (process.env.WERKFLOW_COOKIE_SECURE === 'false') return false;
  // A client that claims https through a proxy only makes its own cookie stricter, so the
  // forwarded header may be believed here even without trustProxy.
  return request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
}

/** Sets the session cookie: httpOnly, SameSite=Lax, Secure behind https. */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  secret: string,
  maxAgeMs: number,
): void {
  reply.setCookie(SESSION_COOKIE, secret, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    maxAge: Math.floor(maxAgeMs / 1000),
    secure: secureCookies(request),
  });
}

/** Removes the session cookie from the browser. */
export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    maxAge: 0,
    secure: secureCookies(request),
  });
}

/** The authenticated principal of a request, or a 401 when there is none. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal)
    throw new WerkflowError(
      'unauthenticated',
      'Log in, or send an API token as "Authorization: Bearer <token>".',
    );
  return request.principal;
}

/**
 * Refuses the request with 403 unless its credential holds `permission`; returns the principal.
 * For checks that depend on the body, called from a handler.
 *
 * @example requirePermission(request, 'workflows.automatic', 'to publish automatic templates')
 */
export function requirePermission(
  request: FastifyRequest,
  permission: Permission,
  purpose?: string,
): Principal {
  const principal = principalOf(request);
  if (permission === 'public' || principal.rights.has(permission)) return principal;
  if (principal.kind === 'token' && principal.userRights.has(permission)) {
    throw new WerkflowError(
      'forbidden',
      `This API token ("${principal.token.name}", scopes ${principal.token.scopes.join(', ')}) does not grant the right ` +
        `${permission} (${RIGHT_LABELS[permission].nl})${purpose ? ` ${purpose}` : ''}; ` +
        `create a token with the scope ${scopesGranting(permission).join(' or ')}.`,
    );
  }
  throw new WerkflowError('forbidden', missingRightMessage(permission, purpose));
}

/** Who sends the request: the bearer token wins over the cookie. */
async function authenticate(request: FastifyRequest, werkflow: Werkflow): Promise<Principal> {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m)
      throw new WerkflowError(
        'unauthenticated',
        `Send the API token as "Authorization: Bearer ${API_TOKEN_PREFIX}…"; other schemes are not accepted.`,
      );
    return werkflow.auth.tokens.authenticateToken(m[1]!);
  }
  const secret = readCookie(request, SESSION_COOKIE);
  if (secret !== undefined && secret !== '') return werkflow.auth.sessions.authenticateSession(secret);
  throw new WerkflowError(
    'unauthenticated',
    'Log in (POST /api/auth/login), or send an API token as "Authorization: Bearer <token>".',
  );
}

function isPublicPrefix(url: string): boolean {
  return PUBLIC_ROUTE_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`));
}

/**
 * Installs the auth layer: the start-up check of every route's permission and the one
 * onRequest hook that authenticates and checks rights. Install before any route is added.
 */
export function installAuth(app: FastifyInstance, werkflow: Werkflow): void {
  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route: RouteOptions) => {
    const permission = (route.config as { permission?: Permission } | undefined)?.permission;
    if (permission !== undefined) return;
    if (isPublicPrefix(route.url)) {
      route.config = { ...(route.config ?? {}), permission: 'public' };
      return;
    }
    const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
    throw new Error(
      `Route ${method} ${route.url} declares no permission. Add config: { permission } ` +
        `(see src/domain/permissions.ts; 'public' for routes anyone may call).`,
    );
  });

  app.addHook('onRequest', async (request) => {
    if (request.is404) return; // unknown routes answer 404 without asking who is there
    const permission = request.routeOptions.config.permission;
    if (permission === undefined) {
      request.log.error(
        { url: request.routeOptions.url, method: request.method },
        'route without a permission reached the auth hook; refusing it (programming error)',
      );
      throw new WerkflowError(
        'forbidden',
        'This route declares no permission, so it is refused for everyone. This is a bug in Werkflow; please report it.',
      );
    }
    if (permission === 'public') return;
    const principal = await authenticate(request, werkflow);
    request.principal = principal;
    request.actor = principal.actor;
    if (principal.kind === 'session' && STATE_CHANGING.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !safeEqual(sent, principal.session.csrfToken))
        throw new WerkflowError(
          'forbidden',
          `This request changes data but carries no valid ${'X-CSRF-Token'} header. Read csrfToken from ` +
            'GET /api/auth/me (or the log-in response) and send it with every POST, PUT, PATCH and DELETE.',
          { path: 'X-CSRF-Token' },
        );
    }
    requirePermission(
      request,
      permission,
      `for ${request.method} ${request.routeOptions.url ?? request.url}`,
    );
  });
}

/**
 * Adds each route's permission to the OpenAPI document: `x-permission`, the security schemes it
 * accepts, and a line in its description. The route-by-role test reads `x-permission`.
 */
export function openApiTransform({
  schema,
  url,
  route,
}: {
  schema: unknown;
  url: string;
  route: RouteOptions;
}): { schema: Record<string, unknown>; url: string } {
  const permission = (route.config as { permission?: Permission } | undefined)?.permission;
  const base = (schema ?? {}) as Record<string, unknown>;
  if (permission === undefined) return { schema: base, url };
  const needs =
    permission === 'public'
      ? 'No credential needed.'
      : `Needs the right \`${permission}\` (${RIGHT_LABELS[permission].nl}).`;
  const description = typeof base.description === 'string' ? `${base.description}\n\n${needs}` : needs;
  return {
    schema: {
      ...base,
      description,
      'x-permission': permission,
      security: permission === 'public' ? [] : [{ bearer: [] }, { session: [] }],
    },
    url,
  };
}

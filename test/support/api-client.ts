import { expect } from 'vitest';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildServer } from '../../src/api/server.js';
import type { Role } from '../../src/domain/auth/roles.js';
import type { Werkflow } from '../../src/engine/werkflow.js';

/**
 * Authenticated API clients for tests. Every API route needs a credential (src/api/auth.hook.ts),
 * so tests call the API as a role:
 *
 * ```ts
 * const staff = await apiAs(werkflow, 'staff');
 * const res = await staff.request('POST', '/api/dossiers/contact', { data: { … } });
 * expect(res.statusCode).toBe(201);
 * expect(res.json()).toMatchObject({ … });
 * ```
 *
 * The client sends an API token with scope `all` (so it holds exactly the role's rights) as a
 * bearer token; bearer requests need no CSRF token. One server is built per Werkflow and shared
 * by its clients; one user per role is created on first use (`<role>@test.werkflow.local`).
 */
export type TestRole = 'admin' | 'workflowManager' | 'staff' | 'readOnly';

export const TEST_ROLES: readonly TestRole[] = ['admin', 'workflowManager', 'staff', 'readOnly'];

/** The built-in role each test role stands for. */
export const ROLE_OF: Readonly<Record<TestRole, Role>> = {
  admin: 'administrator',
  workflowManager: 'workflow-manager',
  staff: 'staff',
  readOnly: 'read-only',
};

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export interface ApiClient {
  readonly app: FastifyInstance;
  /** The user the client acts as (undefined for the anonymous client). */
  readonly userId: string | undefined;
  /** The bearer token sent (undefined for the anonymous client). */
  readonly token: string | undefined;
  /** Sends a request; a body that is not a string is sent as JSON. */
  request(
    method: HttpMethod,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
}

const servers = new WeakMap<Werkflow, Promise<FastifyInstance>>();

/** The server of a Werkflow, built once and shared by all its clients. */
export function serverFor(werkflow: Werkflow): Promise<FastifyInstance> {
  let server = servers.get(werkflow);
  if (!server) {
    server = buildServer(werkflow).then(async (app) => {
      await app.ready();
      return app;
    });
    servers.set(werkflow, server);
  }
  return server;
}

function client(
  app: FastifyInstance,
  token: string | undefined,
  userId: string | undefined,
  defaultHeaders: Record<string, string> = {},
): ApiClient {
  return {
    app,
    token,
    userId,
    request: (method, url, body, headers = {}) => {
      const options: InjectOptions = {
        method,
        url,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...defaultHeaders, ...headers },
      };
      if (body !== undefined) {
        options.payload = typeof body === 'string' ? body : JSON.stringify(body);
        options.headers = { 'content-type': 'application/json', ...options.headers };
      }
      return app.inject(options);
    },
  };
}

/** A user with `role` (created on first use) and a fresh token for it. */
export async function userWithToken(
  werkflow: Werkflow,
  role: TestRole,
  scopes: readonly string[] = ['all'],
): Promise<{ userId: string; token: string }> {
  const email = `${role.toLowerCase()}@test.werkflow.local`;
  const existing = await werkflow.auth.users.getUserByEmail(email);
  const user =
    existing ??
    (await werkflow.auth.users.createUser({ name: `Test ${role}`, email, roles: [ROLE_OF[role]] }, 'test'));
  const { secret } = await werkflow.auth.tokens.createTokenForUser(
    user.id,
    { name: `test ${role}`, scopes },
    'test',
  );
  return { userId: user.id, token: secret };
}

/** A client that acts as a user with `role`, authenticated by an API token. */
export async function apiAs(werkflow: Werkflow, role: TestRole): Promise<ApiClient> {
  const app = await serverFor(werkflow);
  const { userId, token } = await userWithToken(werkflow, role);
  return client(app, token, userId);
}

/** A client that sends no credential at all. */
export async function anonymousApi(werkflow: Werkflow): Promise<ApiClient> {
  return client(await serverFor(werkflow), undefined, undefined);
}

/** A client that sends a given bearer token (e.g. one made with narrower scopes). */
export async function apiWithToken(werkflow: Werkflow, token: string): Promise<ApiClient> {
  return client(await serverFor(werkflow), token, undefined);
}

/**
 * A client that logs in with an e-mail address and password, as a browser does, and sends the
 * session cookie and its CSRF token with every request.
 */
export async function sessionApi(
  werkflow: Werkflow,
  email: string,
  password: string,
): Promise<ApiClient & { readonly cookie: string; readonly csrfToken: string }> {
  const app = await serverFor(werkflow);
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  if (login.statusCode !== 200)
    throw new Error(`log-in as ${email} failed: ${login.statusCode} ${login.body}`);
  const header = login.headers['set-cookie'];
  const cookie = (Array.isArray(header) ? header[0]! : String(header)).split(';')[0]!;
  const { csrfToken, user } = login.json<{ csrfToken: string; user: { id: string } }>();
  return {
    ...client(app, undefined, user.id, { cookie, 'x-csrf-token': csrfToken }),
    cookie,
    csrfToken,
  };
}

/** Asserts an API error answer: its status, error code and (when given) the path it names. */
export function expectError(res: LightMyRequestResponse, status: number, code: string, path?: string): void {
  expect(res.statusCode, res.body).toBe(status);
  const body = res.json<{ error: { code: string; path: string; message: string } }>();
  expect(body.error.code).toBe(code);
  if (path !== undefined) expect(body.error.path).toBe(path);
}

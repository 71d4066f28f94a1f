/**
 * Walks every route of the OpenAPI document with every role and with no credential, and checks
 * the answer against the route's declared permission (`x-permission`) and the role → rights map
 * of src/domain/auth/roles.ts. New routes are covered the moment they are added.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/api/server.js';
import { PERMISSIONS, type Permission } from '../../src/domain/permissions.js';
import { ROLE_RIGHTS, allows } from '../../src/domain/auth/roles.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';
import {
  type ApiClient,
  type HttpMethod,
  ROLE_OF,
  TEST_ROLES,
  type TestRole,
  anonymousApi,
  apiAs,
} from '../support/api-client.js';

interface Operation {
  readonly method: HttpMethod;
  readonly path: string;
  readonly url: string;
  readonly permission: Permission;
  readonly hasBody: boolean;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** The operations of the OpenAPI document, with path parameters filled with a value no row has. */
function operationsOf(doc: { paths: Record<string, Record<string, Record<string, unknown>>> }): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      ops.push({
        method: method.toUpperCase() as HttpMethod,
        path,
        url: path.replace(/\{[^}]+\}/g, 'no-such-id'),
        permission: op['x-permission'] as Permission,
        hasBody: op.requestBody !== undefined,
      });
    }
  }
  return ops;
}

function send(client: ApiClient, op: Operation) {
  return client.request(op.method, op.url, op.hasBody ? {} : undefined);
}

describe.each(BACKENDS)('route permissions on $name', (backend) => {
  let werkflow: Werkflow;
  let ops: Operation[];
  let clients: Record<TestRole, ApiClient>;
  let anonymous: ApiClient;

  beforeAll(async () => {
    werkflow = await openTestWerkflow(backend, { clock: new TestClock() });
    anonymous = await anonymousApi(werkflow);
    const res = await anonymous.request('GET', '/api/openapi.json');
    expect(res.statusCode).toBe(200);
    ops = operationsOf(res.json());
    clients = Object.fromEntries(
      await Promise.all(TEST_ROLES.map(async (role) => [role, await apiAs(werkflow, role)] as const)),
    ) as Record<TestRole, ApiClient>;
  });
  afterAll(async () => {
    await werkflow?.close();
  });

  it('the document lists the routes, each with a known permission', () => {
    expect(ops.length).toBeGreaterThan(20);
    for (const op of ops) expect(PERMISSIONS, `${op.method} ${op.path}`).toContain(op.permission);
    // Spot checks that the walk sees the routes this issue is about.
    const find = (m: string, p: string) => ops.find((o) => o.method === m && o.path === p)?.permission;
    expect(find('GET', '/api/health')).toBe('public');
    expect(find('POST', '/api/auth/login')).toBe('public');
    expect(find('GET', '/api/audit-log')).toBe('admin');
    expect(find('POST', '/api/users')).toBe('admin');
    // Explain, the process map and the impact of publishing or switching (issue 13).
    expect(find('GET', '/api/dossiers/{type}/{id}/explain')).toBe('dossiers.read');
    expect(find('GET', '/api/processes/{process}/map')).toBe('dossiers.read');
    expect(find('POST', '/api/templates/{id}/publish')).toBe('templates.manual');
    expect(find('POST', '/api/templates/{id}/active')).toBe('templates.manual');
  });

  it('without a credential every route but the public ones answers 401 with WWW-Authenticate', async () => {
    const wrong: string[] = [];
    for (const op of ops) {
      const res = await send(anonymous, op);
      if (op.permission === 'public') {
        if (res.statusCode === 401 || res.statusCode === 403)
          wrong.push(`${op.method} ${op.path}: ${res.statusCode}`);
      } else if (res.statusCode !== 401 || !res.headers['www-authenticate']) {
        wrong.push(`${op.method} ${op.path}: ${res.statusCode} ${res.body}`);
      } else {
        expect(res.json()).toMatchObject({ error: { code: 'unauthenticated' } });
      }
    }
    expect(wrong).toEqual([]);
  });

  it('a bad token answers 401, never 403 or 2xx', async () => {
    const ghost: ApiClient = {
      ...anonymous,
      request: (m, u, b, h) =>
        anonymous.request(m, u, b, { authorization: 'Bearer wft_not-a-real-token', ...h }),
    };
    for (const op of ops.filter((o) => o.permission !== 'public')) {
      const res = await send(ghost, op);
      expect(res.statusCode, `${op.method} ${op.path}`).toBe(401);
    }
  });

  it.each(TEST_ROLES)('as %s every route answers 403 exactly when the role lacks its right', async (role) => {
    const rights = new Set(ROLE_RIGHTS[ROLE_OF[role]]);
    const wrong: string[] = [];
    for (const op of ops) {
      const res = await send(clients[role], op);
      const where = `${op.method} ${op.path} (${op.permission})`;
      if (allows(rights, op.permission)) {
        if (res.statusCode === 401 || res.statusCode === 403 || res.statusCode >= 500)
          wrong.push(`${where}: expected access, got ${res.statusCode} ${res.body}`);
      } else if (res.statusCode !== 403) {
        wrong.push(`${where}: expected 403, got ${res.statusCode} ${res.body}`);
      } else {
        const body = res.json<{ error: { code: string; message: string } }>();
        expect(body.error.code).toBe('forbidden');
        // The message names the missing right and says what to do.
        expect(body.error.message).toContain(`the right ${op.permission}`);
        expect(body.error.message).toContain('ask an administrator');
        expect(res.body).not.toMatch(/\bat .+\.(ts|js):\d+/); // never a stack trace
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses at start-up a route that declares no permission', async () => {
    const app: FastifyInstance = await buildServer(werkflow);
    try {
      expect(() => app.get('/api/forgotten', async () => 'oops')).toThrow(/declares no permission/);
      // Also when the route comes from a plugin: then the server does not become ready.
      const plugged = await buildServer(werkflow);
      void plugged.register(async (child) => {
        child.post('/api/plugged', async () => 'oops');
      });
      await expect(plugged.ready()).rejects.toThrow(/declares no permission/);
      await plugged.close().catch(() => {});
    } finally {
      await app.close();
    }
  });
});

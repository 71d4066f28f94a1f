/**
 * The auth, user, team, token and audit-log routes with what a client can send that no stored row
 * holds: NUL characters, half surrogate pairs, made-up cursors. PostgreSQL refuses such text, so
 * the preValidation hook of src/api/storable-text.ts answers 422 before it reaches storage; on
 * SQLite and PostgreSQL alike nothing a client sends produces a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { encodeCursor } from '../../src/api/schemas.js';
import { type ApiClient, type HttpMethod, anonymousApi, apiAs, expectError } from '../support/api-client.js';
import { BACKENDS, openTestWerkflow } from '../support/backends.js';

describe.each(BACKENDS)('auth routes with odd input on $name', (backend) => {
  let werkflow: Werkflow;
  let admin: ApiClient;
  let anonymous: ApiClient;
  let userId: string;
  let teamId: string;

  beforeAll(async () => {
    werkflow = await openTestWerkflow(backend);
    admin = await apiAs(werkflow, 'admin');
    anonymous = await anonymousApi(werkflow);
    const user = await werkflow.auth.users.createUser(
      { name: 'Nina Nul', email: 'nina@example.nl', roles: ['staff'] },
      'test',
    );
    userId = user.id;
    teamId = (await werkflow.auth.users.createTeam({ name: 'Backoffice', memberIds: [userId] }, 'test')).id;
  });
  afterAll(async () => {
    await werkflow?.close();
  });

  it('a NUL character or half a surrogate pair is a 422 naming where it is', async () => {
    const message = /^Text may not contain a NUL character or half of a surrogate pair/;
    for (const url of ['/api/users/%00', '/api/teams/a%00b', '/api/users/%00/roles']) {
      const res = await admin.request(url.endsWith('roles') ? 'PUT' : 'GET', url, { roles: ['staff'] });
      expectError(res, 422, 'validation_failed', 'params.id');
      expect(res.json<{ error: { message: string } }>().error.message).toMatch(message);
    }
    expectError(await admin.request('DELETE', '/api/tokens/%00'), 422, 'validation_failed', 'params.id');
    expectError(await admin.request('DELETE', '/api/users/x%00'), 422, 'validation_failed', 'params.id');
    expectError(
      await admin.request('GET', '/api/audit-log?actor=x%00'),
      422,
      'validation_failed',
      'query.actor',
    );
    expectError(
      await anonymous.request('POST', '/api/auth/login', { email: 'a\u0000@example.nl', password: 'x' }),
      422,
      'validation_failed',
      'email',
    );
    expectError(
      await anonymous.request('POST', '/api/auth/password-reset', { email: '\ud800@example.nl' }),
      422,
      'validation_failed',
      'email',
    );
    expectError(
      await admin.request('POST', '/api/teams', { name: 'Team', memberIds: [userId, 'x\u0000'] }),
      422,
      'validation_failed',
      'memberIds[1]',
    );
    expectError(
      await admin.request('POST', '/api/tokens', { name: 'a\udc00b', scopes: ['read'] }),
      422,
      'validation_failed',
      'name',
    );
  });

  it('an audit-log cursor that is no id the log can have is a 422', async () => {
    for (const value of ['1e300', 'abc', String(2 ** 60), '9007199254740993', '1.5', 'Infinity']) {
      expectError(
        await admin.request('GET', `/api/audit-log?cursor=${encodeCursor(value)}`),
        422,
        'validation_failed',
        'cursor',
      );
    }
    const first = (await admin.request('GET', '/api/audit-log?limit=1')).json<{ nextCursor: string }>();
    expect((await admin.request('GET', `/api/audit-log?cursor=${first.nextCursor}`)).statusCode).toBe(200);
  });

  it('random paths, queries and bodies at the auth, user, team, token and audit routes', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.constantFrom('\u0000', 'a\u0000', '\ud800', '\udfff x', 'USER', 'TEAM', '', 'nina@example.nl'),
    );
    const segment = fc.oneof(
      fc.constantFrom('USER', 'TEAM', 'no-such-id'),
      text.map((s) => {
        try {
          return encodeURIComponent(s);
        } catch {
          return '%ED%A0%80'; // a lone surrogate cannot be percent-encoded: send its bytes instead
        }
      }),
      fc.constantFrom('%00', 'a%00b', '%ZZ', '%E0%A4%A', '%2F', '😀', '%F0%9F', '%ED%A0%80', ' '),
    );
    const path = fc.oneof(
      fc.constantFrom(
        '/api/auth/login',
        '/api/auth/logout',
        '/api/auth/me',
        '/api/auth/password',
        '/api/auth/password-reset',
        '/api/auth/password-reset/confirm',
        '/api/roles',
        '/api/users',
        '/api/teams',
        '/api/tokens',
        '/api/audit-log',
      ),
      fc
        .tuple(segment, fc.constantFrom('', '/roles', '/password-reset'))
        .map(([id, sub]) => `/api/users/${id}${sub}`),
      fc.tuple(segment, fc.constantFrom('', '/members')).map(([id, sub]) => `/api/teams/${id}${sub}`),
      segment.map((id) => `/api/tokens/${id}`),
    );
    const queryValue = fc.oneof(
      segment,
      fc.constantFrom(
        encodeCursor('1e300'),
        encodeCursor('abc'),
        encodeCursor(String(2 ** 60)),
        encodeCursor('12'),
        '2026-11-23T09:00:00Z',
        'true',
        '0',
        '-1',
        '1e9',
      ),
    );
    const query = fc.option(
      fc.array(
        fc.tuple(
          fc.constantFrom(
            'cursor',
            'limit',
            'all',
            'entityType',
            'entityId',
            'actor',
            'action',
            'from',
            'to',
            '__proto__',
            '%00',
          ),
          queryValue,
        ),
        { maxLength: 4 },
      ),
    );
    const value = fc.oneof(text, fc.jsonValue({ maxDepth: 1 }));
    const body = fc.oneof(
      fc
        .record(
          {
            email: value,
            password: value,
            currentPassword: value,
            newPassword: value,
            token: value,
            name: value,
            phone: value,
            jobTitle: value,
            active: fc.oneof(fc.boolean(), text),
            roles: fc.oneof(
              fc.array(fc.oneof(fc.constantFrom('staff', 'read-only'), text), { maxLength: 3 }),
              value,
            ),
            memberIds: fc.oneof(fc.array(fc.oneof(fc.constant('USER'), text), { maxLength: 3 }), value),
            scopes: fc.oneof(
              fc.array(fc.oneof(fc.constantFrom('read', 'all'), text), { maxLength: 3 }),
              value,
            ),
            expiresAt: fc.oneof(fc.constant('2030-01-01T00:00:00Z'), text),
          },
          { requiredKeys: [] },
        )
        .map((b) => JSON.stringify(b)),
      fc.dictionary(text, text, { maxKeys: 3 }).map((b) => JSON.stringify(b)),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 40 }),
      fc.constant(undefined),
    );
    const fill = (s: string) => s.replaceAll('USER', userId).replaceAll('TEAM', teamId);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<HttpMethod>('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
        path,
        query,
        body,
        async (method, rawPath, q, payload) => {
          const url = fill(rawPath);
          const search = q ? q.map(([k, v]) => `${k}=${v}`).join('&') : '';
          const sent = payload === undefined || method === 'GET' ? undefined : fill(payload);
          const res = await admin.request(method, search ? `${url}?${search}` : url, sent, {
            'content-type': 'application/json',
          });
          expect(res.statusCode, `${method} ${url}?${search} ${sent ?? ''} → ${res.body}`).toBeLessThan(500);
        },
      ),
      { numRuns: 400 },
    );
    await werkflow.auth.reset.whenIdle();
  });
});

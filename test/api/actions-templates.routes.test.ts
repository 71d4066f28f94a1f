/**
 * The action and template routes with what a client can send that no stored row holds: NUL
 * characters, half surrogate pairs, made-up cursors. PostgreSQL refuses such text in a query, so
 * each must be answered before it reaches storage (404 for an id, 422 for a filter or body), on
 * SQLite and PostgreSQL alike; and nothing a client sends produces a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { type ApiClient, type HttpMethod, apiAs, expectError } from '../support/api-client.js';
import { BACKENDS, openTestWerkflow } from '../support/backends.js';

describe.each(BACKENDS)('action and template routes with odd input on $name', (backend) => {
  let werkflow: Werkflow;
  let api: ApiClient;
  let templateId: string;
  let actionId: string;
  let contactId: string;

  beforeAll(async () => {
    werkflow = await openTestWerkflow(backend);
    api = await apiAs(werkflow, 'workflowManager');
    const created = await api.request('POST', '/api/templates?publish=true', {
      name: 'Bel de nieuwe contactpersoon',
      process: 'Intake',
      dossierType: 'contact',
      event: { type: 'created' },
      executionMode: 'manual',
      effect: { type: 'none' },
    });
    expect(created.statusCode, created.body).toBe(201);
    templateId = created.json<{ id: string }>().id;
    const contact = await api.request('POST', '/api/dossiers/contact', {
      data: { kind: 'persoon', name: 'Nina Nul', email: 'nina@example.nl' },
    });
    expect(contact.statusCode, contact.body).toBe(201);
    contactId = contact.json<{ id: string }>().id;
    const actions = await api.request('GET', `/api/actions?dossierId=${contactId}`);
    actionId = actions.json<{ items: { id: string }[] }>().items[0]!.id;
  });
  afterAll(async () => {
    await api?.app.close();
    await werkflow?.close();
  });

  it('an id with a NUL character or half a surrogate pair is not found', async () => {
    for (const id of ['abc%00', '%00', 'a%00b']) {
      expectError(await api.request('GET', `/api/actions/${id}`), 404, 'not_found');
      expectError(await api.request('GET', `/api/actions/${id}/preview`), 404, 'not_found');
      expectError(await api.request('POST', `/api/actions/${id}/execute`), 404, 'not_found');
      expectError(await api.request('POST', `/api/actions/${id}/complete`, {}), 404, 'not_found');
      expectError(await api.request('POST', `/api/actions/${id}/cancel`, {}), 404, 'not_found');
      expectError(
        await api.request('POST', `/api/actions/${id}/reschedule`, { dueAt: '2026-12-01T09:00:00Z' }),
        404,
        'not_found',
      );
      expectError(await api.request('GET', `/api/templates/${id}`), 404, 'not_found');
      expectError(await api.request('POST', `/api/templates/${id}/publish`), 404, 'not_found');
      expectError(
        await api.request('POST', `/api/templates/${id}/active`, { active: false }),
        404,
        'not_found',
      );
      expectError(await api.request('POST', `/api/templates/${id}/simulate`, {}), 404, 'not_found');
      expectError(
        await api.request('POST', `/api/templates/${id}/start`, { dossierIds: [contactId] }),
        404,
        'not_found',
      );
      expectError(
        await api.request('POST', `/api/templates/${id}/apply-categories`, { dryRun: true }),
        404,
        'not_found',
      );
    }
  });

  it('a filter with a NUL character is a 422 on its query parameter', async () => {
    for (const key of ['dossierId', 'templateId', 'process', 'assigneeUserId']) {
      expectError(
        await api.request('GET', `/api/actions?${key}=x%00`),
        422,
        'validation_failed',
        `query.${key}`,
      );
    }
    expectError(
      await api.request('GET', '/api/templates?process=a%00b'),
      422,
      'validation_failed',
      'query.process',
    );
    expectError(
      await api.request('GET', '/api/templates?dossierType=%00'),
      422,
      'validation_failed',
      'query.dossierType',
    );
    // Ordinary filters still work.
    const ok = await api.request('GET', `/api/actions?templateId=${templateId}&process=Intake`);
    expect(ok.json<{ items: { id: string }[] }>().items.map((a) => a.id)).toEqual([actionId]);
  });

  it('a cursor this API did not give out is a 422; its own cursors page on', async () => {
    for (const cursor of ['AA', 'AAAA', '%00', 'YQ==', 'not base64!', '7Q', '____']) {
      const res = await api.request('GET', `/api/actions?cursor=${cursor}`);
      expectError(res, 422, 'validation_failed', 'query.cursor');
      expect(res.json<{ error: { message: string } }>().error.message).toBe(
        'This cursor is not valid: start again without it.',
      );
    }
    await api.request('POST', '/api/dossiers/contact', {
      data: { kind: 'persoon', name: 'Tweede', email: 'tweede@example.nl' },
    });
    const first = (await api.request('GET', '/api/actions?limit=1')).json<{
      items: unknown[];
      nextCursor: string;
    }>();
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await api.request('GET', `/api/actions?limit=1&cursor=${first.nextCursor}`);
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json<{ items: unknown[] }>().items).toHaveLength(1);
    // An empty cursor is no cursor.
    expect((await api.request('GET', '/api/actions?cursor=')).statusCode).toBe(200);
  });

  it('text PostgreSQL cannot store in a body is a 422 with its path', async () => {
    expectError(
      await api.request('POST', '/api/templates', {
        name: 'Nul\u0000teken',
        dossierType: 'contact',
        event: { type: 'created' },
        executionMode: 'manual',
        effect: { type: 'none' },
      }),
      422,
      'validation_failed',
      'name',
    );
    expectError(
      await api.request('PUT', `/api/templates/${templateId}/draft`, {
        name: 'Bel',
        dossierType: 'contact',
        event: { type: 'created' },
        executionMode: 'manual',
        effect: { type: 'none' },
        conditions: { type: 'compare', field: 'city', op: 'eq', value: 'Zwolle\u0000' },
      }),
      422,
      'validation_failed',
      'conditions.value',
    );
    expectError(
      await api.request('POST', `/api/templates/${templateId}/simulate`, {
        draft: {
          name: 'Bel',
          dossierType: 'contact',
          event: { type: 'created' },
          executionMode: 'manual',
          effect: { type: 'none' },
          conditions: { type: 'compare', field: 'city', op: 'eq', value: '\ud800' },
        },
      }),
      422,
      'validation_failed',
      'conditions.value',
    );
    expectError(
      await api.request('POST', `/api/templates/${templateId}/start`, { dossierIds: [contactId, 'x\u0000'] }),
      422,
      'validation_failed',
      'dossierIds[1]',
    );
  });

  it('random methods, paths, queries and bodies at the action and template routes', async () => {
    const odd = fc.oneof(
      fc.string({ maxLength: 30 }).map(encodeURIComponent),
      fc.string({ unit: 'binary', maxLength: 10 }).map((s) => {
        try {
          return encodeURIComponent(s);
        } catch {
          return '%ED%A0%80'; // a lone surrogate cannot be percent-encoded: send its bytes instead
        }
      }),
      fc.constantFrom('%00', 'a%00b', '%ZZ', '%E0%A4%A', '..', '%2F', '😀', '%F0%9F', '%ED%A0%80', '', ' '),
    );
    const id = fc.oneof(fc.constant('ACTION'), fc.constant('TEMPLATE'), fc.constant('CONTACT'), odd);
    const path = fc.oneof(
      fc.constantFrom('/api/actions', '/api/templates'),
      fc
        .tuple(id, fc.constantFrom('', '/preview', '/execute', '/complete', '/reschedule', '/cancel'))
        .map(([i, sub]) => `/api/actions/${i}${sub}`),
      fc
        .tuple(
          id,
          fc.constantFrom('', '/draft', '/publish', '/active', '/simulate', '/start', '/apply-categories'),
        )
        .map(([i, sub]) => `/api/templates/${i}${sub}`),
      fc.array(fc.oneof(id, odd), { minLength: 1, maxLength: 4 }).map((p) => `/api/actions/${p.join('/')}`),
      fc.array(fc.oneof(id, odd), { minLength: 1, maxLength: 4 }).map((p) => `/api/templates/${p.join('/')}`),
    );
    const query = fc.option(
      fc.array(
        fc.tuple(
          fc.constantFrom(
            'cursor',
            'limit',
            'status',
            'mine',
            'overdue',
            'process',
            'dossierId',
            'templateId',
            'assigneeUserId',
            'dossierType',
            'active',
            'publish',
            '__proto__',
          ),
          fc.oneof(
            fc.string({ maxLength: 20 }).map(encodeURIComponent),
            fc.constantFrom(
              '0',
              '-1',
              '1e9',
              'AA',
              'AAAA',
              '%00',
              'x%00',
              '%ED%A0%80',
              'true',
              'pending,done',
            ),
          ),
        ),
        { maxLength: 4 },
      ),
    );
    const text = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.constantFrom('\u0000', 'a\u0000', '\ud800', '\udfff x', 'CONTACT', 'TEMPLATE', ''),
    );
    const definition = fc.record(
      {
        name: fc.oneof(text, fc.jsonValue({ maxDepth: 1 })),
        process: fc.oneof(text, fc.jsonValue({ maxDepth: 1 })),
        description: fc.oneof(text, fc.jsonValue({ maxDepth: 1 })),
        dossierType: fc.oneof(fc.constantFrom('contact', 'task', 'quotationRequest'), text),
        event: fc.oneof(fc.constant({ type: 'created' }), fc.jsonValue({ maxDepth: 2 })),
        executionMode: fc.constantFrom('manual', 'automatic', 'semiAutomatic', 'x'),
        effect: fc.oneof(fc.constant({ type: 'none' }), fc.jsonValue({ maxDepth: 2 })),
        categories: fc.oneof(fc.array(text, { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
        conditions: fc.oneof(
          fc.record({
            type: fc.constant('compare'),
            field: fc.constantFrom('city', 'name'),
            op: fc.constant('eq'),
            value: text,
          }),
          fc.jsonValue({ maxDepth: 2 }),
        ),
        assignee: fc.oneof(
          fc.record({ type: fc.constant('user'), userId: text }),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        view: fc.jsonValue({ maxDepth: 1 }),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      definition.map((d) => JSON.stringify(d)),
      fc
        .record({ draft: definition, limit: fc.integer({ min: -1, max: 600 }) }, { requiredKeys: [] })
        .map((b) => JSON.stringify(b)),
      fc
        .record({ dossierIds: fc.array(fc.oneof(fc.constant('CONTACT'), text), { maxLength: 3 }) })
        .map((b) => JSON.stringify(b)),
      fc.record({ active: fc.oneof(fc.boolean(), text) }).map((b) => JSON.stringify(b)),
      fc.record({ dryRun: fc.oneof(fc.boolean(), text) }).map((b) => JSON.stringify(b)),
      fc.record({ dueAt: fc.oneof(fc.constant('2026-12-01T09:00:00Z'), text) }).map((b) => JSON.stringify(b)),
      fc.record({ note: text, reason: text }, { requiredKeys: [] }).map((b) => JSON.stringify(b)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 40 }),
      fc.constant(undefined),
    );
    const fill = (s: string) =>
      s.replaceAll('ACTION', actionId).replaceAll('TEMPLATE', templateId).replaceAll('CONTACT', contactId);
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
          const res = await api.request(method, search ? `${url}?${search}` : url, sent, {
            'content-type': 'application/json',
          });
          expect(res.statusCode, `${method} ${url}?${search} ${sent ?? ''} → ${res.body}`).toBeLessThan(500);
        },
      ),
      { numRuns: 600 },
    );
  });
});

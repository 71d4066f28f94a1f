import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { type HttpMethod, apiAs } from '../support/api-client.js';
import { BACKENDS, openTestWerkflow } from '../support/backends.js';

interface ErrorBody {
  error: { code: string; message: string; path: string; details?: { path: string; message: string }[] };
}
interface DossierBody {
  id: string;
  type: string;
  externalId: string | null;
  status: string | null;
  version: number;
  data: Record<string, unknown>;
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const contact = (i: number, city = 'Zwolle') => ({
  kind: 'persoon',
  name: `Contact ${i}`,
  email: `contact.${i}@example.nl`,
  city,
});

/** An error body has exactly code, message and path (and details when there are several). */
function expectErrorBody(
  res: LightMyRequestResponse,
  status: number,
  code: string,
  path?: string,
): ErrorBody {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json<ErrorBody>();
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).filter((k) => k !== 'details' && k !== 'params')).toEqual([
    'code',
    'message',
    'path',
  ]);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(10);
  if (path !== undefined) expect(body.error.path).toBe(path);
  return body;
}

describe.each(BACKENDS)('dossier API on $name', (backend) => {
  let werkflow: Werkflow;
  let app: FastifyInstance;
  /** Every request goes through here, with the credential of a staff member's API token. */
  let api: (options: InjectOptions) => Promise<LightMyRequestResponse>;

  beforeAll(async () => {
    werkflow = await openTestWerkflow(backend);
    // Staff: the everyday role with dossiers.read and dossiers.write.
    const staff = await apiAs(werkflow, 'staff');
    app = staff.app;
    api = (options) =>
      staff.request(
        (options.method ?? 'GET') as HttpMethod,
        options.url as string,
        options.payload as unknown,
        (options.headers ?? {}) as Record<string, string>,
      );
  });
  afterAll(async () => {
    await app?.close();
    await werkflow?.close();
  });

  async function create(type: string, data: Record<string, unknown>, externalId?: string) {
    const res = await api({ method: 'POST', url: `/api/dossiers/${type}`, payload: { data, externalId } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<DossierBody>();
  }

  describe('create and read', () => {
    it('POST answers 201 with the dossier, its version as ETag, and its Location', async () => {
      const res = await api({
        method: 'POST',
        url: '/api/dossiers/contact',
        payload: { data: { ...contact(1), email: '  jan@example.nl ' } },
      });
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json<DossierBody>();
      expect(res.headers.etag).toBe('"1"');
      expect(res.headers.location).toBe(`/api/dossiers/contact/${body.id}`);
      expect(body).toMatchObject({ type: 'contact', version: 1, status: null, externalId: null });
      expect(body.data.email).toBe('jan@example.nl');

      const read = await api({ method: 'GET', url: res.headers.location as string });
      expect(read.statusCode).toBe(200);
      expect(read.headers.etag).toBe('"1"');
      expect(read.json()).toEqual(body);
    });

    it('answers 404 for an unknown type or id, or an id of another type', async () => {
      const c = await create('contact', contact(2));
      expectErrorBody(await api({ method: 'GET', url: '/api/dossiers/spaceship' }), 404, 'not_found', 'type');
      expectErrorBody(
        await api({ method: 'POST', url: '/api/dossiers/spaceship', payload: { data: {} } }),
        404,
        'not_found',
        'type',
      );
      expectErrorBody(
        await api({ method: 'GET', url: '/api/dossiers/contact/nope' }),
        404,
        'not_found',
        'id',
      );
      expectErrorBody(
        await api({ method: 'GET', url: `/api/dossiers/intake/${c.id}` }),
        404,
        'not_found',
        'id',
      );
      expectErrorBody(await api({ method: 'GET', url: '/api/dossiers/contact/a%00b' }), 404, 'not_found');
      expectErrorBody(await api({ method: 'GET', url: '/api/nothing-here' }), 404, 'not_found');
    });
  });

  describe('422 names the field', () => {
    const cases: [string, string, Record<string, unknown>, string][] = [
      ['a wrong kind', 'contact', { ...contact(3), email: 'not-an-address' }, 'data.email'],
      ['a boolean as text', 'contact', { ...contact(3), isCoach: 'ja' }, 'data.isCoach'],
      ['an unknown field', 'contact', { ...contact(3), shoeSize: 44 }, 'data.shoeSize'],
      ['a missing required field', 'contact', { kind: 'persoon' }, 'data.name'],
      ['an unknown enum option', 'contact', { ...contact(3), kind: 'robot' }, 'data.kind'],
      ['an unknown status', 'intake', { contact: 'x', status: 'bogus' }, 'data.status'],
      [
        'a reference to a missing dossier',
        'intake',
        { contact: 'no-such-contact', status: 'open' },
        'data.contact',
      ],
      [
        'an impossible date',
        'opportunity',
        { name: 'x', intake: 'i', measureCategory: 'm', status: 'actief', desiredDate: '2027-02-30' },
        'data.desiredDate',
      ],
    ];
    it.each(cases)('%s', async (_what, type, data, path) => {
      const before = await api({ method: 'GET', url: `/api/dossiers/${type}?limit=1000` });
      const res = await api({ method: 'POST', url: `/api/dossiers/${type}`, payload: { data } });
      const body = expectErrorBody(res, 422, 'validation_failed', path);
      expect(body.error.message).toContain(`"${path.slice('data.'.length)}"`);
      const after = await api({ method: 'GET', url: `/api/dossiers/${type}?limit=1000` });
      expect(after.json<Page<DossierBody>>().items).toHaveLength(
        before.json<Page<DossierBody>>().items.length,
      );
    });

    it('several problems: the first in path and message, all of them in details', async () => {
      const res = await api({
        method: 'POST',
        url: '/api/dossiers/contact',
        payload: { data: { kind: 'persoon', name: 'X', email: 'nope', phone: 'call me' } },
      });
      const body = expectErrorBody(res, 422, 'validation_failed');
      expect(body.error.details?.map((d) => d.path)).toEqual(['data.email', 'data.phone']);
      expect(body.error.message).toContain('1 more problem');
    });

    it('a body of the wrong shape is a 422 that says where', async () => {
      expectErrorBody(
        await api({ method: 'POST', url: '/api/dossiers/contact', payload: { data: [] } }),
        422,
        'validation_failed',
        'data',
      );
      expectErrorBody(
        await api({ method: 'POST', url: '/api/dossiers/contact', payload: {} }),
        422,
        'validation_failed',
        'data',
      );
      expectErrorBody(
        await api({
          method: 'POST',
          url: '/api/dossiers/contact',
          payload: { data: contact(1), externalId: '' },
        }),
        422,
        'validation_failed',
        'externalId',
      );
    });

    it('malformed JSON, an empty body or another content type is a 422, not a 500', async () => {
      const post = (payload: string, contentType = 'application/json') =>
        api({
          method: 'POST',
          url: '/api/dossiers/contact',
          payload,
          headers: { 'content-type': contentType },
        });
      expectErrorBody(await post('{"data": {"name": '), 422, 'validation_failed', 'body');
      expectErrorBody(await post('{"data": {}}}'), 422, 'validation_failed', 'body');
      expectErrorBody(await post(''), 422, 'validation_failed', 'body');
      expectErrorBody(
        await post('name=Jan', 'application/x-www-form-urlencoded'),
        422,
        'validation_failed',
        'body',
      );
      expectErrorBody(await post('{"__proto__": {"data": {}}}'), 422, 'validation_failed');
    });
  });

  describe('changes carry the version read (If-Match)', () => {
    it('PATCH without If-Match is 428; with a stale one 409; with the current one 200 and a new ETag', async () => {
      const c = await create('contact', contact(4));
      const url = `/api/dossiers/contact/${c.id}`;
      expectErrorBody(
        await api({ method: 'PATCH', url, payload: { data: { city: 'Ede' } } }),
        428,
        'precondition_required',
        'If-Match',
      );
      const ok = await api({
        method: 'PATCH',
        url,
        payload: { data: { city: 'Ede' } },
        headers: { 'if-match': '"1"' },
      });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.headers.etag).toBe('"2"');
      expect(ok.json<DossierBody>().data.city).toBe('Ede');

      const stale = await api({
        method: 'PATCH',
        url,
        payload: { data: { city: 'Epe' } },
        headers: { 'if-match': '"1"' },
      });
      const body = expectErrorBody(stale, 409, 'version_conflict', 'If-Match');
      expect(body.error.message).toContain('If-Match: 2');
      expect((await api({ method: 'GET', url })).json<DossierBody>().data.city).toBe('Ede');

      const weak = await api({
        method: 'PATCH',
        url,
        payload: { data: { city: 'Epe' } },
        headers: { 'if-match': 'W/"2"' },
      });
      expect(weak.statusCode, weak.body).toBe(200);
      expectErrorBody(
        await api({
          method: 'PATCH',
          url,
          payload: { data: { city: 'Oss' } },
          headers: { 'if-match': 'latest' },
        }),
        422,
        'validation_failed',
        'If-Match',
      );
    });

    it('PATCH refuses bad values with 422 and changes nothing', async () => {
      const c = await create('contact', contact(5));
      const url = `/api/dossiers/contact/${c.id}`;
      const res = await api({
        method: 'PATCH',
        url,
        payload: { data: { email: 'nope' } },
        headers: { 'if-match': '1' },
      });
      expectErrorBody(res, 422, 'validation_failed', 'data.email');
      expect((await api({ method: 'GET', url })).headers.etag).toBe('"1"');
    });

    it('DELETE answers 204; 409 on a stale If-Match or while referenced; 404 afterwards', async () => {
      const c = await create('contact', contact(6));
      const intake = await create('intake', { contact: c.id, status: 'open' });
      const url = `/api/dossiers/contact/${c.id}`;
      const referenced = expectErrorBody(await api({ method: 'DELETE', url }), 409, 'invalid_state');
      expect(referenced.error.message).toContain('intake');
      expect(
        (
          await api({
            method: 'DELETE',
            url: `/api/dossiers/intake/${intake.id}`,
            headers: { 'if-match': '"1"' },
          })
        ).statusCode,
      ).toBe(204);
      await api({ method: 'PATCH', url, payload: { data: { city: 'Ede' } }, headers: { 'if-match': '"1"' } });
      expectErrorBody(
        await api({ method: 'DELETE', url, headers: { 'if-match': '"1"' } }),
        409,
        'version_conflict',
      );
      const gone = await api({ method: 'DELETE', url, headers: { 'if-match': '"2"' } });
      expect(gone.statusCode).toBe(204);
      expect(gone.body).toBe('');
      expectErrorBody(await api({ method: 'GET', url }), 404, 'not_found');
      expectErrorBody(await api({ method: 'DELETE', url }), 404, 'not_found');
    });
  });

  describe('events', () => {
    it('lists a dossier’s history, newest first, with old and new values; 404 for unknown ids or the wrong type', async () => {
      const c = await create('contact', contact(7));
      const url = `/api/dossiers/contact/${c.id}`;
      await api({ method: 'PATCH', url, payload: { data: { city: 'Ede' } }, headers: { 'if-match': '1' } });
      const res = await api({ method: 'GET', url: `${url}/events` });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json<Page<{ kind: string; changes: Record<string, unknown> }>>();
      expect(page.items.map((e) => e.kind)).toEqual(['updated', 'created']);
      expect(page.items[0]!.changes).toEqual({ city: { old: 'Zwolle', new: 'Ede' } });

      const first = await api({ method: 'GET', url: `${url}/events?limit=1` });
      const next = first.json<Page<{ kind: string }>>().nextCursor;
      expect(next).not.toBeNull();
      const second = await api({ method: 'GET', url: `${url}/events?limit=1&cursor=${next}` });
      expect(second.json<Page<{ kind: string }>>().items.map((e) => e.kind)).toEqual(['created']);

      expectErrorBody(
        await api({ method: 'GET', url: '/api/dossiers/contact/nope/events' }),
        404,
        'not_found',
      );
      expectErrorBody(
        await api({ method: 'GET', url: `/api/dossiers/task/${c.id}/events` }),
        404,
        'not_found',
      );
      expectErrorBody(
        await api({ method: 'GET', url: `/api/dossiers/spaceship/${c.id}/events` }),
        404,
        'not_found',
      );
      expectErrorBody(
        await api({ method: 'GET', url: `${url}/events?cursor=bm90LWEtbnVtYmVy` }),
        422,
        'validation_failed',
      );
    });
  });

  describe('lists', () => {
    let ids: string[];
    beforeAll(async () => {
      const res = await api({
        method: 'POST',
        url: '/api/dossiers/contact/bulk-upsert',
        payload: {
          items: Array.from({ length: 25 }, (_, i) => ({
            externalId: `list-${i}`,
            data: { ...contact(100 + i, i % 5 === 0 ? 'Listdorp' : 'Elders'), isCoach: i % 2 === 0 },
          })),
        },
      });
      expect(res.statusCode, res.body).toBe(200);
      ids = res.json<{ ids: string[] }>().ids;
    });

    it('filters by a field (text and boolean)', async () => {
      const res = await api({ method: 'GET', url: '/api/dossiers/contact?city=Listdorp' });
      expect(res.statusCode, res.body).toBe(200);
      const items = res.json<Page<DossierBody>>().items;
      expect(items.map((d) => d.externalId).sort()).toEqual([
        'list-0',
        'list-10',
        'list-15',
        'list-20',
        'list-5',
      ]);
      const both = await api({ method: 'GET', url: '/api/dossiers/contact?city=Listdorp&isCoach=true' });
      expect(
        both
          .json<Page<DossierBody>>()
          .items.map((d) => d.externalId)
          .sort(),
      ).toEqual(['list-0', 'list-10', 'list-20']);
    });

    it('filters by status, one or several', async () => {
      const c = await create('contact', contact(200));
      await create('intake', { contact: c.id, status: 'open' });
      await create('intake', { contact: c.id, status: 'in-behandeling' });
      await create('intake', { contact: c.id, status: 'afgesloten-met-kans' });
      const one = await api({ method: 'GET', url: '/api/dossiers/intake?status=open' });
      expect(one.json<Page<DossierBody>>().items.every((d) => d.status === 'open')).toBe(true);
      expect(one.json<Page<DossierBody>>().items.length).toBeGreaterThanOrEqual(1);
      const two = await api({
        method: 'GET',
        url: '/api/dossiers/intake?status=open,in-behandeling&contact=' + c.id,
      });
      expect(
        two
          .json<Page<DossierBody>>()
          .items.map((d) => d.status)
          .sort(),
      ).toEqual(['in-behandeling', 'open']);
    });

    it('pages with a cursor, returning every item exactly once', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/api/dossiers/contact?city=Elders&limit=7${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await api({ method: 'GET', url });
        expect(res.statusCode, res.body).toBe(200);
        const page = res.json<Page<DossierBody>>();
        expect(page.items.length).toBeLessThanOrEqual(7);
        seen.push(...page.items.map((d) => d.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== null && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(20);
      expect(new Set(seen).size).toBe(20);
      expect(new Set(seen)).toEqual(new Set(ids.filter((_, i) => i % 5 !== 0)));
    });

    it('refuses unknown filter fields, unknown statuses and bad limits with 422', async () => {
      expectErrorBody(
        await api({ method: 'GET', url: '/api/dossiers/contact?shoeSize=44' }),
        422,
        'validation_failed',
        'query.shoeSize',
      );
      expectErrorBody(
        await api({ method: 'GET', url: '/api/dossiers/intake?status=bogus' }),
        422,
        'validation_failed',
        'query.status',
      );
      expectErrorBody(
        await api({ method: 'GET', url: '/api/dossiers/contact?limit=0' }),
        422,
        'validation_failed',
        'query.limit',
      );
      expectErrorBody(
        await api({ method: 'GET', url: '/api/dossiers/contact?limit=lots' }),
        422,
        'validation_failed',
        'query.limit',
      );
      expectErrorBody(
        await api({ method: 'GET', url: '/api/dossiers/contact?city=a%00b' }),
        422,
        'validation_failed',
        'query.city',
      );
      expectErrorBody(
        await api({ method: 'GET', url: '/api/dossiers/contact?cursor=AA' }),
        422,
        'validation_failed',
        'query.cursor',
      );
    });
  });

  describe('upsert by externalId', () => {
    it('PUT by-external-id creates (201) and then updates (200)', async () => {
      const url = '/api/dossiers/contact/by-external-id/crm%2F77';
      const first = await api({ method: 'PUT', url, payload: { data: contact(77) } });
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json<DossierBody>()).toMatchObject({ externalId: 'crm/77', version: 1 });
      const second = await api({ method: 'PUT', url, payload: { data: { city: 'Ede' } } });
      expect(second.statusCode, second.body).toBe(200);
      expect(second.headers.etag).toBe('"2"');
      expect(second.json<DossierBody>()).toMatchObject({
        id: first.json<DossierBody>().id,
        data: { city: 'Ede' },
      });
      const dup = await api({
        method: 'POST',
        url: '/api/dossiers/contact',
        payload: { data: contact(78), externalId: 'crm/77' },
      });
      expectErrorBody(dup, 409, 'already_exists', 'externalId');
    });

    it('bulk upsert creates, leaves unchanged, updates; one bad item writes nothing and is named', async () => {
      const url = '/api/dossiers/task/bulk-upsert';
      const items = (description: (i: number) => string) =>
        Array.from({ length: 300 }, (_, i) => ({
          externalId: `task-${i}`,
          data: { taskType: 'bellen', description: description(i) },
        }));
      const created = await api({ method: 'POST', url, payload: { items: items(() => 'Bellen') } });
      expect(created.statusCode, created.body).toBe(200);
      expect(created.json()).toMatchObject({ created: 300, updated: 0, unchanged: 0 });
      const same = await api({ method: 'POST', url, payload: { items: items(() => 'Bellen') } });
      expect(same.json()).toMatchObject({ created: 0, updated: 0, unchanged: 300 });
      const changed = await api({
        method: 'POST',
        url,
        payload: { items: items((i) => (i < 10 ? 'Mailen' : 'Bellen')) },
      });
      expect(changed.json()).toMatchObject({ created: 0, updated: 10, unchanged: 290 });

      const bad = items(() => 'Opnieuw');
      bad[42] = { externalId: 'task-42', data: { taskType: 'toveren', description: 'x' } };
      const refused = await api({ method: 'POST', url, payload: { items: bad } });
      const body = expectErrorBody(refused, 422, 'validation_failed', 'items[42].data.taskType');
      expect(body.error.message).toContain('task-42');
      const list = await api({ method: 'GET', url: '/api/dossiers/task?description=Opnieuw' });
      expect(list.json<Page<DossierBody>>().items).toHaveLength(0);

      expectErrorBody(
        await api({ method: 'POST', url, payload: { items: [{ externalId: 'x', data: 'no' }] } }),
        422,
        'validation_failed',
        'items[0].data',
      );
      const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ externalId: `t${i}`, data: {} }));
      expectErrorBody(
        await api({ method: 'POST', url, payload: { items: tooMany } }),
        422,
        'validation_failed',
        'items',
      );
    });
  });

  describe('OpenAPI', () => {
    it('GET /api/openapi.json is an OpenAPI 3.1 document listing the dossier paths, every $ref resolving', async () => {
      const res = await api({ method: 'GET', url: '/api/openapi.json' });
      expect(res.statusCode).toBe(200);
      const doc = res.json<{
        openapi: string;
        info: { title: string; version: string };
        paths: Record<
          string,
          Record<
            string,
            {
              responses?: Record<string, unknown>;
              parameters?: { name: string; in: string; required?: boolean }[];
            }
          >
        >;
        components?: Record<string, Record<string, unknown>>;
      }>();
      expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
      expect(typeof doc.info.title).toBe('string');
      expect(typeof doc.info.version).toBe('string');
      const expected: Record<string, string[]> = {
        '/api/health': ['get'],
        '/api/dossier-types': ['get'],
        '/api/dossiers/{type}': ['get', 'post'],
        '/api/dossiers/{type}/{id}': ['delete', 'get', 'patch'],
        '/api/dossiers/{type}/{id}/events': ['get'],
        '/api/dossiers/{type}/by-external-id/{externalId}': ['put'],
        '/api/dossiers/{type}/bulk-upsert': ['post'],
      };
      for (const [path, methods] of Object.entries(expected)) {
        expect(Object.keys(doc.paths), path).toContain(path);
        for (const method of methods) {
          const op = doc.paths[path]![method];
          expect(op, `${method} ${path}`).toBeDefined();
          expect(Object.keys(op!.responses ?? {}).length, `${method} ${path} responses`).toBeGreaterThan(0);
          for (const code of Object.keys(op!.responses!))
            expect(code).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
          // Every {param} of the path template is declared as a required path parameter.
          for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)) {
            const param = op!.parameters?.find((p) => p.name === name && p.in === 'path');
            expect(param, `${method} ${path} declares {${name}}`).toBeDefined();
            expect(param!.required).toBe(true);
          }
        }
      }
      expect(Object.keys(doc.paths['/api/dossiers/{type}/{id}']!.patch!.responses!)).toEqual(
        expect.arrayContaining(['200', '404', '409', '422', '428']),
      );
      // Every $ref points at something in the document.
      const refs: string[] = [];
      const walk = (node: unknown): void => {
        if (Array.isArray(node)) node.forEach(walk);
        else if (node && typeof node === 'object') {
          for (const [k, v] of Object.entries(node)) {
            if (k === '$ref' && typeof v === 'string') refs.push(v);
            else walk(v);
          }
        }
      };
      walk(doc);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of new Set(refs)) {
        expect(ref.startsWith('#/'), ref).toBe(true);
        const target = ref
          .slice(2)
          .split('/')
          .reduce<unknown>(
            (node, part) =>
              (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')],
            doc,
          );
        expect(target, `${ref} resolves`).toBeDefined();
      }
    });
  });

  describe('nothing a client sends produces a 500', () => {
    it('random field values in otherwise valid creates, patches and upserts reach storage safely', async () => {
      const seed = await create('contact', contact(998));
      let version = 1;
      const key = fc.constantFrom('name', 'email', 'city', 'phone', 'isCoach', 'kind', 'houseNumber');
      const value = fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc.constantFrom('\u0000', 'a\u0000', '\ud800', '\udfff x', 'persoon', 'x@y.nl', '+31 6 12345678', ''),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(key, value),
          fc.constantFrom('POST', 'PATCH', 'PUT'),
          async (data, method) => {
            const res =
              method === 'PATCH'
                ? await api({
                    method,
                    url: `/api/dossiers/contact/${seed.id}`,
                    headers: { 'if-match': `"${version}"` },
                    payload: { data },
                  })
                : method === 'PUT'
                  ? await api({
                      method,
                      url: '/api/dossiers/contact/by-external-id/fuzz',
                      payload: { data: { ...contact(1), ...data } },
                    })
                  : await api({
                      method,
                      url: '/api/dossiers/contact',
                      payload: { data: { ...contact(1), ...data } },
                    });
            expect(res.statusCode, `${method} ${JSON.stringify(data)} → ${res.body}`).toBeLessThan(500);
            expect([200, 201, 422]).toContain(res.statusCode);
            if (method === 'PATCH' && res.statusCode === 200) version = res.json<DossierBody>().version;
          },
        ),
        { numRuns: 300 },
      );
    });

    it('random methods, paths, headers and bodies at the dossier routes', async () => {
      const seed = await create('contact', contact(999));
      // Odd text for a path segment: random, percent-encoded, or known troublemakers.
      const odd = fc.oneof(
        fc.string({ maxLength: 30 }).map(encodeURIComponent),
        fc.string({ unit: 'grapheme', maxLength: 10 }).map(encodeURIComponent),
        fc.constantFrom('%00', 'a%00b', '%ZZ', '%E0%A4%A', '..', '%2F', '😀', '%F0%9F', '%ED%A0%80', '', ' '),
      );
      const type = fc.oneof(fc.constantFrom('contact', 'intake', 'task', 'opportunity'), odd);
      const id = fc.oneof(fc.constant(seed.id), odd);
      // Mostly the routes' own shapes, so requests get past routing into the handlers.
      const path = fc.oneof(
        type.map((t) => `/api/dossiers/${t}`),
        fc.tuple(type, id).map(([t, i]) => `/api/dossiers/${t}/${i}`),
        fc.tuple(type, id).map(([t, i]) => `/api/dossiers/${t}/${i}/events`),
        type.map((t) => `/api/dossiers/${t}/bulk-upsert`),
        fc.tuple(type, odd).map(([t, e]) => `/api/dossiers/${t}/by-external-id/${e}`),
        fc
          .array(fc.oneof(type, id, odd), { minLength: 1, maxLength: 5 })
          .map((p) => `/api/dossiers/${p.join('/')}`),
      );
      const query = fc.option(
        fc.array(
          fc.tuple(
            fc.constantFrom(
              'limit',
              'cursor',
              'status',
              'city',
              'isCoach',
              'name',
              'x',
              '__proto__',
              'constructor',
            ),
            fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('0', '-1', '1e9', 'AA', '%00', 'true')),
          ),
          { maxLength: 4 },
        ),
      );
      const fieldKey = fc.oneof(
        fc.constantFrom('name', 'kind', 'email', 'city', 'status', 'contact', 'isCoach', 'phone'),
        fc.string({ maxLength: 8 }),
      );
      const body = fc.oneof(
        fc
          .record({ data: fc.dictionary(fieldKey, fc.jsonValue({ maxDepth: 2 })) })
          .map((b) => JSON.stringify(b)),
        fc
          .record({
            items: fc.array(
              fc.record({
                externalId: fc.oneof(fc.string(), fc.jsonValue()),
                data: fc.jsonValue({ maxDepth: 2 }),
              }),
              { maxLength: 3 },
            ),
          })
          .map((b) => JSON.stringify(b)),
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        fc.string({ maxLength: 40 }),
        fc.constant(undefined),
      );
      const headers = fc.record(
        {
          'content-type': fc.constantFrom(
            'application/json',
            'text/plain',
            'application/json; charset=latin1',
            'multipart/form-data',
            '',
          ),
          'if-match': fc.oneof(
            fc.constantFrom('"1"', 'W/"1"', '*', '"-1"', '"99999999999999999999"'),
            fc.string({ maxLength: 10 }),
          ),
          accept: fc.constantFrom('application/json', 'text/html', '*/*'),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'),
          path,
          query,
          headers,
          body,
          async (method, url, q, hdrs, payload) => {
            const search = q ? q.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&') : '';
            const safeHeaders = Object.fromEntries(
              Object.entries(hdrs).filter(([, v]) => /^[\t\x20-\x7e]*$/.test(v as string)),
            );
            const res = await api({
              method: method as InjectOptions['method'],
              url: search ? `${url}?${search}` : url,
              headers: safeHeaders,
              ...(payload === undefined || method === 'GET' || method === 'HEAD' ? {} : { payload }),
            });
            expect(res.statusCode, `${method} ${url}?${search} ${payload ?? ''} → ${res.body}`).toBeLessThan(
              500,
            );
          },
        ),
        { numRuns: 1000 },
      );
    });
  });
});

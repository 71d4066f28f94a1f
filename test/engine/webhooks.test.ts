/**
 * Webhooks against a real HTTP receiver on this machine: signed, retried with back-off on 5xx,
 * the same Idempotency-Key on every attempt, internal addresses refused unless allow-listed
 * (also after a redirect), a timeout and a limit on what is read of the answer.
 */
import { createHmac } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import { retryDelayMs } from '../../src/domain/action/action.js';
import { Werkflow } from '../../src/engine/werkflow.js';
import { SECRET_MASK, isSealed } from '../../src/services/webhook-secrets.js';
import { createWebhookClient, isInternalAddress } from '../../src/engine/webhook.client.js';
import { apiAs } from '../support/api-client.js';
import { BACKENDS, type Backend, TestClock } from '../support/backends.js';

/** The receiver's port: any free one (two checkouts running this file at once must not collide). */
let PORT = 0;
const DAY = 86_400_000;

interface Received {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** The receiver: records every request; `answer` decides what it says. */
const received: Received[] = [];
let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok');
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      answer(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  PORT = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
afterEach(() => {
  received.length = 0;
  answer = (_req, res) => res.end('ok');
});

describe('internal addresses', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a9fe:a9fe',
    'not-an-ip',
  ])('%s is internal', (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '145.131.1.1', '2001:4860:4860::8888', '::ffff:8.8.8.8'])('%s is not', (address) => {
    expect(isInternalAddress(address)).toBe(false);
  });

  it('an IPv4 address and its IPv4-mapped IPv6 form are judged alike', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(isInternalAddress(`::ffff:${ip}`)).toBe(isInternalAddress(ip));
      }),
    );
  });
});

describe('the webhook client', () => {
  const allow =
    (...hosts: string[]) =>
    async () =>
      hosts;

  it('refuses loopback, also by name after DNS resolution, unless the host is allow-listed', async () => {
    const failures: string[] = [];
    const client = createWebhookClient({
      allowedHosts: allow(),
      observer: { failed: (r) => failures.push(r) },
    });
    const input = { secret: 'x', actionId: 'a1', body: {} };
    await expect(client.post({ ...input, url: `http://127.0.0.1:${PORT}/` })).rejects.toThrow(
      /internal address 127\.0\.0\.1; an administrator can allow the host "127\.0\.0\.1"/,
    );
    await expect(client.post({ ...input, url: `http://localhost:${PORT}/` })).rejects.toThrow(
      /resolves to the internal address (127\.0\.0\.1|::1)/,
    );
    await expect(client.post({ ...input, url: 'http://169.254.169.254/latest/meta-data/' })).rejects.toThrow(
      /internal address 169\.254\.169\.254/,
    );
    expect(received).toEqual([]);
    expect(failures).toEqual(['refused', 'refused', 'refused']);
    const allowed = createWebhookClient({ allowedHosts: allow('127.0.0.1') });
    expect(await allowed.post({ ...input, url: `http://127.0.0.1:${PORT}/` })).toEqual({ status: 200 });
    expect(received).toHaveLength(1);
  });

  it('checks every redirect: an allow-listed host cannot send the call on to another internal one', async () => {
    answer = (req, res) => {
      if (req.url === '/moved') res.writeHead(307, { location: `http://localhost:${PORT}/inside` }).end();
      else if (req.url === '/again') res.writeHead(308, { location: '/final' }).end();
      else res.end('ok');
    };
    const client = createWebhookClient({ allowedHosts: allow('127.0.0.1') });
    const input = { actionId: 'a1', body: { n: 1 } };
    await expect(client.post({ ...input, url: `http://127.0.0.1:${PORT}/moved` })).rejects.toThrow(
      /internal address/,
    );
    expect(received.map((r) => r.path)).toEqual(['/moved']);
    // A redirect within the allow-listed host keeps the POST and its body.
    expect(await client.post({ ...input, url: `http://127.0.0.1:${PORT}/again` })).toEqual({ status: 200 });
    expect(received.slice(1).map((r) => [r.path, r.body])).toEqual([
      ['/again', '{"n":1}'],
      ['/final', '{"n":1}'],
    ]);
  });

  it('gives up on a receiver that does not answer in time', async () => {
    answer = () => {}; // never answers
    const failures: string[] = [];
    const client = createWebhookClient({
      allowedHosts: allow('127.0.0.1'),
      timeoutMs: 300,
      observer: { failed: (r) => failures.push(r) },
    });
    await expect(
      client.post({ url: `http://127.0.0.1:${PORT}/slow`, actionId: 'a1', body: {} }),
    ).rejects.toThrow(/did not answer within 0\.3 s\. It will be retried/);
    expect(failures).toEqual(['timeout']);
  });

  it('calls again on a new connection when a kept-alive one turns out closed (the receiver dropped it while idle)', async () => {
    // The receiver answers the first call on a connection and keeps it open, then drops that
    // connection when the next call arrives on it, as a server does whose keep-alive timeout
    // ends just as the call is sent. The second call must reach it on a new connection.
    const calls: number[] = [];
    const seen = new WeakSet<object>();
    const dropping = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (seen.has(req.socket)) {
          req.socket.destroy();
          return;
        }
        seen.add(req.socket);
        calls.push(calls.length + 1);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => dropping.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(dropping.address() as AddressInfo).port}/hook`;
    const failures: string[] = [];
    const client = createWebhookClient({
      allowedHosts: allow('127.0.0.1'),
      observer: { failed: (r) => failures.push(r) },
    });
    try {
      expect(await client.post({ url, actionId: 'a1', body: {} })).toEqual({ status: 200 });
      expect(await client.post({ url, actionId: 'a2', body: {} })).toEqual({ status: 200 });
      expect(calls).toEqual([1, 2]);
      expect(failures).toEqual([]);
    } finally {
      dropping.closeAllConnections();
      await new Promise((r) => dropping.close(r));
    }
  });

  it('reads no more than the size limit of an answer', async () => {
    // A 2xx answer that never ends: only the first bytes are read, the call returns.
    answer = (_req, res) => {
      res.writeHead(200);
      res.write(Buffer.alloc(100_000, 'x'));
    };
    const client = createWebhookClient({
      allowedHosts: allow('127.0.0.1'),
      maxResponseBytes: 1024,
      timeoutMs: 5_000,
    });
    expect(await client.post({ url: `http://127.0.0.1:${PORT}/big`, actionId: 'a1', body: {} })).toEqual({
      status: 200,
    });
  });
});

/** With a secret key, as in production (WERKFLOW_SECRET_KEY), unless `secretKey` is null. */
function openWerkflow(backend: Backend, clock = new TestClock(), secretKey: string | null = 'a'.repeat(64)) {
  return Werkflow.open({
    ...backend.fresh(),
    preset: 'energy-cooperative',
    clock,
    email: secretKey ? { secretKey, log: () => {} } : { log: () => {} },
  });
}

describe.each(BACKENDS)('webhook actions on $name', (backend) => {
  let wf: Werkflow | undefined;
  afterEach(async () => {
    await wf?.close();
    wf = undefined;
  });

  async function webhookAction(w: Werkflow, clock: TestClock, url: string) {
    return (await webhookTemplate(w, clock, url)).action;
  }

  async function webhookTemplate(w: Werkflow, clock: TestClock, url: string) {
    const template = await w.templates.create(
      {
        name: 'Meld nieuwe maatregel aan het CRM',
        dossierType: 'measureCategory',
        event: { type: 'created' },
        timing: { anchor: { type: 'event' }, offset: 1, unit: 'days' },
        effect: { type: 'webhook', url, secret: 'gedeeld-geheim' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const d = await w.dossiers.create('measureCategory', { data: { name: 'Warmtepomp' } }, null);
    clock.advance(DAY);
    const [action] = await w.actions.list({ dossierId: d.id, limit: 1 });
    return { template, action: action! };
  }

  it('signs the call, retries a 5xx with back-off under the same Idempotency-Key, then completes', async () => {
    const clock = new TestClock('2026-11-23T10:00:00+01:00');
    wf = await openWerkflow(backend, clock);
    const admin = await apiAs(wf, 'admin');
    const put = await admin.request('PUT', '/api/settings/webhooks', { allowedHosts: ['127.0.0.1'] });
    expect(put.statusCode, put.body).toBe(200);
    const action = await webhookAction(wf, clock, `http://127.0.0.1:${PORT}/werkflow`);
    let calls = 0;
    answer = (_req, res) => {
      calls += 1;
      res.writeHead(calls === 1 ? 503 : 200).end(calls === 1 ? 'even geduld' : 'ok');
    };
    await wf.scheduler.tick();
    const failedOnce = await wf.actions.get(action.id);
    expect(failedOnce.status).toBe('pending');
    expect(failedOnce.dueAt).toBe(clock.now() + retryDelayMs(1));
    // Not again before the back-off has passed.
    await wf.scheduler.tick();
    expect(received).toHaveLength(1);
    clock.advance(retryDelayMs(1));
    await wf.scheduler.tick();
    expect((await wf.actions.get(action.id)).status).toBe('done');
    expect(received).toHaveLength(2);
    for (const r of received) {
      expect(r.headers['idempotency-key']).toBe(action.id);
      expect(r.headers['content-type']).toBe('application/json');
      const expected = createHmac('sha256', 'gedeeld-geheim').update(r.body).digest('hex');
      expect(r.headers['x-werkflow-signature']).toBe(`sha256=${expected}`);
      expect(JSON.parse(r.body)).toMatchObject({
        action: { id: action.id },
        dossier: { type: 'measureCategory' },
      });
    }
    expect(received[0]!.body).toBe(received[1]!.body);
    const text = await wf.metrics.text();
    expect(text).toContain('werkflow_webhook_errors_total{reason="status"} 1');
    expect(text).toContain('werkflow_webhook_duration_seconds_count{outcome="ok"} 1');
    await admin.app.close();
  });

  it('refuses an internal address that is not allow-listed, and says how to allow it', async () => {
    const clock = new TestClock('2026-11-23T10:00:00+01:00');
    wf = await openWerkflow(backend, clock);
    const action = await webhookAction(wf, clock, `http://127.0.0.1:${PORT}/werkflow`);
    await wf.scheduler.tick();
    expect(received).toEqual([]);
    const after = await wf.actions.get(action.id);
    // Failed at once with the reason, not retried like a 5xx: trying again cannot help.
    expect(after.status).toBe('failed');
    expect(after.attempts).toBe(1);
    expect(after.error).toMatch(/internal address 127\.0\.0\.1; an administrator can allow the host/);
    expect(after.error).not.toMatch(/retried/);
    clock.advance(DAY);
    await wf.scheduler.tick();
    expect(received).toEqual([]);
    expect((await wf.actions.get(action.id)).status).toBe('failed');
    expect(await wf.metrics.text()).toContain('werkflow_webhook_errors_total{reason="refused"} 1');
  });

  it('a webhook error is a reason code with params: the API gives it in Dutch, the server’s answer in its own words (issue 8, story 8)', async () => {
    const clock = new TestClock('2026-11-23T10:00:00+01:00');
    wf = await openWerkflow(backend, clock);
    const staff = await apiAs(wf, 'staff');
    type Coded = { code: string; params: Record<string, unknown>; text: string };
    const read = async (id: string, lang: string) =>
      (await staff.request('GET', `/api/actions/${id}`, undefined, { 'accept-language': lang })).json<{
        error: string | null;
        errorCoded: Coded | null;
        statusReasonCoded: Coded | null;
        history: { noteCoded: Coded | null }[];
      }>();
    // A refused (internal) address: a configuration problem, failed at once.
    const url = `http://127.0.0.1:${PORT}/werkflow`;
    const refused = await webhookAction(wf, clock, url);
    await wf.scheduler.tick();
    const nl = await read(refused.id, 'nl-NL,nl;q=0.9');
    expect(nl.errorCoded).toEqual({
      code: 'reason.webhookAddressRefused',
      params: { url, address: '127.0.0.1', host: '127.0.0.1' },
      text: `De webhook ${url} wijst naar het interne adres 127.0.0.1; een beheerder kan de host "127.0.0.1" toestaan bij de webhookinstellingen.`,
    });
    expect(nl.statusReasonCoded?.code).toBe('reason.webhookAddressRefused');
    // The English words for integrators are unchanged, and the English reader gets the same sentence.
    expect(nl.error).toMatch(/internal address 127\.0\.0\.1; an administrator can allow the host/);
    expect((await read(refused.id, 'en')).errorCoded?.text).toBe(nl.error);

    // A 5xx answer: the server's status and body stay its own words inside a Dutch sentence.
    const admin = await apiAs(wf, 'admin');
    expect(
      (await admin.request('PUT', '/api/settings/webhooks', { allowedHosts: ['127.0.0.1'] })).statusCode,
    ).toBe(200);
    answer = (_req, res) => res.writeHead(503).end('service unavailable');
    const answered = await webhookAction(wf, clock, url);
    await wf.scheduler.tick();
    const retrying = await read(answered.id, 'nl');
    expect(retrying.errorCoded).toEqual({
      code: 'reason.webhookRefused',
      params: { url, status: 503, body: 'service unavailable' },
      text: `De webhook ${url} antwoordde 503: service unavailable. Er wordt opnieuw geprobeerd.`,
    });
    expect(retrying.history.at(-1)?.noteCoded).toMatchObject({
      code: 'reason.retrying',
      text: `poging 1 mislukt, wordt opnieuw geprobeerd: De webhook ${url} antwoordde 503: service unavailable. Er wordt opnieuw geprobeerd.`,
    });
    await admin.app.close();
  });

  it('the allow-list takes host names and addresses only, and only administrators change it', async () => {
    wf = await openWerkflow(backend);
    const admin = await apiAs(wf, 'admin');
    const manager = await apiAs(wf, 'workflowManager');
    const bad = await admin.request('PUT', '/api/settings/webhooks', {
      allowedHosts: ['hooks.intern.example', 'http://10.0.0.5/'],
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ error: { code: 'validation_failed', path: 'allowedHosts.1' } });
    expect((await manager.request('PUT', '/api/settings/webhooks', { allowedHosts: [] })).statusCode).toBe(
      403,
    );
    const ok = await admin.request('PUT', '/api/settings/webhooks', {
      allowedHosts: ['Hooks.Intern.Example', '10.0.0.5', '::1'],
    });
    expect(ok.json()).toEqual({ allowedHosts: ['hooks.intern.example', '10.0.0.5', '::1'] });
    expect((await admin.request('GET', '/api/settings/webhooks')).json()).toEqual(ok.json());
    await admin.app.close();
  });

  it('stores the signing secret sealed, never shows it, keeps it when the mask comes back, and rotates it', async () => {
    const clock = new TestClock('2026-11-23T10:00:00+01:00');
    wf = await openWerkflow(backend, clock);
    await wf.webhooks.save({ allowedHosts: ['127.0.0.1'] }, 'test');
    const url = `http://127.0.0.1:${PORT}/werkflow`;
    const { template, action } = await webhookTemplate(wf, clock, url);
    const stored = (await wf.engine.templates.get(template.id))!.draft.effect as { secret: string };
    expect(isSealed(stored.secret)).toBe(true);
    expect(stored.secret).not.toContain('gedeeld-geheim');
    // No answer carries it: not the template, its versions, or the list; not even for an administrator.
    const readOnly = await apiAs(wf, 'readOnly');
    const manager = await apiAs(wf, 'workflowManager');
    for (const client of [readOnly, manager]) {
      for (const path of [`/api/templates/${template.id}`, '/api/templates']) {
        const res = await client.request('GET', path);
        expect(res.statusCode).toBe(200);
        expect(res.body).not.toContain('gedeeld-geheim');
        expect(res.body).not.toContain(stored.secret);
        expect(res.body).toContain(`"secret":"${SECRET_MASK}"`);
      }
    }
    // The UI sends the draft back with the mask: the stored secret stays.
    const shown = (await manager.request('GET', `/api/templates/${template.id}`)).json<{
      draft: Record<string, unknown>;
    }>().draft;
    const kept = await manager.request('PUT', `/api/templates/${template.id}/draft`, {
      ...shown,
      name: 'Hernoemd',
    });
    expect(kept.statusCode, kept.body).toBe(200);
    expect(((await wf.engine.templates.get(template.id))!.draft.effect as { secret: string }).secret).toBe(
      stored.secret,
    );
    await wf.scheduler.tick();
    const sign = (secret: string, body: string) =>
      `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    expect(received[0]!.headers['x-werkflow-signature']).toBe(sign('gedeeld-geheim', received[0]!.body));
    expect((await wf.actions.get(action.id)).status).toBe('done');
    // Rotation: a new secret in the draft, published; the next call is signed with it.
    const rotated = await manager.request('PUT', `/api/templates/${template.id}/draft`, {
      ...shown,
      effect: { type: 'webhook', url, secret: 'nieuw-geheim-2027' },
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect((await manager.request('POST', `/api/templates/${template.id}/publish`)).statusCode).toBe(200);
    await wf.dossiers.create('measureCategory', { data: { name: 'Zonneboiler' } }, null);
    clock.advance(DAY);
    await wf.scheduler.tick();
    expect(received).toHaveLength(2);
    expect(received[1]!.headers['x-werkflow-signature']).toBe(sign('nieuw-geheim-2027', received[1]!.body));
    await readOnly.app.close();
  });

  it('without a secret key a webhook secret is refused, with what to set', async () => {
    wf = await openWerkflow(backend, new TestClock(), null);
    await expect(
      wf.templates.create(
        {
          name: 'Ongetekend is niet de bedoeling',
          dossierType: 'measureCategory',
          event: { type: 'created' },
          timing: { anchor: { type: 'event' }, offset: 0, unit: 'days' },
          effect: { type: 'webhook', url: 'https://crm.example.nl/hook', secret: 'geheim' },
        },
        SYSTEM_PRINCIPAL,
      ),
    ).rejects.toThrow(/WERKFLOW_SECRET_KEY/);
  });
});

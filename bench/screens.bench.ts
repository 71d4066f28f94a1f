/**
 * Server time per screen (`npm run bench`, module "screens"; alone: `npm run bench -- --screens`):
 * the energy-cooperative demo at `--count 5000` (SQLite, the demo workflows run once and their
 * mail delivered to the local sink), then every API call each screen of the browser UI makes on
 * opening, through Fastify's inject (routing, auth, validation, the query, serialisation; no
 * network), 20 times each after one untimed call (Fastify compiles a route's schemas on its first
 * request).
 *
 * - `screen.<name>.p50Ms` / `.maxMs`: the sum over the screen's calls of each call's median /
 *   slowest time. Aim (issues 9 and 10): every screen ≤ 300 ms of server time.
 * - `call.<path>.p50Ms`: each call's median, to see which one to look at.
 *
 * WERKFLOW_BENCH_SCREENS_COUNT changes the demo size (default 5000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer } from '../src/api/server.js';
import { Werkflow } from '../src/engine/werkflow.js';
import { seedDemo } from '../src/demo/seed-demo.js';

const RUNS = 20;

const round = (ms: number) => Math.round(ms * 100) / 100;

export async function screensBench(
  count = Number(process.env.WERKFLOW_BENCH_SCREENS_COUNT) || 5000,
): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'werkflow-screens-bench-'));
  const w = await Werkflow.open({ url: join(dir, 'bench.db'), preset: 'energy-cooperative' });
  try {
    await w.email.sink.captureAllMail({ port: 0 });
    await seedDemo(w, { count });
    for (let i = 0; i < 5; i++) await w.scheduler.tick();
    await w.email.outbox.mailer.runUntilIdle();
    const admin = await w.auth.users.createUser(
      { name: 'Bench Beheerder', email: 'bench@werkflow.local', roles: ['administrator'] },
      'bench',
    );
    const { secret } = await w.auth.tokens.createTokenForUser(
      admin.id,
      { name: 'bench', scopes: ['all'] },
      'bench',
    );
    const app = await buildServer(w);
    await app.ready();
    const action = (await w.actions.list({ limit: 1 }))[0];
    const quotation = (await w.dossiers.list({ type: 'quotationRequest', limit: 1 }))[0];
    const outbox = (await w.email.outbox.listOutbox({ limit: 1 }))[0];
    const template = (await w.templates.list())[0];
    const common = ['/api/auth/me', '/api/dossier-types', '/api/settings/calendar'];
    const screens: Record<string, string[]> = {
      actionsMine: [...common, '/api/actions?mine=true&limit=50'],
      actionsOverdue: [...common, '/api/actions?overdue=true&limit=50'],
      actionsFailed: [...common, '/api/actions?status=failed&limit=50'],
      actionsAll: [...common, '/api/actions?limit=50'],
      action: [...common, `/api/actions/${action?.id}`, `/api/actions/${action?.id}/preview`],
      workflows: [...common, '/api/workflows/statuses', '/api/email-templates'],
      workflowsTaskTypes: [...common, '/api/workflows/task-types', '/api/email-templates'],
      templates: [...common, '/api/templates'],
      template: [...common, `/api/templates/${template?.id}`, '/api/email-templates'],
      emailTemplates: [...common, '/api/email-templates'],
      dossiers: [...common, '/api/dossiers/quotationRequest?limit=50'],
      dossier: [
        ...common,
        `/api/dossiers/quotationRequest/${quotation?.id}`,
        `/api/actions?dossierId=${quotation?.id}&limit=100`,
        `/api/dossiers/quotationRequest/${quotation?.id}/emails`,
      ],
      mailLog: [
        ...common,
        '/api/email/outbox?status=failed%2Cin_doubt&limit=50',
        '/api/email/outbox/counts',
        '/api/email-templates',
        '/api/mailboxes',
      ],
      mailLogAll: [...common, '/api/email/outbox?limit=50', '/api/email/outbox/counts'],
      mailMessage: [...common, `/api/email/outbox/${outbox?.id}`, '/api/email-templates'],
      mailboxes: [...common, '/api/mailboxes', '/api/email-templates'],
      mailViewer: [...common, '/api/mail-viewer/messages?limit=50'],
    };
    const medians = new Map<string, { p50: number; max: number }>();
    const timeOf = async (url: string) => {
      const known = medians.get(url);
      if (known) return known;
      const times: number[] = [];
      // One call first, untimed: Fastify compiles a route's schemas on its first request.
      await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${secret}` } });
      for (let i = 0; i < RUNS; i++) {
        const start = performance.now();
        const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${secret}` } });
        times.push(performance.now() - start);
        if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      }
      times.sort((a, b) => a - b);
      const r = { p50: times[Math.floor(times.length / 2)]!, max: times[times.length - 1]! };
      medians.set(url, r);
      return r;
    };
    const outboxCounts = await w.email.outbox.countOutbox();
    const results: Record<string, number> = {
      demoCount: count,
      dossiers: await w.dossiers.dossiers.countAll(),
      actions: (await w.actions.list({ limit: 100_000 })).length,
      outboxMessages: Object.entries(outboxCounts)
        .filter(([k]) => k !== 'needs_attention')
        .reduce((n, [, v]) => n + v, 0),
    };
    for (const [name, calls] of Object.entries(screens)) {
      let p50 = 0;
      let max = 0;
      for (const url of calls) {
        const r = await timeOf(url);
        p50 += r.p50;
        max += r.max;
      }
      results[`screen.${name}.p50Ms`] = round(p50);
      results[`screen.${name}.maxMs`] = round(max);
    }
    for (const [url, r] of medians)
      results[`call.${url.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}')}.p50Ms`] = round(r.p50);
    await app.close();
    return results;
  } finally {
    await w.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Loops and conflicts caught at save (issue 13, part 3): a template whose effect triggers,
 * through other templates, its own event is refused with the loop named step by step, unless it
 * states maxDepth; two active templates setting the same field on the same event are a warning.
 */
import { type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { type ApiClient, apiAs, expectError } from '../support/api-client.js';
import { BACKENDS, openTestWerkflow } from '../support/backends.js';

describe.each(BACKENDS)('template loops and conflicts on $name', (backend) => {
  let werkflow: Werkflow;
  let api: ApiClient;

  beforeAll(async () => {
    werkflow = await openTestWerkflow(backend);
    api = await apiAs(werkflow, 'workflowManager');
  });
  afterAll(async () => {
    await api?.app.close();
    await werkflow?.close();
  });

  const post = (def: Record<string, unknown>, publish = true) =>
    api.request('POST', `/api/templates?publish=${publish}`, { executionMode: 'automatic', ...def });

  it('refuses a template that closes a loop over a status and a field, naming each step; maxDepth allows it', async () => {
    const a = await post({
      name: 'Actief: notitie zetten',
      dossierType: 'opportunity',
      event: { type: 'statusSet', to: ['actief'] },
      effect: { type: 'setField', field: 'note', value: 'gezien' },
    });
    expect(a.statusCode, a.body).toBe(201);
    const loop = {
      name: 'Notitie: weer actief',
      dossierType: 'opportunity',
      event: { type: 'fieldChanged', field: 'note' },
      effect: { type: 'setStatus', status: 'actief' },
    };
    const refused = await post(loop);
    expectError(refused, 422, 'validation_failed', 'effect');
    expect(refused.json<{ error: { message: string } }>().error.message).toContain(
      '"Notitie: weer actief" sets the status to Active, which starts "Actief: notitie zetten"; "Actief: notitie zetten" sets note to "gezien", which starts "Notitie: weer actief"',
    );
    // The code and params the UI renders in Dutch: the steps in Dutch, the field by its label.
    const [detail] = refused.json<{
      error: { details: { path: string; code: string; params: Record<string, unknown> }[] };
    }>().error.details;
    expect(detail).toMatchObject({ path: 'effect', code: 'template.loop', params: { maxDepth: 20 } });
    expect(detail!.params.steps).toMatch(
      /^"Notitie: weer actief" zet de status op Actief, waardoor "Actief: notitie zetten" start; "Actief: notitie zetten" zet \S.* op "gezien", waardoor "Notitie: weer actief" start$/,
    );
    const bounded = await post({ ...loop, maxDepth: 3 });
    expect(bounded.statusCode, bounded.body).toBe(201);
    expectError(await post({ ...loop, maxDepth: 0 }), 422, 'validation_failed', 'maxDepth');
  });

  it('refuses a template that triggers itself (a task that creates a task)', async () => {
    expectError(
      await post({
        name: 'Taak maakt taak',
        dossierType: 'task',
        event: { type: 'created' },
        effect: {
          type: 'createTask',
          taskType: 'bellen',
          description: 'Nog een',
          responsible: { type: 'none' },
          plannedInDays: 1,
        },
      }),
      422,
      'validation_failed',
      'effect',
    );
  });

  it('refuses a draft that closes a chain of completed actions, and publishing it', async () => {
    const first = await post({
      name: 'Eerste',
      dossierType: 'contact',
      event: { type: 'created' },
      executionMode: 'manual',
      effect: { type: 'none' },
    });
    const firstId = first.json<{ id: string }>().id;
    const second = await post({
      name: 'Tweede',
      dossierType: 'contact',
      executionMode: 'manual',
      event: { type: 'actionCompleted', templateId: firstId },
      effect: { type: 'none' },
    });
    expect(second.statusCode, second.body).toBe(201);
    const secondId = second.json<{ id: string }>().id;
    const draft = await api.request('PUT', `/api/templates/${firstId}/draft`, {
      name: 'Eerste',
      dossierType: 'contact',
      executionMode: 'manual',
      event: { type: 'actionCompleted', templateId: secondId },
      effect: { type: 'none' },
    });
    expectError(draft, 422, 'validation_failed', 'effect');
    expect(draft.json<{ error: { message: string } }>().error.message).toContain(
      '"Eerste" being completed starts "Tweede"; "Tweede" being completed starts "Eerste"',
    );
  });

  it('warns when two active templates set the same field on the same event', async () => {
    const def = {
      dossierType: 'task',
      event: { type: 'fieldChanged', field: 'finished', to: true },
      effect: { type: 'setField', field: 'note', value: 'afgerond' },
    };
    const one = await post({ ...def, name: 'Notitie bij afronden' });
    expect(one.statusCode, one.body).toBe(201);
    expect(one.json<{ warnings?: unknown }>().warnings).toBeUndefined();
    const two = await post({
      ...def,
      name: 'Andere notitie bij afronden',
      effect: { ...def.effect, value: 'klaar' },
    });
    expect(two.statusCode, two.body).toBe(201);
    const warnings = two.json<{ warnings: { code: string; message: string }[] }>().warnings;
    expect(warnings.map((w) => w.code)).toEqual(['template.fieldConflict']);
    expect(warnings[0]!.message).toContain('"Notitie bij afronden" also sets note of task on the same event');
  });

  it('at run time, a chain deeper than maxDepth stops with a failed action saying why', async () => {
    const created = await post({
      name: 'Taak maakt vervolgtaak',
      dossierType: 'task',
      event: { type: 'created' },
      categories: ['nota-maken'],
      maxDepth: 3,
      effect: {
        type: 'createTask',
        taskType: 'nota-maken',
        description: 'Vervolg',
        responsible: { type: 'none' },
        plannedInDays: 1,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<{ id: string }>().id;
    await werkflow.dossiers.create('task', { data: { taskType: 'nota-maken', description: 'Begin' } }, null);
    for (let i = 0; i < 8; i++) await werkflow.scheduler.tick();
    const actions = (await werkflow.engine.actions.list({ templateId: id, limit: 100 })).sort(
      (a, b) => a.chainDepth! - b.chainDepth!,
    );
    expect(actions.map((a) => [a.chainDepth, a.status])).toEqual([
      [0, 'done'],
      [1, 'done'],
      [2, 'done'],
      [3, 'failed'],
    ]);
    expect(actions[3]!.error).toBe(
      'Stopped: this action is number 4 in a chain of actions that start each other, and "Taak maakt vervolgtaak" allows at most 3 (its maxDepth). Check the templates for a loop.',
    );
  });

  it('at run time, a webhook deeper in a chain than its maxDepth is not called: it fails saying why', async () => {
    const calls: string[] = [];
    const receiver = createServer((req, res) => {
      calls.push(String(req.headers['idempotency-key']));
      req.resume();
      res.end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const port = (receiver.address() as AddressInfo).port;
      // The receiver is on this machine: an administrator allows the host.
      const admin = await apiAs(werkflow, 'admin');
      const allow = await admin.request('PUT', '/api/settings/webhooks', { allowedHosts: ['127.0.0.1'] });
      expect(allow.statusCode, allow.body).toBe(200);
      const chain = await post({
        name: 'Informatie: vervolgtaak',
        dossierType: 'task',
        event: { type: 'created' },
        categories: ['informatie-toesturen'],
        maxDepth: 3,
        effect: {
          type: 'createTask',
          taskType: 'informatie-toesturen',
          description: 'Vervolg',
          responsible: { type: 'none' },
          plannedInDays: 1,
        },
      });
      expect(chain.statusCode, chain.body).toBe(201);
      const hook = await post({
        name: 'Informatie: melden',
        dossierType: 'task',
        event: { type: 'created' },
        categories: ['informatie-toesturen'],
        maxDepth: 2,
        effect: { type: 'webhook', url: `http://127.0.0.1:${port}/hook` },
      });
      expect(hook.statusCode, hook.body).toBe(201);
      const hookId = hook.json<{ id: string }>().id;
      await werkflow.dossiers.create(
        'task',
        { data: { taskType: 'informatie-toesturen', description: 'Begin' } },
        null,
      );
      for (let i = 0; i < 8; i++) await werkflow.scheduler.tick();
      const actions = (await werkflow.engine.actions.list({ templateId: hookId, limit: 100 })).sort(
        (a, b) => a.chainDepth! - b.chainDepth!,
      );
      expect(actions.map((a) => [a.chainDepth, a.status])).toEqual([
        [0, 'done'],
        [1, 'done'],
        [2, 'failed'],
        [3, 'failed'],
      ]);
      // Only the two within the limit reached the receiver.
      expect(calls.sort()).toEqual([actions[0]!.id, actions[1]!.id].sort());
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});

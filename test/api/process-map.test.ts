/**
 * The process map (issue 13, part 4): GET /api/processes/{process}/map draws a process's
 * templates as nodes and edges with pending / done / failed counts over a period, on SQLite and
 * PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Werkflow } from '../../src/engine/werkflow.js';
import type { ProcessMap } from '../../src/services/template-graph.service.js';
import { type ApiClient, apiAs, expectError } from '../support/api-client.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';

describe.each(BACKENDS)('process map on $name', (backend) => {
  let werkflow: Werkflow;
  let api: ApiClient;
  const clock = new TestClock('2026-11-23T09:00:00+01:00');
  let intake: string;
  let followUp: string;

  beforeAll(async () => {
    werkflow = await openTestWerkflow(backend, { clock });
    api = await apiAs(werkflow, 'workflowManager');
    const post = async (def: Record<string, unknown>) => {
      const res = await api.request('POST', '/api/templates?publish=true', { process: 'Intake', ...def });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: string }>().id;
    };
    intake = await post({
      name: 'Intakegesprek plannen',
      dossierType: 'contact',
      event: { type: 'created' },
      conditions: {
        type: 'all',
        conditions: [{ type: 'compare', field: 'kind', op: 'eq', value: 'persoon' }],
      },
      executionMode: 'automatic',
      effect: {
        type: 'createTask',
        taskType: 'adviesgesprek',
        description: 'Intake',
        responsible: { type: 'none' },
        plannedInDays: 3,
      },
    });
    followUp = await post({
      name: 'Intaketaak opvolgen',
      dossierType: 'task',
      event: { type: 'created' },
      categories: ['adviesgesprek'],
      executionMode: 'manual',
      effect: { type: 'none' },
    });
    for (const name of ['Een', 'Twee', 'Drie'])
      await werkflow.dossiers.create('contact', { data: { kind: 'persoon', name } }, null);
    await werkflow.scheduler.tick();
  });
  afterAll(async () => {
    await api?.app.close();
    await werkflow?.close();
  });

  it('nodes and edges with counts per status in the period, and a Mermaid rendering', async () => {
    const res = await api.request('GET', '/api/processes/Intake/map?from=2026-11-01', undefined, {
      'Accept-Language': 'nl',
    });
    expect(res.statusCode, res.body).toBe(200);
    const map = res.json<ProcessMap>();
    expect(map.nodes.map((n) => n.id)).toEqual([
      `event:${intake}`,
      `conditions:${intake}`,
      `action:${intake}`,
      `creates:${intake}`,
      `event:${followUp}`,
      `action:${followUp}`,
    ]);
    expect(map.nodes.find((n) => n.id === `action:${intake}`)!.counts).toEqual({ done: 3 });
    expect(map.nodes.find((n) => n.id === `action:${followUp}`)!.counts).toEqual({ due: 3 });
    expect(map.nodes.find((n) => n.id === `conditions:${intake}`)!.label).toBe('soort is Persoon');
    expect(map.nodes.find((n) => n.id === `creates:${intake}`)!.label).toBe('maakt Taak');
    expect(map.edges).toContainEqual(
      expect.objectContaining({ from: `creates:${intake}`, to: `event:${followUp}`, kind: 'trigger' }),
    );
    expect(map.mermaid.split('\n')[0]).toBe('flowchart LR');
    expect(map.mermaid).toContain('n2["Intakegesprek plannen (done 3)"]');
    expect(map.mermaid).toContain('n3 -.-> n4');
  });

  it('places a template by its published version: a draft moved to another process stays on this map until published', async () => {
    const current = (await api.request('GET', `/api/templates/${followUp}`)).json<{
      draft: Record<string, unknown>;
    }>();
    const res = await api.request('PUT', `/api/templates/${followUp}/draft`, {
      ...current.draft,
      process: 'Nazorg',
    });
    expect(res.statusCode, res.body).toBe(200);
    const map = (await api.request('GET', '/api/processes/Intake/map?from=2026-11-01')).json<ProcessMap>();
    expect(map.nodes.map((n) => n.id)).toContain(`action:${followUp}`);
    expectError(await api.request('GET', '/api/processes/Nazorg/map'), 404, 'not_found');
    // Published, it moves.
    const publish = await api.request('POST', `/api/templates/${followUp}/publish`, {});
    expect(publish.statusCode, publish.body).toBe(200);
    const moved = (await api.request('GET', '/api/processes/Intake/map?from=2026-11-01')).json<ProcessMap>();
    expect(moved.nodes.map((n) => n.id)).not.toContain(`action:${followUp}`);
    const nazorg = await api.request('GET', '/api/processes/Nazorg/map?from=2026-11-01');
    expect(nazorg.statusCode, nazorg.body).toBe(200);
    expect(nazorg.json<ProcessMap>().nodes.map((n) => n.id)).toEqual([
      `event:${followUp}`,
      `action:${followUp}`,
    ]);
  });

  it('counts only the period asked for; unknown processes and bad dates are refused', async () => {
    const earlier = await api.request('GET', '/api/processes/Intake/map?from=2026-10-01&to=2026-11-01');
    expect(earlier.statusCode, earlier.body).toBe(200);
    expect(earlier.json<ProcessMap>().nodes.find((n) => n.id === `action:${intake}`)!.counts).toEqual({});
    expectError(await api.request('GET', '/api/processes/Onbekend/map'), 404, 'not_found');
    expectError(
      await api.request('GET', '/api/processes/Intake/map?from=gisteren'),
      422,
      'validation_failed',
      'query.from',
    );
  });
});

/**
 * The sweeper's note (issue 8, story 8): when a worker's lease runs out, its running action goes
 * back to pending with a history entry coded `reason.workerStopped` with the worker as a param, so
 * the action's history and the dossier timeline read it in the reader's language; the English
 * sentence stays for integrators. Both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/id.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { openAction } from '../support/action-fixture.js';
import { type ApiClient, apiAs } from '../support/api-client.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';

const NOW = Date.parse('2026-11-23T10:00:00+01:00');
const DAY = 86_400_000;
const LEASE = 5 * 60_000;
const DUTCH = 'verwerker worker-7 stopte voordat de actie klaar was; ze wordt opnieuw uitgevoerd';
const ENGLISH = 'worker worker-7 stopped before finishing; will run again';

interface Note {
  note: string | null;
  noteCoded: { code: string; params: Record<string, unknown>; text: string } | null;
}

describe.each(BACKENDS)('the sweeper’s note on $name', (backend) => {
  let wf: Werkflow;
  let api: ApiClient;
  let clock: TestClock;
  let contact: string;
  let actionId: string;

  beforeAll(async () => {
    clock = new TestClock(NOW);
    wf = await openTestWerkflow(backend, { clock });
    api = await apiAs(wf, 'staff');
    contact = (await wf.dossiers.create('contact', { data: { kind: 'persoon', name: 'Jan' } }, 'test')).id;
    actionId = newId(NOW);
    const action = openAction({
      id: actionId,
      title: 'Bel Jan',
      dossierId: contact,
      dossierType: 'contact',
      idempotencyKey: 'sweep|1',
      createdAt: NOW,
      status: 'pending',
      // Far away: once swept back to pending, the tick does not run it.
      dueAt: NOW + 30 * DAY,
    });
    await wf.store.db.transaction().execute((db) => wf.engine.actions.insertMany([action], 'seed', db));
    // A worker claimed it and died: running, locked by a worker that never comes back.
    await wf.store.db
      .updateTable('actions')
      .set({ status: 'running', locked_by: 'worker-7', locked_at: NOW })
      .where('id', '=', actionId)
      .execute();
    clock.advance(LEASE + 1_000);
    expect(await wf.scheduler.tick()).toMatchObject({ swept: 1, executed: 0 });
  });
  afterAll(async () => {
    await wf?.close();
  });

  it('writes the history entry as a code with the worker as a param', async () => {
    const history = await wf.engine.actions.history(actionId);
    const swept = history.find((h) => h.fromStatus === 'running')!;
    expect(swept).toMatchObject({
      toStatus: 'pending',
      actor: 'sweeper',
      note: ENGLISH,
      noteCoded: { code: 'reason.workerStopped', params: { worker: 'worker-7' } },
    });
  });

  it('the action’s history and the dossier timeline read it in Dutch, or in English', async () => {
    for (const [lang, text] of [
      ['nl', DUTCH],
      ['en', ENGLISH],
    ] as const) {
      const headers = { 'accept-language': lang };
      const detail = await api.request('GET', `/api/actions/${actionId}`, undefined, headers);
      expect(detail.statusCode, detail.body).toBe(200);
      const fromHistory = detail
        .json<{ history: Note[] }>()
        .history.find((h) => h.noteCoded?.code === 'reason.workerStopped');
      expect(fromHistory).toMatchObject({ note: ENGLISH, noteCoded: { text } });
      const steps = await api.request(
        'GET',
        `/api/dossiers/contact/${contact}/action-steps`,
        undefined,
        headers,
      );
      expect(steps.statusCode, steps.body).toBe(200);
      const fromTimeline = steps
        .json<{ items: Note[] }>()
        .items.find((s) => s.noteCoded?.code === 'reason.workerStopped');
      expect(fromTimeline?.noteCoded?.text).toBe(text);
    }
    expect(DUTCH).not.toMatch(/\b(stopped|before|finishing|will|run|again)\b/);
  });
});

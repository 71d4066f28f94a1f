/**
 * The dossier timeline's action steps (issue 10): every step of every action of a dossier —
 * created, rescheduled, cancelled with the reason — with who did it by name, newest first, and
 * paged with a keyset cursor until the last one; a stale one-click status change says who
 * changed which fields. Both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../src/domain/action/action.js';
import { newId } from '../../src/domain/id.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { openAction } from '../support/action-fixture.js';
import { type ApiClient, apiAs, expectError } from '../support/api-client.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';

const NOW = Date.parse('2026-11-23T10:00:00+01:00');
const DAY = 86_400_000;

interface Step {
  id: number;
  actionId: string;
  actionTitle: string;
  from: string | null;
  to: string;
  actor: string | null;
  actorName: string | null;
  actorKind: string;
  noteCoded: { code: string; text: string } | null;
}
interface StepPage {
  items: Step[];
  nextCursor: string | null;
}

describe.each(BACKENDS)('dossier timeline API on $name', (backend) => {
  let wf: Werkflow;
  let api: ApiClient;
  let contact: string;
  let other: string;

  const planned = (title: string, dossierId: string, i: number): Action =>
    openAction({
      id: newId(NOW - DAY + i),
      title,
      dossierId,
      dossierType: 'contact',
      idempotencyKey: `timeline|${i}`,
      createdAt: NOW - DAY,
    });

  beforeAll(async () => {
    wf = await openTestWerkflow(backend, { clock: new TestClock(NOW) });
    api = await apiAs(wf, 'staff');
    contact = (
      await wf.dossiers.create('contact', { data: { kind: 'persoon', name: 'Jan de Vries' } }, 'test')
    ).id;
    other = (await wf.dossiers.create('contact', { data: { kind: 'persoon', name: 'Piet' } }, 'test')).id;
    const rows = [
      planned('Bel Jan', contact, 1),
      planned('Mail Jan', contact, 2),
      planned('Bel Piet', other, 3),
    ];
    await wf.store.db.transaction().execute((db) => wf.engine.actions.insertMany(rows, 'seed', db));
    const [bel, mail] = rows;
    const moved = await api.request('POST', `/api/actions/${bel!.id}/reschedule`, {
      dueAt: new Date(NOW + 3 * DAY).toISOString(),
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const cancelled = await api.request('POST', `/api/actions/${mail!.id}/cancel`, {
      reason: 'Klant belt zelf',
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
  });
  afterAll(async () => {
    await wf?.close();
  });

  it('lists each step of each action of the dossier, newest first, with who and why', async () => {
    const res = await api.request('GET', `/api/dossiers/contact/${contact}/action-steps`, undefined, {
      'accept-language': 'nl',
    });
    expect(res.statusCode, res.body).toBe(200);
    const steps = res.json<StepPage>().items;
    // Two created steps, one reschedule, one cancel; nothing of Piet's action.
    expect(steps.map((s) => s.actionTitle).sort()).toEqual(['Bel Jan', 'Bel Jan', 'Mail Jan', 'Mail Jan']);
    expect([...steps].sort((a, b) => b.id - a.id)).toEqual(steps);
    const cancel = steps.find((s) => s.to === 'cancelled')!;
    expect(cancel).toMatchObject({ actionTitle: 'Mail Jan', actorKind: 'token' });
    expect(cancel.actorName).toBeTruthy();
    expect(cancel.noteCoded?.text).toContain('Klant belt zelf');
    const moved = steps.find((s) => s.noteCoded?.code === 'reason.rescheduled')!;
    expect(moved.actionTitle).toBe('Bel Jan');
    expect(moved.noteCoded!.text).toMatch(/^verplaatst naar /);
    const created = steps.filter((s) => s.from === null);
    expect(created).toHaveLength(2);
    for (const s of created) expect(s).toMatchObject({ actor: 'seed', actorKind: 'automatic' });
  });

  it('pages through every step with a keyset cursor', async () => {
    const seen: Step[] = [];
    let cursor: string | null = null;
    do {
      const res = await api.request(
        'GET',
        `/api/dossiers/contact/${contact}/action-steps?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      const page: StepPage = res.json<StepPage>();
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(4);
    expect(new Set(seen.map((s) => s.id)).size).toBe(4);
    expectError(
      await api.request('GET', `/api/dossiers/contact/${contact}/action-steps?cursor=bm9wZQ`),
      422,
      'validation_failed',
    );
    expectError(await api.request('GET', '/api/dossiers/contact/nope/action-steps'), 404, 'not_found');
    // A contact's id under another type is not that type's dossier: no steps, a 404.
    expectError(await api.request('GET', `/api/dossiers/intake/${contact}/action-steps`), 404, 'not_found');
  });

  it('a stale status change says who changed which fields', async () => {
    const read = await api.request('GET', `/api/dossiers/contact/${other}`);
    const version = read.json<{ version: number }>().version;
    await wf.dossiers.patch('contact', other, { city: 'Zwolle' }, version, null);
    const stale = await api.request(
      'PATCH',
      `/api/dossiers/contact/${other}`,
      { data: { status: 'actief' } },
      { 'if-match': `"${version}"` },
    );
    expectError(stale, 409, 'version_conflict');
    expect(stale.json<{ error: { params: Record<string, unknown> } }>().error.params).toMatchObject({
      by: 'automatic',
      fields: 'city',
      expected: version,
      current: version + 1,
    });
  });
});

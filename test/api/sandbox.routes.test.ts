/**
 * Sandbox mode: moving the clock runs what falls due, and the person moving it stays logged in
 * (sessions expire in real time, not on the sandbox clock).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import { SandboxClock } from '../../src/engine/clock.js';
import { Werkflow } from '../../src/engine/werkflow.js';
import { sessionApi } from '../support/api-client.js';
import { BACKENDS } from '../support/backends.js';

describe.each(BACKENDS)('sandbox on $name', (backend) => {
  let wf: Werkflow | undefined;
  afterEach(async () => {
    await wf?.close();
    wf = undefined;
  });

  it('advancing the clock a week executes what fell due and keeps the session', async () => {
    wf = await Werkflow.open({ ...backend.fresh(), preset: 'energy-cooperative', clock: new SandboxClock() });
    await wf.auth.users.createUser(
      {
        name: 'Beheerder',
        email: 'beheer@test.werkflow.local',
        roles: ['administrator'],
        password: 'lange-zandloper-aan-zee-9',
      },
      'test',
    );
    await wf.templates.create(
      {
        name: 'Na drie dagen',
        dossierType: 'opportunity',
        event: { type: 'statusSet', to: ['opdracht'] },
        timing: { anchor: { type: 'event' }, offset: 3, unit: 'days' },
        effect: { type: 'setField', field: 'note', value: 'opgevolgd' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const contact = await wf.dossiers.create('contact', { data: { kind: 'persoon', name: 'Jan' } }, null);
    const measure = await wf.dossiers.create('measureCategory', { data: { name: 'Zon' } }, null);
    const intake = await wf.dossiers.create(
      'intake',
      { data: { contact: contact.id, status: 'open' } },
      null,
    );
    const opp = await wf.dossiers.create(
      'opportunity',
      { data: { name: 'Zon', intake: intake.id, measureCategory: measure.id, status: 'opdracht' } },
      null,
    );
    const admin = await sessionApi(wf, 'beheer@test.werkflow.local', 'lange-zandloper-aan-zee-9');
    const moved = await admin.request('POST', '/api/sandbox/clock/advance', { duration: '1w' });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ executed: 1 });
    expect((await wf.dossiers.get('opportunity', opp.id)).data.note).toBe('opgevolgd');
    const me = await admin.request('GET', '/api/auth/me');
    expect(me.statusCode, me.body).toBe(200);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';

const DAY = 86_400_000;

describe.each(BACKENDS)('engine basics on $name', (backend) => {
  let wf: Werkflow | undefined;
  afterEach(async () => {
    await wf?.close();
    wf = undefined;
  });

  async function quotationRequest(w: Werkflow) {
    const contact = await w.dossiers.create(
      'contact',
      { data: { kind: 'persoon', name: 'Jan Jansen', email: 'jan@example.nl' } },
      null,
    );
    const measure = await w.dossiers.create('measureCategory', { data: { name: 'Zonnepanelen' } }, null);
    const intake = await w.dossiers.create('intake', { data: { contact: contact.id, status: 'open' } }, null);
    const opp = await w.dossiers.create(
      'opportunity',
      { data: { name: 'Zon', intake: intake.id, measureCategory: measure.id, status: 'actief' } },
      null,
    );
    return w.dossiers.create(
      'quotationRequest',
      { data: { opportunity: opp.id, status: 'offerte-nog-niet-aangevraagd' } },
      null,
    );
  }

  it('stamps on a status change, executes when due, and cancels when the status moves on first', async () => {
    const clock = new TestClock('2026-11-23T10:00:00+01:00');
    wf = await openTestWerkflow(backend, { clock });
    await wf.templates.create(
      {
        name: 'Mail bewoner na offerte aangevraagd',
        dossierType: 'quotationRequest',
        event: { type: 'statusSet', to: ['offerte-aangevraagd'] },
        timing: { anchor: { type: 'event' }, offset: 3, unit: 'days' },
        effect: { type: 'setField', field: 'note', value: 'mailed' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const qr = await quotationRequest(wf);
    const v2 = await wf.dossiers.patch('quotationRequest', qr.id, { status: 'offerte-aangevraagd' }, 1, null);
    const [action] = await wf.actions.list({ dossierId: qr.id, limit: 10 });
    expect(action?.status).toBe('pending');
    expect(action?.dueAt).toBe(clock.now() + 3 * DAY);
    expect((await wf.scheduler.tick()).executed).toBe(0);
    clock.advance(3 * DAY);
    expect((await wf.scheduler.tick()).executed).toBe(1);
    const after = await wf.dossiers.get('quotationRequest', qr.id);
    expect(after.data.note).toBe('mailed');
    expect((await wf.actions.get(action!.id)).status).toBe('done');

    // Second dossier: the status moves on before the action is due → cancelled, with the reason.
    const qr2 = await quotationRequest(wf);
    await wf.dossiers.patch('quotationRequest', qr2.id, { status: 'offerte-aangevraagd' }, 1, null);
    await wf.dossiers.patch('quotationRequest', qr2.id, { status: 'bewoner-is-akkoord' }, 2, null);
    const [cancelled] = await wf.actions.list({ dossierId: qr2.id, limit: 10 });
    expect(cancelled?.status).toBe('cancelled');
    expect(cancelled?.statusReason).toBe('status is no longer Quotation requested');
    clock.advance(5 * DAY);
    await wf.scheduler.tick();
    expect((await wf.dossiers.get('quotationRequest', qr2.id)).data.note).toBeUndefined();
    void v2;
  });
});

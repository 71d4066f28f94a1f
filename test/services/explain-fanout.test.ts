/**
 * Explain for a fan-out template ("one action per participant"): its actions live on the related
 * dossiers, stamped by the root's event. Asked about the training, explain must show them and not
 * claim that no action was made; on SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import type { Dossier } from '../../src/domain/dossier.js';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import { BACKENDS } from '../support/backends.js';
import { sharedWerkflow } from '../support/shared-werkflow.js';

describe.each(BACKENDS)('explain for a fan-out template on $name', (backend) => {
  const shared = sharedWerkflow(backend, {
    start: '2026-10-01T10:00:00+02:00',
    preset: 'training-institute',
  });
  const clock = shared.clock;

  async function participant(t: Dossier, name: string): Promise<Dossier> {
    const person = await shared.werkflow.dossiers.create('person', { data: { name } }, null);
    return shared.werkflow.dossiers.create(
      'participant',
      { data: { training: t.id, person: person.id, status: 'aangemeld' } },
      null,
    );
  }

  it("shows the actions made on the participants for the training's event, and what comes next", async () => {
    const tpl = await shared.werkflow.templates.create(
      {
        name: 'Plaats deelnemer',
        dossierType: 'training',
        event: { type: 'statusSet', to: ['definitief'] },
        fanOut: { dossierType: 'participant', field: 'training' },
        timing: { anchor: { type: 'event' }, offset: 1, unit: 'days' },
        effect: { type: 'setStatus', status: 'geplaatst' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const type = await shared.werkflow.dossiers.create('trainingType', { data: { name: 'BHV Basis' } }, null);
    let t = await shared.werkflow.dossiers.create(
      'training',
      {
        data: { name: 'BHV december', trainingType: type.id, status: 'te-starten', startDate: '2026-12-01' },
      },
      null,
    );
    const people = [await participant(t, 'Piet de Vries'), await participant(t, 'Sanne Bakker')];
    clock.advance(60_000);
    t = await shared.werkflow.dossiers.patch('training', t.id, { status: 'definitief' }, t.version, null);
    const r = (await shared.werkflow.explain.explain('training', t.id, { templateId: tpl.id, lang: 'en' }))
      .templates[0]!;
    expect(r.event.code).toBe('event.happened');
    expect(r.actions.map((a) => a.status)).toEqual(['pending', 'pending']);
    expect(r.reasons).toEqual([]);
    expect(r.next.code).toBe('next.due');
    const stamped = await shared.werkflow.engine.actions.list({ templateId: tpl.id, limit: 10 });
    expect(stamped.map((a) => a.dossierId).sort()).toEqual(people.map((p) => p.id).sort());
    expect(r.actions.map((a) => a.id).sort()).toEqual(stamped.map((a) => a.id).sort());
  });
});

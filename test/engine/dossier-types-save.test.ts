/**
 * Saving dossier types renews the stored titles and search texts of only the types that changed.
 * PostgreSQL's jsonb hands the stored types back with their keys in another order than they were
 * written: saving the same types again must still see them as unchanged and renew nothing. A
 * stored title set by hand shows whether a save renewed it. Both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DossierType } from '../../src/domain/dossier-type.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { BACKENDS, openTestWerkflow } from '../support/backends.js';

// Keys deliberately not in jsonb's order (shorter keys first, then bytewise).
const club = (titleTemplate: string): DossierType => ({
  titleTemplate,
  statuses: [],
  fields: [
    { label: { nl: 'Naam', en: 'Name' }, kind: 'text', key: 'name' },
    { label: { nl: 'Plaats', en: 'City' }, kind: 'text', key: 'city' },
  ],
  label: { nl: 'Vereniging', en: 'Club' },
  key: 'club',
});

describe.each(BACKENDS)('saving dossier types on $name', (backend) => {
  let wf: Werkflow;
  let id: string;

  const storedTitle = async () =>
    (
      await wf.store.db
        .selectFrom('dossiers')
        .select('title_nl')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).title_nl;
  const markTitle = () =>
    wf.store.db.updateTable('dossiers').set({ title_nl: 'hand' }).where('id', '=', id).execute();

  beforeAll(async () => {
    wf = await openTestWerkflow(backend);
    await wf.saveDossierTypes([club('{name}')], null);
    id = (await wf.dossiers.create('club', { data: { name: 'Hercules', city: 'Utrecht' } }, null)).id;
  });
  afterAll(async () => {
    await wf?.close();
  });

  it('saving the same types again renews no stored title', async () => {
    expect(await storedTitle()).toBe('Hercules');
    await markTitle();
    await wf.saveDossierTypes([club('{name}')], null);
    expect(await storedTitle()).toBe('hand');
  });

  it('a changed title rule renews the titles of that type', async () => {
    await markTitle();
    await wf.saveDossierTypes([club('{name} {city}')], null);
    expect(await storedTitle()).toBe('Hercules Utrecht');
  });
});

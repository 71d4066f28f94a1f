/**
 * What the dossier screens need of the API: titles by the type's title rule, search through
 * references, sorting with keyset paging and a total, related dossiers, people by name, who
 * wrote each event, and who changed what on a version conflict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { type ApiClient, apiAs } from '../support/api-client.js';
import { BACKENDS, openTestWerkflow } from '../support/backends.js';

interface DossierBody {
  id: string;
  version: number;
  title?: string;
  data: Record<string, unknown>;
}
interface ListBody {
  items: DossierBody[];
  nextCursor: string | null;
  total: number | null;
}

describe.each(BACKENDS)('dossier screens API on $name', (backend) => {
  let werkflow: Werkflow;
  let staff: ApiClient;
  let admin: ApiClient;
  let training: DossierBody;
  let jan: DossierBody;

  const create = async (client: ApiClient, type: string, data: Record<string, unknown>) => {
    const res = await client.request('POST', `/api/dossiers/${type}`, { data });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<DossierBody>();
  };

  beforeAll(async () => {
    werkflow = await openTestWerkflow(backend, { preset: 'training-institute' });
    staff = await apiAs(werkflow, 'staff');
    admin = await apiAs(werkflow, 'admin');
    const vca = await create(staff, 'trainingType', { name: 'VCA Basis' });
    training = await create(staff, 'training', {
      name: 'VCA Basis',
      trainingType: vca.id,
      status: 'te-starten',
      startDate: '2027-01-12',
    });
    jan = await create(staff, 'person', { name: 'Jan de Vries' });
    const piet = await create(staff, 'person', { name: 'Piet Bakker' });
    await create(staff, 'participant', { training: training.id, person: jan.id, status: 'aangemeld' });
    await create(staff, 'participant', { training: training.id, person: piet.id, status: 'geplaatst' });
  });
  afterAll(async () => {
    await werkflow?.close();
  });

  it('a participant reads "Jan de Vries – VCA Basis 12 jan 2027", not its status, in nl and en', async () => {
    const nl = await staff.request('GET', `/api/dossiers/participant?q=vries`, undefined, {
      'accept-language': 'nl',
    });
    expect(nl.json<ListBody>().items.map((d) => d.title)).toEqual(['Jan de Vries – VCA Basis 12 jan 2027']);
    const en = await staff.request('GET', `/api/dossiers/training/${training.id}`, undefined, {
      'accept-language': 'en',
    });
    expect(en.json<DossierBody>().title).toBe('VCA Basis 12 Jan 2027');
  });

  it('searches through references (the person’s name) and counts every match in total', async () => {
    const all = (await staff.request('GET', '/api/dossiers/participant')).json<ListBody>();
    expect(all.total).toBe(2);
    const piet = (await staff.request('GET', '/api/dossiers/participant?q=BAKKER')).json<ListBody>();
    expect(piet.total).toBe(1);
    expect(piet.items[0]!.title).toMatch(/^Piet Bakker/);
    const none = (await staff.request('GET', '/api/dossiers/participant?q=50%25')).json<ListBody>();
    expect(none).toMatchObject({ items: [], total: 0 });
    const both = (await staff.request('GET', '/api/dossiers/participant?q=vca%20basis')).json<ListBody>();
    expect(both.total).toBe(2);
    // Words with characters JSON writes escaped (a quote) are found too.
    await create(staff, 'location', { name: 'Zaal "De Kroon"', city: 'Ede' });
    const quoted = (
      await staff.request('GET', `/api/dossiers/location?q=${encodeURIComponent('"de kroon"')}`)
    ).json<ListBody>();
    expect(quoted.items.map((d) => d.data.name)).toEqual(['Zaal "De Kroon"']);
  });

  it('stores titles: search finds a title’s date part; a renamed or moved training retitles its participants', async () => {
    const nlList = (url: string) =>
      staff.request('GET', url, undefined, { 'accept-language': 'nl' }).then((r) => r.json<ListBody>());
    // "12 jan" is in no field: only in the titles (the training's start date as the title writes it).
    expect((await nlList('/api/dossiers/participant?q=12%20jan')).total).toBe(2);
    const bhv = await create(staff, 'training', {
      name: 'BHV',
      trainingType: training.data.trainingType,
      status: 'te-starten',
      startDate: '2027-03-05',
    });
    const kees = await create(staff, 'person', { name: 'Kees Smit', email: 'kees@example.nl' });
    const p = await create(staff, 'participant', { training: bhv.id, person: kees.id, status: 'aangemeld' });
    const stored = () =>
      werkflow.store.db
        .selectFrom('dossiers')
        .select(['title_nl', 'title_en'])
        .where('id', '=', p.id)
        .executeTakeFirstOrThrow();
    expect(await stored()).toEqual({
      title_nl: 'Kees Smit – BHV 5 mrt 2027',
      title_en: 'Kees Smit – BHV 5 Mar 2027',
    });
    // Found by the person's e-mail address (a text field of a dossier the title reads).
    expect((await nlList('/api/dossiers/participant?q=kees@example')).items.map((d) => d.id)).toEqual([p.id]);
    const moved = await staff.request(
      'PATCH',
      `/api/dossiers/training/${bhv.id}`,
      { data: { name: 'BHV Herhaling', startDate: '2027-04-09' } },
      { 'if-match': `"${bhv.version}"` },
    );
    expect(moved.statusCode, moved.body).toBe(200);
    expect(await stored()).toEqual({
      title_nl: 'Kees Smit – BHV Herhaling 9 apr 2027',
      title_en: 'Kees Smit – BHV Herhaling 9 Apr 2027',
    });
    expect(
      (await nlList('/api/dossiers/participant?q=herhaling%209%20apr')).items.map((d) => d.title),
    ).toEqual(['Kees Smit – BHV Herhaling 9 apr 2027']);
    expect((await nlList('/api/dossiers/participant?q=5%20mrt')).total).toBe(0);
    // The person renamed: the participant follows too.
    const renamed = await staff.request(
      'PATCH',
      `/api/dossiers/person/${kees.id}`,
      { data: { name: 'Kees de Smit' } },
      { 'if-match': `"${kees.version}"` },
    );
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect((await stored()).title_nl).toBe('Kees de Smit – BHV Herhaling 9 apr 2027');
    // The backfill after migration 012 (titles empty) writes them all again.
    await werkflow.store.db
      .updateTable('dossiers')
      .set({ title_nl: null, title_en: null, search_text: '' })
      .execute();
    expect(await werkflow.dossiers.refreshTexts()).toBeGreaterThan(5);
    expect((await stored()).title_en).toBe('Kees de Smit – BHV Herhaling 9 Apr 2027');
    expect((await nlList('/api/dossiers/participant?q=12%20jan')).total).toBe(2);
  });

  it('sorting on a field pages with a cursor: every item once, in order, ascending and descending', async () => {
    const names = ['bram', 'Anna', 'anna', 'Zoë', '', 'Éva', 'carl', 'Bram', 'dirk', 'Ellen'];
    for (const [i, name] of names.entries())
      await create(staff, 'location', name ? { name, city: String(i) } : { name: `x${i}` });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.boolean(), async (limit, desc) => {
        const seen: DossierBody[] = [];
        let cursor: string | null = '';
        let total = -1;
        do {
          const url = `/api/dossiers/location?sort=${desc ? '-' : ''}name&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
          const res = await staff.request('GET', url);
          expect(res.statusCode, res.body).toBe(200);
          const page: ListBody = res.json<ListBody>();
          seen.push(...page.items);
          if (total === -1) total = page.total ?? -2;
          else expect(page.total).toBeNull();
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen.length).toBe(total);
        expect(new Set(seen.map((d) => d.id)).size).toBe(total);
        const keys = seen.map((d) => String(d.data.name).toLowerCase());
        const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        expect(keys).toEqual(desc ? sorted.reverse() : sorted);
      }),
      { numRuns: 8 },
    );
  });

  it('sorts numbers as numbers and refuses a sort on an unknown field', async () => {
    for (const price of [900, 95, 1250.5]) await create(staff, 'training', { ...training.data, price });
    const res = await staff.request('GET', '/api/dossiers/training?sort=-price&limit=2');
    const first = res.json<ListBody>();
    expect(first.items.map((d) => d.data.price)).toEqual([1250.5, 900]);
    const next = await staff.request(
      'GET',
      `/api/dossiers/training?sort=-price&limit=2&cursor=${first.nextCursor}`,
    );
    expect(next.json<ListBody>().items.map((d) => d.data.price ?? null)).toEqual([95, null]);
    const bad = await staff.request('GET', '/api/dossiers/training?sort=nope');
    expect(bad.statusCode).toBe(422);
    expect(bad.json<{ error: { path: string } }>().error.path).toBe('query.sort');
  });

  it('lists related dossiers: a training its participants, with titles and a total', async () => {
    const res = await staff.request('GET', `/api/dossiers/training/${training.id}/related?limit=1`);
    expect(res.statusCode, res.body).toBe(200);
    const groups = res.json<{
      items: { type: string; field: string; total: number; items: DossierBody[] }[];
    }>().items;
    const participants = groups.find((g) => g.type === 'participant');
    expect(participants).toMatchObject({ field: 'training', total: 2 });
    expect(participants!.items).toHaveLength(1);
    expect(participants!.items[0]!.title).toContain('VCA Basis');
  });

  it('gives users and teams by name to whoever may read dossiers', async () => {
    const res = await staff.request('GET', '/api/people');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ users: { id: string; name: string }[] }>();
    expect(body.users.map((u) => u.name)).toContain('Test staff');
  });

  it('names who wrote each event and, on a stale edit, who changed which fields since', async () => {
    const fresh = await create(staff, 'person', { name: 'Kees Smit', city: 'Ede' });
    const changed = await staff.request(
      'PATCH',
      `/api/dossiers/person/${fresh.id}`,
      { data: { city: 'Zwolle' } },
      { 'if-match': '"1"' },
    );
    expect(changed.statusCode, changed.body).toBe(200);
    const events = (await staff.request('GET', `/api/dossiers/person/${fresh.id}/events`)).json<{
      items: { actorName: string | null; actorKind: string }[];
    }>();
    expect(events.items[0]).toMatchObject({ actorKind: 'token' });
    expect(events.items[0]!.actorName).toContain('Test staff');
    const stale = await admin.request(
      'PATCH',
      `/api/dossiers/person/${fresh.id}`,
      { data: { name: 'K. Smit' } },
      { 'if-match': '"1"' },
    );
    expect(stale.statusCode).toBe(409);
    const error = stale.json<{ error: { code: string; params: Record<string, string | number> } }>().error;
    expect(error.code).toBe('version_conflict');
    expect(error.params).toMatchObject({ expected: 1, current: 2, fields: 'city' });
    expect(String(error.params.by)).toContain('Test staff');
  });

  it('names the worker and automatic writes apart from people', async () => {
    const { actorKindOf } = await import('../../src/api/dossier-views.js');
    expect(actorKindOf('worker:host:1:abc')).toBe('worker');
    expect(actorKindOf('seed')).toBe('automatic');
    expect(actorKindOf(null)).toBe('automatic');
    expect(actorKindOf(jan.id)).toBe('user');
  });
});

describe.each(BACKENDS)('related dossiers in two steps on $name', (backend) => {
  let werkflow: Werkflow;
  afterAll(async () => {
    await werkflow?.close();
  });

  it('a contact lists its opportunities through its intakes; only direct references stop a delete', async () => {
    werkflow = await openTestWerkflow(backend);
    const staff = await apiAs(werkflow, 'staff');
    const post = async (type: string, data: Record<string, unknown>) =>
      (await staff.request('POST', `/api/dossiers/${type}`, { data })).json<DossierBody>();
    const contact = await post('contact', { kind: 'persoon', name: 'Femke van Leeuwen' });
    const other = await post('contact', { kind: 'persoon', name: 'Iemand Anders' });
    const category = await post('measureCategory', { name: 'Dakisolatie' });
    const intake = await post('intake', { contact: contact.id, status: 'open', address: 'Molenweg 89' });
    const otherIntake = await post('intake', { contact: other.id, status: 'open' });
    const status = 'actief';
    await post('opportunity', {
      name: 'Dakisolatie Molenweg 89',
      intake: intake.id,
      measureCategory: category.id,
      status,
    });
    await post('opportunity', {
      name: 'Niet van Femke',
      intake: otherIntake.id,
      measureCategory: category.id,
      status,
    });
    const res = await staff.request('GET', `/api/dossiers/contact/${contact.id}/related`);
    expect(res.statusCode, res.body).toBe(200);
    const groups = res.json<{
      items: {
        type: string;
        field: string;
        total: number;
        items: DossierBody[];
        through?: { type: string; field: string };
      }[];
    }>().items;
    expect(groups.find((g) => g.type === 'intake')).toMatchObject({ field: 'contact', total: 1 });
    const opportunities = groups.find((g) => g.type === 'opportunity');
    expect(opportunities).toMatchObject({
      field: 'intake',
      total: 1,
      through: { type: 'intake', field: 'contact' },
    });
    expect(opportunities!.items.map((d) => d.title)).toEqual(['Dakisolatie Molenweg 89']);
  });
});

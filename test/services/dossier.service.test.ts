import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Dossier } from '../../src/domain/dossier.js';
import type { DossierType } from '../../src/domain/dossier-type.js';
import { WerkflowError } from '../../src/domain/errors.js';
import type { UpsertItem } from '../../src/services/dossier.service.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';
import { countQueries } from '../support/query-count.js';

/** The rejection of `promise`, which must be a WerkflowError. */
async function refusal(promise: Promise<unknown>): Promise<WerkflowError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected the call to be refused').toBeInstanceOf(WerkflowError);
  return error as WerkflowError;
}

const contactData = (i: number, city = 'Zwolle') => ({
  kind: 'persoon',
  name: `Contact ${i}`,
  email: `contact.${i}@example.nl`,
  city,
});

describe.each(BACKENDS)('DossierService on $name', (backend) => {
  let werkflow: Werkflow;
  let clock: TestClock;
  /** When set, the after-write hook throws: a failure late in the write transaction. */
  let hookFails = false;

  beforeEach(async () => {
    clock = new TestClock();
    hookFails = false;
    werkflow = await openTestWerkflow(backend, { clock });
    werkflow.dossiers.onAfterWrite(async () => {
      if (hookFails) throw new Error('after-write hook failed on purpose');
    });
  });
  afterEach(async () => {
    await werkflow.close();
  });

  const service = () => werkflow.dossiers;

  async function eventCount(): Promise<number> {
    const row = await werkflow.store.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function dossierCount(): Promise<number> {
    const row = await werkflow.store.db
      .selectFrom('dossiers')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  const eventsOf = (id: string) => service().events.listForDossier(id, { limit: 100 });

  async function newUser(id: string): Promise<string> {
    await service().users.insert({
      id,
      name: `User ${id}`,
      email: `${id}@example.nl`,
      phone: null,
      jobTitle: null,
      active: true,
      createdAt: clock.now(),
    });
    return id;
  }

  /** A contact and an intake that refers to it. */
  async function contactWithIntake(): Promise<{ contact: Dossier; intake: Dossier }> {
    const contact = await service().create('contact', { data: contactData(1) }, 'tester');
    const intake = await service().create(
      'intake',
      { data: { contact: contact.id, status: 'open', address: 'Dorpsstraat 1, Zwolle' } },
      'tester',
    );
    return { contact, intake };
  }

  describe('create, get, patch, delete', () => {
    it('round-trips a dossier and writes one event per write, with old and new values', async () => {
      const created = await service().create('contact', { data: contactData(1) }, 'anja');
      expect(created).toMatchObject({ type: 'contact', version: 1, status: null, externalId: null });
      expect(await service().get('contact', created.id)).toEqual(created);

      clock.advance(60_000);
      const patched = await service().patch(
        'contact',
        created.id,
        { city: 'Deventer', phone: '+31 6 12345678' },
        1,
        'bert',
      );
      expect(patched.version).toBe(2);
      expect(patched.data).toMatchObject({ name: 'Contact 1', city: 'Deventer', phone: '+31 6 12345678' });
      expect(patched.updatedAt).toBe(created.createdAt + 60_000);
      expect(await service().get('contact', created.id)).toEqual(patched);

      await service().delete('contact', created.id, 2, 'carla');
      const gone = await refusal(service().get('contact', created.id));
      expect(gone.code).toBe('not_found');

      const events = (await eventsOf(created.id)).reverse();
      expect(events.map((e) => [e.kind, e.actor])).toEqual([
        ['created', 'anja'],
        ['updated', 'bert'],
        ['deleted', 'carla'],
      ]);
      expect(events[0]!.data).toEqual(created.data);
      expect(events[1]!.changes).toEqual({
        city: { old: 'Zwolle', new: 'Deventer' },
        phone: { old: null, new: '+31 6 12345678' },
      });
      expect(events[1]!.data).toEqual(patched.data);
      expect(events[2]!.data).toEqual(patched.data);
    });

    it('records a status change in the status column and the event', async () => {
      const { intake } = await contactWithIntake();
      const next = await service().patch('intake', intake.id, { status: 'in-behandeling' }, 1, null);
      expect(next.status).toBe('in-behandeling');
      const [latest] = await eventsOf(intake.id);
      expect(latest).toMatchObject({
        kind: 'updated',
        status: 'in-behandeling',
        changes: { status: { old: 'open', new: 'in-behandeling' } },
      });
    });

    it('a patch that changes nothing writes no new version and no event', async () => {
      const created = await service().create('contact', { data: contactData(1) }, null);
      const same = await service().patch('contact', created.id, { city: 'Zwolle' }, 1, null);
      expect(same.version).toBe(1);
      expect(await eventsOf(created.id)).toHaveLength(1);
    });

    it('answers not_found for unknown types and ids, ids of another type, and ids no dossier can have', async () => {
      const created = await service().create('contact', { data: contactData(1) }, null);
      expect((await refusal(service().get('nope', created.id))).code).toBe('not_found');
      expect((await refusal(service().get('intake', created.id))).code).toBe('not_found');
      expect((await refusal(service().patch('intake', created.id, { status: 'open' }, 1, null))).code).toBe(
        'not_found',
      );
      expect((await refusal(service().delete('intake', created.id, undefined, null))).code).toBe('not_found');
      for (const id of ['missing', 'nul\u0000id', '\ud800']) {
        expect((await refusal(service().get('contact', id))).code).toBe('not_found');
        expect((await refusal(service().patch('contact', id, {}, 1, null))).code).toBe('not_found');
        expect((await refusal(service().delete('contact', id, undefined, null))).code).toBe('not_found');
      }
      expect(await dossierCount()).toBe(1);
    });
  });

  const queriesOf = <T>(run: () => Promise<T>) => countQueries(werkflow.store, run);

  describe('titles: stored texts are read with the dossiers, not asked for again', () => {
    it('titles of dossiers just written or read cost no query; by id one; of a copy one', async () => {
      const { contact, intake } = await contactWithIntake();
      const patched = await service().patch('contact', contact.id, { name: 'Contact Een' }, 1, null);
      const read = await service().get('intake', intake.id);
      const listed = await service().list({ type: 'contact', limit: 10 });
      const titles = await queriesOf(() => service().titles([patched, read, ...listed], 'nl'));
      expect(titles.queries).toBe(0);
      expect(titles.result.get(contact.id)).toBe('Contact Een');
      const byIds = await queriesOf(() => service().titlesByIds([contact.id, intake.id], 'nl'));
      expect(byIds.queries).toBe(1);
      expect(byIds.result.get(contact.id)).toBe('Contact Een');
      expect(byIds.result.get(intake.id)).toBe(titles.result.get(intake.id));
      const copy = await queriesOf(() => service().titles([{ ...patched }], 'nl'));
      expect(copy.queries).toBe(1);
      expect(copy.result.get(contact.id)).toBe('Contact Een');
    });

    it('an upsert that renames a dossier renews the titles that read it', async () => {
      const [contact] = (
        await service().upsertByExternalId('contact', [{ externalId: 'crm-1', data: contactData(1) }], null)
      ).ids;
      const intake = await service().create('intake', { data: { contact: contact!, status: 'open' } }, null);
      expect((await service().titlesByIds([intake.id], 'nl')).get(intake.id)).toContain('Contact 1');
      await service().upsertByExternalId(
        'contact',
        [{ externalId: 'crm-1', data: { name: 'Contact Twee' } }],
        null,
      );
      const title = (await service().titlesByIds([intake.id], 'nl')).get(intake.id);
      expect(title).toContain('Contact Twee');
      expect(title).not.toContain('Contact 1');
    });
  });

  describe('optimistic concurrency', () => {
    it('refuses a patch carrying a stale version and writes nothing', async () => {
      const created = await service().create('contact', { data: contactData(1) }, null);
      await service().patch('contact', created.id, { city: 'Utrecht' }, 1, null);
      const error = await refusal(service().patch('contact', created.id, { city: 'Leiden' }, 1, null));
      expect(error.code).toBe('version_conflict');
      expect(error.message).toMatch(/version 1.*version 2/);
      expect((await service().get('contact', created.id)).data.city).toBe('Utrecht');
      expect(await eventsOf(created.id)).toHaveLength(2);
    });

    it('two patches with the same version: one wins, the other gets version_conflict, nothing is overwritten', async () => {
      const created = await service().create('contact', { data: contactData(1) }, null);
      const results = await Promise.allSettled([
        service().patch('contact', created.id, { city: 'Utrecht' }, 1, 'anja'),
        service().patch('contact', created.id, { email: 'nieuw@example.nl' }, 1, 'bert'),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const reason = (lost[0] as PromiseRejectedResult).reason as unknown;
      expect(reason).toBeInstanceOf(WerkflowError);
      expect((reason as WerkflowError).code).toBe('version_conflict');

      const final = await service().get('contact', created.id);
      expect(final.version).toBe(2);
      const winner = (won[0] as PromiseFulfilledResult<Dossier>).value;
      expect(final).toEqual(winner);
      // Exactly one of the two changes is in, and the other field kept its original value.
      const cityChanged = final.data.city === 'Utrecht';
      const emailChanged = final.data.email === 'nieuw@example.nl';
      expect(cityChanged !== emailChanged).toBe(true);
      expect(final.data.city).toBe(cityChanged ? 'Utrecht' : 'Zwolle');
      expect(final.data.email).toBe(emailChanged ? 'nieuw@example.nl' : 'contact.1@example.nl');
      const updates = (await eventsOf(created.id)).filter((e) => e.kind === 'updated');
      expect(updates).toHaveLength(1);
    });

    it('of eight concurrent patches from version 1, exactly one is written', async () => {
      const created = await service().create('contact', { data: contactData(1) }, null);
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          service().patch('contact', created.id, { houseNumber: String(i + 1) }, 1, null),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect((r.reason as WerkflowError).code).toBe('version_conflict');
      }
      expect((await service().get('contact', created.id)).version).toBe(2);
      expect(await eventCount()).toBe(2);
    });

    it('a delete carrying a stale version is refused', async () => {
      const created = await service().create('contact', { data: contactData(1) }, null);
      await service().patch('contact', created.id, { city: 'Utrecht' }, 1, null);
      expect((await refusal(service().delete('contact', created.id, 1, null))).code).toBe('version_conflict');
      expect((await service().get('contact', created.id)).version).toBe(2);
    });
  });

  describe('event atomicity: a write that fails leaves neither dossier nor event', () => {
    it('create', async () => {
      hookFails = true;
      await expect(service().create('contact', { data: contactData(1) }, null)).rejects.toThrow(/on purpose/);
      expect(await dossierCount()).toBe(0);
      expect(await eventCount()).toBe(0);
    });

    it('create, failing after the write (an outer transaction that throws once the dossier is written)', async () => {
      // On PostgreSQL the after-write hook runs before the create's one statement, so the test
      // above fails before anything is written; this one fails after the write.
      let written = 0;
      await expect(
        werkflow.store.db.transaction().execute(async (trx) => {
          await service().create('contact', { data: contactData(1) }, null, trx);
          written = Number(
            (
              await trx
                .selectFrom('dossiers')
                .select((eb) => eb.fn.countAll().as('n'))
                .executeTakeFirstOrThrow()
            ).n,
          );
          throw new Error('failed after the write, on purpose');
        }),
      ).rejects.toThrow(/after the write, on purpose/);
      expect(written).toBe(1);
      expect(await dossierCount()).toBe(0);
      expect(await eventCount()).toBe(0);
    });

    it('patch', async () => {
      const created = await service().create('contact', { data: contactData(1) }, null);
      hookFails = true;
      await expect(service().patch('contact', created.id, { city: 'Utrecht' }, 1, null)).rejects.toThrow(
        /on purpose/,
      );
      expect(await service().get('contact', created.id)).toEqual(created);
      expect(await eventCount()).toBe(1);
    });

    it('delete', async () => {
      const created = await service().create('contact', { data: contactData(1) }, null);
      hookFails = true;
      await expect(service().delete('contact', created.id, 1, null)).rejects.toThrow(/on purpose/);
      expect(await service().get('contact', created.id)).toEqual(created);
      expect(await eventCount()).toBe(1);
    });

    it('bulk upsert, creating and updating', async () => {
      await service().upsertByExternalId('contact', [{ externalId: 'crm-0', data: contactData(0) }], null);
      hookFails = true;
      const items = [0, 1, 2].map((i) => ({ externalId: `crm-${i}`, data: contactData(i, 'Utrecht') }));
      await expect(service().upsertByExternalId('contact', items, null)).rejects.toThrow(/on purpose/);
      expect(await dossierCount()).toBe(1);
      expect(await eventCount()).toBe(1);
      const [only] = await service().dossiers.getByExternalIds('contact', ['crm-0'], werkflow.store.db);
      expect(only!.data.city).toBe('Zwolle');
    });

    it('a bulk upsert with one invalid item writes nothing, and the error names the item', async () => {
      const items: UpsertItem[] = Array.from({ length: 20 }, (_, i) => ({
        externalId: `crm-${i}`,
        data: contactData(i),
      }));
      items[13] = { externalId: 'crm-13', data: { ...contactData(13), email: 'not an address' } };
      const error = await refusal(service().upsertByExternalId('contact', items, null));
      expect(error.code).toBe('validation_failed');
      expect(error.path).toBe('items[13].data.email');
      expect(error.message).toContain('crm-13');
      expect(error.message).toContain('"email"');
      expect(await dossierCount()).toBe(0);
      expect(await eventCount()).toBe(0);
    });

    it('a bulk upsert with one broken reference writes nothing, and the error names the item', async () => {
      const { contact } = await contactWithIntake();
      const before = [await dossierCount(), await eventCount()];
      const items = Array.from({ length: 5 }, (_, i) => ({
        externalId: `intake-${i}`,
        data: { contact: i === 3 ? 'no-such-contact' : contact.id, status: 'open' },
      }));
      const error = await refusal(service().upsertByExternalId('intake', items, null));
      expect(error.code).toBe('validation_failed');
      expect(error.path).toBe('items[3].data.contact');
      expect([await dossierCount(), await eventCount()]).toEqual(before);
    });
  });

  describe('references', () => {
    it('refuses references to missing dossiers, users and teams, naming the field', async () => {
      const { contact } = await contactWithIntake();
      const cases: [string, Record<string, unknown>, string][] = [
        ['intake', { contact: 'no-such-contact', status: 'open' }, 'data.contact'],
        ['intake', { contact: contact.id, status: 'open', responsibleUser: 'ghost' }, 'data.responsibleUser'],
        [
          'task',
          { taskType: 'bellen', description: 'Bellen', responsibleTeam: 'no-such-team' },
          'data.responsibleTeam',
        ],
      ];
      for (const [type, data, path] of cases) {
        const error = await refusal(service().create(type, { data }, null));
        expect(error.code).toBe('validation_failed');
        expect(error.path).toBe(path);
        expect(error.message).toContain(`"${path.slice(5)}"`);
      }
      expect(await dossierCount()).toBe(2);
    });

    it('refuses a reference to an existing dossier of another type', async () => {
      const { intake } = await contactWithIntake();
      const error = await refusal(
        service().create('intake', { data: { contact: intake.id, status: 'open' } }, null),
      );
      expect(error.path).toBe('data.contact');
    });

    it('accepts existing users and teams, and checks a changed reference on patch', async () => {
      const userId = await newUser('user-1');
      await service().users.insertTeam({ id: 'team-1', name: 'Coaches', createdAt: clock.now() });
      const task = await service().create(
        'task',
        {
          data: {
            taskType: 'bellen',
            description: 'Terugbellen',
            responsibleUser: userId,
            responsibleTeam: 'team-1',
          },
        },
        null,
      );
      const error = await refusal(service().patch('task', task.id, { responsibleUser: 'ghost' }, 1, null));
      expect(error.path).toBe('data.responsibleUser');
      expect((await service().get('task', task.id)).data.responsibleUser).toBe(userId);
    });

    it('tells a dossier type named "team" from the people team (and "user" from users)', async () => {
      const types: DossierType[] = [
        {
          key: 'team',
          label: { nl: 'Elftal', en: 'Squad' },
          statuses: [],
          fields: [{ key: 'name', kind: 'text', label: { nl: 'Naam', en: 'Name' } }],
        },
        {
          key: 'player',
          label: { nl: 'Speler', en: 'Player' },
          statuses: [],
          fields: [
            { key: 'squad', kind: 'reference', refType: 'team', label: { nl: 'Elftal', en: 'Squad' } },
            { key: 'coaches', kind: 'team', label: { nl: 'Coaches', en: 'Coaches' } },
          ],
        },
      ];
      await werkflow.saveDossierTypes(types, null);
      await service().users.insertTeam({ id: 'people-team', name: 'Trainers', createdAt: clock.now() });
      const squad = await service().create('team', { data: { name: 'Heren 1' } }, null);
      const player = await service().create(
        'player',
        { data: { squad: squad.id, coaches: 'people-team' } },
        null,
      );
      expect(player.data).toEqual({ squad: squad.id, coaches: 'people-team' });
      const swapped = await refusal(
        service().create('player', { data: { squad: 'people-team', coaches: squad.id } }, null),
      );
      expect(swapped.details.map((d) => d.path).sort()).toEqual(['data.coaches', 'data.squad']);
    });

    it('refuses to delete a dossier that is still referred to, and deletes it once it is not', async () => {
      const { contact, intake } = await contactWithIntake();
      const error = await refusal(service().delete('contact', contact.id, undefined, null));
      expect(error.code).toBe('invalid_state');
      expect(error.message).toContain('intake');
      expect(error.message).toContain('"contact"');
      expect(await service().get('contact', contact.id)).toEqual(contact);
      await service().delete('intake', intake.id, undefined, null);
      await service().delete('contact', contact.id, undefined, null);
      expect(await dossierCount()).toBe(0);
    });
  });

  describe('upsert by externalId', () => {
    it('upserts 10,000 dossiers in bulk: created, then unchanged without events, then updated with events', async () => {
      const N = 10_000;
      const items = (cityOf: (i: number) => string) =>
        Array.from({ length: N }, (_, i) => ({ externalId: `crm-${i}`, data: contactData(i, cityOf(i)) }));

      const first = await service().upsertByExternalId(
        'contact',
        items(() => 'Zwolle'),
        'crm',
      );
      expect(first).toMatchObject({ created: N, updated: 0, unchanged: 0 });
      expect(new Set(first.ids).size).toBe(N);
      expect(await service().dossiers.count('contact')).toBe(N);
      expect(await eventCount()).toBe(N);

      const again = await service().upsertByExternalId(
        'contact',
        items(() => 'Zwolle'),
        'crm',
      );
      expect(again).toMatchObject({ created: 0, updated: 0, unchanged: N });
      expect(again.ids).toEqual(first.ids);
      expect(await eventCount()).toBe(N);

      clock.advance(1000);
      const changed = await service().upsertByExternalId(
        'contact',
        items((i) => (i % 2 === 0 ? 'Deventer' : 'Zwolle')),
        'crm',
      );
      expect(changed).toMatchObject({ created: 0, updated: N / 2, unchanged: N / 2 });
      expect(changed.ids).toEqual(first.ids);
      expect(await eventCount()).toBe(N + N / 2);

      const sample = await service().get('contact', first.ids[42]!);
      expect(sample).toMatchObject({ externalId: 'crm-42', version: 2 });
      expect(sample.data.city).toBe('Deventer');
      const [latest] = await eventsOf(sample.id);
      expect(latest).toMatchObject({
        kind: 'updated',
        changes: { city: { old: 'Zwolle', new: 'Deventer' } },
      });
      expect((await service().get('contact', first.ids[43]!)).version).toBe(1);
    });

    it('an upsert merges: fields it leaves out are kept, null clears one', async () => {
      await service().upsertByExternalId('contact', [{ externalId: 'a', data: contactData(1) }], null);
      const result = await service().upsertByExternalId(
        'contact',
        [{ externalId: 'a', data: { city: null, phone: '+31 6 12345678' } }],
        null,
      );
      const merged = await service().get('contact', result.ids[0]!);
      expect(merged.data).toMatchObject({ name: 'Contact 1', city: null, phone: '+31 6 12345678' });
    });

    it('keeps externalIds unique per type', async () => {
      const created = await service().create('contact', { data: contactData(1), externalId: 'crm-1' }, null);
      const twice = await refusal(
        service().create('contact', { data: contactData(2), externalId: 'crm-1' }, null),
      );
      expect(twice.code).toBe('already_exists');
      expect(twice.path).toBe('externalId');
      expect(twice.message).toContain(created.id);

      // Another type may use the same external id.
      const task = await service().create(
        'task',
        { data: { taskType: 'bellen', description: 'Bellen' }, externalId: 'crm-1' },
        null,
      );
      expect(task.externalId).toBe('crm-1');

      // An upsert finds the dossier created with that externalId and updates it.
      const up = await service().upsertByExternalId(
        'contact',
        [{ externalId: 'crm-1', data: { city: 'Ede' } }],
        null,
      );
      expect(up).toMatchObject({ created: 0, updated: 1, ids: [created.id] });

      const dup = await refusal(
        service().upsertByExternalId(
          'contact',
          [
            { externalId: 'x', data: contactData(1) },
            { externalId: 'x', data: contactData(2) },
          ],
          null,
        ),
      );
      expect(dup.code).toBe('validation_failed');
      expect(dup.path).toBe('items[1].externalId');

      for (const bad of ['', 'nul\u0000', 'x'.repeat(201)]) {
        expect(
          (await refusal(service().create('contact', { data: contactData(3), externalId: bad }, null))).code,
        ).toBe('validation_failed');
        expect(
          (
            await refusal(
              service().upsertByExternalId('contact', [{ externalId: bad, data: contactData(3) }], null),
            )
          ).path,
        ).toBe('items[0].externalId');
      }
      expect(await service().dossiers.count('contact')).toBe(1);
    });

    it('concurrent creates with one externalId: one is written, the others are told it exists', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          service().create('contact', { data: contactData(i), externalId: 'same' }, null),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') {
          expect(r.reason).toBeInstanceOf(WerkflowError);
          expect((r.reason as WerkflowError).code).toBe('already_exists');
        }
      }
      expect(await service().dossiers.count('contact')).toBe(1);
      expect(await eventCount()).toBe(1);
    });

    it('concurrent bulk upserts of the same new externalIds end with one dossier each, never a database error', async () => {
      const batch = (round: number) =>
        Array.from({ length: 50 }, (_, i) => ({
          externalId: `crm-${i}`,
          data: contactData(i, `Stad ${round}`),
        }));
      const results = await Promise.allSettled(
        [0, 1, 2, 3].map((r) => service().upsertByExternalId('contact', batch(r), null)),
      );
      expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
      for (const r of results) {
        if (r.status === 'rejected') {
          expect(r.reason).toBeInstanceOf(WerkflowError);
          expect((r.reason as WerkflowError).code).toBe('version_conflict');
        }
      }
      expect(await service().dossiers.count('contact')).toBe(50);
      // Every dossier has one created event and one updated event per later successful round.
      const written = results.filter((r) => r.status === 'fulfilled').length;
      expect(await eventCount()).toBe(50 * written);
    });
  });
});

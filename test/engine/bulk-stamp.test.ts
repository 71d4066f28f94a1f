import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/id.js';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';
import { openAction } from '../support/action-fixture.js';

/**
 * A bulk upsert that stamps: dossiers, events, actions and their first history entries go in
 * bulk statements of the dialect's size (SQLite 1,000 rows or fewer, PostgreSQL 5,000), so more
 * than 5,000 items take several statements of each kind on both databases.
 */
describe.each(BACKENDS)('bulk upsert that stamps on $name', (backend) => {
  let werkflow: Werkflow;
  let clock: TestClock;

  beforeEach(async () => {
    clock = new TestClock();
    werkflow = await openTestWerkflow(backend, { clock });
  });
  afterEach(async () => {
    await werkflow.close();
  });

  it('writes one action per created dossier, stamped by its own event, with its history entry', async () => {
    const template = await werkflow.templates.create(
      { name: 'Welkom', dossierType: 'contact', event: { type: 'created' }, effect: { type: 'none' } },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const N = 5_001;
    const result = await werkflow.dossiers.upsertByExternalId(
      'contact',
      Array.from({ length: N }, (_, i) => ({
        externalId: `crm-${i}`,
        data: { kind: 'persoon', name: `Contact ${i}`, email: `c${i}@example.nl` },
      })),
      'crm',
    );
    expect(result.created).toBe(N);

    const db = werkflow.store.db;
    const actions = await db
      .selectFrom('actions as a')
      .innerJoin('events as e', 'e.id', 'a.trigger_event_id')
      .select([
        'a.id',
        'a.dossier_id',
        'a.status',
        'a.template_id',
        'e.dossier_id as event_dossier',
        'e.kind',
      ])
      .execute();
    expect(actions).toHaveLength(N);
    expect(new Set(actions.map((a) => a.dossier_id))).toEqual(new Set(result.ids));
    for (const a of actions) {
      expect(a).toMatchObject({ status: 'pending', template_id: template.id, kind: 'created' });
      expect(a.event_dossier).toBe(a.dossier_id);
    }
    const history = await db
      .selectFrom('action_history')
      .select(['action_id', 'from_status', 'to_status', 'actor', 'note_code'])
      .execute();
    expect(history).toHaveLength(N);
    expect(new Set(history.map((h) => h.action_id))).toEqual(new Set(actions.map((a) => a.id)));
    for (const h of history)
      expect(h).toMatchObject({
        from_status: null,
        to_status: 'pending',
        actor: 'crm',
        note_code: 'reason.stamped',
      });
    // The stored texts of the dossiers are those of a single create.
    const one = await werkflow.dossiers.get('contact', result.ids[4_321]!);
    const texts = await werkflow.dossiers.textsOf([one], db);
    const row = await db
      .selectFrom('dossiers')
      .select(['title_nl', 'title_en', 'search_text'])
      .where('id', '=', one.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      title_nl: texts.get(one.id)!.titleNl,
      title_en: texts.get(one.id)!.titleEn,
      search_text: texts.get(one.id)!.search,
    });
  });

  it('inserts in several statements only the actions whose idempotency key is new, with history for those', async () => {
    const now = clock.now();
    const action = (key: string) =>
      openAction({
        id: newId(now),
        title: 'Bulk',
        dossierId: 'd1',
        dossierType: 'contact',
        idempotencyKey: key,
        createdAt: now,
      });
    const actions = werkflow.engine.actions;
    const db = werkflow.store.db;
    const first = await db
      .transaction()
      .execute((trx) => actions.insertMany([action('k1'), action('k2'), action('k3')], 'crm', trx));
    expect(first).toHaveLength(3);
    const again = Array.from({ length: 6_000 }, (_, i) => action(i < 3 ? `k${i + 1}` : `new-${i}`));
    const inserted = await db.transaction().execute((trx) => actions.insertMany(again, 'crm', trx));
    expect(inserted.map((a) => a.id)).toEqual(again.slice(3).map((a) => a.id));
    const counted = await db
      .selectFrom('action_history')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(counted.n)).toBe(6_000);
    const stored = await db.selectFrom('actions').select('id').execute();
    expect(stored).toHaveLength(6_000);
  });
});

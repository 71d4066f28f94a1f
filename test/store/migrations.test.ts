import { describe, expect, it } from 'vitest';
import { type Kysely, sql } from 'kysely';
import { openStore } from '../../src/store/database.js';
import { migrate, schemaVersion } from '../../src/store/migrator.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { WerkflowError } from '../../src/domain/errors.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import { BACKENDS, openTestWerkflow, TestClock } from '../support/backends.js';
import { runTsChild } from '../support/run-child.js';

describe.each(BACKENDS)('migrations on $name', (backend) => {
  it('brings an empty database to the newest schema, and a second run does nothing', async () => {
    const store = await openStore(backend.fresh());
    try {
      const first = await migrate(store, new TestClock());
      expect(first.from).toBe(0);
      expect(first.to).toBe(MIGRATIONS.length);
      expect(first.applied).toEqual(MIGRATIONS.map((m) => m.name));
      const second = await migrate(store, new TestClock());
      expect(second.applied).toEqual([]);
      expect(await schemaVersion(store)).toBe(MIGRATIONS.length);
    } finally {
      await store.close();
    }
  });

  it('applies each migration once when several processes start at the same time', async () => {
    // Real processes: SQLite's locks are between processes, and so is the race we guard against.
    const options = backend.fresh();
    const children = await Promise.all(
      [1, 2, 3, 4].map(() => runTsChild('test/support/migrate-child.ts', [JSON.stringify(options)])),
    );
    for (const c of children) expect(c.stderr).toBe('');
    const applied = children.flatMap((c) => (JSON.parse(c.stdout) as { applied: string[] }).applied);
    expect(applied.sort()).toEqual(MIGRATIONS.map((m) => m.name).sort());
    const store = await openStore(options);
    try {
      const rows = await store.db.selectFrom('werkflow_migrations').select('id').execute();
      expect(rows.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(MIGRATIONS.map((m) => m.id));
    } finally {
      await store.close();
    }
  });

  it('refuses a database whose schema is newer than the code, saying what to do', async () => {
    const store = await openStore(backend.fresh());
    try {
      await migrate(store, new TestClock());
      await sql`insert into werkflow_migrations (id, name, applied_at) values (${MIGRATIONS.length + 1}, 'from-the-future', 0)`.execute(
        store.db,
      );
      const error = await migrate(store, new TestClock()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WerkflowError);
      expect((error as WerkflowError).code).toBe('schema_too_new');
      expect((error as WerkflowError).message).toMatch(/newer Werkflow.*upgrade/);
    } finally {
      await store.close();
    }
  });
});

describe('legacy reasons (migration 013)', () => {
  it('reads the engine’s own English sentences back into their code; other text stays, marked old', async () => {
    const { legacyReason } = await import('../../src/domain/action/legacy-reasons.js');
    const { reasonText } = await import('../../src/domain/action/reasons.js');
    expect(legacyReason('waiting until the conditions hold')).toEqual({
      code: 'reason.waitingForConditions',
      params: {},
    });
    expect(legacyReason('skipped: it was more than 4 hours late')).toEqual({
      code: 'reason.skippedLate',
      params: { hours: 4 },
    });
    expect(legacyReason('moved to version 3, re-timed').code).toBe('reason.movedToVersionRetimed');
    const refused = legacyReason('The mail server refused the e-mail: 550 5.1.1 no such user');
    expect(reasonText(refused, 'nl')).toBe('De mailserver heeft de e-mail geweigerd: 550 5.1.1 no such user');
    // A label inside (a status's English word) cannot be translated back: kept, marked old.
    const status = legacyReason('status is no longer Quotation requested');
    expect(reasonText(status, 'nl')).toBe('(oude melding) status is no longer Quotation requested');
    expect(reasonText(status, 'en')).toBe('(old message) status is no longer Quotation requested');
  });
});

/**
 * One row a wording the engine wrote before migration 010 that differs from its sentence now (see
 * OLDER_WORDINGS in legacy-reasons.ts), and the sweeper's note, coded since: the code, the
 * params, and the Dutch sentence, which holds no English words but the server's or an old one.
 */
const OLDER_WORDINGS: readonly {
  readonly text: string;
  readonly code: string;
  readonly params: Record<string, unknown>;
  readonly nl: string | RegExp;
}[] = [
  {
    text: 'rescheduled to 2026-11-25T08:00:00.000Z',
    code: 'reason.rescheduled',
    params: { dueAt: { instant: '2026-11-25T08:00:00.000Z', timeZone: 'Europe/Amsterdam' } },
    nl: /^verplaatst naar 25 nov 2026,? 09:00$/,
  },
  {
    text: 'attempt 2 failed, retrying: The mail server refused the e-mail: 451 4.7.1 try later',
    code: 'reason.retrying',
    params: {
      attempt: 2,
      error: {
        nl: 'De mailserver heeft de e-mail geweigerd: 451 4.7.1 try later',
        en: 'The mail server refused the e-mail: 451 4.7.1 try later',
      },
    },
    nl: 'poging 2 mislukt, wordt opnieuw geprobeerd: De mailserver heeft de e-mail geweigerd: 451 4.7.1 try later',
  },
  {
    text: 'attempt 1 failed, retrying: connect ECONNREFUSED 127.0.0.1:25',
    code: 'reason.retrying',
    params: {
      attempt: 1,
      error: {
        nl: '(oude melding) connect ECONNREFUSED 127.0.0.1:25',
        en: 'connect ECONNREFUSED 127.0.0.1:25',
      },
    },
    nl: 'poging 1 mislukt, wordt opnieuw geprobeerd: (oude melding) connect ECONNREFUSED 127.0.0.1:25',
  },
  {
    text: 'worker crash-child stopped before finishing; will run again',
    code: 'reason.workerStopped',
    params: { worker: 'crash-child' },
    nl: 'verwerker crash-child stopte voordat de actie klaar was; ze wordt opnieuw uitgevoerd',
  },
];

describe('older wordings (migration 013)', () => {
  it.each(OLDER_WORDINGS)('reads "$text" back into $code', async ({ text, code, params, nl }) => {
    const { legacyReason } = await import('../../src/domain/action/legacy-reasons.js');
    const { reasonText } = await import('../../src/domain/action/reasons.js');
    const r = legacyReason(text);
    expect(r).toEqual({ code, params });
    if (typeof nl === 'string') expect(reasonText(r, 'nl')).toBe(nl);
    else expect(reasonText(r, 'nl')).toMatch(nl);
  });
});

describe.each(BACKENDS)('migration 013 on $name', (backend) => {
  /** A published template on contacts and two contacts: the ids of their two actions. */
  async function twoActions(w: Werkflow): Promise<string[]> {
    await w.templates.create(
      {
        name: 'Bel',
        dossierType: 'contact',
        event: { type: 'created' },
        timing: { anchor: { type: 'event' }, offset: 1, unit: 'days' },
        effect: { type: 'none' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    await w.dossiers.create('contact', { data: { kind: 'persoon', name: 'Een' } }, null);
    await w.dossiers.create('contact', { data: { kind: 'persoon', name: 'Twee' } }, null);
    const ids = (await w.actions.list({ limit: 10 })).map((x) => x.id);
    expect(ids).toHaveLength(2);
    return ids;
  }

  /** One migration run by itself, in a transaction, as migrate does (later ones are applied already). */
  async function runMigration(w: Werkflow, name: string): Promise<void> {
    const migration = MIGRATIONS.find((m) => m.name === name)!;
    await (w.store.db as unknown as Kysely<unknown>)
      .transaction()
      .execute((trx) => migration.up(trx, w.store.adapter));
  }
  it('gives rows written before codes a code: parsed where it can, legacy otherwise', async () => {
    const w = await openTestWerkflow(backend, { clock: new TestClock() });
    try {
      const ids = await twoActions(w);
      // As written before migration 010: the English text, no code.
      await w.store.db
        .updateTable('actions')
        .set({
          status_reason: 'skipped: it was more than 2 hours late',
          status_reason_code: null,
          status_reason_params: null,
        })
        .where('id', '=', ids[0]!)
        .execute();
      await w.store.db
        .updateTable('actions')
        .set({
          status_reason: 'opleiding gaat niet door',
          status_reason_code: null,
          status_reason_params: null,
        })
        .where('id', '=', ids[1]!)
        .execute();
      await w.store.db.updateTable('action_history').set({ note_code: null, note_params: null }).execute();
      // Migration 013 run again over these rows, as on a database that had not had it (later
      // migrations are applied already, so it is run by itself, in a transaction, as migrate does).
      await runMigration(w, '013-reason-backfill');
      const first = await w.actions.get(ids[0]!);
      expect(first.statusReasonCoded).toEqual({ code: 'reason.skippedLate', params: { hours: 2 } });
      expect(first.statusReason).toBe('skipped: it was more than 2 hours late');
      expect(first.history[0]!.noteCoded?.code).toBe('reason.stamped');
      const second = await w.actions.get(ids[1]!);
      expect(second.statusReasonCoded).toEqual({
        code: 'reason.legacy',
        params: { text: 'opleiding gaat niet door' },
      });
    } finally {
      await w.close();
    }
  });

  it('migration 016 reads reason.legacy rows again: an older wording gets its code, other text stays legacy', async () => {
    const w = await openTestWerkflow(backend, { clock: new TestClock() });
    try {
      const ids = await twoActions(w);
      // As a database migrated by 013 before its parser knew the older wording left them.
      for (const [id, text] of [
        [ids[0]!, 'rescheduled to 2026-11-25T08:00:00.000Z'],
        [ids[1]!, 'opleiding gaat niet door'],
      ] as const)
        await w.store.db
          .updateTable('actions')
          .set({
            status_reason: text,
            status_reason_code: 'reason.legacy',
            status_reason_params: w.store.adapter.toJson({ text }) as never,
          })
          .where('id', '=', id)
          .execute();
      await runMigration(w, '016-reason-legacy-reread');
      expect((await w.actions.get(ids[0]!)).statusReasonCoded?.code).toBe('reason.rescheduled');
      expect((await w.actions.get(ids[1]!)).statusReasonCoded).toEqual({
        code: 'reason.legacy',
        params: { text: 'opleiding gaat niet door' },
      });
    } finally {
      await w.close();
    }
  });

  it('pages through more than a page of rows on the key (history ids as numbers, past 1000)', async () => {
    const { newId } = await import('../../src/domain/id.js');
    const { openAction } = await import('../support/action-fixture.js');
    const w = await openTestWerkflow(backend, { clock: new TestClock() });
    try {
      const contact = await w.dossiers.create('contact', { data: { kind: 'persoon', name: 'Een' } }, null);
      const action = openAction({
        id: newId(1),
        title: 'Bel',
        dossierId: contact.id,
        dossierType: 'contact',
        idempotencyKey: 'paging|1',
        createdAt: 1,
      });
      await w.store.db.transaction().execute((db) => w.engine.actions.insertMany([action], 'seed', db));
      const n = 2_100;
      const rows = Array.from({ length: n }, (_, i) => ({
        action_id: action.id,
        at: i,
        actor: null,
        from_status: 'pending',
        to_status: 'pending',
        note: `worker w-${i} stopped before finishing; will run again`,
        note_code: null,
        note_params: null,
      }));
      for (let i = 0; i < n; i += 500)
        await w.store.db
          .insertInto('action_history')
          .values(rows.slice(i, i + 500))
          .execute();
      await runMigration(w, '013-reason-backfill');
      const left = await w.store.db
        .selectFrom('action_history')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('note_code', 'is', null)
        .executeTakeFirstOrThrow();
      expect(Number(left.n)).toBe(0);
      const coded = await w.store.db
        .selectFrom('action_history')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('note_code', '=', 'reason.workerStopped')
        .executeTakeFirstOrThrow();
      expect(Number(coded.n)).toBe(n);
    } finally {
      await w.close();
    }
  });
});

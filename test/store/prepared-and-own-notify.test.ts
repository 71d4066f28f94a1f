/**
 * PostgreSQL only: a single create's statement and the idle tick's probe run as named prepared
 * statements (parsed and planned once per connection, src/store/prepared-statements.ts), and a
 * notification is marked as the store's own when one of its pool's connections sent it (the
 * scheduler ignores its own stamping's echo: it woke after the commit already). Structural
 * facts, never timings.
 */
import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'kysely';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import { Werkflow } from '../../src/engine/werkflow.js';
import { type Store, openStore } from '../../src/store/database.js';
import { postgresBackend } from '../support/backends.js';

const url = process.env.WERKFLOW_TEST_PG_URL;

describe.skipIf(!url)('PostgreSQL prepared creates and own notifications', () => {
  const backend = postgresBackend(url ?? '');
  let wf: Werkflow | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await wf?.close();
    await store?.close();
    wf = undefined;
    store = undefined;
  });

  it('prepares a create that stamps once per connection and reuses it', async () => {
    wf = await Werkflow.open({ ...backend.fresh(), poolSize: 1, preset: 'energy-cooperative' });
    await wf.templates.create(
      { name: 'No-op', dossierType: 'contact', event: { type: 'created' }, effect: { type: 'none' } },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    for (let i = 0; i < 3; i++)
      await wf.dossiers.create('contact', { data: { kind: 'persoon', name: `P ${i}` } }, 'test');
    // poolSize 1: this reads the session that ran the creates.
    const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(
      wf.store.db,
    );
    const creates = rows.filter((r) => r.statement.startsWith('with "written"'));
    expect(creates).toHaveLength(1);
    expect(await wf.store.db.selectFrom('actions').select('id').execute()).toHaveLength(3);
    expect(await wf.store.db.selectFrom('action_history').select('id').execute()).toHaveLength(3);
  });

  it('prepares the idle tick’s probe once per connection and reuses it', async () => {
    wf = await Werkflow.open({ ...backend.fresh(), poolSize: 1, preset: 'energy-cooperative' });
    for (let i = 0; i < 4; i++) await wf.scheduler.tick();
    // poolSize 1: this reads the session that ran the ticks. Planning the probe's five
    // subqueries cost the server more than running them, every idle tick (issue 12).
    const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(
      wf.store.db,
    );
    const probes = rows.filter((r) => r.statement.startsWith('select exists (select "id" from "actions"'));
    expect(probes).toHaveLength(1);
  });

  it("marks a notification from the store's own pool as own, another connection's not", async () => {
    store = await openStore(backend.fresh());
    const got: [string, boolean][] = [];
    const stop = await store.listen('echo', (payload, own) => got.push([payload, own]));
    try {
      await store.notify(store.db, 'echo', 'mine');
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      try {
        // The channel name as the store spells it (per schema).
        const schema = (store.description.match(/\(schema (\w+)\)/) ?? [])[1];
        await other.query('select pg_notify($1, $2)', [`${schema}_echo`, 'theirs']);
      } finally {
        await other.end();
      }
      const deadline = Date.now() + 10_000;
      while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(got).toEqual([
        ['mine', true],
        ['theirs', false],
      ]);
    } finally {
      await stop();
    }
  });
});

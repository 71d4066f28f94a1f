/**
 * Work the engine does once, not per action: the reference chains of a template's conditions are
 * worked out once per template definition, and completing a batch of actions with notes (recipient
 * rules that yielded nothing) writes every note in one statement, each on its own action. The
 * statements are counted by a Kysely plugin on the real database. Both databases.
 */
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reason, textReason } from '../../src/domain/action/reasons.js';
import { newId } from '../../src/domain/id.js';
import type { TemplateDefinition } from '../../src/domain/template/action-template.js';
import { conditionChains } from '../../src/engine/action-engine.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { openAction } from '../support/action-fixture.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';

const NOW = Date.parse('2026-11-23T10:00:00+01:00');

describe('the reference chains of a template’s conditions', () => {
  it('are worked out once per definition', () => {
    const def = {
      event: { type: 'created' },
      conditions: { type: 'compare', field: 'intake.contact.city', op: 'eq', value: 'Zwolle' },
    } as unknown as TemplateDefinition;
    const first = conditionChains(def);
    expect(first).toEqual([['intake', 'contact']]);
    expect(conditionChains(def)).toBe(first);
    // Another definition (another version) has its own.
    const other = {
      event: { type: 'created' },
      conditions: { type: 'compare', field: 'city', op: 'eq', value: 'Zwolle' },
    } as unknown as TemplateDefinition;
    expect(conditionChains(other)).toEqual([]);
  });
});

describe.each(BACKENDS)('completing actions with notes on $name', (backend) => {
  let wf: Werkflow;
  let contact: string;

  beforeAll(async () => {
    wf = await openTestWerkflow(backend, { clock: new TestClock(NOW) });
    contact = (await wf.dossiers.create('contact', { data: { kind: 'persoon', name: 'Jan' } }, 'test')).id;
  });
  afterAll(async () => {
    await wf?.close();
  });

  it('writes every note in one statement, each on its own action', async () => {
    const n = 30;
    const actions = Array.from({ length: n }, (_, i) =>
      openAction({
        id: newId(NOW + i),
        title: `Mail ${i}`,
        dossierId: contact,
        dossierType: 'contact',
        idempotencyKey: `notes|${i}`,
        createdAt: NOW,
      }),
    );
    await wf.store.db.transaction().execute((db) => wf.engine.actions.insertMany(actions, 'seed', db));
    await wf.store.db
      .updateTable('actions')
      .set({ status: 'running', locked_by: 'w', locked_at: NOW })
      .where(
        'id',
        'in',
        actions.map((a) => a.id),
      )
      .execute();
    // Every other one with a note: a coded reason or a person's words (with a quote and a NUL-free oddity).
    const notes = new Map(
      actions
        .filter((_, i) => i % 2 === 0)
        .map((a, i) => [
          a.id,
          i % 3 === 0
            ? textReason(`note '${i}' – "x"`)
            : reason('reason.workerStopped', { worker: `w-${i}` }),
        ]),
    );
    const kinds: string[] = [];
    const counter: KyselyPlugin = {
      transformQuery: (args) => {
        kinds.push(args.node.kind);
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    await wf.store.db.transaction().execute((trx) =>
      wf.engine.actions.completeMany(
        actions.map((a) => a.id),
        'tester',
        NOW + 1,
        trx.withPlugin(counter),
        new Map(),
        notes,
      ),
    );
    // Done, the history entries, the notes: a statement each, whatever the number of notes.
    expect(kinds.length).toBeLessThanOrEqual(3);
    for (const a of actions) {
      const stored = await wf.actions.get(a.id);
      expect(stored.status).toBe('done');
      expect(stored.statusReasonCoded ?? null).toEqual(notes.get(a.id) ?? null);
    }
  });
});

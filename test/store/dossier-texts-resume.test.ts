/**
 * The fill of the stored titles and search texts (migration 012) is resumable (migration 015): a
 * fill that stopped midway — the process died — is continued by the next open from the last batch
 * done, not started again and not forgotten. Both databases.
 */
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { Werkflow, type WerkflowOptions } from '../../src/engine/werkflow.js';
import { SettingsRepository } from '../../src/store/settings.repository.js';
import {
  DOSSIER_TEXTS_BACKFILL,
  dossierTextsResumeMigration,
} from '../../src/store/migrations/015-dossier-texts-resume.js';
import { BACKENDS, TestClock } from '../support/backends.js';

describe.each(BACKENDS)('resuming the dossier texts fill on $name', (backend) => {
  const open = (options: WerkflowOptions) =>
    Werkflow.open({
      ...options,
      preset: 'energy-cooperative',
      clock: new TestClock('2026-11-23T10:00:00+01:00'),
    });
  const titles = async (w: Werkflow) =>
    (
      await w.store.db
        .selectFrom('dossiers')
        .select(['id', 'title_nl', 'search_text'])
        .orderBy('id')
        .execute()
    ).map((r) => ({ id: r.id, title: r.title_nl, search: r.search_text }));
  const mark = (w: Werkflow) =>
    new SettingsRepository(w.store).get<{ after: string }>(DOSSIER_TEXTS_BACKFILL);
  const runMigration = (w: Werkflow) =>
    (w.store.db as unknown as Kysely<unknown>)
      .transaction()
      .execute((trx) => dossierTextsResumeMigration.up(trx, w.store.adapter));

  it('marks nothing when every dossier has its texts', async () => {
    const w = await open(backend.fresh());
    try {
      await w.dossiers.create('contact', { data: { kind: 'persoon', name: 'Jan' } }, null);
      await runMigration(w);
      expect(await mark(w)).toBeUndefined();
    } finally {
      await w.close();
    }
  });

  it('a fill stopped after one batch is continued by the next open, from where it stopped', async () => {
    const options = backend.fresh();
    const first = await open(options);
    const names = Array.from({ length: 25 }, (_, i) => `Contact ${String(i).padStart(2, '0')}`);
    for (const name of names)
      await first.dossiers.create('contact', { data: { kind: 'persoon', name } }, null);
    // As right after migration 012: no dossier has its texts yet; 015 marks the fill as unfinished.
    await first.store.db
      .updateTable('dossiers')
      .set({ title_nl: null, title_en: null, search_text: '' })
      .execute();
    await runMigration(first);
    expect(await mark(first)).toEqual({ after: '' });
    // The process dies after its first batch of 10.
    const stop = new AbortController();
    await first.dossiers.resumeTextBackfill({
      batchSize: 10,
      signal: stop.signal,
      onBatch: () => stop.abort(),
    });
    const stopped = await titles(first);
    expect(stopped.filter((d) => d.title !== null)).toHaveLength(10);
    expect(await mark(first)).toEqual({ after: stopped[9]!.id });
    // A text the next open must not write again: it continues after the mark.
    await first.store.db
      .updateTable('dossiers')
      .set({ title_nl: 'hand' })
      .where('id', '=', stopped[0]!.id)
      .execute();
    await first.close();

    const second = await open(options);
    try {
      const after = await titles(second);
      expect(after[0]!.title).toBe('hand');
      const rest = after.slice(1).map((d) => d.title);
      expect(new Set(rest).size).toBe(24);
      expect(rest.every((t) => names.includes(t!))).toBe(true);
      expect(after.every((d) => d.search.includes('contact'))).toBe(true);
      expect(await mark(second)).toBeUndefined();
    } finally {
      await second.close();
    }
  });
});

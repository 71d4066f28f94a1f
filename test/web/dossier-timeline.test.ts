/**
 * The dossier page's timeline and one-click status in a real browser (issue 10, Econobis
 * preset, SQLite): the timeline shows each step of an action (created, rescheduled, cancelled
 * with who by name and the reason) among the dossier's changes, 50 of each at a time, and
 * "Meer laden" reads on until every change is shown; a status clicked on a page someone else
 * changed since says who changed which field and loads the newest version. nl at 1280 px and en
 * at 390 px (where each row stacks and no column is cut off), axe-clean, no overflow; screenshots under test-results/screenshots/.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/id.js';
import { PERMISSIONS } from '../../src/domain/permissions.js';
import { openAction } from '../support/action-fixture.js';
import { check, hasChromium, settled, useUiServer } from './browser.js';

const COACH = 'carla.coach@test.werkflow.local';
const COLLEAGUE = 'anja.collega@test.werkflow.local';
const CHANGES = 60;

describe.skipIf(!hasChromium)('dossier timeline and stale status (SQLite, chromium)', () => {
  const ui = useUiServer('energy-cooperative', [
    { name: 'Carla Coach', email: COACH, roles: ['staff'] },
    { name: 'Anja Collega', email: COLLEAGUE, roles: ['staff'] },
  ]);
  let intakeId: string;
  let colleagueId: string;

  /** A change by the colleague to the intake's note, at its current version. */
  async function colleagueEdits(note: string): Promise<void> {
    const d = await ui.server.werkflow.dossiers.get('intake', intakeId);
    await ui.server.werkflow.dossiers.patch('intake', intakeId, { note }, d.version, colleagueId);
  }

  beforeAll(async () => {
    const wf = ui.server.werkflow;
    colleagueId = (await wf.auth.users.getUserByEmail(COLLEAGUE))!.id;
    const [intake] = await wf.dossiers.list({ type: 'intake', statuses: ['open'], limit: 1 });
    intakeId = intake!.id;
    // Two actions on the intake: the colleague moves one and cancels the other with a reason.
    const now = intake!.updatedAt; // the server's clock stands still in tests
    const action = (key: string, title: string, at: number) =>
      openAction({
        id: newId(at),
        title,
        dossierId: intakeId,
        dossierType: 'intake',
        idempotencyKey: key,
        createdAt: at,
      });
    const bel = action('timeline|bel', 'Bel de bewoner', now);
    const brief = action('timeline|brief', 'Stuur de offerte', now + 1);
    await wf.store.db.transaction().execute((db) => wf.engine.actions.insertMany([bel, brief], 'seed', db));
    const anja = { id: colleagueId, permissions: new Set(PERMISSIONS) };
    await wf.actions.reschedule(bel.id, now + 3 * 86_400_000, anja);
    await wf.actions.cancel(brief.id, anja, 'Bewoner heeft al een offerte');
    for (let i = 1; i <= CHANGES; i++) await colleagueEdits(`Notitie ${i}`);
  });

  /** The changes the timeline lists, one text per changed field: "Opmerking: Notitie 1 → Notitie 2". */
  const changeTexts = async (page: Page): Promise<string[]> =>
    (await page.locator('#timeline ul.changes li').allTextContents()).map((t) =>
      t.replace(/\s+/g, ' ').trim(),
    );

  /** Clicks "more" until it is gone; returns how many rows the timeline showed after each page. */
  async function readAll(page: Page, more: string): Promise<number[]> {
    const rows = page.locator('#timeline tbody tr');
    const counts = [await rows.count()];
    for (let i = 0; i < 5; i++) {
      const button = page.locator('#timeline').getByRole('button', { name: more });
      if ((await button.count()) === 0) break;
      await button.click();
      await expect.poll(async () => rows.count()).toBeGreaterThan(counts[counts.length - 1]!);
      await settled(page);
      counts.push(await rows.count());
    }
    return counts;
  }

  it('shows each action’s steps with who and why, and pages through every change (nl, 1280 px)', async () => {
    const { context, page } = await ui.signedIn(COACH, { lang: 'nl', width: 1280 });
    await page.goto(`${ui.server.base}/dossiers/intake/${intakeId}`);
    await settled(page);
    const timeline = page.locator('#timeline');
    await expect.poll(() => timeline.textContent()).toContain('Notitie 60');
    // The newest 50 changes (down to "Notitie 10 → Notitie 11"), not yet the oldest ones.
    const first = await changeTexts(page);
    expect(first).toContain('Opmerking: Notitie 10 → Notitie 11');
    expect(first).not.toContain('Opmerking: Notitie 1 → Notitie 2');
    await check(page, 'dossier-timeline-first-nl-1280');
    const counts = await readAll(page, 'Meer laden');
    expect(counts.length).toBeGreaterThan(1);
    const text = (await timeline.textContent()) ?? '';
    // Every change exactly once, and each step of both actions.
    const changes = await changeTexts(page);
    expect(changes.filter((c) => c.endsWith(' → Notitie 1'))).toHaveLength(1);
    for (let i = 2; i <= CHANGES; i++)
      expect(changes.filter((c) => c === `Opmerking: Notitie ${i - 1} → Notitie ${i}`)).toHaveLength(1);
    expect(text).toContain('Stuur de offerte · geannuleerd (Bewoner heeft al een offerte)');
    expect(text).toMatch(/Bel de bewoner · verplaatst \(verplaatst naar /);
    expect(text.match(/· aangemaakt/g)?.length).toBe(2);
    expect(text).not.toContain('aangemaakt (aangemaakt)');
    const cancelRow = timeline.locator('tbody tr', { hasText: 'geannuleerd' });
    expect(await cancelRow.textContent()).toContain('Anja Collega');
    await timeline.locator('tbody tr', { hasText: 'geannuleerd' }).scrollIntoViewIfNeeded();
    await check(page, 'dossier-timeline-all-nl-1280');
    await context.close();
  }, 240_000);

  it('a stale one-click status change says who changed what and loads the newest version (nl, 1280 px)', async () => {
    const { context, page } = await ui.signedIn(COACH, { lang: 'nl', width: 1280 });
    await page.goto(`${ui.server.base}/dossiers/intake/${intakeId}`);
    await settled(page);
    await colleagueEdits('Bewoner is verhuisd');
    const status = page.getByRole('group', { name: 'Status' });
    await status.getByRole('button', { name: 'In behandeling' }).click();
    const conflict = page.getByTestId('conflict');
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain(
      'Anja Collega heeft Opmerking gewijzigd nadat u deze pagina opende. De status is niet gewijzigd.',
    );
    await check(page, 'dossier-status-conflict-nl-1280');
    await conflict.getByRole('button', { name: 'Nieuwste versie laden' }).click();
    await expect.poll(() => conflict.count()).toBe(0);
    await expect.poll(() => page.locator('#fields').textContent()).toContain('Bewoner is verhuisd');
    await status.getByRole('button', { name: 'In behandeling' }).click();
    await expect
      .poll(() => status.getByRole('button', { name: 'In behandeling' }).getAttribute('aria-pressed'))
      .toBe('true');
    await context.close();
  }, 240_000);

  it('the same in English at 390 px', async () => {
    const { context, page } = await ui.signedIn(COACH, { lang: 'en', width: 390 });
    await page.goto(`${ui.server.base}/dossiers/intake/${intakeId}`);
    await settled(page);
    const counts = await readAll(page, 'Load more');
    expect(counts.length).toBeGreaterThan(1);
    const text = (await page.locator('#timeline').textContent()) ?? '';
    expect(text).toContain('Stuur de offerte · cancelled (Bewoner heeft al een offerte)');
    expect(text).toMatch(/Bel de bewoner · rescheduled \(rescheduled to /);
    await page.locator('#timeline tbody tr', { hasText: 'cancelled' }).scrollIntoViewIfNeeded();
    await check(page, 'dossier-timeline-all-en-390');
    // Nothing of the timeline hides in a sideways scroll: every cell (the "by" one too) lies
    // within the window, and the who of the cancelled step is there, labelled.
    const outside = (await page.evaluate(`[...document.querySelectorAll('#timeline td')]
      .filter((td) => td.getBoundingClientRect().right > window.innerWidth || td.getBoundingClientRect().left < 0)
      .length`)) as number;
    expect(outside).toBe(0);
    const by = page.locator('#timeline tbody tr', { hasText: 'cancelled' }).locator('td[data-label="By"]');
    expect(await by.textContent()).toBe('Anja Collega');
    const label = await page.evaluate(
      `getComputedStyle(document.querySelector('#timeline td[data-label="By"]'), '::before').content`,
    );
    expect(label).toBe('"By: "');
    await colleagueEdits('Moved house');
    const status = page.getByRole('group', { name: 'Status' });
    await status.getByRole('button', { name: 'Open' }).click();
    const conflict = page.getByTestId('conflict');
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain('Anja Collega changed Note after you opened this page.');
    await check(page, 'dossier-status-conflict-en-390');
    await context.close();
  }, 240_000);
});

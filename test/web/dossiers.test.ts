/**
 * A coach's day with dossiers, in a real browser on a real server (Econobis preset):
 * creates a task with the form (contact picked by name, herself as responsible user), changes an
 * intake's status with one click and sees it in the timeline with her name, and edits the task
 * while a colleague saved it in between: the form says who changed which field and loads the
 * newest version. Every screen axe-clean and no wider than the window, nl at 1280 px and en at
 * 390 px; screenshots under test-results/screenshots/.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { check, choose, hasChromium, settled, useUiServer } from './browser.js';

const COACH = 'carla.coach@test.werkflow.local';
const COLLEAGUE = 'anja.collega@test.werkflow.local';

describe.skipIf(!hasChromium)('dossier screens: a coach’s day (SQLite, chromium)', () => {
  const ui = useUiServer('energy-cooperative', [
    { name: 'Carla Coach', email: COACH, roles: ['staff'] },
    { name: 'Anja Collega', email: COLLEAGUE, roles: ['staff'] },
  ]);
  let contactName: string;
  let intakeId: string;

  beforeAll(async () => {
    const [contact] = await ui.server.werkflow.dossiers.list({ type: 'contact', limit: 1 });
    contactName = String(contact!.data.name);
    const [intake] = await ui.server.werkflow.dossiers.list({ type: 'intake', statuses: ['open'], limit: 1 });
    intakeId = intake!.id;
  });

  it('creates a task, changes a status, and a stale edit says who changed what (nl, 1280 px)', async () => {
    const { context, page } = await ui.signedIn(COACH, { lang: 'nl', width: 1280 });

    // Create a task with the form.
    await page.goto(`${ui.server.base}/dossiers/task`);
    await settled(page);
    await page.getByRole('button', { name: 'Taak toevoegen' }).first().click();
    await choose(page, 'Taak type', 'Bellen');
    await page.getByRole('textbox', { name: 'Omschrijving' }).fill('Terugbellen over offerte Zeeburg');
    await page.getByRole('textbox', { name: 'Contact', exact: true }).fill(contactName);
    await page.getByRole('option', { name: contactName }).first().click();
    await choose(page, 'Verantwoordelijke', 'Carla Coach');
    await check(page, 'dossiers-task-new-nl-1280');
    await page.getByRole('button', { name: 'Aanmaken' }).click();
    await page.getByRole('heading', { level: 1, name: 'Terugbellen over offerte Zeeburg' }).waitFor();
    await settled(page);
    const facts = page.locator('#fields');
    await expect.poll(() => facts.textContent()).toContain(contactName);
    expect(await facts.textContent()).toContain('Carla Coach');
    expect(await page.locator('#timeline').textContent()).toContain('Carla Coach');
    await check(page, 'dossiers-task-detail-nl-1280');
    const taskUrl = page.url();
    const taskId = decodeURIComponent(taskUrl.split('/').pop()!);

    // The task list finds it by a word of its description, and counts the matches.
    await page.goto(`${ui.server.base}/dossiers/task?q=zeeburg`);
    await settled(page);
    await expect.poll(() => page.getByTestId('count').textContent()).toBe('1 van 1 getoond');
    await page.goto(`${ui.server.base}/dossiers/task?q=bestaatniet`);
    await settled(page);
    expect(await page.getByTestId('empty').textContent()).toContain('Geen taken gevonden');
    await check(page, 'dossiers-list-empty-nl-1280');

    // One click changes an intake's status; the timeline names the coach.
    await page.goto(`${ui.server.base}/dossiers/intake/${intakeId}`);
    await settled(page);
    const status = page.getByRole('group', { name: 'Status' });
    await status.getByRole('button', { name: 'In behandeling' }).click();
    await expect
      .poll(() => status.getByRole('button', { name: 'In behandeling' }).getAttribute('aria-pressed'))
      .toBe('true');
    await expect.poll(() => page.locator('#timeline').textContent()).toContain('Open → In behandeling');
    expect(await page.locator('#timeline tbody tr').first().textContent()).toContain('Carla Coach');
    await check(page, 'dossiers-intake-status-nl-1280');

    // A colleague saves the task while the coach has its form open.
    await page.goto(`${taskUrl}/edit`);
    await page.getByRole('textbox', { name: 'Omschrijving' }).waitFor();
    const colleague = await ui.server.werkflow.auth.users.getUserByEmail(COLLEAGUE);
    await ui.server.werkflow.dossiers.patch(
      'task',
      taskId,
      { description: 'Bel over de offerte (Anja)' },
      1,
      colleague!.id,
    );
    await page.getByRole('textbox', { name: 'Opmerking' }).fill('Voorkeur: na 17:00 bellen');
    await page.getByRole('button', { name: 'Opslaan' }).click();
    const conflict = page.getByTestId('conflict');
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain('Anja Collega heeft Omschrijving gewijzigd');
    await check(page, 'dossiers-conflict-nl-1280');
    await conflict.getByRole('button', { name: 'Nieuwste versie laden' }).click();
    await expect
      .poll(() => page.getByRole('textbox', { name: 'Omschrijving' }).inputValue())
      .toBe('Bel over de offerte (Anja)');
    await page.getByRole('textbox', { name: 'Opmerking' }).fill('Voorkeur: na 17:00 bellen');
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await page.getByRole('heading', { level: 1, name: 'Bel over de offerte (Anja)' }).waitFor();
    await page.locator('#fields').waitFor();
    // No type refers to a task: no "Gekoppelde dossiers" heading with nothing under it.
    expect(await page.locator('#related').count()).toBe(0);
    const saved = await ui.server.werkflow.dossiers.get('task', taskId);
    expect(saved.data).toMatchObject({
      description: 'Bel over de offerte (Anja)',
      note: 'Voorkeur: na 17:00 bellen',
    });
    await context.close();
  });

  it('the list, a dossier and its form in English at 390 px', async () => {
    const { context, page } = await ui.signedIn(COACH, { lang: 'en', width: 390 });
    await page.goto(`${ui.server.base}/dossiers/intake`);
    await settled(page);
    await expect.poll(() => page.getByTestId('count').textContent()).toMatch(/^\d+ of \d+ shown$/);
    await check(page, 'dossiers-list-en-390');
    await page.locator('table a').first().click();
    await page.getByRole('group', { name: 'Status' }).waitFor();
    await check(page, 'dossiers-detail-en-390');
    // The intake's contact lists its opportunities through its intakes.
    const detailUrl = page.url();
    await page.locator('#fields a').first().click();
    await page
      .locator('#related')
      .getByRole('heading', { name: /^Opportunities through intakes/ })
      .waitFor();
    await check(page, 'dossiers-contact-en-390');
    await page.goto(detailUrl);
    await page.getByRole('group', { name: 'Status' }).waitFor();
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('button', { name: 'Save' }).waitFor();
    await check(page, 'dossiers-edit-en-390');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').waitFor();
    expect(await page.getByRole('dialog').textContent()).toContain('cannot be deleted');
    await check(page, 'dossiers-delete-en-390');
    await context.close();
  });
});

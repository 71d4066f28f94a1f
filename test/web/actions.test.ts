/**
 * A coach's day in "Mijn acties", in a real browser on a real server (issue 10): the start page's
 * figures, the to-do list filtered to a template with its total, executing an action after its
 * preview, a due date in the past refused until confirmed (and then counted overdue on the start
 * page), and two actions marked done at once. Every row names its dossier without a request per
 * row. axe clean and no horizontal overflow, nl at 1280 px and en at 390 px.
 */
import { describe, expect, it } from 'vitest';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import { check, hasChromium, logIn, newPage, settled, useUiServer } from './browser.js';

const COACH = 'cora.coach@test.werkflow.local';

const WORDS = {
  nl: {
    shown: /3 van 3 getoond/,
    execute: 'Uitvoeren',
    confirmExecute: 'Nu uitvoeren',
    reschedule: 'Verplaatsen',
    when: /Nieuwe datum en tijd/,
    day: 'Datum',
    typedDay: '20-11-2026',
    hours: 'Uren',
    minutes: 'Minuten',
    past: /Deze datum ligt in het verleden\. Kies een latere datum/,
    confirmPast: /Ja, verplaats naar deze datum in het verleden/,
    select: (title: string) => `Selecteer «${title}»`,
    bulkDone: 'Gereed melden',
    bulkConfirm: '2 acties gereed melden',
    overdueFigure: 'Te laat',
    done: 'Gereed',
  },
  en: {
    shown: /3 of 3 shown/,
    execute: 'Execute',
    confirmExecute: 'Execute now',
    reschedule: 'Reschedule',
    when: /New date and time/,
    day: 'Date',
    typedDay: '20/11/2026',
    hours: 'Hours',
    minutes: 'Minutes',
    past: /This date lies in the past\. Choose a later date/,
    confirmPast: /Yes, move it to this date in the past/,
    select: (title: string) => `Select “${title}”`,
    bulkDone: 'Mark done',
    bulkConfirm: 'Mark 2 actions done',
    overdueFigure: 'Overdue',
    done: 'Done',
  },
} as const;

describe.skipIf(!hasChromium)('a coach’s day in My actions (SQLite, chromium)', () => {
  const ui = useUiServer('energy-cooperative', [{ name: 'Cora Coach', email: COACH, roles: ['staff'] }]);

  /** A manual template of its own per language, with three contacts, so each run starts clean. */
  async function threeCalls(lang: 'nl' | 'en') {
    const wf = ui.server.werkflow;
    const title = `Bel terug (${lang})`;
    const template = await wf.templates.create(
      {
        name: title,
        process: `Terugbellen ${lang}`,
        dossierType: 'contact',
        event: { type: 'created' },
        executionMode: 'manual',
        effect: { type: 'none' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const names = ['Jan de Vries', 'Fatima Bakker', 'Piet Jansen'].map((n) => `${n} ${lang}`);
    for (const name of names)
      await wf.dossiers.create('contact', { data: { kind: 'persoon', name } }, 'test');
    const actions = await wf.actions.list({ templateId: template.id, limit: 10 });
    expect(actions).toHaveLength(3);
    return { template, title, names, actions };
  }

  for (const [lang, width] of [
    ['nl', 1280],
    ['en', 390],
  ] as const) {
    it(`executes, refuses a past date until confirmed, completes two at once (${lang}, ${width} px)`, async () => {
      const w = WORDS[lang];
      const { template, title, names, actions } = await threeCalls(lang);
      const { context, page } = await newPage(ui.browser, { lang, width });
      const dossierRequests: string[] = [];
      page.on('request', (r) => {
        if (/\/api\/dossiers\//.test(r.url())) dossierRequests.push(r.url());
      });
      await logIn(page, ui.server.base, COACH);
      await check(page, `actions-dashboard-${lang}-${width}`);

      // The list of this template: its total, each row named after its dossier.
      await page.goto(`${ui.server.base}/actions?filter=all&template=${template.id}`);
      await expect.poll(() => page.getByTestId('list-total').textContent()).toMatch(w.shown);
      for (const name of names) await page.getByRole('link', { name }).first().waitFor();
      expect(dossierRequests, 'no request per row for its dossier').toEqual([]);
      await check(page, `actions-list-${lang}-${width}`);

      // Execute an action after its preview (a pending automatic one of the demo).
      const [automatic] = await ui.server.werkflow.actions.list({
        statuses: ['pending'],
        executionMode: 'automatic',
        limit: 1,
      });
      await page.goto(`${ui.server.base}/actions/${automatic!.id}`);
      await page.getByRole('button', { name: w.execute, exact: true }).click();
      const preview = page.getByRole('dialog');
      await preview.getByRole('button', { name: w.confirmExecute }).click();
      await preview.waitFor({ state: 'detached' });
      await expect
        .poll(async () => (await ui.server.werkflow.actions.get(automatic!.id)).status)
        .toMatch(/done|failed/);

      // Reschedule to a date in the past: refused until the person confirms it.
      const moved = actions[0]!;
      await page.goto(`${ui.server.base}/actions/${moved.id}`);
      await page.getByRole('button', { name: w.reschedule, exact: true }).click();
      const dialog = page.getByRole('dialog');
      // The date typed the language's way (dd-mm-jjjj / dd/mm/yyyy), the time on the 24-hour clock.
      await dialog.getByRole('textbox', { name: w.day }).fill(w.typedDay);
      await dialog.getByRole('textbox', { name: w.day }).press('Tab');
      await dialog.getByLabel(w.hours, { exact: true }).fill('09');
      await dialog.getByLabel(w.minutes, { exact: true }).fill('00');
      await check(page, `actions-reschedule-past-${lang}-${width}`);
      await dialog.getByRole('button', { name: w.reschedule }).click();
      await dialog.getByText(w.past).waitFor();
      expect((await ui.server.werkflow.actions.get(moved.id)).dueAt).toBe(moved.dueAt);
      await dialog.getByLabel(w.confirmPast).check();
      await dialog.getByRole('button', { name: w.reschedule }).click();
      await dialog.waitFor({ state: 'detached' });
      expect((await ui.server.werkflow.actions.get(moved.id)).dueAt).toBe(Date.parse('2026-11-20T08:00:00Z'));

      // The start page counts it overdue; its link opens the overdue list with it.
      await page.goto(`${ui.server.base}/`);
      await expect.poll(() => page.getByTestId('figure-overdue').textContent()).not.toBe('0');
      await page.getByRole('link', { name: new RegExp(`: ${w.overdueFigure}$`) }).click();
      const movedName = (await ui.server.werkflow.actions.names([moved])).get(moved.id)!.dossierTitle!;
      expect(names).toContain(movedName);
      await page.getByRole('link', { name: movedName }).first().waitFor();
      await check(page, `actions-overdue-${lang}-${width}`);

      // Two at once: select them, mark done, both done.
      await page.goto(`${ui.server.base}/actions?filter=all&template=${template.id}`);
      await expect.poll(() => page.getByTestId('list-total').textContent()).toMatch(w.shown);
      const boxes = page.getByRole('checkbox', { name: w.select(title) });
      await boxes.nth(1).check();
      await boxes.nth(2).check();
      await page
        .getByRole('region', { name: lang === 'nl' ? 'Geselecteerde acties' : 'Selected actions' })
        .getByRole('button', { name: w.bulkDone })
        .click();
      await check(page, `actions-bulk-${lang}-${width}`);
      await page.getByRole('dialog').getByRole('button', { name: w.bulkConfirm }).click();
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      for (const a of actions.slice(1))
        expect((await ui.server.werkflow.actions.get(a.id)).status, a.id).toBe('done');
      await expect.poll(() => page.locator('.status-badge', { hasText: w.done }).count()).toBe(2);
      expect(dossierRequests, 'no request per row for its dossier').toEqual([]);
      await context.close();
    });
  }

  it('bulk execute previews only what can be executed, not again once executed; a bulk refusal names the status (nl, 1280 px)', async () => {
    const wf = ui.server.werkflow;
    const title = 'Nabellen (bulk)';
    const template = await wf.templates.create(
      {
        name: title,
        process: 'Nabellen bulk',
        dossierType: 'contact',
        event: { type: 'created' },
        executionMode: 'semiAutomatic',
        effect: { type: 'none' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    for (const name of ['Anna', 'Bram', 'Carla'])
      await wf.dossiers.create('contact', { data: { kind: 'persoon', name: `${name} bulk` } }, 'test');
    const actions = await wf.actions.list({ templateId: template.id, limit: 10 });
    expect(actions).toHaveLength(3);
    const [cancelled, ...open] = actions;
    await wf.actions.cancel(cancelled!.id, SYSTEM_PRINCIPAL, 'test');

    const { context, page } = await newPage(ui.browser, { lang: 'nl', width: 1280 });
    const previewed: string[] = [];
    page.on('request', (r) => {
      const m = /\/api\/actions\/([^/?]+)\/preview/.exec(r.url());
      if (m) previewed.push(decodeURIComponent(m[1]!));
    });
    await logIn(page, ui.server.base, COACH);
    await page.goto(`${ui.server.base}/actions?filter=all&template=${template.id}`);
    const boxes = page.getByRole('checkbox', { name: WORDS.nl.select(title) });
    await expect.poll(() => boxes.count()).toBe(3);
    for (let i = 0; i < 3; i++) await boxes.nth(i).check();
    await page
      .getByRole('region', { name: 'Geselecteerde acties' })
      .getByRole('button', { name: WORDS.nl.execute, exact: true })
      .click();
    const dialog = page.getByRole('dialog');
    const confirm = dialog.getByRole('button', { name: '2 aangevinkte acties nu uitvoeren' });
    await expect.poll(() => confirm.isEnabled()).toBe(true);
    await dialog.getByText(/Kan nu niet worden uitgevoerd/).waitFor();
    expect([...previewed].sort(), 'a preview only for what can be executed').toEqual(
      open.map((a) => a.id).sort(),
    );
    await confirm.click();
    await dialog.getByTestId('bulk-results').waitFor();
    for (const a of open) expect((await wf.actions.get(a.id)).status, a.id).toBe('done');
    await settled(page);
    expect(previewed, 'no preview asked again after executing').toHaveLength(2);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // Cancelling what is done or cancelled already: refused per action, by its status in Dutch.
    await page.goto(`${ui.server.base}/actions?filter=all&template=${template.id}`);
    await expect.poll(() => boxes.count()).toBe(3);
    for (let i = 0; i < 3; i++) await boxes.nth(i).check();
    await page
      .getByRole('region', { name: 'Geselecteerde acties' })
      .getByRole('button', { name: 'Annuleren', exact: true })
      .click();
    await dialog.getByRole('textbox', { name: 'Reden' }).fill('te laat');
    await dialog.getByRole('button', { name: '3 acties annuleren' }).click();
    const failures = dialog.getByTestId('bulk-failures');
    await failures.waitFor();
    await expect.poll(() => failures.getByText('Kan niet in deze status (Gereed).').count()).toBe(2);
    expect(await failures.getByText('Kan niet in deze status (Geannuleerd).').count()).toBe(1);
    await context.close();
  });
});

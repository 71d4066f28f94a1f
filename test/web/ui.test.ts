/**
 * The browser UI end to end on the Econobis preset: a real server on 127.0.0.1 with demo data,
 * driven by Debian's chromium through playwright-core. SQLite only (the UI talks to the same API
 * on every backend). Every screen is checked with axe-core and for overflow at 1280 and 390 px,
 * and photographed in Dutch and English under test-results/screenshots/.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  expectAccessible,
  expectNoOverflow,
  hasChromium,
  logIn,
  newPage,
  PASSWORD,
  screenshot,
  settled,
  useUiServer,
} from './browser.js';

const EMAIL = 'anna.devries@test.werkflow.local';
const READER = 'rick.lezer@test.werkflow.local';

describe.skipIf(!hasChromium)('web UI (SQLite, chromium)', () => {
  const ui = useUiServer('energy-cooperative', [
    { name: 'Anna de Vries', email: EMAIL, roles: ['administrator'] },
    { name: 'Rick Lezer', email: READER, roles: ['staff'] },
  ]);
  let page: Page;

  beforeAll(async () => {
    ({ page } = await newPage(ui.browser));
  });

  it('serves the UI with Mantine’s styles and its deep links, and keeps the JSON 404 of unknown API routes', async () => {
    const deep = await fetch(`${ui.server.base}/templates/some-id`);
    expect(deep.status).toBe(200);
    expect(deep.headers.get('content-type')).toContain('text/html');
    const js = await fetch(`${ui.server.base}/app.js`);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect((await js.text()).length).toBeGreaterThan(100_000);
    const css = await (await fetch(`${ui.server.base}/app.css`)).text();
    expect(css).toContain('--mantine-radius-sm');
    expect(css).toContain('.mail-frame');
    const api404 = await fetch(`${ui.server.base}/api/no-such-route`);
    expect(api404.status).toBe(404);
    expect(await api404.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('logs in (a wrong password first, its message in Dutch) and shows the to-do list', async () => {
    await page.goto(`${ui.server.base}/`);
    await page.getByRole('heading', { name: 'Inloggen', level: 1 }).waitFor();
    await expectAccessible(page, 'login');
    await page.getByLabel('E-mailadres').fill(EMAIL);
    await page.getByLabel('Wachtwoord', { exact: false }).first().fill('wrong-password-here-123');
    await page.getByRole('button', { name: 'Inloggen' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    // The server's code rendered through the Dutch dictionary, not its English sentence.
    expect(await alert.textContent()).toContain('E-mailadres of wachtwoord klopt niet');
    await page.getByLabel('Wachtwoord', { exact: false }).first().fill(PASSWORD);
    await page.getByRole('button', { name: 'Inloggen' }).click();
    // The start page is the overview; the to-do list is one link away.
    await page.getByRole('heading', { name: 'Overzicht', level: 1 }).waitFor();
    expect(await page.locator('.user-name').textContent()).toBe('Anna de Vries');
    await page.getByRole('link', { name: 'Mijn acties' }).click();
    await page.getByRole('heading', { name: 'Mijn acties', level: 1 }).waitFor();
    await page.getByRole('tab', { name: /^Alle \(\d+\)$/ }).click();
    await page.locator('.actions-table tbody tr').first().waitFor();
    expect(await page.locator('.actions-table tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('.actions-table').textContent()).toContain('Workflow: Offerteverzoek');
  });

  it('switches NL → EN: the headings change and the choice is remembered', async () => {
    await page.locator('label', { hasText: /^EN$/ }).click();
    await page.getByRole('heading', { name: 'My actions', level: 1 }).waitFor();
    expect(await page.getByRole('link', { name: 'Action templates' }).count()).toBe(1);
    await page.reload();
    await page.getByRole('heading', { name: 'My actions', level: 1 }).waitFor();
    expect(await page.evaluate('localStorage.getItem("werkflow.lang")')).toBe('en');
    await page.locator('label', { hasText: /^NL$/ }).click();
    await page.getByRole('heading', { name: 'Mijn acties', level: 1 }).waitFor();
  });

  it('shows the Econobis status workflow table, and saving the form turns a workflow on', async () => {
    await page.getByRole('link', { name: 'Workflows' }).click();
    const table = page.locator('.workflow-table');
    await table.waitFor();
    expect(await table.locator('thead th').allTextContents()).toEqual([
      'Omschrijving',
      'Actief',
      'Verstuur herinnering',
    ]);
    expect(await page.getByTestId('results').textContent()).toMatch(/^Resultaten: \d+$/);
    const row = table.locator('tbody tr', { hasText: 'Offerteverzoek - Offerte aangevraagd' });
    expect(await row.count()).toBe(1);

    const target = (await ui.server.werkflow.econobis.statusWorkflows()).find(
      (s) => s.dossierType === 'quotationRequest' && !s.active,
    )!;
    const description = target.description.nl;
    const targetRow = table
      .locator('tbody tr')
      .filter({ has: page.getByRole('button', { name: description, exact: true }) });
    expect(await targetRow.locator('td').nth(1).textContent()).toBe('Nee');
    await targetRow.getByRole('button', { name: description, exact: true }).click();
    const dialog = page.getByRole('dialog');
    // The workflow's fields show only once it is switched on.
    expect(await dialog.getByLabel('Na hoeveel dagen versturen').count()).toBe(0);
    await dialog.getByRole('switch', { name: 'Actief' }).check();
    await dialog.getByRole('textbox', { name: 'E-mailtemplate' }).click();
    await page.getByRole('option').first().click();
    await dialog.getByLabel('Na hoeveel dagen versturen').fill('3');
    await dialog.getByRole('switch', { name: 'Verstuur herinnering' }).check();
    await dialog.getByLabel('Herinnering na hoeveel dagen').fill('7');
    await dialog.getByRole('button', { name: 'Opslaan' }).click();
    await dialog.waitFor({ state: 'detached' });

    await page.reload();
    const reloaded = page
      .locator('.workflow-table tbody tr')
      .filter({ has: page.getByRole('button', { name: description, exact: true }) });
    await reloaded.waitFor();
    expect(await reloaded.locator('td').nth(1).textContent()).toBe('Ja');
    expect(await reloaded.locator('td').nth(2).textContent()).toBe('Ja');
    const saved = (await ui.server.werkflow.econobis.statusWorkflows()).find(
      (s) => s.status === target.status && s.dossierType === target.dossierType,
    );
    expect(saved).toMatchObject({ active: true, numberOfDays: 3, sendReminder: true, reminderDays: 7 });
  });

  it('shows the intake-measure workflows, offers only the row’s e-mail templates, and saves a measure switched on', async () => {
    await page.goto(`${ui.server.base}/workflows/opportunity-actions`);
    await page.getByRole('tab', { name: 'Intake maatregelen' }).click();
    const table = page.locator('.intake-measure-table');
    await table.waitFor();
    expect(await table.locator('thead th').allTextContents()).toEqual(['Omschrijving', 'Actief']);
    const rows = await ui.server.werkflow.econobis.intakeMeasureWorkflows();
    expect(await page.getByTestId('results').textContent()).toBe(`Resultaten: ${rows.length}`);
    const target = rows.find((r) => !r.active)!;
    const targetRow = table
      .locator('tbody tr')
      .filter({ has: page.getByRole('button', { name: target.label, exact: true }) });
    expect(await targetRow.locator('td').nth(1).textContent()).toBe('Nee');
    await targetRow.getByRole('button', { name: target.label, exact: true }).click();
    const dialog = page.getByRole('dialog');
    // The workflow's fields show only once it is switched on.
    expect(await dialog.getByRole('textbox', { name: 'Status van de kans' }).count()).toBe(0);
    await dialog.getByRole('switch', { name: 'Actief' }).check();
    await dialog.getByRole('textbox', { name: 'Status van de kans' }).click();
    await page.getByRole('option').first().click();
    await dialog.getByRole('textbox', { name: 'Kansactie', exact: true }).click();
    await page.getByRole('option', { name: 'Offerteverzoek' }).click();
    await dialog.getByRole('textbox', { name: 'Status van de kansactie' }).click();
    await page.getByRole('option').first().click();
    await dialog.getByRole('textbox', { name: 'E-mailtemplate (bij een nieuwe kans)' }).click();
    // Only the templates the row offers (written for opportunities).
    const offered = await page.getByRole('option').allTextContents();
    expect(offered.sort()).toEqual(target.emailTemplates.map((x) => x.name).sort());
    expect(offered.length).toBeGreaterThan(0);
    await page.getByRole('option').first().click();
    await settled(page);
    await expectAccessible(page, 'intake measure form');
    await screenshot(page, 'econobis-intake-measure-form-nl-1280');
    await dialog.getByRole('button', { name: 'Opslaan' }).click();
    await dialog.waitFor({ state: 'detached' });

    await page.reload();
    const reloaded = page
      .locator('.intake-measure-table tbody tr')
      .filter({ has: page.getByRole('button', { name: target.label, exact: true }) });
    await reloaded.waitFor();
    expect(await reloaded.locator('td').nth(1).textContent()).toBe('Ja');
    const saved = (await ui.server.werkflow.econobis.intakeMeasureWorkflows()).find(
      (r) => r.measureCategory === target.measureCategory,
    )!;
    expect(saved.active).toBe(true);
    expect(saved.opportunityStatus).not.toBeNull();
    expect(saved.opportunityAction).toMatchObject({ dossierType: 'quotationRequest' });
    expect(target.emailTemplates.map((x) => x.id)).toContain(saved.emailTemplateId);
  });

  it('lists a received message in the mail viewer and opens it in a sandboxed frame', async () => {
    await page.getByRole('link', { name: 'E-mail', exact: true }).click();
    await page.getByRole('tab', { name: 'Mailviewer (demo)' }).click();
    const first = page.locator('.mail-table tbody tr a').first();
    await first.waitFor();
    const subject = (await first.textContent())!;
    expect(subject.length).toBeGreaterThan(0);
    await first.click();
    await page.getByRole('heading', { name: subject, level: 1 }).waitFor();
    const frame = page.locator('iframe.mail-frame');
    expect(await frame.getAttribute('sandbox')).toBe('');
    expect(await page.frameLocator('iframe.mail-frame').locator('body').textContent()).toContain('Beste');
    await settled(page);
    await expectAccessible(page, 'mail message');
    await screenshot(page, 'econobis-mail-message-nl-1280');
  });

  it('shows the workflow settings read-only, with the reason, to a user without the right', async () => {
    const { context, page: reader } = await ui.signedIn(READER);
    await reader.goto(`${ui.server.base}/workflows`);
    await reader.getByTestId('read-only').waitFor();
    expect(await reader.getByTestId('read-only').textContent()).toContain('Automatische workflow');
    await reader.locator('.workflow-table tbody tr button').first().click();
    const dialog = reader.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.getByRole('button', { name: 'Opslaan' }).count()).toBe(0);
    await context.close();
  });

  it('a reset link opens a page that sets a new password, which then logs in', async () => {
    const user = await ui.server.werkflow.auth.users.createUser(
      {
        name: 'Bram Visser',
        email: 'bram.visser@test.werkflow.local',
        roles: ['staff'],
        password: 'oude-sleutel-onder-de-mat-7',
      },
      'test',
    );
    const { token } = await ui.server.werkflow.auth.reset.issuePasswordReset(user.id, 'test');
    const { context, page: fresh } = await newPage(ui.browser);
    await fresh.goto(`${ui.server.base}/reset-password?token=${encodeURIComponent(token)}`);
    await fresh.getByRole('heading', { name: 'Nieuw wachtwoord', level: 1 }).waitFor();
    await expectAccessible(fresh, 'reset password');
    await fresh.locator('#reset-password').fill('nieuwe-sleutel-in-de-brievenbus-8');
    await fresh.getByRole('button', { name: 'Wachtwoord opslaan' }).click();
    await fresh.getByRole('heading', { name: 'Inloggen', level: 1 }).waitFor();
    await fresh.getByLabel('E-mailadres').fill('bram.visser@test.werkflow.local');
    await fresh.locator('input[type="password"]').fill('nieuwe-sleutel-in-de-brievenbus-8');
    await fresh.getByRole('button', { name: 'Inloggen' }).click();
    await fresh.getByRole('heading', { name: 'Overzicht', level: 1 }).waitFor();
    await context.close();
  });

  for (const lang of ['nl', 'en'] as const) {
    for (const width of [1280, 390]) {
      it(`every screen passes axe, fits ${width} px and is photographed (${lang})`, async () => {
        const action = (await ui.server.werkflow.actions.list({ limit: 1 }))[0]!;
        const quotation = (
          await ui.server.werkflow.dossiers.list({ type: 'quotationRequest', limit: 1 })
        )[0]!;
        const emailTemplate = (await ui.server.werkflow.email.templates.listTemplates())[0]!;
        const actionTemplate = (await ui.server.werkflow.templates.list())[0]!;
        const screens: [string, string][] = [
          ['dashboard', '/'],
          ['actions', '/actions?filter=all'],
          ['action', `/actions/${action.id}`],
          ['workflows', '/workflows/opportunity-actions'],
          ['workflows-task-types', '/workflows/task-types'],
          ['workflows-intake-measures', '/workflows/intake-measures'],
          ['templates', '/templates'],
          ['template', `/templates/${actionTemplate.id}`],
          ['template-new', '/templates/new'],
          ['email-templates', '/email-templates'],
          ['email-template', `/email-templates/${emailTemplate.id}`],
          ['dossiers', '/dossiers/quotationRequest'],
          ['dossier', `/dossiers/quotationRequest/${quotation.id}`],
          ['mail', '/mail?status=all'],
          ['mailboxes', '/mail/mailboxes'],
          ['mail-viewer', '/mail/viewer'],
        ];
        const { context, page: p } = await newPage(ui.browser, { lang, width });
        await p.goto(`${ui.server.base}/login`);
        await p.locator('main h1').first().waitFor();
        await expectAccessible(p, `login (${lang}, ${width}px)`);
        await expectNoOverflow(p, `login (${lang}, ${width}px)`);
        await screenshot(p, `econobis-login-${lang}-${width}`);
        await logIn(p, ui.server.base, EMAIL);
        for (const [name, path] of screens) {
          await p.goto(`${ui.server.base}${path}`);
          await p.locator('main h1').first().waitFor();
          await settled(p);
          await expectAccessible(p, `${name} (${lang}, ${width}px)`);
          await expectNoOverflow(p, `${name} (${lang}, ${width}px)`);
          await screenshot(p, `econobis-${name}-${lang}-${width}`);
        }
        await context.close();
        // Fifteen screens, each settled, checked by axe and photographed: longer than one test's
        // default minute on a busy machine.
      }, 180_000);
    }
  }
});

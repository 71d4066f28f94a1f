/**
 * The browser UI end to end: a real server on 127.0.0.1 with demo data, driven by Debian's
 * chromium through playwright-core. SQLite only (the UI talks to the same API on every backend).
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { openTestWerkflow, sqliteBackend } from '../support/backends.js';

const CHROMIUM = '/usr/bin/chromium';
const MISSING = `${CHROMIUM} is missing: the UI test needs Debian's chromium (.ci/run installs it).`;
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI) throw new Error(MISSING);
if (!hasChromium) console.warn(`Skipping the UI test: ${MISSING}`);

const EMAIL = 'anna.devries@test.werkflow.local';
const PASSWORD = 'paarse-fiets-onder-de-brug-42';

describe.skipIf(!hasChromium)('web UI (SQLite, chromium)', () => {
  let werkflow: Werkflow;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    werkflow = await openTestWerkflow(sqliteBackend);
    await werkflow.email.captureAllMail({ port: 0 });
    await werkflow.seedDemo({ count: 20 });
    await werkflow.auth.createUser(
      { name: 'Anna de Vries', email: EMAIL, roles: ['administrator'], password: PASSWORD },
      'test',
    );
    // Due e-mail workflows run now; their mail lands in the local sink (the mail viewer).
    await werkflow.scheduler.tick();
    await werkflow.email.mailer.runUntilIdle();
    app = await buildServer(werkflow);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await werkflow?.close();
  });

  it('serves the UI and its deep links, and keeps the JSON 404 of unknown API routes', async () => {
    const deep = await fetch(`${base}/templates/some-id`);
    expect(deep.status).toBe(200);
    expect(deep.headers.get('content-type')).toContain('text/html');
    const js = await fetch(`${base}/app.js`);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect((await js.text()).length).toBeGreaterThan(1000);
    const api404 = await fetch(`${base}/api/no-such-route`);
    expect(api404.status).toBe(404);
    expect(await api404.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('logs in and shows the to-do list with actions', async () => {
    await page.goto(`${base}/`);
    await page.getByLabel('E-mailadres').fill(EMAIL);
    await page.getByLabel('Wachtwoord').fill('wrong-password-here-123');
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBeTruthy();
    await page.getByLabel('Wachtwoord').fill(PASSWORD);
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await page.getByRole('heading', { name: 'Mijn acties', level: 1 }).waitFor();
    expect(await page.locator('.user-name').textContent()).toBe('Anna de Vries');
    await page.getByRole('link', { name: 'Alle', exact: true }).click();
    await page.locator('.actions-table tbody tr').first().waitFor();
    expect(await page.locator('.actions-table tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('.actions-table').textContent()).toContain('Workflow: Offerteverzoek');
  });

  it('switches NL → EN: the headings change and the choice is remembered', async () => {
    await page.getByRole('button', { name: 'EN', exact: true }).click();
    await page.getByRole('heading', { name: 'My actions', level: 1 }).waitFor();
    expect(await page.getByRole('link', { name: 'Action templates' }).count()).toBe(1);
    await page.reload();
    await page.getByRole('heading', { name: 'My actions', level: 1 }).waitFor();
    expect(await page.evaluate('localStorage.getItem("werkflow.lang")')).toBe('en');
    await page.getByRole('button', { name: 'NL', exact: true }).click();
    await page.getByRole('heading', { name: 'Mijn acties', level: 1 }).waitFor();
  });

  it('shows the Econobis status workflow table, and saving the form turns a workflow on', async () => {
    await page.getByRole('link', { name: 'Workflows' }).click();
    const table = page.locator('.workflow-table');
    await table.waitFor();
    const headers = await table.locator('thead th').allTextContents();
    expect(headers).toEqual(['Omschrijving', 'Actief', 'Verstuur herinnering']);
    const row = table.locator('tbody tr', { hasText: 'Offerteverzoek - Offerte aangevraagd' });
    expect(await row.count()).toBe(1);

    const statuses = (await werkflow.econobis.statusWorkflows()).filter(
      (s) => s.dossierType === 'quotationRequest' && !s.active,
    );
    const target = statuses[0]!;
    const description = target.description.nl;
    const targetRow = table
      .locator('tbody tr')
      .filter({ has: page.getByRole('button', { name: description, exact: true }) });
    expect(await targetRow.locator('td').nth(1).textContent()).toBe('Nee');
    await targetRow.getByRole('button', { name: description, exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Actief').check();
    await dialog.getByLabel('E-mailtemplate').selectOption({ index: 1 });
    await dialog.getByLabel('Na hoeveel dagen versturen').fill('3');
    await dialog.getByLabel('Verstuur herinnering').check();
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
    const saved = (await werkflow.econobis.statusWorkflows()).find(
      (s) => s.status === target.status && s.dossierType === target.dossierType,
    );
    expect(saved).toMatchObject({ active: true, numberOfDays: 3, sendReminder: true, reminderDays: 7 });
  });

  it('shows a template error with its message and path next to the editor', async () => {
    await page.goto(`${base}/templates/new`);
    const editor = page.getByLabel('Concept (JSON)');
    await editor.waitFor();
    const draft = JSON.parse(await editor.inputValue()) as Record<string, unknown>;
    await editor.fill(JSON.stringify({ ...draft, dossierType: 'no-such-type' }, null, 2));
    await page.getByRole('button', { name: 'Template aanmaken' }).click();
    const problems = page.locator('#template-problems [role="alert"]');
    await problems.waitFor();
    expect(await problems.locator('code.path').first().textContent()).toBe('dossierType');
    expect(await problems.textContent()).toContain('Unknown dossier type "no-such-type"');

    await editor.fill(JSON.stringify(draft, null, 2));
    await page.getByRole('button', { name: 'Template aanmaken' }).click();
    await page.getByRole('button', { name: 'Publiceren' }).waitFor();
    expect(page.url()).toMatch(/\/templates\/[\w-]+$/);
  });

  it('lists a received message in the mail viewer and opens it in a sandboxed frame', async () => {
    await page.getByRole('link', { name: 'Mailviewer' }).click();
    const first = page.locator('.mail-table tbody tr a').first();
    await first.waitFor();
    const subject = (await first.textContent())!;
    expect(subject.length).toBeGreaterThan(0);
    await first.click();
    await page.getByRole('heading', { name: subject, level: 1 }).waitFor();
    const frame = page.locator('iframe.mail-frame');
    expect(await frame.getAttribute('sandbox')).toBe('');
    const text = await page.frameLocator('iframe.mail-frame').locator('body').textContent();
    expect(text).toContain('Beste');
  });

  it('saves a screenshot of the actions page', async () => {
    await page.goto(`${base}/actions?filter=all`);
    await page.locator('.actions-table tbody tr').first().waitFor();
    // Dossier titles are filled in after the list; wait until the requests settle.
    await page.waitForLoadState('networkidle');
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/ui-actions.png', fullPage: false });
    expect(existsSync('test-results/ui-actions.png')).toBe(true);
  });

  it('a reset link opens a page that sets a new password, which then logs in', async () => {
    const user = await werkflow.auth.createUser(
      {
        name: 'Bram Visser',
        email: 'bram.visser@test.werkflow.local',
        roles: ['staff'],
        password: 'oude-sleutel-onder-de-mat-7',
      },
      'test',
    );
    const { token } = await werkflow.auth.issuePasswordReset(user.id, 'test');
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const fresh = await context.newPage();
    fresh.setDefaultTimeout(15_000);
    await fresh.goto(`${base}/reset-password?token=${encodeURIComponent(token)}`);
    await fresh.getByRole('heading', { name: 'Nieuw wachtwoord', level: 1 }).waitFor();
    await fresh.locator('#reset-password').fill('nieuwe-sleutel-in-de-brievenbus-8');
    await fresh.getByRole('button', { name: 'Wachtwoord opslaan' }).click();
    await fresh.getByRole('heading', { name: 'Inloggen', level: 1 }).waitFor();
    await fresh.getByLabel('E-mailadres').fill('bram.visser@test.werkflow.local');
    await fresh.getByLabel('Wachtwoord').fill('nieuwe-sleutel-in-de-brievenbus-8');
    await fresh.getByRole('button', { name: 'Inloggen' }).click();
    await fresh.getByRole('heading', { name: 'Mijn acties', level: 1 }).waitFor();
    await context.close();
  });
});

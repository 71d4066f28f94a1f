/**
 * Beheer in the browser (SQLite, chromium): an administrator creates a user with a role, makes an
 * API token that is shown once, revokes it, and finds all of it in the audit log as sentences; a
 * staff member sees why Beheer is not for them. Every tab passes axe and fits at 1280 and 390 px,
 * in Dutch and English, and is photographed under test-results/screenshots/.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  expectAccessible,
  expectNoOverflow,
  hasChromium,
  screenshot,
  settled,
  useUiServer,
} from './browser.js';

const ADMIN = 'anna.devries@test.werkflow.local';
const STAFF = 'rick.medewerker@test.werkflow.local';
const TABS = ['users', 'teams', 'tokens', 'audit-log', 'organisation', 'calendar', 'digest'] as const;

describe.skipIf(!hasChromium)('Beheer: users, tokens, audit log (SQLite, chromium)', () => {
  const ui = useUiServer('energy-cooperative', [
    { name: 'Anna de Vries', email: ADMIN, roles: ['administrator'] },
    { name: 'Rick Medewerker', email: STAFF, roles: ['staff'] },
  ]);
  let page: Page;

  beforeAll(async () => {
    ({ page } = await ui.signedIn(ADMIN));
  });

  it('creates a user with a role, showing what each role may do', async () => {
    await page.getByRole('link', { name: 'Beheer' }).click();
    await page.getByRole('heading', { name: 'Beheer', level: 1 }).waitFor();
    await page.locator('.users-table').waitFor();
    await page.getByRole('button', { name: 'Nieuwe gebruiker' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Naam', { exact: false }).first().fill('Fleur Jansen');
    await dialog.getByLabel('E-mailadres', { exact: false }).fill('fleur.jansen@test.werkflow.local');
    await dialog.getByLabel('Functie').fill('Planner');
    // Each role says what it may do, in words.
    expect(await dialog.textContent()).toContain('Mag: Dossiers inzien.');
    await dialog.getByRole('checkbox', { name: 'Medewerker' }).uncheck();
    await dialog.getByRole('checkbox', { name: 'Workflowbeheerder' }).check();
    await settled(page);
    await expectAccessible(page, 'user form');
    await screenshot(page, 'admin-user-form-nl-1280');
    await dialog.getByRole('button', { name: 'Opslaan' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.locator('.users-table tbody tr', { hasText: 'Fleur Jansen' });
    await row.waitFor();
    expect(await row.textContent()).toContain('Workflowbeheerder');
    const stored = (await ui.server.werkflow.auth.users.listUsers()).find((u) => u.name === 'Fleur Jansen');
    expect(stored).toMatchObject({ email: 'fleur.jansen@test.werkflow.local', roles: ['workflow-manager'] });

    // The search narrows the list by name.
    await page.getByLabel('Zoeken op naam, e-mailadres of functie').fill('fleur');
    expect(await page.locator('.users-table tbody tr').count()).toBe(1);
    await page.getByLabel('Zoeken op naam, e-mailadres of functie').fill('');
  });

  it('refuses a user without a name, naming the field in Dutch', async () => {
    await page.getByRole('button', { name: 'Nieuwe gebruiker' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('E-mailadres', { exact: false }).fill('zonder.naam@test.werkflow.local');
    await dialog.getByRole('button', { name: 'Opslaan' }).click();
    await dialog.getByRole('alert').waitFor();
    expect(await dialog.getByRole('alert').textContent()).toContain('«Naam»');
    expect(await dialog.getByLabel('Naam', { exact: false }).first().getAttribute('aria-invalid')).toBe(
      'true',
    );
    await dialog.getByRole('button', { name: 'Annuleren' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  let secret = '';

  it('makes an API token and shows its secret once, in a field to copy, with a warning', async () => {
    await page.getByRole('tab', { name: 'API-tokens' }).click();
    await page.getByRole('button', { name: 'Nieuw API-token' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Naam', { exact: false }).fill('Econobis-koppeling');
    await dialog.getByRole('checkbox', { name: 'Dossiers inzien en wijzigen' }).check();
    await dialog.getByRole('button', { name: 'Token maken' }).click();
    await dialog.getByTestId('token-once').waitFor();
    expect(await dialog.getByTestId('token-once').textContent()).toContain('maar één keer');
    secret = await dialog.getByTestId('token-secret').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await settled(page);
    await expectAccessible(page, 'token shown once');
    await screenshot(page, 'admin-token-once-nl-1280');
    // The secret works.
    const me = await fetch(`${ui.server.base}/api/auth/me`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(me.status).toBe(200);
    await dialog.getByRole('button', { name: 'Ik heb het gekopieerd' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.locator('.tokens-table tbody tr', { hasText: 'Econobis-koppeling' });
    await row.waitFor();
    expect(await row.textContent()).toContain('Actief');
    expect(await row.textContent()).toContain('Anna de Vries');
    // Never again: not in the list, not after a reload.
    expect(await page.locator('body').innerText()).not.toContain(secret);
    await page.reload();
    await page.locator('.tokens-table tbody tr', { hasText: 'Econobis-koppeling' }).waitFor();
    expect(await page.content()).not.toContain(secret);
  });

  it('revokes the token after a confirmation; it stops working at once', async () => {
    await page.getByRole('button', { name: 'API-token Econobis-koppeling intrekken' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('werkt direct niet meer');
    await dialog.getByRole('button', { name: 'Intrekken' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.locator('.tokens-table tbody tr', { hasText: 'Econobis-koppeling' });
    await row.filter({ hasText: 'Ingetrokken' }).waitFor();
    const me = await fetch(`${ui.server.base}/api/auth/me`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(me.status).toBe(401);
  });

  it('finds the new user and the token in the audit log, as sentences with names', async () => {
    await page.getByRole('tab', { name: 'Auditlog' }).click();
    const table = page.locator('.audit-table');
    await table.waitFor();
    const text = (await table.textContent()) ?? '';
    expect(text).toContain('Anna de Vries maakte gebruiker ‘Fleur Jansen’ aan');
    expect(text).toContain('Anna de Vries maakte API-token ‘Econobis-koppeling’ aan');
    expect(text).toContain('Anna de Vries trok API-token ‘Econobis-koppeling’ in');
    const fleur = (await ui.server.werkflow.auth.users.listUsers()).find((u) => u.name === 'Fleur Jansen')!;
    expect(text).not.toContain(fleur.id);

    // Filter on who and the kind of change.
    await page.getByRole('textbox', { name: 'Wie' }).click();
    await page.getByRole('option', { name: 'Anna de Vries', exact: true }).click();
    await page.getByRole('textbox', { name: 'Soort wijziging' }).click();
    await page.getByRole('option', { name: 'API-token ingetrokken' }).click();
    await expect.poll(async () => page.locator('.audit-table tbody tr').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('.audit-table tbody tr').textContent()).toContain(
      'Anna de Vries trok API-token ‘Econobis-koppeling’ in',
    );

    // One object's history: both the token's entries.
    await page.getByRole('button', { name: 'Filters wissen' }).click();
    await page.getByRole('button', { name: 'Geschiedenis van API-token Econobis-koppeling' }).first().click();
    await page.getByTestId('object-filter').waitFor();
    await expect.poll(async () => page.locator('.audit-table tbody tr').count(), { timeout: 10_000 }).toBe(2);
    await settled(page);
    await expectAccessible(page, 'audit log filtered');
    await screenshot(page, 'admin-audit-log-object-nl-1280');

    // A date range that ends before today shows nothing, and says what to do.
    await page.getByRole('button', { name: 'Filters wissen' }).click();
    await page.getByLabel('Tot en met').fill('2020-01-31');
    await page.getByText('Geen wijzigingen gevonden. Pas de filters aan.').waitFor();
  });

  it('makes a team with members picked by name, renames it and deletes it after a confirmation', async () => {
    await page.getByRole('tab', { name: 'Teams' }).click();
    await page.getByRole('button', { name: 'Nieuw team' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Naam van het team' }).fill('Planning');
    await dialog.getByRole('textbox', { name: 'Leden' }).fill('Fleur');
    await page.getByRole('option', { name: 'Fleur Jansen' }).click();
    // The picker stays open for more names; leaving it closes it.
    await dialog.getByRole('textbox', { name: 'Naam van het team' }).click();
    await page.getByRole('listbox').waitFor({ state: 'hidden' });
    await dialog.getByRole('button', { name: 'Opslaan' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.locator('.teams-table tbody tr', { hasText: 'Planning' });
    await row.waitFor();
    expect(await row.textContent()).toContain('Fleur Jansen');

    await page.getByRole('button', { name: 'Team Planning wijzigen' }).click();
    await dialog.getByRole('textbox', { name: 'Naam van het team' }).fill('Planning Noord');
    await dialog.getByRole('button', { name: 'Opslaan' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('.teams-table tbody tr', { hasText: 'Planning Noord' }).waitFor();
    const team = (await ui.server.werkflow.auth.users.listTeams()).find((x) => x.name === 'Planning Noord')!;
    const fleur = (await ui.server.werkflow.auth.users.listUsers()).find((u) => u.name === 'Fleur Jansen')!;
    expect(team.memberIds).toEqual([fleur.id]);

    await page.getByRole('button', { name: 'Team Planning Noord verwijderen' }).click();
    expect(await dialog.textContent()).toContain('de leden zelf blijven bestaan');
    await dialog.getByRole('button', { name: 'Verwijderen' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect
      .poll(async () => page.locator('.teams-table tbody tr', { hasText: 'Planning Noord' }).count())
      .toBe(0);
    expect((await ui.server.werkflow.auth.users.listTeams()).some((x) => x.id === team.id)).toBe(false);
  });

  it('makes a password link to hand over, and deactivates a user after a confirmation', async () => {
    await page.getByRole('tab', { name: 'Gebruikers' }).click();
    await page.getByRole('button', { name: 'Nieuw wachtwoord voor Fleur Jansen' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Link maken om door te geven' }).click();
    const link = await dialog.getByRole('textbox', { name: 'Link voor een nieuw wachtwoord' }).inputValue();
    expect(link).toMatch(/\/reset-password\?token=/);
    await dialog.getByRole('button', { name: 'Klaar' }).click();
    await dialog.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Fleur Jansen deactiveren' }).click();
    expect(await dialog.textContent()).toContain('nooit verwijderd');
    await dialog.getByRole('button', { name: 'Deactiveren' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.locator('.users-table tbody tr', { hasText: 'Fleur Jansen' });
    await row.filter({ hasText: 'Inactief' }).waitFor();
    expect(
      (await ui.server.werkflow.auth.users.listUsers()).find((u) => u.name === 'Fleur Jansen')!.active,
    ).toBe(false);
    // Back again.
    await page.getByRole('button', { name: 'Fleur Jansen weer activeren' }).click();
    await row.filter({ hasText: 'Actief' }).waitFor();
  });

  it('keeps Beheer from a user without the right: no menu entry, a clear message, and the API refuses', async () => {
    const { context, page: staff } = await ui.signedIn(STAFF);
    expect(await staff.getByRole('link', { name: 'Beheer' }).count()).toBe(0);
    await staff.goto(`${ui.server.base}/admin/users`);
    await staff.getByTestId('no-right').waitFor();
    expect(await staff.getByTestId('no-right').textContent()).toContain('alleen voor beheerders');
    expect(await staff.locator('.users-table').count()).toBe(0);
    const users = await staff.evaluate(async () => (await fetch('/api/users')).status);
    expect(users).toBe(403);
    await expectAccessible(staff, 'no right');
    await context.close();
  });

  for (const lang of ['nl', 'en'] as const) {
    for (const width of [1280, 390]) {
      it(`every Beheer tab passes axe, fits ${width} px and is photographed (${lang})`, async () => {
        const { context, page: p } = await ui.signedIn(ADMIN, { lang, width });
        for (const tab of TABS) {
          await p.goto(`${ui.server.base}/admin/${tab}`);
          await p.locator('main h2').first().waitFor();
          await p.locator('main [data-testid="results"], main form, main table').first().waitFor();
          await settled(p);
          await expectAccessible(p, `admin ${tab} (${lang}, ${width}px)`);
          await expectNoOverflow(p, `admin ${tab} (${lang}, ${width}px)`);
          await screenshot(p, `admin-${tab}-${lang}-${width}`);
        }
        await context.close();
      });
    }
  }
});

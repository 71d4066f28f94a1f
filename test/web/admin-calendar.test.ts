/**
 * Beheer → Kalender and Dagelijks overzicht in the browser (SQLite, chromium; the test clock stands
 * at 23 November 2026, so Goede Vrijdag 26 March 2027 is among the next eight days off once it is
 * switched on). An administrator switches Goede Vrijdag on and sees it among the next days off,
 * adds a closing day and sees it listed, and switches the digest off; a staff member sees the
 * calendar read-only with the reason and keeps their own digest preference. Axe clean, no overflow
 * at 1280 and 390 px, in Dutch and English.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  expectAccessible,
  expectNoOverflow,
  fillTime,
  hasChromium,
  screenshot,
  settled,
  useUiServer,
} from './browser.js';

const ADMIN = 'anna.devries@test.werkflow.local';
const STAFF = 'rick.medewerker@test.werkflow.local';

describe.skipIf(!hasChromium)('Beheer: calendar and daily digest (SQLite, chromium)', () => {
  const ui = useUiServer('energy-cooperative', [
    { name: 'Anna de Vries', email: ADMIN, roles: ['administrator'] },
    { name: 'Rick Medewerker', email: STAFF, roles: ['staff'] },
  ]);
  let page: Page;

  beforeAll(async () => {
    ({ page } = await ui.signedIn(ADMIN));
  });

  const nextDaysOff = async (p: Page) => (await p.getByTestId('next-holidays').innerText()) ?? '';
  /** A PUT from the page, as the signed-in user (with the session's CSRF token). */
  const put = (p: Page, path: string, body: unknown) =>
    p.evaluate(
      async ([path, body]) => {
        const me = (await (await fetch('/api/auth/me')).json()) as { csrfToken: string | null };
        const response = await fetch(path, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken ?? '' },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: await response.text() };
      },
      [path, body] as const,
    );

  it('switches Goede Vrijdag on and sees it among the next days off', async () => {
    await page.goto(`${ui.server.base}/admin/calendar`);
    await page.getByRole('heading', { name: 'Volgende vrije dagen' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Tijdzone' }).inputValue()).toBe('Europe/Amsterdam');
    expect(await nextDaysOff(page)).toContain('Eerste Kerstdag');
    expect(await nextDaysOff(page)).not.toContain('Goede Vrijdag');
    await page.getByRole('switch', { name: 'Goede Vrijdag is een vrije dag' }).check();
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await expect.poll(() => nextDaysOff(page), { timeout: 10_000 }).toContain('Goede Vrijdag');
    expect(await nextDaysOff(page)).toContain('vr 26 mrt 2027');
    expect((await ui.server.werkflow.calendar.settings()).goodFriday).toBe(true);
  });

  it('adds a closing day and sees it listed, also among the next days off', async () => {
    await page.getByLabel('Datum toevoegen aan Sluitingsdagen').fill('2026-12-24');
    await page.getByRole('button', { name: 'Toevoegen' }).first().click();
    expect(await page.getByTestId('extraHolidays').innerText()).toContain('do 24 dec 2026');
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await expect.poll(() => nextDaysOff(page), { timeout: 10_000 }).toContain('do 24 dec 2026');
    expect((await ui.server.werkflow.calendar.settings()).extraHolidays).toEqual(['2026-12-24']);
    // After a reload it is still there: it was saved, not only shown.
    await page.reload();
    await page.getByTestId('extraHolidays').waitFor();
    expect(await page.getByTestId('extraHolidays').innerText()).toContain('do 24 dec 2026');
    await settled(page);
    await expectAccessible(page, 'calendar');
    await screenshot(page, 'admin-calendar-saved-nl-1280');

    // Removing it again is one button, named with the date.
    await page.getByRole('button', { name: 'do 24 dec 2026 verwijderen uit Sluitingsdagen' }).click();
    await page.getByTestId('extraHolidays-empty').waitFor();
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await expect.poll(() => nextDaysOff(page), { timeout: 10_000 }).not.toContain('24 dec 2026');
    expect((await ui.server.werkflow.calendar.settings()).extraHolidays).toEqual([]);
  });

  it('shows the server’s problem on its field, in Dutch', async () => {
    // The picker offers only zones the browser knows, so the server's refusal of an unknown one is
    // fetched for real and handed to the form's save.
    const refusal = await put(page, '/api/settings/calendar', {
      timeZone: 'Europe/Atlantis',
      extraHolidays: [],
      removedHolidays: [],
    });
    expect(refusal.status).toBe(422);
    await page.route('**/api/settings/calendar', (route) =>
      route.request().method() === 'PUT'
        ? route.fulfill({ status: 422, contentType: 'application/json', body: refusal.body })
        : route.continue(),
    );
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await page.getByTestId('error').waitFor();
    const zone = page.getByRole('textbox', { name: 'Tijdzone' });
    expect(await zone.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('error').innerText()).toContain('Tijdzone');
    await screenshot(page, 'admin-calendar-error-nl-1280');
    await page.unroute('**/api/settings/calendar');
    expect((await ui.server.werkflow.calendar.settings()).timeZone).toBe('Europe/Amsterdam');
  });

  it('switches the daily digest off, and the API says so', async () => {
    await page.goto(`${ui.server.base}/admin/digest`);
    const organisation = page.getByRole('switch', { name: 'Dagelijks overzicht versturen' });
    await organisation.waitFor();
    expect(await organisation.isChecked()).toBe(true);
    await organisation.uncheck();
    await fillTime(page, 'Tijdstip', '08:30');
    await page
      .getByRole('region', { name: 'Dagelijks overzicht' })
      .getByRole('button', { name: 'Opslaan' })
      .click();
    await page.getByText('De instellingen van het dagelijks overzicht zijn opgeslagen.').waitFor();
    const answer = await page.evaluate(async () => (await fetch('/api/settings/digest')).json());
    expect(answer).toEqual({ enabled: false, time: '08:30' });

    // For me: English, and off.
    const mine = page.getByRole('region', { name: 'Voor mijzelf' });
    await mine.getByRole('switch', { name: 'Ik wil het dagelijks overzicht ontvangen' }).uncheck();
    await mine.getByRole('textbox', { name: 'Taal van mijn overzicht' }).click();
    await page.getByRole('option', { name: 'Engels' }).click();
    await mine.getByRole('button', { name: 'Opslaan' }).click();
    await page.getByText('Je voorkeur voor het dagelijks overzicht is opgeslagen.').waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/auth/me/digest')).json());
    expect(me).toEqual({ enabled: false, language: 'en' });
    await settled(page);
    await expectAccessible(page, 'digest');
  });

  it('shows a staff member the calendar read-only with the reason, and their own digest only', async () => {
    const { context, page: staff } = await ui.signedIn(STAFF);
    await staff.goto(`${ui.server.base}/admin/calendar`);
    await staff.getByTestId('read-only').waitFor();
    expect(await staff.getByTestId('read-only').innerText()).toContain('recht Beheer');
    expect(await staff.getByRole('button', { name: 'Opslaan' }).count()).toBe(0);
    expect(await staff.getByRole('switch', { name: 'Goede Vrijdag is een vrije dag' }).isDisabled()).toBe(
      true,
    );
    expect(await nextDaysOff(staff)).toContain('Goede Vrijdag');
    await settled(staff);
    await expectAccessible(staff, 'calendar read-only');
    await screenshot(staff, 'admin-calendar-read-only-nl-1280');
    const refused = await put(staff, '/api/settings/calendar', {
      timeZone: 'Europe/Amsterdam',
      extraHolidays: [],
      removedHolidays: [],
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('admin');

    await staff.goto(`${ui.server.base}/admin/digest`);
    await staff.getByRole('region', { name: 'Voor mijzelf' }).waitFor();
    expect(await staff.getByRole('switch', { name: 'Dagelijks overzicht versturen' }).count()).toBe(0);
    // The other parts of Beheer stay closed.
    await staff.goto(`${ui.server.base}/admin/users`);
    await staff.getByTestId('no-right').waitFor();
    await context.close();
  });

  for (const [lang, width] of [
    ['nl', 1280],
    ['nl', 390],
    ['en', 1280],
    ['en', 390],
  ] as const) {
    it(`calendar and digest pass axe and fit ${width} px (${lang})`, async () => {
      const { context, page: p } = await ui.signedIn(ADMIN, { lang, width });
      for (const tab of ['calendar', 'digest']) {
        await p.goto(`${ui.server.base}/admin/${tab}`);
        await p.locator('main form').first().waitFor();
        await settled(p);
        if (lang === 'en' && tab === 'calendar') expect(await nextDaysOff(p)).toContain('Good Friday');
        await expectAccessible(p, `admin ${tab} (${lang}, ${width}px)`);
        await expectNoOverflow(p, `admin ${tab} (${lang}, ${width}px)`);
        await screenshot(p, `admin-${tab}-${lang}-${width}`);
      }
      await context.close();
    });
  }
});

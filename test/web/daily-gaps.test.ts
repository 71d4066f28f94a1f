/**
 * Issue 10's daily-work gaps in a real browser on a real server, in nl at 1280 px and en at 390 px,
 * axe clean and without horizontal overflow:
 * - Mijn instellingen from the user menu for a coach (no admin): the language saved on the user,
 *   the own digest switched on and off, an own API token (secret shown once, revoked), the own
 *   password changed (a wrong current one refused), then logged out and in with the new one;
 * - the outbox filters written to the address: bookmarkable, reloadable, back and forward;
 * - date fields in the UI language (dd-mm-jjjj with Dutch month names, dd/mm/yyyy in English);
 * - executing a selection after a per-action preview with one row unticked, and a result per action.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import {
  check,
  hasChromium,
  launch,
  logIn,
  newPage,
  PASSWORD,
  settled,
  startUiServer,
  type UiServer,
} from './browser.js';

/** The calendar's heading for the month of today in a language ("december 2026", "December 2026"). */
function monthOfNow(lang: 'nl' | 'en'): string {
  return new Intl.DateTimeFormat(lang, { month: 'long', year: 'numeric' }).format(new Date());
}

const COACH = { nl: 'cora.coach@test.werkflow.local', en: 'carl.coach@test.werkflow.local' } as const;
const NAME = { nl: 'Cora Coach', en: 'Carl Coach' } as const;
/** The settings test changes its user's password: a user of its own, so the other tests can log in. */
const SELF = { nl: 'sanne.zelf@test.werkflow.local', en: 'sam.self@test.werkflow.local' } as const;
const SELF_NAME = { nl: 'Sanne Zelf', en: 'Sam Self' } as const;
/** Waits for a value on a busy machine (the default second is too short for a page load). */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000 });

const WORDS = {
  nl: {
    menu: /Sanne Zelf: mijn instellingen/,
    settings: 'Mijn instellingen',
    other: 'English',
    newToken: 'Nieuw API-token',
    tokenName: 'Naam',
    makeToken: 'Token maken',
    copied: 'Ik heb het gekopieerd',
    revoke: /Intrekken/,
    revokeNamed: (name: string) => `API-token ${name} intrekken`,
    revoked: 'Ingetrokken',
    digest: 'Ik wil het dagelijks overzicht ontvangen',
    save: 'Opslaan',
    logout: 'Uitloggen',
    current: 'Huidig wachtwoord',
    next: 'Nieuw wachtwoord',
    repeat: 'Nieuw wachtwoord herhalen',
    change: 'Wachtwoord wijzigen',
    wrong: /Het huidige wachtwoord klopt niet/,
    changed: /Je wachtwoord is gewijzigd/,
    from: 'Aangemaakt vanaf',
    typed: '01-11-2026',
    month: () => monthOfNow('nl'),
    status: 'Status',
    all: 'Alle berichten',
    select: (title: string) => `Selecteer «${title}»`,
    execute: 'Uitvoeren',
    sends: /Stuurt de e-mail “Welkom .*” aan .*@voorbeeld\.nl/,
    confirm: '2 aangevinkte acties nu uitvoeren',
    executed: /uitgevoerd\./,
  },
  en: {
    menu: /Sam Self: my settings/,
    settings: 'My settings',
    other: 'Nederlands',
    newToken: 'New API token',
    tokenName: 'Name',
    makeToken: 'Make token',
    copied: 'I have copied it',
    revoke: /Revoke/,
    revokeNamed: (name: string) => `Revoke API token ${name}`,
    revoked: 'Revoked',
    digest: 'I want to receive the daily digest',
    save: 'Save',
    logout: 'Log out',
    current: 'Current password',
    next: 'New password',
    repeat: 'Repeat new password',
    change: 'Change password',
    wrong: /The current password is wrong/,
    changed: /Your password has been changed/,
    from: 'Created from',
    typed: '01/11/2026',
    month: () => monthOfNow('en'),
    status: 'Status',
    all: 'All messages',
    select: (title: string) => `Select “${title}”`,
    execute: 'Execute',
    sends: /Sends the e-mail “Welkom .*” to .*@voorbeeld\.nl/,
    confirm: 'Execute 2 ticked actions now',
    executed: /executed\./,
  },
} as const;

describe.skipIf(!hasChromium)(
  'daily-work gaps: settings, mail filters in the URL, dates, bulk preview',
  () => {
    let browser: Browser;
    let server: UiServer;

    beforeAll(async () => {
      browser = await launch();
      server = await startUiServer('energy-cooperative', [
        { name: NAME.nl, email: COACH.nl, roles: ['staff'] },
        { name: NAME.en, email: COACH.en, roles: ['staff'] },
        { name: SELF_NAME.nl, email: SELF.nl, roles: ['staff'] },
        { name: SELF_NAME.en, email: SELF.en, roles: ['staff'] },
      ]);
    }, 180_000);
    afterAll(async () => {
      await server?.close();
      await browser?.close();
    });

    const userId = async (email: string) => (await server.werkflow.auth.users.getUserByEmail(email))!.id;

    for (const [lang, width] of [
      ['nl', 1280],
      ['en', 390],
    ] as const) {
      const w = WORDS[lang];

      it(`Mijn instellingen from the user menu: language, token, password (${lang}, ${width} px)`, async () => {
        const { context, page } = await newPage(browser, { lang, width });
        await logIn(page, server.base, SELF[lang]);
        // On a wide screen the name in the header leads there; on a phone the menu (behind the burger).
        if (width > 576) await page.getByRole('banner').getByRole('link', { name: w.menu }).click();
        else {
          await page
            .getByRole('banner')
            .getByRole('button', { name: /Hoofdmenu|Main menu/ })
            .click();
          await page.getByRole('navigation').getByRole('link', { name: w.settings }).click();
        }
        await page.getByRole('heading', { name: w.settings, level: 1 }).waitFor();
        await check(page, `settings-${lang}-${width}`);

        // The language: switched at once and saved on the user, then back.
        const other = lang === 'nl' ? 'en' : 'nl';
        await page.getByRole('radio', { name: w.other }).check();
        await poll(() => page.evaluate('document.documentElement.lang')).toBe(other);
        await poll(() => prefs(SELF[lang])).toBe(other);
        await page.getByRole('radio', { name: lang === 'nl' ? 'Nederlands' : 'English' }).check();
        await poll(() => prefs(SELF[lang])).toBe(lang);

        // An own API token: the secret shown once, then revoked.
        await page.getByRole('button', { name: w.newToken }).click();
        const dialog = page.getByRole('dialog');
        await dialog.locator('input').first().fill(`Rapport ${lang}`);
        await dialog.getByRole('button', { name: w.makeToken }).click();
        const secret = await dialog.getByTestId('token-secret').inputValue();
        expect(secret.length).toBeGreaterThan(20);
        await check(page, `settings-token-${lang}-${width}`);
        await dialog.getByRole('button', { name: w.copied }).click();
        await dialog.waitFor({ state: 'detached' });
        // ... and revoked (after the confirmation): the list says so, the server refuses it.
        await page.getByRole('button', { name: w.revokeNamed(`Rapport ${lang}`) }).click();
        await page.getByRole('dialog').getByRole('button', { name: w.revoke }).click();
        const tokenRow = page.getByRole('row').filter({ hasText: `Rapport ${lang}` });
        await tokenRow.getByText(w.revoked, { exact: true }).waitFor();
        const bearer = await fetch(`${server.base}/api/auth/me`, {
          headers: { authorization: `Bearer ${secret}` },
        });
        expect(bearer.status).toBe(401);

        // The own digest: switched on, saved on the user; and off again.
        const digest = page.locator('section[aria-labelledby="my-digest-heading"]');
        const digestOn = async () =>
          (await server.werkflow.digest.preference(await userId(SELF[lang]))).enabled;
        const before = await digestOn();
        await digest.getByRole('switch', { name: w.digest }).setChecked(!before, { force: true });
        await digest.getByRole('button', { name: w.save }).click();
        await poll(digestOn).toBe(!before);
        await digest.getByRole('switch', { name: w.digest }).setChecked(before, { force: true });
        await digest.getByRole('button', { name: w.save }).click();
        await poll(digestOn).toBe(before);

        // The own password: a wrong current one is refused (the same message in both languages),
        // the right one changes it; then log out and log in with the new one.
        const newPassword = `nieuwe-fiets-${lang}-onder-de-brug`;
        await page.locator('input[autocomplete="current-password"]').fill('helemaal-niet-goed-1234');
        await page.locator('input[autocomplete="new-password"]').nth(0).fill(newPassword);
        await page.locator('input[autocomplete="new-password"]').nth(1).fill(newPassword);
        await page.getByRole('button', { name: w.change }).click();
        await page.getByText(w.wrong).first().waitFor();
        await check(page, `settings-password-wrong-${lang}-${width}`);
        await page.locator('input[autocomplete="current-password"]').fill(PASSWORD);
        await page.getByRole('button', { name: w.change }).click();
        await page.getByText(w.changed).first().waitFor();
        // The change ended the other sessions, not this one: log out here.
        if (!(await page.getByRole('button', { name: w.logout }).isVisible()))
          await page
            .getByRole('banner')
            .getByRole('button', { name: /Hoofdmenu|Main menu/ })
            .click();
        await page.getByRole('button', { name: w.logout }).click();
        await page.locator('input[type="email"]').waitFor();
        await page.locator('input[type="email"]').fill(SELF[lang]);
        await page.locator('input[type="password"]').fill(newPassword);
        await page.locator('button[type="submit"]').click();
        await page.locator('nav[aria-label]').first().waitFor();
        await context.close();
      }, 240_000);

      it(`outbox filters live in the address; dates typed the language's way (${lang}, ${width} px)`, async () => {
        const { context, page } = await newPage(browser, { lang, width });
        await logIn(page, server.base, COACH[lang]);
        await page.goto(`${server.base}/mail`);
        await settled(page);
        await page.getByRole('textbox', { name: w.status }).click();
        await page.getByRole('option', { name: w.all }).click();
        await poll(() => new URL(page.url()).search).toBe('?status=all');
        const from = page.getByRole('textbox', { name: w.from });
        await from.click();
        await page.getByText(w.month()).first().waitFor(); // the picker opens on this month
        await check(page, `mail-date-picker-${lang}-${width}`);
        await from.fill(w.typed);
        await poll(() => new URL(page.url()).search).toBe('?status=all&from=2026-11-01');
        await page.keyboard.press('Escape');
        await from.blur();

        // Reload and a shared link show the same filter.
        await page.reload();
        await settled(page);
        expect(await page.getByRole('textbox', { name: w.from }).inputValue()).toBe(w.typed);
        expect(await page.getByRole('textbox', { name: w.status }).inputValue()).toBe(w.all);
        await check(page, `mail-filter-url-${lang}-${width}`);

        // Back and forward step through the filters.
        await page.goBack();
        await poll(() => new URL(page.url()).search).toBe('?status=all');
        await poll(() => page.getByRole('textbox', { name: w.from }).inputValue()).toBe('');
        await page.goBack();
        await poll(() => new URL(page.url()).search).toBe('');
        await poll(() => page.getByRole('textbox', { name: w.status }).inputValue()).not.toBe(w.all);
        await page.goForward();
        await page.goForward();
        await poll(() => page.getByRole('textbox', { name: w.from }).inputValue()).toBe(w.typed);
        await context.close();
      }, 240_000);

      it(`bulk execute previews each action, leaves out an unticked one, reports per action (${lang}, ${width} px)`, async () => {
        const wf = server.werkflow;
        const mail = await wf.email.templates.createTemplate({
          name: `Welkom (${lang})`,
          rootType: 'contact',
          subject: 'Welkom {{ contact.name }}',
          htmlBody: '<p>Hallo {{ contact.name }}</p>',
        });
        const title = `Welkomstmail (${lang})`;
        const template = await wf.templates.create(
          {
            name: title,
            process: `Welkom ${lang}`,
            dossierType: 'contact',
            event: { type: 'created' },
            executionMode: 'semiAutomatic',
            effect: { type: 'sendEmail', templateId: mail.id, to: [{ type: 'field', path: 'email' }] },
          },
          SYSTEM_PRINCIPAL,
          { publish: true },
        );
        for (const name of ['Jan', 'Fatima', 'Piet'])
          await wf.dossiers.create(
            'contact',
            {
              data: {
                kind: 'persoon',
                name: `${name} ${lang}`,
                email: `${name.toLowerCase()}.${lang}@voorbeeld.nl`,
              },
            },
            'test',
          );
        const actions = await wf.actions.list({ templateId: template.id, limit: 10 });
        expect(actions).toHaveLength(3);

        const { context, page } = await newPage(browser, { lang, width });
        await logIn(page, server.base, COACH[lang]);
        await page.goto(`${server.base}/actions?filter=all&template=${template.id}`);
        const boxes = page.getByRole('checkbox', { name: w.select(title) });
        await poll(() => boxes.count()).toBe(3);
        for (let i = 0; i < 3; i++) await boxes.nth(i).check();
        await page
          .getByRole('region', { name: lang === 'nl' ? 'Geselecteerde acties' : 'Selected actions' })
          .getByRole('button', { name: w.execute, exact: true })
          .click();
        const dialog = page.getByRole('dialog');
        const rows = dialog.getByRole('listitem');
        await poll(() => rows.count()).toBe(3);
        await poll(() => dialog.getByText(w.sends).count()).toBe(3);
        const leftOut = rows.filter({ hasText: `Piet ${lang}` }).getByRole('checkbox');
        await leftOut.uncheck();
        await check(page, `bulk-execute-preview-${lang}-${width}`);
        await dialog.getByRole('button', { name: w.confirm }).click();
        await dialog.getByTestId('bulk-results').waitFor();
        await poll(() => dialog.getByTestId('bulk-results').getByText(w.executed).count()).toBe(2);
        await check(page, `bulk-execute-result-${lang}-${width}`);
        const after = await wf.actions.list({ templateId: template.id, limit: 10 });
        const names = await wf.actions.names(after);
        const statusOf = (who: string) =>
          after.find((a) => names.get(a.id)?.dossierTitle === `${who} ${lang}`)!.status;
        expect(statusOf('Jan')).toBe('done');
        expect(statusOf('Fatima')).toBe('done');
        expect(statusOf('Piet')).not.toBe('done');
        await context.close();
      }, 240_000);
    }

    /** The language saved on a user. */
    async function prefs(email: string) {
      return (await server.werkflow.preferences.get(await userId(email))).language;
    }
  },
);

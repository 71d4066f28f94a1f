/**
 * Issue 10's administration leftovers in a real browser on a real server, nl at 1280 px and en at
 * 390 px, axe clean and without horizontal overflow:
 * - Beheer → Gebruikers: block after a confirmation that names the user and what happens, the
 *   Geblokkeerd/Blocked badge, unblock; blocking one's own account refused in the reader's language;
 * - Beheer → API-tokens: a token made for another user picked by name, shown once, the owner by name;
 * - Mailboxes: delete after a confirmation; a used one refused, naming its template and category;
 * - the log-in page in the browser's language until one is chosen; a chosen one wins.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import {
  expectAccessible,
  expectNoOverflow,
  hasChromium,
  newPage,
  screenshot,
  settled,
  useUiServer,
} from './browser.js';

const ADMIN = { nl: 'anja.admin@test.werkflow.local', en: 'alex.admin@test.werkflow.local' } as const;
const ADMIN_NAME = { nl: 'Anja Beheer', en: 'Alex Admin' } as const;
const TARGET = { nl: 'Bert Blokker', en: 'Bella Blocked' } as const;

const WORDS = {
  nl: {
    block: (n: string) => `${n} blokkeren`,
    unblock: (n: string) => `${n} deblokkeren`,
    confirmBlock: 'Blokkeren',
    blockedHelp: /sessies van .* stoppen meteen .* geweigerd .* later weer deblokkeren/,
    badge: 'Geblokkeerd',
    self: 'Je kunt je eigen account niet blokkeren; vraag het een andere beheerder.',
    cancel: 'Annuleren',
    newToken: 'Nieuw API-token',
    forUser: 'Voor gebruiker',
    makeToken: 'Token maken',
    madeFor: (n: string) => `Dit token hoort bij ${n}`,
    copied: 'Ik heb het gekopieerd',
    deleteMailbox: (n: string) => `Mailbox ${n} verwijderen`,
    confirmDelete: 'Verwijderen',
    usedByTemplates: /wordt gebruikt door de e-mailsjablonen “Zon op je dak nl”/,
    usedByCategories: /verstuurt de mails van de categorieën “zon-nl”/,
    usedByActionTemplates: /gekozen in de e-mailstap van de actie-templates “Kansmail nl”/,
    actionStep: 'E-mailstap van actie-template:',
    login: 'Inloggen',
  },
  en: {
    block: (n: string) => `Block ${n}`,
    unblock: (n: string) => `Unblock ${n}`,
    confirmBlock: 'Block',
    blockedHelp: /sessions of .* end at once .* refused .* unblock .* later/,
    badge: 'Blocked',
    self: 'You cannot block your own account; ask another administrator.',
    cancel: 'Cancel',
    newToken: 'New API token',
    forUser: 'For user',
    makeToken: 'Make token',
    madeFor: (n: string) => `This token belongs to ${n}`,
    copied: 'I have copied it',
    deleteMailbox: (n: string) => `Delete mailbox ${n}`,
    confirmDelete: 'Delete',
    usedByTemplates: /is used by e-mail template “Zon op je dak en”/,
    usedByCategories: /sends the mails of category “zon-en”/,
    usedByActionTemplates:
      /chosen in the e-mail step of action template “Kansmail en” \(set through the API\)/,
    actionStep: 'E-mail step of action template:',
    login: 'Log in',
  },
} as const;

describe.skipIf(!hasChromium)(
  'administration leftovers: block, tokens for others, mailboxes, language',
  () => {
    const ui = useUiServer('energy-cooperative', [
      { name: ADMIN_NAME.nl, email: ADMIN.nl, roles: ['administrator'] },
      { name: ADMIN_NAME.en, email: ADMIN.en, roles: ['administrator'] },
      { name: TARGET.nl, email: 'bert@test.werkflow.local', roles: ['staff'] },
      { name: TARGET.en, email: 'bella@test.werkflow.local', roles: ['staff'] },
    ]);

    async function check(page: Page, what: string) {
      await settled(page);
      await screenshot(page, what);
      await page.screenshot({ path: `/tmp/users10-shots/${what}.png`, fullPage: true });
      await expectAccessible(page, what);
      await expectNoOverflow(page, what);
    }

    for (const [lang, width] of [
      ['nl', 1280],
      ['en', 390],
    ] as const) {
      const w = WORDS[lang];
      const target = TARGET[lang];

      it(`blocks and unblocks a user, refuses one's own account (${lang}, ${width} px)`, async () => {
        const { context, page } = await ui.signedIn(ADMIN[lang], { lang, width });
        await page.goto(`${ui.server.base}/admin/users`);
        const blockButton = page.getByRole('button', { name: w.block(target) });
        // On a phone the list stacks its rows: a row's buttons are in reach without scrolling sideways.
        const box = (await blockButton.boundingBox())!;
        expect(box.x + box.width, 'the Block button lies inside the window').toBeLessThanOrEqual(width);
        await blockButton.click();
        const dialog = page.getByRole('dialog');
        await expect.poll(() => dialog.innerText()).toMatch(w.blockedHelp);
        expect(await dialog.innerText()).toContain(target);
        await check(page, `users-block-${lang}-${width}`);
        await dialog.getByRole('button', { name: w.confirmBlock, exact: true }).click();
        const row = page.getByRole('row').filter({ hasText: target });
        await row.getByText(w.badge, { exact: true }).waitFor();
        const id = (await ui.server.werkflow.auth.users.getUserByEmail(
          lang === 'nl' ? 'bert@test.werkflow.local' : 'bella@test.werkflow.local',
        ))!.id;
        expect((await ui.server.werkflow.auth.users.getUser(id)).blockedAt).not.toBeNull();
        await check(page, `users-blocked-${lang}-${width}`);
        await page.getByRole('button', { name: w.unblock(target) }).click();
        await row.getByText(w.badge, { exact: true }).waitFor({ state: 'detached' });
        expect((await ui.server.werkflow.auth.users.getUser(id)).blockedAt ?? null).toBeNull();

        // One's own account: the server's refusal, in the reader's language, in the dialog.
        await page.getByRole('button', { name: w.block(ADMIN_NAME[lang]) }).click();
        await dialog.getByRole('button', { name: w.confirmBlock, exact: true }).click();
        await dialog.getByRole('alert').getByText(w.self).waitFor();
        await check(page, `users-block-self-${lang}-${width}`);
        await dialog.getByRole('button', { name: w.cancel }).click();
        await context.close();
      }, 240_000);

      it(`makes a token for another user, picked by name (${lang}, ${width} px)`, async () => {
        const { context, page } = await ui.signedIn(ADMIN[lang], { lang, width });
        await page.goto(`${ui.server.base}/admin/tokens`);
        await page.getByRole('button', { name: w.newToken }).click();
        const dialog = page.getByRole('dialog');
        await dialog.locator('input').first().fill(`Koppeling ${lang}`);
        const pick = dialog.getByRole('textbox', { name: w.forUser });
        await pick.click();
        await pick.fill(target.split(' ')[1]!);
        await page.getByRole('option', { name: target }).click();
        await check(page, `tokens-new-for-${lang}-${width}`);
        await dialog.getByRole('button', { name: w.makeToken }).click();
        const secret = await dialog.getByTestId('token-secret').inputValue();
        expect(secret.length).toBeGreaterThan(20);
        await dialog.getByText(w.madeFor(target)).waitFor();
        await check(page, `tokens-made-${lang}-${width}`);
        await dialog.getByRole('button', { name: w.copied }).click();
        const row = page.getByRole('row').filter({ hasText: `Koppeling ${lang}` });
        await row.getByText(target).waitFor();
        await check(page, `tokens-list-${lang}-${width}`);
        await context.close();
      }, 240_000);

      it(`shows and refuses to delete a used mailbox, naming templates, action template and category (${lang}, ${width} px)`, async () => {
        const wf = ui.server.werkflow;
        const name = `Campagne ${lang}`;
        const mailbox = await wf.email.mailboxes.createMailbox({
          name,
          host: '127.0.0.1',
          port: 2525,
          security: 'none',
          fromName: 'Energie Coöperatie',
          fromAddress: 'campagne@coop.example.nl',
          categories: [`zon-${lang}`],
        } as never);
        const emailTemplate = await wf.email.templates.createTemplate({
          name: `Zon op je dak ${lang}`,
          rootType: 'opportunity',
          language: lang,
          subject: 'Zon',
          htmlBody: '<p>Hallo</p>',
          mailboxId: mailbox.id,
        } as never);
        // An action template's e-mail step names the mailbox (possible through the API only).
        await wf.templates.create(
          {
            name: `Kansmail ${lang}`,
            dossierType: 'opportunity',
            event: { type: 'created' },
            executionMode: 'semiAutomatic',
            effect: {
              type: 'sendEmail',
              templateId: emailTemplate.id,
              mailboxId: mailbox.id,
              to: [{ type: 'address', address: 'a@example.nl' }],
            },
          },
          SYSTEM_PRINCIPAL,
        );
        const { context, page } = await ui.signedIn(ADMIN[lang], { lang, width });
        await page.goto(`${ui.server.base}/mail/mailboxes`);
        const row = page.getByRole('row').filter({ hasText: name });
        await row.getByText(`Zon op je dak ${lang}`).waitFor();
        // The list says so before anyone presses Delete, with a link to the action template.
        await row.getByText(w.actionStep).waitFor();
        await row.getByRole('link', { name: `Kansmail ${lang}` }).waitFor();
        await page.getByRole('button', { name: w.deleteMailbox(name) }).click();
        const dialog = page.getByRole('dialog');
        await dialog.getByRole('button', { name: w.confirmDelete, exact: true }).click();
        const alert = dialog.getByRole('alert');
        await expect.poll(() => alert.innerText()).toMatch(w.usedByTemplates);
        expect(await alert.innerText()).toMatch(w.usedByCategories);
        expect(await alert.innerText()).toMatch(w.usedByActionTemplates);
        expect(await alert.innerText()).not.toContain('effect.');
        await check(page, `mailbox-delete-refused-${lang}-${width}`);
        expect(await wf.email.mailboxes.getMailbox(mailbox.id)).toBeTruthy();
        await dialog.getByRole('button', { name: w.cancel }).click();
        await context.close();
      }, 240_000);
    }

    it('opens the log-in page in the browser’s language until one is chosen; a choice wins', async () => {
      for (const [locale, chosen, expected] of [
        ['nl-NL', undefined, 'nl'],
        ['en-US', undefined, 'en'],
        ['de-DE', undefined, 'en'],
        ['en-US', 'nl', 'nl'],
        ['nl-BE', 'en', 'en'],
      ] as const) {
        const { context, page } = await newPage(ui.browser, { locale, lang: chosen, width: 390 });
        await page.goto(`${ui.server.base}/login`);
        await page.getByRole('heading', { name: WORDS[expected].login, level: 1 }).waitFor();
        expect(await page.evaluate('document.documentElement.lang'), locale).toBe(expected);
        if (!chosen) await check(page, `login-${locale}`);
        await context.close();
      }
    }, 240_000);
  },
);

/**
 * The stories of the configuration screens, in a real browser on a real server:
 * - a Coachview planner builds "Deelnemers informeren, 2 werkdagen voor de start,
 *   semi-automatisch, gekoppeld aan VCA Basis" with the form only, simulates, publishes, and sees
 *   the actions once a training with participants is confirmed;
 * - an Econobis administrator switches on a kansactie-status workflow with a new e-mail template
 *   made in place, and a reminder.
 * Screenshots of the screens on the way are kept in nl and en under test-results/screenshots/.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  choose,
  expectAccessible,
  expectNoOverflow,
  fillTime,
  hasChromium,
  screenshot,
  settled,
  useUiServer,
} from './browser.js';

const PLANNER = 'petra.planner@test.werkflow.local';
const ADMIN = 'erik.beheer@test.werkflow.local';
const NAME = 'Deelnemers informeren VCA (formulier)';

/** Picks options in a Mantine MultiSelect and closes its list. */
async function pick(page: Page, label: string, ...options: string[]): Promise<void> {
  for (const option of options) {
    await page.getByRole('textbox', { name: label }).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }
  await page.keyboard.press('Escape');
}

describe.skipIf(!hasChromium)('configuration stories (SQLite, chromium)', () => {
  describe('Coachview: a planner builds an action template with the form only', () => {
    const ui = useUiServer('training-institute', [
      { name: 'Petra Planner', email: PLANNER, roles: ['workflow-manager'] },
    ]);

    it('builds, simulates and publishes "Deelnemers informeren"; a confirmed training gets its actions', async () => {
      const { context, page } = await ui.signedIn(PLANNER);
      await page.goto(`${ui.server.base}/templates/new`);
      await page.getByRole('textbox', { name: 'Naam' }).first().fill(NAME);
      await page.getByRole('textbox', { name: 'Proces' }).fill('Uitvoering opleiding');
      expect(await page.getByRole('textbox', { name: 'Datagroep' }).inputValue()).toBe('Opleiding');
      await page.getByRole('radio', { name: 'Halfautomatisch' }).check();
      await choose(page, 'Wanneer start het template?', 'Status gezet');
      await pick(page, 'Status wordt een van', 'Definitief');
      await page.getByRole('textbox', { name: 'Aantal' }).fill('2');
      await choose(page, 'Voor of na', 'vóór');
      await choose(page, 'Ten opzichte van', 'Startdatum');
      await fillTime(page, 'Om (tijd)', '09:00');
      expect(await page.getByTestId('timing-sentence').textContent()).toBe(
        '2 werkdagen voor Startdatum om 09:00',
      );
      await choose(page, 'Eén actie per', /Opleidingsdeelnemers/);
      await choose(page, 'Wat doet de actie?', 'E-mail versturen');
      await choose(page, 'E-mailtemplate', 'Deelnemersinformatie');
      // The recipient: the participant's person's e-mail address (chosen by name, not typed as a path).
      // The nearest e-mail field is proposed: the participant's person's address.
      const recipients = page.locator('.mantine-InputWrapper-root', {
        has: page.getByRole('textbox', { name: 'Aan (e-mailvelden)' }),
      });
      expect(await recipients.locator('.mantine-MultiSelect-pill').allTextContents()).toEqual([
        'Persoon › E-mail',
      ]);
      await pick(page, 'Alleen voor Opleidingssoort', 'VCA Basis');
      await expectAccessible(page, 'new template form');
      await screenshot(page, 'coachview-template-new-nl-1280');
      await page.getByRole('button', { name: 'Template aanmaken' }).click();
      // The page starts on /templates/new, which the pattern must not match: wait for the new id.
      await page.waitForURL(/\/templates\/(?!new$)[\w-]+$/);
      const id = page.url().split('/').pop()!;

      // The live simulation answers for the saved draft; then publish and switch it on.
      await page.getByTestId('simulation-count').waitFor();
      await page.getByRole('button', { name: 'Publiceren' }).click();
      // The dialog shows what publishing changes (the server's dry run) before it happens.
      const publishDialog = page.getByRole('dialog', { name: 'Publiceren: wat verandert er?' });
      await publishDialog.getByTestId('publish-impact').waitFor();
      expect(await publishDialog.getByTestId('publish-impact').textContent()).toContain('Open acties: 0');
      await expectAccessible(page, 'publish dialog');
      await publishDialog.getByRole('button', { name: 'Nu publiceren' }).click();
      await publishDialog.waitFor({ state: 'detached' });
      await page.getByText('v1', { exact: true }).first().waitFor();
      // Publishing may switch a new template on at once; otherwise switch it on here.
      // Switching on or off first shows what it changes (the server's dry run), as publishing does.
      const activate = page.getByRole('button', { name: 'Activeren', exact: true });
      if ((await activate.count()) > 0) {
        await activate.click();
        const on = page.getByRole('dialog', { name: 'Activeren: wat verandert er?' });
        await on.getByTestId('publish-impact').waitFor();
        await on.getByRole('button', { name: 'Nu activeren' }).click();
        await on.waitFor({ state: 'detached' });
      }
      await page.getByRole('button', { name: 'Deactiveren', exact: true }).click();
      const off = page.getByRole('dialog', { name: 'Deactiveren: wat verandert er?' });
      await off.getByTestId('publish-impact').waitFor();
      expect(await off.getByTestId('publish-impact').textContent()).toContain('Open acties: 0');
      expect(await off.getByRole('radio').count()).toBe(2); // keep or cancel: nothing to move
      await expectAccessible(page, 'deactivate dialog');
      await off.getByRole('button', { name: 'Annuleren', exact: true }).click();
      await off.waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Deactiveren', exact: true }).waitFor();
      // "Why (not)?" for one training: the published template's own explanation, in Dutch.
      await choose(page, /Kies een dossier om te zien waarom/, /VCA Basis/);
      await page.getByTestId('why-not').waitFor();
      expect((await page.getByTestId('why-not').textContent())!.length).toBeGreaterThan(10);
      await settled(page);
      await expectAccessible(page, 'template editor');
      await expectNoOverflow(page, 'template editor');
      await screenshot(page, 'coachview-template-nl-1280');

      const saved = await ui.server.werkflow.templates.get(id);
      expect(saved.active).toBe(true);
      expect(saved.publishedVersion).toBe(1);
      const vca = (await ui.server.werkflow.dossiers.list({ type: 'trainingType', limit: 100 })).find(
        (d) => d.data.name === 'VCA Basis',
      )!;
      expect(saved.draft).toMatchObject({
        name: NAME,
        dossierType: 'training',
        executionMode: 'semiAutomatic',
        event: { type: 'statusSet', to: ['definitief'] },
        timing: {
          anchor: { type: 'field', field: 'startDate' },
          offset: -2,
          unit: 'workingDays',
          atTime: '09:00',
        },
        fanOut: { dossierType: 'participant', field: 'training' },
        effect: { type: 'sendEmail', to: [{ type: 'field', path: 'person.email' }] },
        categories: [vca.id],
      });

      // A VCA Basis training with two participants is confirmed: one action per participant.
      const people = (await ui.server.werkflow.dossiers.list({ type: 'person', limit: 2 })).slice(0, 2);
      const training = await ui.server.werkflow.dossiers.create(
        'training',
        {
          data: {
            name: 'VCA Basis 12 jan',
            trainingType: vca.id,
            status: 'te-starten',
            startDate: '2027-01-12',
          },
        },
        'test',
      );
      for (const person of people)
        await ui.server.werkflow.dossiers.create(
          'participant',
          { data: { training: training.id, person: person.id, status: 'geplaatst' } },
          'test',
        );
      await ui.server.werkflow.dossiers.patch(
        'training',
        training.id,
        { status: 'definitief' },
        training.version,
        'test',
      );
      await page.goto(`${ui.server.base}/actions?filter=all`);
      const rows = page.locator('.actions-table tbody tr', { hasText: NAME });
      await expect.poll(async () => rows.count()).toBe(2);
      expect(await rows.first().textContent()).toContain('Halfautomatisch');
      // Due 2 working days before Tuesday 12 January 2027 at 09:00: Friday 8 January.
      expect(await rows.first().textContent()).toContain('vr 8 jan 2027, 09:00');
      await screenshot(page, 'coachview-actions-nl-1280');
      await context.close();
    });

    it('shows a server problem on the field it belongs to, in Dutch', async () => {
      const { context, page } = await ui.signedIn(PLANNER);
      await page.goto(`${ui.server.base}/templates/new`);
      await page.getByRole('textbox', { name: 'Naam' }).first().fill('Zonder e-mailtemplate');
      await choose(page, 'Wat doet de actie?', 'E-mail versturen');
      await page.getByRole('button', { name: 'Template aanmaken' }).click();
      const alert = page.getByTestId('error').first();
      await alert.waitFor();
      const text = (await alert.textContent())!;
      expect(text).toContain('E-mailtemplate');
      expect(text).not.toContain('effect.templateId');
      // The field itself is marked (aria-invalid) with the message.
      expect(await page.getByRole('textbox', { name: 'E-mailtemplate' }).getAttribute('aria-invalid')).toBe(
        'true',
      );
      await context.close();
    });
  });

  describe('Econobis: an administrator switches on a kansactie-status workflow with a new e-mail template', () => {
    const ui = useUiServer('energy-cooperative', [
      { name: 'Erik Beheer', email: ADMIN, roles: ['administrator'] },
    ]);

    for (const lang of ['nl', 'en'] as const) {
      it(`makes the e-mail template in place and saves the workflow with a reminder (${lang})`, async () => {
        const nl = lang === 'nl';
        const { context, page } = await ui.signedIn(ADMIN, { lang });
        await page.goto(`${ui.server.base}/workflows/opportunity-actions`);
        const target = (await ui.server.werkflow.econobis.statusWorkflows()).find(
          (s) => s.dossierType === 'quotationRequest' && !s.active,
        )!;
        await page.getByRole('button', { name: target.description[lang], exact: true }).click();
        const dialog = page.getByRole('dialog');
        await dialog.getByRole('switch', { name: nl ? 'Actief' : 'Active' }).check();
        await expectAccessible(page, `workflow form (${lang})`);
        await screenshot(page, `econobis-workflow-form-${lang}-1280`);
        await dialog
          .getByRole('button', { name: nl ? 'Nieuw e-mailtemplate' : 'New e-mail template' })
          .click();

        const form = page.getByRole('dialog', { name: nl ? 'Nieuw e-mailtemplate' : 'New e-mail template' });
        const templateName = `Offerte aangevraagd bevestiging (${lang})`;
        await form.getByRole('textbox', { name: nl ? 'Naam' : 'Name' }).fill(templateName);
        await form.getByRole('textbox', { name: nl ? 'Onderwerp' : 'Subject' }).fill('Uw offerteverzoek');
        const body = form.getByRole('textbox', { name: nl ? 'Inhoud (HTML)' : 'Body (HTML)' });
        await body.fill('<p>Beste bewoner,</p><p>Wij hebben uw verzoek ontvangen: ');
        await body.press('End');
        // A merge field is inserted at the cursor, picked by name.
        await form
          .getByRole('textbox', { name: nl ? 'Samenvoegveld invoegen' : 'Insert merge field' })
          .click();
        await page.getByRole('option').first().click();
        expect(await body.inputValue()).toMatch(/\{\{ [\w.]+ \}\}$/);
        await body.press('End');
        await body.type('</p>');
        await form
          .getByRole('status')
          .filter({ hasText: nl ? 'Het template klopt.' : 'The template is valid.' })
          .waitFor();
        await form.locator('iframe.mail-frame').waitFor();
        await expectAccessible(page, `e-mail template made in place (${lang})`);
        await screenshot(page, `econobis-email-template-in-place-${lang}-1280`);
        await form.getByRole('button', { name: nl ? 'Opslaan' : 'Save' }).click();
        await form.waitFor({ state: 'detached' });
        await expect
          .poll(() =>
            dialog.getByRole('textbox', { name: nl ? 'E-mailtemplate' : 'E-mail template' }).inputValue(),
          )
          .toBe(templateName);
        await dialog.getByLabel(nl ? 'Na hoeveel dagen versturen' : 'Send after how many days').fill('1');
        await dialog.getByRole('switch', { name: nl ? 'Verstuur herinnering' : 'Send reminder' }).check();
        await dialog
          .getByLabel(nl ? 'Herinnering na hoeveel dagen' : 'Reminder after how many days')
          .fill('5');
        await dialog.getByRole('button', { name: nl ? 'Opslaan' : 'Save' }).click();
        await dialog.waitFor({ state: 'detached' });

        const saved = (await ui.server.werkflow.econobis.statusWorkflows()).find(
          (s) => s.dossierType === target.dossierType && s.status === target.status,
        )!;
        const created = (await ui.server.werkflow.email.templates.listTemplates()).find(
          (x) => x.name === templateName,
        )!;
        expect(created.rootType).toBe('quotationRequest');
        expect(saved).toMatchObject({
          active: true,
          emailTemplateId: created.id,
          numberOfDays: 1,
          sendReminder: true,
          reminderDays: 5,
        });
        // The e-mail template now says where it is used, and refuses deletion.
        await page.goto(`${ui.server.base}/email-templates/${created.id}`);
        await page.getByText(target.description.nl, { exact: false }).first().waitFor();
        expect(
          await page
            .getByRole('button', { name: nl ? 'E-mailtemplate verwijderen' : 'Delete e-mail template' })
            .isDisabled(),
        ).toBe(true);
        await context.close();
      });
    }
  });
});

/**
 * Issue 13 in a real browser on a real server: the "Waarom (niet)?" panel on a dossier (a template
 * that did not fire, its reason in Dutch), the process map with its counts, and relinking
 * categories with the impact dialog. Screenshots in nl at 1280 px and en at 390 px.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, apiAs } from '../support/api-client.js';
import {
  expectAccessible,
  expectNoOverflow,
  hasChromium,
  screenshot,
  settled,
  useUiServer,
} from './browser.js';

const ADMIN = 'erik.beheer@test.werkflow.local';

describe.skipIf(!hasChromium)('explain, process map and relinking (SQLite, chromium)', () => {
  const ui = useUiServer('energy-cooperative', [
    { name: 'Erik Beheer', email: ADMIN, roles: ['administrator'] },
  ]);
  let api: ApiClient;

  beforeAll(async () => {
    api = await apiAs(ui.server.werkflow, 'workflowManager');
  });

  async function created(res: { statusCode: number; body: string; json<T>(): T }): Promise<string> {
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  }

  it('the dossier page says why a template did not fire, in Dutch, and in English on a phone', async () => {
    const templateId = await created(
      await api.request('POST', '/api/templates?publish=true', {
        name: 'Welkomstmail voor personen met e-mail',
        process: 'Welkom',
        dossierType: 'contact',
        event: { type: 'created' },
        executionMode: 'manual',
        effect: { type: 'none' },
        conditions: {
          type: 'all',
          conditions: [
            { type: 'compare', field: 'email', op: 'isNotEmpty' },
            { type: 'compare', field: 'kind', op: 'eq', value: 'persoon' },
          ],
        },
      }),
    );
    const contact = await created(
      await api.request('POST', '/api/dossiers/contact', { data: { kind: 'persoon', name: 'Zonder Mail' } }),
    );
    const path = `/dossiers/contact/${contact}`;

    const { context, page } = await ui.signedIn(ADMIN, { lang: 'nl' });
    await page.goto(`${ui.server.base}${path}`);
    await page.getByRole('heading', { name: 'Waarom (niet)?' }).waitFor();
    const panel = page.locator(`[data-testid="explanation"][data-template="${templateId}"]`);
    await panel.waitFor();
    await settled(page);
    const text = await panel.textContent();
    expect(text).toContain('Welkomstmail voor personen met e-mail');
    expect(text).toContain('Geen actie');
    expect(text).toContain('Waarom geen actie');
    // The failed condition, by its words, and the one that held.
    expect(await panel.getByTestId('explain-reasons').textContent()).toContain('e-mail is niet leeg');
    expect(text).toMatch(/niet voldaan/);
    expect(text).toMatch(/voldaan/);
    await expectAccessible(page, 'explain panel (nl)');
    await expectNoOverflow(page, 'explain panel (nl)');
    await screenshot(page, 'explain-dossier-nl-1280');
    await context.close();

    const phone = await ui.signedIn(ADMIN, { lang: 'en', width: 390 });
    await phone.page.goto(`${ui.server.base}${path}`);
    const en = phone.page.locator(`[data-testid="explanation"][data-template="${templateId}"]`);
    await en.waitFor();
    await settled(phone.page);
    expect(await en.textContent()).toContain('Why no action');
    expect(await en.getByTestId('explain-reasons').textContent()).toContain('e-mail is not empty');
    await expectAccessible(phone.page, 'explain panel (en, 390)');
    await expectNoOverflow(phone.page, 'explain panel (en, 390)');
    await screenshot(phone.page, 'explain-dossier-en-390');
    await phone.context.close();
  });

  it('the process map draws the process with counts per status, links each node to its template, and lists the same', async () => {
    const { context, page } = await ui.signedIn(ADMIN, { lang: 'nl' });
    await page.getByRole('link', { name: 'Processchema' }).click();
    const diagram = page.getByTestId('process-map-diagram');
    await diagram.waitFor();
    await settled(page);
    // The demo's status workflows ran: an action node says how many of its actions are done.
    const labels = await diagram
      .locator('a.pm-node > title')
      .evaluateAll((titles) => titles.map((n) => (n as { textContent: string | null }).textContent ?? ''));
    expect(
      labels.some((l) => /^Actie: .+ — .*Gereed \d+/.test(l)),
      labels.join('\n'),
    ).toBe(true);
    expect(labels.some((l) => l.startsWith('Gebeurtenis: '))).toBe(true);
    const list = page.getByTestId('process-map-list');
    expect(await list.textContent()).toMatch(/Gereed \d+/);
    await expectAccessible(page, 'process map (nl)');
    await expectNoOverflow(page, 'process map (nl)');
    await screenshot(page, 'process-map-nl-1280');
    // A node opens its template's form, by keyboard too.
    const node = diagram.locator('a.pm-node', { hasText: 'Gereed' }).first();
    await node.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/templates\/[^/]+$/);
    await context.close();

    const phone = await ui.signedIn(ADMIN, { lang: 'en', width: 390 });
    await phone.page.goto(`${ui.server.base}/processes`);
    await phone.page.getByTestId('process-map-diagram').waitFor();
    await settled(phone.page);
    expect(await phone.page.getByTestId('process-map-list').textContent()).toMatch(/Done \d+/);
    await expectAccessible(phone.page, 'process map (en, 390)');
    await expectNoOverflow(phone.page, 'process map (en, 390)');
    await screenshot(phone.page, 'process-map-en-390');
    await phone.context.close();
  });

  it('relinking categories shows the impact dialog: counts per choice, samples, then applies', async () => {
    const templateId = await created(
      await api.request('POST', '/api/templates?publish=true', {
        name: 'Belafspraak bevestigen',
        dossierType: 'task',
        event: { type: 'created' },
        executionMode: 'manual',
        effect: { type: 'none' },
      }),
    );
    for (const taskType of ['bellen', 'bellen', 'e-mail'])
      await created(
        await api.request('POST', '/api/dossiers/task', {
          data: { taskType, description: `Taak ${taskType}` },
        }),
      );
    // Linked to "bellen" only from version 2: the e-mail task's action is now outside.
    const current = (await api.request('GET', `/api/templates/${templateId}`)).json<{
      draft: Record<string, unknown>;
    }>();
    expect(
      (
        await api.request('PUT', `/api/templates/${templateId}/draft`, {
          ...current.draft,
          categories: ['bellen'],
        })
      ).statusCode,
    ).toBe(200);
    expect((await api.request('POST', `/api/templates/${templateId}/publish`, {})).statusCode).toBe(200);

    const { context, page } = await ui.signedIn(ADMIN, { lang: 'nl' });
    await page.goto(`${ui.server.base}/templates/${templateId}`);
    await page.getByRole('button', { name: 'Categorieën toepassen' }).click();
    const dialog = page.getByRole('dialog', { name: 'Categorieën toepassen: wat verandert er?' });
    const impact = dialog.getByTestId('publish-impact');
    await impact.waitFor();
    expect(await impact.textContent()).toContain('geannuleerd: 1');
    await dialog.getByTestId('impact-cancelled').locator('summary').click();
    const cancelledText = await dialog.getByTestId('impact-cancelled').textContent();
    expect(cancelledText).toContain('Taak e-mail');
    // The sample's reason in Dutch (the server gives it as a code with params).
    expect(cancelledText).toContain(
      'het dossier valt niet meer in een categorie die aan het sjabloon gekoppeld is',
    );
    await dialog.getByRole('radio', { name: /laten staan/ }).check();
    await impact.filter({ hasText: 'geannuleerd: 0' }).waitFor();
    await dialog.getByTestId('impact-kept').locator('summary').click();
    expect(await dialog.getByTestId('impact-kept').textContent()).toContain(
      'buiten de gekoppelde categorieën; blijft staan, zoals gekozen',
    );
    await expectAccessible(page, 'relink dialog (nl)');
    await screenshot(page, 'relink-dialog-nl-1280');
    await dialog.getByRole('radio', { name: /annuleren als/ }).check();
    await impact.filter({ hasText: 'geannuleerd: 1' }).waitFor();
    await dialog.getByRole('button', { name: 'Nu toepassen' }).click();
    await dialog.waitFor({ state: 'detached' });
    const actions = await ui.server.werkflow.engine.actions.list({ templateId, limit: 10 });
    expect(actions.filter((a) => a.status === 'cancelled')).toHaveLength(1);
    await context.close();
  });
  it('saving a template that sets the same field on the same event as an active one shows the warning, in Dutch', async () => {
    const def = {
      dossierType: 'task',
      executionMode: 'automatic',
      event: { type: 'fieldChanged', field: 'finished', to: true },
      effect: { type: 'setField', field: 'note', value: 'afgerond' },
    };
    await created(
      await api.request('POST', '/api/templates?publish=true', { ...def, name: 'Notitie bij afronden' }),
    );
    const second = await created(
      await api.request('POST', '/api/templates?publish=false', {
        ...def,
        name: 'Andere notitie bij afronden',
        effect: { ...def.effect, value: 'klaar' },
      }),
    );
    const { context, page } = await ui.signedIn(ADMIN, { lang: 'nl' });
    await page.goto(`${ui.server.base}/templates/${second}`);
    await page.getByRole('button', { name: 'Concept opslaan' }).click();
    const warning = page.getByTestId('save-warnings');
    await warning.waitFor();
    const text = (await warning.textContent())!;
    expect(text).toContain('Notitie bij afronden');
    expect(text).toContain('bij dezelfde gebeurtenis');
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/); // names, not ids
    await expectAccessible(page, 'save warning');
    await context.close();
  });
});

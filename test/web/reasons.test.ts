/**
 * Issue 8, story 8: reasons on actions are codes rendered through the UI dictionary — the Dutch
 * screen shows no English sentence. Photographed in Dutch at 1280 px and English at 390 px.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { reason } from '../../src/domain/action/reasons.js';
import {
  expectAccessible,
  expectNoOverflow,
  hasChromium,
  screenshot,
  settled,
  useUiServer,
} from './browser.js';

const EMAIL = 'anna.devries@test.werkflow.local';

describe.skipIf(!hasChromium)('reasons in the reader’s language (SQLite, chromium)', () => {
  const ui = useUiServer('energy-cooperative', [
    { name: 'Anna de Vries', email: EMAIL, roles: ['administrator'] },
  ]);
  let actionId: string;

  beforeAll(async () => {
    const w = ui.server.werkflow;
    const open = (await w.actions.list({ statuses: ['pending', 'due', 'waiting'], limit: 1 }))[0]!;
    actionId = open.id;
    await w.store.db.transaction().execute((db) =>
      w.engine.actions.cancel(
        [
          {
            id: open.id,
            from: open.status,
            reason: reason('reason.statusNoLonger', {
              statuses: { nl: 'Offerte aangevraagd', en: 'Quotation requested' },
            }),
          },
        ],
        'test',
        Date.now(),
        db,
      ),
    );
  });

  for (const [lang, width, expected, foreign] of [
    ['nl', 1280, 'status is niet meer Offerte aangevraagd', 'status is no longer'],
    ['en', 390, 'status is no longer Quotation requested', 'status is niet meer'],
  ] as const) {
    it(`shows the cancel reason in ${lang} (${width} px), in the status and the history`, async () => {
      const { context, page } = await ui.signedIn(EMAIL, { lang, width });
      await page.goto(`${ui.server.base}/actions/${actionId}`);
      await page.locator('main h1').first().waitFor();
      await settled(page);
      const main = page.locator('main');
      await expect.poll(async () => (await main.innerText()).includes(expected)).toBe(true);
      const text = await main.innerText();
      expect(text.split(expected).length - 1).toBeGreaterThanOrEqual(2); // status row and history note
      expect(text).not.toContain(foreign);
      expect(text).toContain(lang === 'nl' ? 'aangemaakt' : 'stamped');
      await expectAccessible(page, `action reason (${lang}, ${width}px)`);
      await expectNoOverflow(page, `action reason (${lang}, ${width}px)`);
      await screenshot(page, `action-reason-${lang}-${width}`);
      await context.close();
    });
  }
});

/**
 * What the browser tests share: a real server on 127.0.0.1 for a fresh SQLite Werkflow with demo
 * data, Debian's chromium through playwright-core, an axe-core check (no serious or critical
 * violations), a check that nothing is wider than the window, and screenshots under
 * test-results/screenshots/.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { seedDemo } from '../../src/demo/seed-demo.js';
import { openTestWerkflow, sqliteBackend } from '../support/backends.js';

export const CHROMIUM = '/usr/bin/chromium';
const MISSING = `${CHROMIUM} is missing: the UI test needs Debian's chromium (.ci/run installs it).`;
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI) throw new Error(MISSING);
if (!hasChromium) console.warn(`Skipping the UI test: ${MISSING}`);

export const PASSWORD = 'paarse-fiets-onder-de-brug-42';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface UiServer {
  readonly werkflow: Werkflow;
  readonly app: FastifyInstance;
  readonly base: string;
  close(): Promise<void>;
}

export interface UiUser {
  name: string;
  email: string;
  roles: string[];
}

/** A Werkflow with the preset's demo data, due workflows run and mail in the local sink, served. */
export async function startUiServer(preset: string, users: UiUser[]) {
  const werkflow = await openTestWerkflow(sqliteBackend, { preset });
  await werkflow.email.sink.captureAllMail({ port: 0 });
  await seedDemo(werkflow, { count: 20 });
  for (const user of users) await werkflow.auth.users.createUser({ ...user, password: PASSWORD }, 'test');
  await werkflow.scheduler.tick();
  await werkflow.email.outbox.mailer.runUntilIdle();
  const app = await buildServer(werkflow);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    werkflow,
    app,
    base,
    close: async () => {
      await app.close();
      await werkflow.close();
    },
  } satisfies UiServer;
}

/** What a browser test file works with: set once its beforeAll has run. */
export interface UiSession {
  readonly browser: Browser;
  readonly server: UiServer;
  /** A fresh page (own cookies and localStorage) in a language, at a width, signed in as `email`. */
  signedIn(
    email: string,
    options?: { lang?: 'nl' | 'en'; width?: number },
  ): Promise<{ context: BrowserContext; page: Page }>;
}

/**
 * Registers the describe block's beforeAll (launch chromium, start a UI server for the preset with
 * these users) and afterAll (close both); call it at the top of the describe block. A test file's
 * own beforeAll, registered after this call, runs after it and may use `server` and `browser`.
 */
export function useUiServer(preset: string, users: UiUser[]): UiSession {
  let browser: Browser | undefined;
  let server: UiServer | undefined;
  beforeAll(async () => {
    browser = await launch();
    server = await startUiServer(preset, users);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  const session: UiSession = {
    get browser() {
      if (!browser) throw new Error('the browser is launched in beforeAll');
      return browser;
    },
    get server() {
      if (!server) throw new Error('the UI server is started in beforeAll');
      return server;
    },
    async signedIn(email, options = {}) {
      const opened = await newPage(session.browser, options);
      await logIn(opened.page, session.server.base, email);
      return opened;
    },
  };
  return session;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
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
}

/**
 * A fresh browser context (own cookies and localStorage) in a language, at a width. `locale` is
 * the browser's own language (navigator.languages), which the UI follows until one is chosen:
 * Dutch unless said otherwise.
 */
export async function newPage(
  browser: Browser,
  options: { lang?: 'nl' | 'en'; width?: number; locale?: string } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  // bypassCSP: only so the test can inject axe-core; the page itself keeps its policy.
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: 900 },
    locale: options.locale ?? 'nl-NL',
    bypassCSP: true,
  });
  if (options.lang) {
    await context.addInitScript(`localStorage.setItem('werkflow.lang', '${options.lang}')`);
  }
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

export async function logIn(page: Page, base: string, email: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.locator('input[type="email"]').fill(email);
  await page.locator('input[type="password"]').fill(PASSWORD);
  await page.locator('button[type="submit"]').click();
  await page.locator('nav[aria-label]').first().waitFor();
}

/** Runs axe-core on the page: no serious or critical violations. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.addScriptTag({ content: AXE });
  const violations = (await page.evaluate(`
    axe.run(document, { resultTypes: ['violations'] }).then((r) =>
      r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })),
    )
  `)) as unknown[];
  expect(violations, `axe on ${what}`).toEqual([]);
}

/** Nothing on the page is wider than the window (long texts wrap, tables scroll inside themselves). */
export async function expectNoOverflow(page: Page, what: string): Promise<void> {
  const widths = (await page.evaluate(
    '({ page: document.documentElement.scrollWidth, window: window.innerWidth })',
  )) as { page: number; window: number };
  expect(widths.page, `page width of ${what}`).toBeLessThanOrEqual(widths.window);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync('test-results/screenshots', { recursive: true });
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

/** Waits until the page shows no spinner and its requests have settled. */
export async function settled(page: Page): Promise<void> {
  // On a busy machine the network may take a while to go quiet: the spinner check is what counts.
  await page.waitForLoadState('networkidle', { timeout: 30_000 }).catch(() => {});
  await page
    .locator('[role="status"] .mantine-Loader-root')
    .first()
    .waitFor({ state: 'detached' })
    .catch(() => {});
  await page.waitForTimeout(150);
}

/** Picks an option of a Mantine Select by its label text. */
export async function choose(page: Page, label: string | RegExp, option: string | RegExp): Promise<void> {
  await page.getByRole('textbox', { name: label }).click();
  await page.getByRole('option', { name: option }).first().click();
}

/**
 * Types a time of day into the UI's TimeField (a 24-hour picker with an hours and a minutes input,
 * src/web/app/date-field.tsx) found by its label.
 */
export async function fillTime(
  page: Page,
  label: string,
  hhmm: string,
  words: { hours: string; minutes: string } = { hours: 'Uren', minutes: 'Minuten' },
): Promise<void> {
  const [hours, minutes] = hhmm.split(':') as [string, string];
  const field = page
    .locator('div')
    .filter({ has: page.locator('label', { hasText: label }) })
    .filter({ has: page.getByLabel(words.hours, { exact: true }) })
    .last();
  await field.getByLabel(words.hours, { exact: true }).fill(hours);
  await field.getByLabel(words.minutes, { exact: true }).fill(minutes);
}

/** Waits for the page to settle, then checks it (axe, no overflow) and takes its screenshot as `what`. */
export async function check(page: Page, what: string): Promise<void> {
  await settled(page);
  await expectAccessible(page, what);
  await expectNoOverflow(page, what);
  await screenshot(page, what);
}

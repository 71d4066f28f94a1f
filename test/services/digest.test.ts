/**
 * The daily digest (issue 11): failed actions and mails in doubt reach their template's owner
 * and the administrators once a day, in the recipient's language, through the real outbox and
 * mailer to a real SMTP server; once per day also with two workers and across a restart.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type DigestFailedAction, composeDigest, itemsFor, minutesOfDay } from '../../src/domain/digest.js';
import { SYSTEM_PRINCIPAL, PERMISSIONS } from '../../src/domain/permissions.js';
import { Werkflow, type WerkflowOptions } from '../../src/engine/werkflow.js';
import { apiAs } from '../support/api-client.js';
import { BACKENDS, TestClock } from '../support/backends.js';
import { TestSmtpServer } from '../effects/email/support/smtp-test-server.js';

const HOUR = 3_600_000;
/** Never contacted: 127.0.0.1 is refused by the webhook guard, so the action fails at once. */
const INTERNAL_URL = 'http://127.0.0.1:4799/crm';

describe('composing the digest', () => {
  it('an administrator hears of everything, an owner only of their own templates', () => {
    const item = (owner: string | null) => ({ templateOwner: owner });
    fc.assert(
      fc.property(fc.array(fc.constantFrom('u1', 'u2', null)), fc.boolean(), (owners, admin) => {
        const items = owners.map(item);
        const mine = itemsFor({ id: 'u1', administrator: admin }, items);
        expect(mine.length).toBe(admin ? items.length : owners.filter((o) => o === 'u1').length);
      }),
    );
  });

  it('reads times of day HH:MM only', () => {
    expect(minutesOfDay('07:00')).toBe(420);
    expect(minutesOfDay('23:59')).toBe(1439);
    for (const bad of ['24:00', '7:00', '07:60', '0700', '']) expect(minutesOfDay(bad), bad).toBeUndefined();
  });

  it('lists ten actions per template by name and counts the rest; escapes what it quotes', () => {
    const failed: DigestFailedAction[] = Array.from({ length: 13 }, (_, i) => ({
      id: `a${i}`,
      title: `Actie <${i}>`,
      templateId: 't1',
      templateName: 'Meld aan CRM',
      error: 'refused',
      templateOwner: null,
    }));
    const mail = composeDigest({
      recipient: { id: 'u', name: 'An', email: 'an@x.nl', administrator: true, language: 'nl' },
      failed,
      inDoubt: [],
      period: 'p',
      baseUrl: 'https://werkflow.example.nl/',
    })!;
    expect(mail.subject).toBe('Werkflow: 13 mislukte acties');
    expect(mail.html).toContain('Actie &lt;9&gt;');
    expect(mail.html).not.toContain('Actie <10>');
    expect(mail.html).toContain('en nog 3');
    expect(mail.text).toContain('https://werkflow.example.nl/actions/a0');
  });
});

describe.each(BACKENDS)('the daily digest on $name', (backend) => {
  let smtp: TestSmtpServer;
  const open: Werkflow[] = [];
  let options: WerkflowOptions;
  let clock: TestClock;

  beforeEach(async () => {
    smtp = new TestSmtpServer();
    await smtp.start();
    options = { ...backend.fresh(), preset: 'energy-cooperative' };
    clock = new TestClock('2026-11-29T09:00:00+01:00');
  });
  afterEach(async () => {
    for (const w of open.splice(0)) await w.close();
    await smtp.stop();
  });

  async function start(): Promise<Werkflow> {
    const w = await Werkflow.open({ ...options, clock, email: { log: () => {} } });
    w.publicUrl = 'https://werkflow.example.nl';
    open.push(w);
    return w;
  }

  /** A mailbox to the test server, an administrator (nl) and a workflow manager (en) who owns a template. */
  async function setUp(w: Werkflow) {
    await w.email.mailboxes.createMailbox({
      name: 'Werkflow',
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      fromName: 'Werkflow',
      fromAddress: 'werkflow@coop.example.nl',
    });
    const admin = await w.auth.users.createUser(
      { name: 'Anna Beheer', email: 'anna@coop.example.nl', roles: ['administrator'] },
      null,
    );
    const owner = await w.auth.users.createUser(
      { name: 'Olaf Owner', email: 'olaf@coop.example.nl', roles: ['workflow-manager'] },
      null,
    );
    await w.digest.savePreference(owner.id, { enabled: true, language: 'en' });
    const template = async (name: string, by: string) =>
      w.templates.create(
        {
          name,
          dossierType: 'measureCategory',
          event: { type: 'created' },
          timing: { anchor: { type: 'event' }, offset: 1, unit: 'hours' },
          effect: { type: 'webhook', url: INTERNAL_URL },
        },
        { id: by, permissions: new Set(PERMISSIONS) },
        { publish: true },
      );
    const own = await template('Meld maatregel aan het CRM', owner.id);
    const system = await template('Meld maatregel aan de boekhouding', SYSTEM_PRINCIPAL.id!);
    return { admin, owner, own, system };
  }

  /** One measure created now: both templates stamp an action; an hour on both fail (refused address). */
  async function failBoth(w: Werkflow): Promise<void> {
    const d = await w.dossiers.create('measureCategory', { data: { name: 'Warmtepomp' } }, null);
    clock.advance(HOUR);
    await w.scheduler.tick();
    const actions = await w.actions.list({ dossierId: d.id, limit: 10 });
    expect(actions.map((a) => a.status)).toEqual(['failed', 'failed']);
  }

  it('nothing to report → no mail', async () => {
    const w = await start();
    await setUp(w);
    clock.set('2026-11-30T07:00:00+01:00');
    const run = await w.digest.runDue();
    expect(run).toMatchObject({ day: '2026-11-30', sent: [] });
    expect(await w.email.outbox.repository.list({ limit: 10 })).toEqual([]);
    await w.email.outbox.mailer.drainOnce();
    expect(smtp.received).toEqual([]);
  });

  it('sends the owner and the administrator one mail each, in their language, with names, counts and links; once a day', async () => {
    const w = await start();
    const { own, system } = await setUp(w);
    await failBoth(w);
    // Before the time of day: the previous day's digest (nothing happened then) — no mail.
    clock.set('2026-11-30T06:59:00+01:00');
    expect(await w.digest.runDue()).toMatchObject({ day: '2026-11-29', sent: [] });
    clock.set('2026-11-30T07:00:00+01:00');
    const run = await w.digest.runDue();
    expect(run?.day).toBe('2026-11-30');
    expect(run?.sent.map((s) => s.email).sort()).toEqual(['anna@coop.example.nl', 'olaf@coop.example.nl']);
    await w.email.outbox.mailer.drainOnce();
    expect(smtp.received).toHaveLength(2);
    const to = (address: string) => smtp.received.find((m) => m.envelopeTo.includes(address))!.parsed;
    const anna = to('anna@coop.example.nl');
    expect(anna.subject).toBe('Werkflow: 2 mislukte acties');
    expect(anna.text).toContain('Beste Anna Beheer,');
    expect(anna.text).toContain('Meld maatregel aan het CRM (1)');
    expect(anna.text).toContain('Meld maatregel aan de boekhouding (1)');
    expect(anna.text).toContain(`https://werkflow.example.nl/templates/${own.id}`);
    expect(anna.text).toContain(`https://werkflow.example.nl/templates/${system.id}`);
    expect(anna.text).toContain('internal address 127.0.0.1');
    expect(anna.text).toContain('https://werkflow.example.nl/actions?filter=failed');
    expect(anna.text).toContain('zo 29 nov 07:00 en ma 30 nov 07:00');
    const olaf = to('olaf@coop.example.nl');
    expect(olaf.subject).toBe('Werkflow: 1 failed action');
    expect(olaf.text).toContain('Dear Olaf Owner,');
    expect(olaf.text).toContain('Meld maatregel aan het CRM (1)');
    expect(olaf.text).not.toContain('boekhouding');
    expect(olaf.text).toContain('you created these action templates');
    // The same day again, and after a restart: nothing more.
    clock.set('2026-11-30T15:00:00+01:00');
    expect(await w.digest.runDue()).toBeUndefined();
    const restarted = await start();
    expect(await restarted.digest.runDue()).toBeUndefined();
    await restarted.email.outbox.mailer.drainOnce();
    expect(smtp.received).toHaveLength(2);
    // The next day reports only what went wrong since (nothing).
    clock.set('2026-12-01T07:00:00+01:00');
    expect(await restarted.digest.runDue()).toMatchObject({ day: '2026-12-01', sent: [] });
  });

  it('a blocked owner gets no digest (it names dossiers and links to them)', async () => {
    const w = await start();
    const { owner } = await setUp(w);
    await failBoth(w);
    await w.auth.users.blockUser(owner.id, 'test');
    clock.set('2026-11-30T07:00:00+01:00');
    const run = await w.digest.runDue();
    expect(run?.sent.map((s) => s.email)).toEqual(['anna@coop.example.nl']);
  });

  it('not sent twice when two workers run', async () => {
    const a = await start();
    await setUp(a);
    await failBoth(a);
    const b = await start();
    clock.set('2026-11-30T07:00:00+01:00');
    // PostgreSQL: at the same moment. SQLite has one writing process by design (a second
    // writer in this same thread would wait on the lock it cannot get): one after the other.
    const runs =
      backend.name === 'postgres'
        ? await Promise.all([a.digest.runDue(), b.digest.runDue(), a.digest.runDue()])
        : [await a.digest.runDue(), await b.digest.runDue(), await a.digest.runDue()];
    const made = runs.filter((r) => r !== undefined && r.sent.length > 0);
    expect(new Set(made.map((r) => r!.sent.map((s) => s.outboxId).join()))).toHaveProperty('size', 1);
    expect(await a.email.outbox.repository.list({ limit: 10 })).toHaveLength(2);
    if (backend.name === 'postgres')
      await Promise.all([a.email.outbox.mailer.drainOnce(), b.email.outbox.mailer.drainOnce()]);
    await a.email.outbox.mailer.drainOnce();
    await b.email.outbox.mailer.drainOnce();
    expect(smtp.received).toHaveLength(2);
  });

  it('switched off for the organisation or by a person; the time of day is the organisation’s', async () => {
    const w = await start();
    const { owner } = await setUp(w);
    const admin = await apiAs(w, 'admin');
    const bad = await admin.request('PUT', '/api/settings/digest', { enabled: true, time: '7 uur' });
    expect(bad.statusCode).toBe(422);
    const put = await admin.request('PUT', '/api/settings/digest', { enabled: true, time: '18:30' });
    expect(put.statusCode, put.body).toBe(200);
    expect((await admin.request('GET', '/api/settings/digest')).json()).toEqual({
      enabled: true,
      time: '18:30',
    });
    const me = await admin.request('PUT', '/api/auth/me/digest', { enabled: false, language: 'en' });
    expect(me.json()).toEqual({ enabled: false, language: 'en' });
    expect((await admin.request('GET', '/api/auth/me/digest')).json()).toEqual({
      enabled: false,
      language: 'en',
    });
    await admin.app.close();
    // The failures at 10:00 are reported at 18:30, not before.
    await failBoth(w);
    clock.set('2026-11-29T18:00:00+01:00');
    expect(await w.digest.runDue()).toMatchObject({ day: '2026-11-28', sent: [] });
    clock.set('2026-11-29T18:30:00+01:00');
    const run = await w.digest.runDue();
    // The test's own administrator switched it off; Anna and Olaf get theirs.
    expect(run?.sent.map((s) => s.email).sort()).toEqual(['anna@coop.example.nl', 'olaf@coop.example.nl']);
    // Olaf switches off; the organisation switches off: the next failures reach no one.
    await w.digest.savePreference(owner.id, { enabled: false, language: 'en' });
    await failBoth(w);
    await w.digest.saveSettings({ enabled: false, time: '18:30' }, 'test');
    clock.set('2026-11-30T18:30:00+01:00');
    expect(await w.digest.runDue()).toMatchObject({ day: '2026-11-30', sent: [], skipped: 'disabled' });
    await w.email.outbox.mailer.drainOnce();
    expect(
      smtp.received
        .map((m) => m.envelopeTo)
        .flat()
        .sort(),
    ).toEqual(['anna@coop.example.nl', 'olaf@coop.example.nl']);
  });
});

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Werkflow } from '../../../src/engine/werkflow.js';
import type { Mailbox } from '../../../src/store/mailbox.repository.js';
import { BACKENDS, TestClock } from '../../support/backends.js';
import {
  type EmailWorld,
  addMailbox,
  addTemplate,
  enqueue,
  openEmailWerkflow,
  seedEmailWorld,
} from './support/email-fixtures.js';
import { TestSmtpServer, waitFor } from './support/smtp-test-server.js';

describe.each(BACKENDS)('mailer over SMTP on $name', (backend) => {
  let w: Werkflow;
  let clock: TestClock;
  let smtp: TestSmtpServer;
  let mailbox: Mailbox;
  let world: EmailWorld;
  let templateId: string;
  let n = 0;

  const send = async (dossier = world.opportunity, extra?: Record<string, unknown>) =>
    enqueue(w, {
      actionId: `mailer-${++n}`,
      effect: {
        type: 'sendEmail',
        templateId,
        to: [{ type: 'field', path: 'intake.contact.email' }],
        cc: [{ type: 'address', address: 'archief@coop.example.nl' }],
      },
      dossier,
      extra,
    });

  let sameDatabase: ReturnType<typeof backend.fresh>;

  beforeAll(async () => {
    clock = new TestClock();
    sameDatabase = backend.fresh();
    smtp = new TestSmtpServer();
    smtp.credentials = { user: 'coop', pass: 'geheim wachtwoord' };
    await smtp.start(0);
    w = await openEmailWerkflow(
      { ...backend, fresh: () => ({ ...sameDatabase }) },
      { clock, mailer: { maxAttempts: 4, backoff: { baseMs: 60_000, maxMs: 3_600_000 } } },
    );
    mailbox = await addMailbox(w, smtp.port, { username: 'coop', password: 'geheim wachtwoord' });
    world = await seedEmailWorld(w, { name: '<script>alert("x")</script>', firstName: '{{ 7*7 }}' });
    templateId = (
      await addTemplate(w, {
        subject: 'Uw aanvraag {{ opportunity.name }} voor {{ opportunity.intake.contact.firstName }}',
        htmlBody:
          '<p>Beste {{ opportunity.intake.contact.firstName }} ({{ opportunity.intake.contact.name }}),</p><p>{{ opportunity.amount | money }} op {{ opportunity.desiredDate | date: "long" }}</p>',
      })
    ).id;
  });
  afterAll(async () => {
    await w?.close();
    await smtp?.stop();
  });
  beforeEach(() => {
    smtp.received.length = 0;
    smtp.verdict = () => ({ accept: true });
    smtp.dropAfterData = () => false;
    smtp.refusedRecipients.clear();
    smtp.delayMs = 0;
    smtp.rcptDelayMs = 0;
  });
  afterEach(async () => {
    // Leave nothing due for the next test.
    await w.email.outbox.mailer.runUntilIdle();
  });

  it('delivers with the right headers and merge fields, escaped and unevaluated', async () => {
    const r = await send();
    const report = await w.email.outbox.mailer.drainOnce();
    expect(report).toMatchObject({ claimed: 1, sent: 1 });
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    const row = await w.email.outbox.getOutboxMessage(r.outboxId);
    expect(mail.messageId).toBe(row.messageId);
    expect(mail.envelopeFrom).toBe('info@coop.example.nl');
    expect(mail.envelopeTo.sort()).toEqual(['archief@coop.example.nl', 'jan@example.nl']);
    expect(mail.parsed.from?.value).toEqual([
      { name: 'Energie Coöperatie', address: 'info@coop.example.nl' },
    ]);
    expect(mail.parsed.subject).toBe('Uw aanvraag Spouwmuurisolatie voor {{ 7*7 }}');
    expect(mail.parsed.headers.get('x-werkflow-outbox-id')).toBe(r.outboxId);
    expect(mail.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.parsed.html).toContain('Beste {{ 7*7 }} (&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;)');
    expect(mail.parsed.html).not.toContain('<script>');
    expect(mail.parsed.html).not.toContain('49');
    expect(mail.parsed.html).toContain('€\u00a01.250,50 op 3 februari 2027');
    expect(mail.parsed.text).toContain('Beste {{ 7*7 }} (<script>alert("x")</script>)');
    expect(row).toMatchObject({
      status: 'sent',
      attempts: 1,
      lastReply: expect.stringMatching(/^250 OK queued as test-/),
      lockedBy: null,
    });
    expect(row.sentAt).toBe(clock.now());
    // The password was stored encrypted and decrypted for the login.
    expect(smtp.logins).toContain('coop');
    const stored = await w.store.db
      .selectFrom('mailboxes')
      .select('password_encrypted')
      .where('id', '=', mailbox.id)
      .executeTakeFirst();
    expect(stored?.password_encrypted).toMatch(/^v1\./);
    expect(stored?.password_encrypted).not.toContain('geheim');
  });

  it('retries a 4xx with back-off and delivers once', async () => {
    let calls = 0;
    smtp.verdict = () =>
      ++calls === 1 ? { accept: false, code: 451, message: 'Greylisted, try again later' } : { accept: true };
    const r = await send();
    expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 1, retried: 1 });
    let row = await w.email.outbox.getOutboxMessage(r.outboxId);
    expect(row).toMatchObject({
      status: 'queued',
      attempts: 1,
      lastReply: expect.stringContaining('451 Greylisted'),
    });
    // Not due yet: back-off of 30 to 60 s after the first attempt.
    expect(row.nextAttemptAt).toBeGreaterThanOrEqual(clock.now() + 30_000);
    expect(row.nextAttemptAt).toBeLessThanOrEqual(clock.now() + 60_000);
    expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 0 });
    clock.advance(60_000);
    expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 1, sent: 1 });
    row = await w.email.outbox.getOutboxMessage(r.outboxId);
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    expect(smtp.countByMessageId().get(row.messageId)).toBe(1);
  });

  it('fails a 5xx at once with the server reply', async () => {
    smtp.verdict = () => ({ accept: false, code: 550, message: 'Mailbox unavailable: no such user' });
    const r = await send();
    expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 1, failed: 1 });
    const row = await w.email.outbox.getOutboxMessage(r.outboxId);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row.lastReply).toContain('550 Mailbox unavailable: no such user');
    // The server's own words: no code of Werkflow's (issue 8, story 8).
    expect(row.lastReplyCoded).toEqual({ code: 'reason.text', params: { text: row.lastReply } });
    expect(smtp.received).toHaveLength(0);
    expect(
      (await w.email.outbox.listOutbox({ statuses: ['failed'], limit: 100 })).map((m) => m.id),
    ).toContain(r.outboxId);
  });

  it('gives up after the last attempt, saying so', async () => {
    smtp.verdict = () => ({ accept: false, code: 421, message: 'Too busy' });
    const r = await send();
    for (let i = 0; i < 4; i++) {
      await w.email.outbox.mailer.drainOnce();
      clock.advance(3_600_000);
    }
    const row = await w.email.outbox.getOutboxMessage(r.outboxId);
    expect(row).toMatchObject({ status: 'failed', attempts: 4 });
    expect(row.lastReply).toMatch(/^Gave up after 4 attempts\. Last answer: 421 Too busy/);
    expect(row.lastReplyCoded).toEqual({
      code: 'reason.mailGaveUp',
      params: { attempts: 4, reply: expect.stringMatching(/^421 Too busy/) },
    });
  });

  it('retries while the server is down and delivers when it comes back', async () => {
    await smtp.stop();
    try {
      const ids = [(await send()).outboxId, (await send()).outboxId];
      expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 2, retried: 2 });
      const row = await w.email.outbox.getOutboxMessage(ids[0]!);
      expect(row.status).toBe('queued');
      expect(row.lastReply).toMatch(/ECONNECTION|ECONNREFUSED|connect/i);
      expect(row.lastReplyCoded).toEqual({
        code: 'reason.mailUnreachable',
        params: { reply: row.lastReply },
      });
      clock.advance(60_000);
      expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 2, retried: 2 });
      await smtp.start();
      clock.advance(120_000);
      expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 2, sent: 2 });
      for (const id of ids) {
        const m = await w.email.outbox.getOutboxMessage(id);
        expect(m).toMatchObject({ status: 'sent', attempts: 3 });
        expect(smtp.countByMessageId().get(m.messageId)).toBe(1);
      }
    } finally {
      if (smtp.port && !(await isListening(smtp))) await smtp.start();
    }
  });

  it('after an outage longer than the pool (more sends than connections), delivers every message once, without a restart', async () => {
    // Each refused connection used to keep one of the pool's slots for good: with more messages
    // than connections, the rest never settled and the batch hung.
    await w.email.mailboxes.updateMailbox(mailbox.id, { ...mailboxInput(mailbox), maxConnections: 2 });
    await smtp.stop();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 9; i++) ids.push((await send()).outboxId);
      // Longer than the attempt limit (4 here): an unreachable server does not use attempts up,
      // and the next try is never more than 30 s away.
      for (let round = 0; round < 6; round++) {
        expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 9, retried: 9, failed: 0 });
        for (const id of ids)
          expect((await w.email.outbox.getOutboxMessage(id)).nextAttemptAt).toBeLessThanOrEqual(
            clock.now() + 30_000,
          );
        clock.advance(30_000);
      }
      await smtp.start();
      expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 9, sent: 9 });
      const counts = smtp.countByMessageId();
      for (const id of ids) {
        const m = await w.email.outbox.getOutboxMessage(id);
        expect(m).toMatchObject({ status: 'sent', attempts: 7 });
        expect(counts.get(m.messageId)).toBe(1);
      }
    } finally {
      if (smtp.port && !(await isListening(smtp))) await smtp.start();
      await w.email.mailboxes.updateMailbox(mailbox.id, { ...mailboxInput(mailbox), maxConnections: 5 });
    }
  });

  it('gives up a stalled send (no answer to its content) as in doubt, closing its connection; the batch does not wait', async () => {
    const config = w.email.outbox.mailer.config;
    w.email.outbox.mailer.config = { ...config, sendTimeoutMs: 400 };
    smtp.delayMs = 3_000;
    try {
      const r = await send();
      const started = performance.now();
      expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 1, inDoubt: 1 });
      expect(performance.now() - started).toBeLessThan(2_500);
      const row = await w.email.outbox.getOutboxMessage(r.outboxId);
      expect(row).toMatchObject({ status: 'in_doubt', lockedBy: null });
      expect(row.lastReply).toMatch(
        /may or may not have accepted it .*did not finish the message within 0\.4 s/,
      );
      // The connection was closed, so the server never got to answer; nothing is resent.
      smtp.delayMs = 0;
      clock.advance(3_600_000);
      expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 0 });
      await w.email.outbox.dismiss(r.outboxId, 'user-1');
    } finally {
      smtp.delayMs = 0;
      w.email.outbox.mailer.config = config;
    }
  });

  it('gives up a send stalled before its content (the server does not answer RCPT TO) and retries it', async () => {
    const config = w.email.outbox.mailer.config;
    w.email.outbox.mailer.config = { ...config, sendTimeoutMs: 400 };
    smtp.rcptDelayMs = 3_000;
    try {
      const r = await send();
      expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 1, retried: 1 });
      expect(await w.email.outbox.getOutboxMessage(r.outboxId)).toMatchObject({
        status: 'queued',
        attempts: 1,
      });
      smtp.rcptDelayMs = 0;
      // Even if the stalled connection had gone on, its content was held back: one delivery.
      await new Promise((resolve) => setTimeout(resolve, 3_200));
      clock.advance(3_600_000);
      expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 1, sent: 1 });
      const row = await w.email.outbox.getOutboxMessage(r.outboxId);
      expect(smtp.countByMessageId().get(row.messageId)).toBe(1);
    } finally {
      smtp.rcptDelayMs = 0;
      w.email.outbox.mailer.config = config;
    }
  });

  it('marks a message in doubt, never resending it, when the connection drops after its data was sent', async () => {
    smtp.dropAfterData = () => true;
    const r = await send();
    expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 1, inDoubt: 1, retried: 0 });
    smtp.dropAfterData = () => false;
    const row = await w.email.outbox.getOutboxMessage(r.outboxId);
    expect(row).toMatchObject({ status: 'in_doubt', attempts: 1, lockedBy: null });
    expect(row.lastReply).toMatch(/may or may not have accepted it/);
    expect(row.lastReply).toMatch(/ECONNECTION|ESOCKET|ECONNRESET|closed/i);
    expect(row.lastReplyCoded?.code).toBe('reason.mailConnectionLost');
    // Nothing resends it by itself: not the mailer later, not nodemailer's pool.
    clock.advance(3_600_000);
    await w.email.outbox.mailer.runUntilIdle();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.countByMessageId().get(row.messageId)).toBe(1);
    expect(smtp.received).toHaveLength(1);
    expect(await w.email.outbox.getOutboxMessage(r.outboxId)).toMatchObject({ status: 'in_doubt' });
    expect(
      (await w.email.outbox.listOutbox({ statuses: ['in_doubt'], limit: 10 })).map((m) => m.id),
    ).toContain(r.outboxId);
    await w.email.outbox.dismiss(r.outboxId, 'user-1');
  });

  it('marks a message sent to only some of its recipients as needing attention', async () => {
    smtp.refusedRecipients.add('archief@coop.example.nl');
    const partial = await send();
    const whole = await send();
    expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 2, sent: 2 });
    const row = await w.email.outbox.getOutboxMessage(partial.outboxId);
    expect(row).toMatchObject({ status: 'sent', needsAttention: true });
    expect(row.lastReply).toMatch(
      /refused this recipient, who did not get the message: archief@coop\.example\.nl/,
    );
    const attention = await w.email.outbox.listOutbox({ attention: true, limit: 10 });
    expect(attention.map((m) => m.id)).toContain(partial.outboxId);
    expect(attention.map((m) => m.id)).toContain(whole.outboxId); // the same cc was refused there too
    expect((await w.email.outbox.countOutbox()).needs_attention).toBeGreaterThanOrEqual(2);
    // A person has seen it: dismissing clears the marker and the message stays sent.
    for (const id of [partial.outboxId, whole.outboxId]) await w.email.outbox.dismiss(id, 'user-1');
    expect(await w.email.outbox.getOutboxMessage(partial.outboxId)).toMatchObject({
      status: 'sent',
      needsAttention: false,
      resolution: 'dismissed',
    });
    expect(await w.email.outbox.listOutbox({ attention: true, limit: 10 })).toEqual([]);
    // Accepted for every recipient: nothing to look at.
    smtp.refusedRecipients.clear();
    const fine = await send();
    await w.email.outbox.mailer.drainOnce();
    expect(await w.email.outbox.getOutboxMessage(fine.outboxId)).toMatchObject({
      status: 'sent',
      needsAttention: false,
    });
    expect((await w.email.outbox.countOutbox()).needs_attention).toBe(0);
  });

  it('after its sender died, marks in doubt only a message whose content had gone out; queues the others again', async () => {
    const a = await send();
    const b = await send();
    const c = await send();
    // A mailer that claimed all three, got as far as DATA with a and b, and died before it could
    // record a reply.
    const all = [a.outboxId, b.outboxId, c.outboxId];
    await w.email.outbox.repository.markSending(all, 'dead-worker', clock.now(), w.store.db);
    await w.email.outbox.repository.markDataSent(
      [a.outboxId, b.outboxId],
      'dead-worker',
      clock.now(),
      w.store.db,
    );
    clock.advance(w.email.outbox.mailer.config.leaseMs - 1);
    expect(await w.email.outbox.mailer.sweep()).toBe(0);
    clock.advance(2);
    expect(await w.email.outbox.mailer.sweep()).toBe(2);
    const inDoubt = await w.email.outbox.listOutbox({ statuses: ['in_doubt'], limit: 10 });
    expect(inDoubt.map((m) => m.id).sort()).toEqual([a.outboxId, b.outboxId].sort());
    expect(inDoubt[0]!.lastReply).toMatch(/may or may not have accepted it/);
    expect(inDoubt[0]!.lastReplyCoded).toEqual({ code: 'reason.mailStoppedInDoubt', params: {} });
    expect((await w.email.outbox.getOutboxMessage(c.outboxId)).lastReplyCoded).toEqual({
      code: 'reason.mailStoppedRequeued',
      params: {},
    });
    expect(await w.email.outbox.getOutboxMessage(c.outboxId)).toMatchObject({
      status: 'queued',
      lockedBy: null,
    });
    // The one that never reached DATA is sent; the ones in doubt never by themselves.
    expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 1, sent: 1 });
    expect(smtp.received.map((m) => m.messageId)).toEqual([
      (await w.email.outbox.getOutboxMessage(c.outboxId)).messageId,
    ]);
    smtp.received.length = 0;
    await w.email.outbox.resend(a.outboxId, 'user-1');
    await w.email.outbox.dismiss(b.outboxId, 'user-1');
    expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 1, sent: 1 });
    const resent = await w.email.outbox.getOutboxMessage(a.outboxId);
    expect(resent).toMatchObject({ status: 'sent', resolution: 'resent', resolvedBy: 'user-1' });
    expect(smtp.received.map((m) => m.messageId)).toEqual([resent.messageId]);
    expect(await w.email.outbox.getOutboxMessage(b.outboxId)).toMatchObject({
      status: 'dismissed',
      resolution: 'dismissed',
    });
    await expect(w.email.outbox.resend(a.outboxId, 'user-1')).rejects.toThrow(
      /Only a failed or in-doubt message can be resent; this one is sent/,
    );
  });

  it('redirects everything to one address in test mode', async () => {
    await w.email.settings.updateSettings({ email: { redirectAllTo: 'tester@coop.example.nl' } });
    try {
      const r = await send();
      await w.email.outbox.mailer.drainOnce();
      const mail = smtp.received[0]!;
      expect(mail.envelopeTo).toEqual(['tester@coop.example.nl']);
      expect(mail.parsed.subject).toMatch(/^\[TEST\] Uw aanvraag/);
      expect(mail.parsed.headers.get('x-werkflow-original-to')).toBe('jan@example.nl');
      expect(mail.parsed.headers.get('x-werkflow-original-cc')).toBe('archief@coop.example.nl');
      expect(await w.email.outbox.getOutboxMessage(r.outboxId)).toMatchObject({
        status: 'sent',
        redirectedTo: 'tester@coop.example.nl',
        to: ['jan@example.nl'],
      });
    } finally {
      await w.email.settings.updateSettings({ email: { redirectAllTo: null } });
    }
  });

  it('keeps to the mailbox rate limit by deferring, without counting attempts', async () => {
    await w.email.mailboxes.updateMailbox(mailbox.id, { ...mailboxInput(mailbox), ratePerMinute: 12 });
    try {
      for (let i = 0; i < 4; i++) await send();
      const first = await w.email.outbox.mailer.drainOnce();
      expect(first).toMatchObject({ claimed: 2, sent: 2, deferred: 2 });
      const queued = await w.email.outbox.listOutbox({ statuses: ['queued'], limit: 10 });
      expect(queued).toHaveLength(2);
      for (const m of queued) expect(m).toMatchObject({ attempts: 0, nextAttemptAt: clock.now() + 5000 });
      clock.advance(10_000);
      expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 2, sent: 2 });
    } finally {
      mailbox = await w.email.mailboxes.updateMailbox(mailbox.id, {
        ...mailboxInput(mailbox),
        ratePerMinute: null,
      });
    }
  });

  it('sends the template attachment with the message', async () => {
    const pdf = Buffer.from('%PDF-1.4 algemene voorwaarden').toString('base64');
    const t = await addTemplate(w, {
      attachment: { filename: 'voorwaarden.pdf', contentType: 'application/pdf', contentBase64: pdf },
    });
    await enqueue(w, {
      actionId: `attachment-${++n}`,
      effect: { type: 'sendEmail', templateId: t.id, to: [{ type: 'field', path: 'intake.contact.email' }] },
      dossier: world.opportunity,
    });
    await w.email.outbox.mailer.drainOnce();
    const [attachment] = smtp.received[0]!.parsed.attachments;
    expect(attachment).toMatchObject({ filename: 'voorwaarden.pdf', contentType: 'application/pdf' });
    expect(attachment!.content.toString()).toBe('%PDF-1.4 algemene voorwaarden');
  });

  // PostgreSQL only: SQLite has one writer, and Werkflow runs one mailer per SQLite database.
  it.skipIf(backend.name === 'sqlite')(
    'shares the outbox between two mailers without sending anything twice',
    async () => {
      const open = () =>
        openEmailWerkflow(
          { ...backend, fresh: () => ({ ...sameDatabase }) },
          { clock, mailer: { batchSize: 5 } },
        );
      const [one, two] = [await open(), await open()];
      try {
        const ids: string[] = [];
        for (let i = 0; i < 60; i++) ids.push((await send()).outboxId);
        const [a, b] = await Promise.all([
          one.email.outbox.mailer.runUntilIdle(),
          two.email.outbox.mailer.runUntilIdle(),
        ]);
        expect(a.sent + b.sent).toBe(60);
        expect(Math.min(a.sent, b.sent)).toBeGreaterThan(0); // both took part
        const counts = smtp.countByMessageId();
        for (const id of ids) {
          const m = await w.email.outbox.getOutboxMessage(id);
          expect(m.status).toBe('sent');
          expect(counts.get(m.messageId)).toBe(1);
        }
      } finally {
        await one.close();
        await two.close();
      }
    },
  );

  it('wakes by itself at the next attempt time, and on kick()', async () => {
    // A mailer on the real clock with a short back-off: no polling, the timer brings the retry.
    const live = await openEmailWerkflow(backend, {
      clock: { now: () => Date.now() },
      mailer: { backoff: { baseMs: 200, maxMs: 400 }, idlePollMs: 60_000 },
    });
    try {
      await addMailbox(live, smtp.port);
      const liveWorld = await seedEmailWorld(live);
      const t = await addTemplate(live);
      await live.email.outbox.startMailer();
      let calls = 0;
      smtp.verdict = () =>
        ++calls === 1
          ? { accept: false, code: 452, message: 'Insufficient storage, later' }
          : { accept: true };
      const r = await live.store.db.transaction().execute((trx) =>
        live.email.outbox.enqueueForAction(trx, {
          actionId: 'live-1',
          effect: {
            type: 'sendEmail',
            templateId: t.id,
            to: [{ type: 'field', path: 'intake.contact.email' }],
          },
          dossier: liveWorld.opportunity,
        }),
      );
      live.email.outbox.kick();
      await waitFor(
        async () => (await live.email.outbox.getOutboxMessage(r.outboxId)).status === 'sent',
        20_000,
        'the retried message',
      );
      expect((await live.email.outbox.getOutboxMessage(r.outboxId)).attempts).toBe(2);
    } finally {
      await live.close();
    }
  });
});

function mailboxInput(m: Mailbox) {
  return {
    name: m.name,
    host: m.host,
    port: m.port,
    security: m.security,
    fromName: m.fromName,
    fromAddress: m.fromAddress,
  };
}

async function isListening(server: TestSmtpServer): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: server.port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

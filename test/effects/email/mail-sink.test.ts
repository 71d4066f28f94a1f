import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailOptionsFromEnv } from '../../../src/services/email/index.js';
import type { Werkflow } from '../../../src/engine/werkflow.js';
import { MailSinkRepository, type NewSinkMessage } from '../../../src/store/mail-sink.repository.js';
import { BACKENDS } from '../../support/backends.js';
import { addTemplate, enqueue, openEmailWerkflow, seedEmailWorld } from './support/email-fixtures.js';

describe.each(BACKENDS)('local mail sink on $name', (backend) => {
  let w: Werkflow;

  beforeAll(async () => {
    w = await openEmailWerkflow(backend);
    await w.email.sink.startSink({ port: 0 });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('listens on loopback and stores what it receives, newest first', async () => {
    const sink = w.email.sink.sink!;
    expect(sink.host).toBe('127.0.0.1');
    expect(sink.port).toBeGreaterThan(0);
    const transport = nodemailer.createTransport({
      host: sink.host,
      port: sink.port,
      secure: false,
      ignoreTLS: true,
      auth: { user: 'any', pass: 'thing' },
    });
    try {
      for (const i of [1, 2]) {
        await transport.sendMail({
          from: 'a@example.nl',
          to: 'b@example.nl',
          cc: 'c@example.nl',
          subject: `Bericht ${i}`,
          html: `<p>${i}</p>`,
          text: `${i}`,
          messageId: `<m${i}@example.nl>`,
        });
      }
    } finally {
      transport.close();
    }
    const list = await w.email.sink.listSinkMessages({ limit: 10 });
    expect(list.map((m) => m.subject)).toEqual(['Bericht 2', 'Bericht 1']);
    const one = await w.email.sink.getSinkMessage(list[1]!.id);
    expect(one).toMatchObject({
      messageId: '<m1@example.nl>',
      envelopeFrom: 'a@example.nl',
      htmlBody: '<p>1</p>',
      textBody: '1',
      cc: 'c@example.nl',
    });
    expect([...one.envelopeTo].sort()).toEqual(['b@example.nl', 'c@example.nl']);
    expect(one.headers['subject']).toBe('Bericht 1');
    expect(await w.email.sink.clearSink()).toBe(2);
  });

  it('receives the demo mailbox mail: a hostile contact arrives escaped and unevaluated', async () => {
    const mailbox = await w.email.sink.ensureDemoMailbox();
    expect(mailbox).toMatchObject({
      host: '127.0.0.1',
      port: w.email.sink.sink!.port,
      security: 'none',
      isDefault: true,
    });
    expect((await w.email.sink.ensureDemoMailbox()).id).toBe(mailbox.id);
    const world = await seedEmailWorld(w, {
      name: '<script>alert(document.cookie)</script>',
      firstName: '{{ 7*7 }}{% raw %}',
    });
    const t = await addTemplate(w, {
      subject: 'Voor {{ opportunity.intake.contact.firstName }}',
      htmlBody:
        '<p>Beste {{ opportunity.intake.contact.firstName }}, {{ opportunity.intake.contact.name }}</p>',
    });
    const r = await enqueue(w, {
      actionId: 'sink-1',
      effect: { type: 'sendEmail', templateId: t.id, to: [{ type: 'field', path: 'intake.contact.email' }] },
      dossier: world.opportunity,
    });
    expect(await w.email.outbox.mailer.runUntilIdle()).toMatchObject({ sent: 1 });
    const [received] = await w.email.sink.listSinkMessages({ limit: 1 });
    const m = await w.email.sink.getSinkMessage(received!.id);
    expect(m.messageId).toBe((await w.email.outbox.getOutboxMessage(r.outboxId)).messageId);
    expect(m.subject).toBe('Voor {{ 7*7 }}{% raw %}');
    expect(m.htmlBody).toContain(
      'Beste {{ 7*7 }}{% raw %}, &lt;script&gt;alert(document.cookie)&lt;/script&gt;',
    );
    expect(m.htmlBody).not.toMatch(/<script|49/);
    expect(m.headers['x-werkflow-outbox-id']).toBe(r.outboxId);
  });

  it('lists summaries without bodies, and keeps only the newest messages', async () => {
    await w.email.sink.clearSink();
    const repo = new MailSinkRepository(w.store, 3);
    const message = (i: number): NewSinkMessage => ({
      messageId: `<p${i}@example.nl>`,
      envelopeFrom: 'a@example.nl',
      envelopeTo: ['b@example.nl'],
      from: 'a@example.nl',
      to: 'b@example.nl',
      cc: null,
      subject: `Bericht ${i}`,
      htmlBody: `<p>${'x'.repeat(1000)} ${i}</p>`,
      textBody: `tekst ${i}`,
      headers: { subject: `Bericht ${i}` },
      size: 1000,
      receivedAt: i,
    });
    await repo.insertMany([1, 2].map(message));
    await repo.insertMany([3, 4, 5].map(message));
    expect(await repo.count()).toBe(3);
    const list = await repo.list({ limit: 10 });
    expect(list.map((m) => m.subject)).toEqual(['Bericht 5', 'Bericht 4', 'Bericht 3']);
    for (const m of list) expect(m).toMatchObject({ htmlBody: null, textBody: null, headers: {} });
    expect(await repo.get(list[0]!.id)).toMatchObject({ htmlBody: expect.stringContaining(' 5</p>') });
    expect(await w.email.sink.clearSink()).toBe(3);
  });
});

describe('e-mail options from the environment', () => {
  it('refuses a batch size under 1 and a lease under 10 seconds, naming the variable', () => {
    expect(() => emailOptionsFromEnv({ WERKFLOW_MAIL_BATCH_SIZE: '0' })).toThrow(
      /WERKFLOW_MAIL_BATCH_SIZE must be 1 or more/,
    );
    expect(() => emailOptionsFromEnv({ WERKFLOW_MAIL_LEASE_MS: '9999' })).toThrow(
      /WERKFLOW_MAIL_LEASE_MS must be at least 10000/,
    );
    expect(() => emailOptionsFromEnv({ WERKFLOW_MAIL_SEND_TIMEOUT_MS: '999' })).toThrow(
      /WERKFLOW_MAIL_SEND_TIMEOUT_MS must be at least 1000/,
    );
    expect(
      emailOptionsFromEnv({
        WERKFLOW_MAIL_BATCH_SIZE: '1',
        WERKFLOW_MAIL_LEASE_MS: '10000',
        WERKFLOW_MAIL_SEND_TIMEOUT_MS: '5000',
      }).mailer,
    ).toMatchObject({ batchSize: 1, leaseMs: 10_000, sendTimeoutMs: 5_000 });
  });
});

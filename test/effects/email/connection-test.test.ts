import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSmtpConnection } from '../../../src/effects/email/connection-test.js';
import type { SmtpSettings } from '../../../src/effects/email/smtp-transport.js';
import { TestSmtpServer } from './support/smtp-test-server.js';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('mailbox connection test', () => {
  const smtp = new TestSmtpServer();
  const starttls = new TestSmtpServer({ disabledCommands: [] });
  let settings: SmtpSettings;

  beforeAll(async () => {
    smtp.credentials = { user: 'coop', pass: 'juist' };
    await smtp.start(0);
    await starttls.start(0);
    settings = {
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      username: 'coop',
      password: 'juist',
      allowInvalidCertificates: false,
      maxConnections: 1,
    };
  });
  afterAll(async () => {
    await smtp.stop();
    await starttls.stop();
  });

  it('passes every step against a working server', async () => {
    const r = await testSmtpConnection(settings);
    expect(r).toMatchObject({ ok: true, failedStep: null });
    expect(r.steps.map((s) => s.step)).toEqual(['dns', 'connect', 'auth', 'smtp']);
    expect(r.message).toMatch(/logged in as coop: this mailbox works/);
  });

  it('says when the host name does not exist (DNS)', async () => {
    const r = await testSmtpConnection({ ...settings, host: 'smtp.no-such-host.invalid' });
    expect(r).toMatchObject({ ok: false, failedStep: 'dns' });
    expect(r.message).toMatch(/^DNS: .*smtp\.no-such-host\.invalid/);
  });

  it('says when nothing listens on the port (connect)', async () => {
    const port = await closedPort();
    const r = await testSmtpConnection({ ...settings, port });
    expect(r).toMatchObject({ ok: false, failedStep: 'connect' });
    expect(r.message).toMatch(new RegExp(`^Connect: .*refused the connection on port ${port}`));
  });

  it('says when TLS cannot be set up (TLS)', async () => {
    const implicit = await testSmtpConnection({ ...settings, security: 'tls' }, 3000);
    expect(implicit).toMatchObject({ ok: false, failedStep: 'tls' });
    expect(implicit.message).toMatch(/^TLS: /);
    // The server offers STARTTLS with a certificate nobody signed: refused unless allowed.
    const selfSigned = await testSmtpConnection(
      { ...settings, port: starttls.port, security: 'starttls', username: null },
      3000,
    );
    expect(selfSigned).toMatchObject({ ok: false, failedStep: 'tls' });
    const allowed = await testSmtpConnection(
      {
        ...settings,
        port: starttls.port,
        security: 'starttls',
        username: null,
        allowInvalidCertificates: true,
      },
      3000,
    );
    expect(allowed).toMatchObject({ ok: true });
    // A server that does not offer STARTTLS while the mailbox requires it.
    const missing = await testSmtpConnection({ ...settings, security: 'starttls' }, 3000);
    expect(missing).toMatchObject({ ok: false, failedStep: 'tls' });
  });

  it('says when the user name or password is refused (auth)', async () => {
    const r = await testSmtpConnection({ ...settings, password: 'fout' });
    expect(r).toMatchObject({ ok: false, failedStep: 'auth' });
    expect(r.message).toMatch(/^Auth: the server refused the user name or password for "coop"/);
  });
});

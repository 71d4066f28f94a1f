import { lookup } from 'node:dns/promises';
import { isIP, connect } from 'node:net';
import nodemailer from 'nodemailer';
import { SMTP_TIMEOUTS, type SmtpSettings, smtpOptions } from './smtp-transport.js';

/** The steps of reaching a mail server, in order; a test stops at the first that fails. */
export type ConnectionStep = 'dns' | 'connect' | 'tls' | 'auth' | 'smtp';

export interface StepResult {
  readonly step: ConnectionStep;
  readonly ok: boolean;
  readonly message: string;
}

export interface ConnectionTestResult {
  readonly ok: boolean;
  /** The step that failed, or null when all passed. */
  readonly failedStep: ConnectionStep | null;
  readonly message: string;
  readonly steps: readonly StepResult[];
}

function done(steps: StepResult[]): ConnectionTestResult {
  const failed = steps.find((s) => !s.ok);
  return {
    ok: !failed,
    failedStep: failed?.step ?? null,
    message: failed ? failed.message : steps[steps.length - 1]!.message,
    steps,
  };
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

const TLS_HINT =
  /ssl|tls|certificate|handshake|wrong version|self[- ]signed|alert|starttls|cert_|unable to verify/i;

/**
 * Tries a mailbox's settings step by step and says precisely what failed: the name does not
 * resolve (DNS), nothing answers on the port (connect), encryption cannot be set up (TLS), the
 * user name or password is refused (auth), or the server answers wrongly (smtp). Nothing is sent.
 */
export async function testSmtpConnection(
  settings: SmtpSettings,
  timeoutMs = SMTP_TIMEOUTS.connectionTimeout,
): Promise<ConnectionTestResult> {
  const steps: StepResult[] = [];
  const { host, port } = settings;
  let address = host;
  if (isIP(host) === 0) {
    try {
      const found = await lookup(host);
      address = found.address;
      steps.push({ step: 'dns', ok: true, message: `${host} resolves to ${found.address}.` });
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      steps.push({
        step: 'dns',
        ok: false,
        message:
          code === 'ENOTFOUND'
            ? `DNS: the host name "${host}" does not exist. Check the spelling of the SMTP host (for example smtp.provider.nl).`
            : `DNS: looking up "${host}" failed (${code}). Check the host name and this server's network.`,
      });
      return done(steps);
    }
  } else {
    steps.push({ step: 'dns', ok: true, message: `${host} is an IP address; no lookup needed.` });
  }
  try {
    await tcpConnect(address, port, timeoutMs);
    steps.push({ step: 'connect', ok: true, message: `${address}:${port} accepts connections.` });
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    const portHint = 'Mail servers listen on 587 (STARTTLS), 465 (TLS) or 25.';
    steps.push({
      step: 'connect',
      ok: false,
      message:
        code === 'ECONNREFUSED'
          ? `Connect: ${host} (${address}) refused the connection on port ${port}: nothing listens there. ${portHint}`
          : code === 'ETIMEDOUT'
            ? `Connect: ${host} (${address}) did not answer on port ${port} within ${Math.round(timeoutMs / 1000)} s; a firewall may block the port. ${portHint}`
            : `Connect: reaching ${host} (${address}) on port ${port} failed (${code}). ${portHint}`,
    });
    return done(steps);
  }
  const transport = nodemailer.createTransport({
    ...smtpOptions(settings),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
  });
  try {
    await transport.verify();
    const security =
      settings.security === 'tls'
        ? 'with TLS'
        : settings.security === 'starttls'
          ? 'with STARTTLS'
          : 'without encryption';
    if (settings.security !== 'none')
      steps.push({ step: 'tls', ok: true, message: `Encryption set up ${security}.` });
    if (settings.username)
      steps.push({ step: 'auth', ok: true, message: `Logged in as ${settings.username}.` });
    steps.push({
      step: 'smtp',
      ok: true,
      message: `Connected to ${host}:${port} ${security}${settings.username ? ` and logged in as ${settings.username}` : ''}: this mailbox works.`,
    });
  } catch (error) {
    steps.push(verifyFailure(error, settings));
  } finally {
    transport.close();
  }
  return done(steps);
}

function verifyFailure(error: unknown, s: SmtpSettings): StepResult {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const text = (e.response ?? e.message ?? String(error)).trim();
  if (e.code === 'EAUTH' || e.responseCode === 535 || e.responseCode === 534 || e.responseCode === 530) {
    return {
      step: 'auth',
      ok: false,
      message: `Auth: the server refused the user name or password for "${s.username ?? ''}" (${text}). Check both; some providers need an app password.`,
    };
  }
  if (e.code === 'ETLS' || TLS_HINT.test(text)) {
    const hint =
      s.security === 'tls'
        ? `Port ${s.port} may expect STARTTLS instead of TLS from the start (465 is the usual TLS port).`
        : s.security === 'starttls'
          ? 'The server may not offer STARTTLS on this port; try security "tls" on port 465.'
          : '';
    return { step: 'tls', ok: false, message: `TLS: setting up encryption failed (${text}). ${hint}`.trim() };
  }
  if (e.code === 'ETIMEDOUT' || /greeting|timeout/i.test(text)) {
    return {
      step: 'smtp',
      ok: false,
      message: `SMTP: the server accepted the connection but did not greet like a mail server (${text}). Check that ${s.host}:${s.port} is the SMTP port.`,
    };
  }
  return { step: 'smtp', ok: false, message: `SMTP: the server answered with an error (${text}).` };
}

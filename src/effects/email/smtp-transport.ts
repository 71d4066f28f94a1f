import { connect, type Socket } from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { MailboxSecurity } from '../../store/mailbox.repository.js';

/** What is needed to talk to an SMTP server (a mailbox, with its password decrypted). */
export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  readonly security: MailboxSecurity;
  readonly username: string | null;
  readonly password: string | null;
  readonly allowInvalidCertificates: boolean;
  readonly maxConnections: number;
}

/** Timeouts well inside the mailer's lease, so a send never outlives its claim. */
export const SMTP_TIMEOUTS = {
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 30_000,
  dnsTimeout: 10_000,
};

/** nodemailer options for a mailbox; `pool` keeps connections open between messages. */
export function smtpOptions(s: SmtpSettings): SMTPTransport.Options {
  return {
    host: s.host,
    port: s.port,
    // tls: TLS from the first byte (port 465); starttls: plain, then an upgrade that must
    // succeed (587); none: never TLS (a local relay or the demo sink only).
    secure: s.security === 'tls',
    requireTLS: s.security === 'starttls',
    ignoreTLS: s.security === 'none',
    auth: s.username ? { user: s.username, pass: s.password ?? '' } : undefined,
    tls: { rejectUnauthorized: !s.allowInvalidCertificates, servername: s.host },
    // Message content is data: never let it make nodemailer read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    ...SMTP_TIMEOUTS,
  };
}

export type SmtpTransporter = Transporter<SMTPPool.SentMessageInfo>;

/**
 * Opens the TCP connection for a pooled SMTP connection with Nagle's algorithm off. nodemailer
 * writes each SMTP command separately; with Nagle on, every small write after the first waits for
 * the peer's delayed ACK (~40 ms), which caps a connection at about 20 messages a second. TLS
 * (implicit or STARTTLS) is set up by nodemailer on top of this socket as usual.
 */
export function connectWithoutDelay(
  options: { host?: string; port?: number; connectionTimeout?: number },
  callback: (error: Error | null, socketOptions?: { connection: Socket }) => void,
): void {
  const host = options.host ?? 'localhost';
  const port = options.port ?? 25;
  const socket = connect({ host, port });
  socket.setNoDelay(true);
  let settled = false;
  const settle = (error: Error | null) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.removeListener('error', onError);
    if (error) {
      socket.destroy();
      callback(error);
    } else {
      callback(null, { connection: socket });
    }
  };
  const onError = (error: NodeJS.ErrnoException) =>
    settle(Object.assign(error, { code: error.code ?? 'ECONNECTION' }));
  const timer = setTimeout(
    () => settle(Object.assign(new Error(`Connecting to ${host}:${port} timed out`), { code: 'ETIMEDOUT' })),
    options.connectionTimeout ?? SMTP_TIMEOUTS.connectionTimeout,
  );
  socket.once('error', onError);
  socket.once('connect', () => settle(null));
}

/**
 * Pooled nodemailer transports, one per mailbox version: a changed mailbox gets a new pool and
 * the old one is closed.
 */
export class TransportPool {
  private readonly pools = new Map<string, { version: string; transport: SmtpTransporter }>();

  get(mailboxId: string, version: string, settings: SmtpSettings): SmtpTransporter {
    const hit = this.pools.get(mailboxId);
    if (hit && hit.version === version) return hit.transport;
    hit?.transport.close();
    const options: SMTPPool.Options = {
      ...(smtpOptions(settings) as Omit<SMTPPool.Options, 'pool'>),
      pool: true,
      maxConnections: settings.maxConnections,
      maxMessages: 1000,
      getSocket: connectWithoutDelay as SMTPPool.Options['getSocket'],
    };
    const transport = nodemailer.createTransport(options);
    this.pools.set(mailboxId, { version, transport });
    return transport;
  }

  /** Closes one mailbox's pool (after a connection failure, so the next try starts afresh). */
  reset(mailboxId: string): void {
    this.pools.get(mailboxId)?.transport.close();
    this.pools.delete(mailboxId);
  }

  closeAll(): void {
    for (const { transport } of this.pools.values()) transport.close();
    this.pools.clear();
  }
}

/** What a failed send means for the message. */
export interface SmtpFailure {
  /** A 5xx answer (or a message that can never be sent): retrying will not help. */
  readonly permanent: boolean;
  /** The server's reply, or what went wrong reaching it, for a person to read. */
  readonly reply: string;
  /** The connection itself failed: the pool should be reopened. */
  readonly connection: boolean;
}

const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETLS',
  'EHOSTUNREACH',
]);

/**
 * Sorts an error from nodemailer: an SMTP reply 5xx is permanent, 4xx temporary; connection
 * problems (refused, timeout, DNS, TLS) are temporary — the server may be back later; a message
 * nodemailer cannot build or address is permanent.
 */
export function classifySmtpError(error: unknown): SmtpFailure {
  const e = error as {
    code?: string;
    responseCode?: number;
    response?: string;
    message?: string;
    command?: string;
  };
  const text = (e.response ?? e.message ?? String(error)).trim();
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  if (code !== null && code >= 500) return { permanent: true, reply: text, connection: false };
  if (code !== null && code >= 400) return { permanent: false, reply: text, connection: false };
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE')
    return { permanent: true, reply: text, connection: false };
  if (e.code === 'EAUTH') {
    return {
      permanent: true,
      reply: `The mail server refused the mailbox's user name or password: ${text}`,
      connection: true,
    };
  }
  const connection = e.code !== undefined && CONNECTION_CODES.has(e.code);
  return {
    permanent: false,
    reply: e.code ? `${e.code}: ${text}` : text,
    connection: connection || e.code === undefined,
  };
}

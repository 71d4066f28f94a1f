import { type Reason, reason } from '../../domain/action/reasons.js';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
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
 *
 * When connecting fails, no socket is handed over and nodemailer connects by itself, so the
 * failure (refused, timed out) is nodemailer's own error: the pool then drops the connection and
 * fails its message. An error passed to this callback instead is given to the message but never
 * frees the pool's connection slot: after `maxConnections` refused connections every later send
 * hung for good, until a restart (issue 14).
 */
export function connectWithoutDelay(
  options: { host?: string; port?: number; connectionTimeout?: number },
  callback: (error: Error | null, socketOptions?: { connection: Socket }) => void,
): void {
  const socket = connect({ host: options.host ?? 'localhost', port: options.port ?? 25 });
  socket.setNoDelay(true);
  let settled = false;
  const settle = (connected: boolean) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.removeListener('error', onError);
    if (connected) callback(null, { connection: socket });
    else {
      socket.destroy();
      callback(null);
    }
  };
  const onError = () => settle(false);
  const timer = setTimeout(() => settle(false), options.connectionTimeout ?? SMTP_TIMEOUTS.connectionTimeout);
  socket.once('error', onError);
  socket.once('connect', () => settle(true));
}

/**
 * Runs before the first byte of a message's content goes to the server (the server has answered
 * DATA): the mailer records that durably here. A rejection stops the message: its content is
 * never sent, and the server drops the incomplete transaction.
 */
export type BeforeContent = () => Promise<void>;

/** Mail options with the mailer's hook (see `BeforeContent`). */
export type GatedMail = Mail.Options & { beforeContent?: BeforeContent };

/**
 * The message's content stream, held back until `before` has resolved. nodemailer reads the
 * content only once the server has answered DATA (and, after an envelope error, to throw it
 * away; `before` refuses then), so this runs exactly between DATA and the content.
 */
function gated(inner: Readable, before: BeforeContent): Readable {
  let opened = false;
  const out = new Readable({
    read() {
      if (opened) {
        inner.resume();
        return;
      }
      opened = true;
      before().then(
        () => {
          inner.on('data', (chunk: Buffer) => {
            if (!out.push(chunk)) inner.pause();
          });
          inner.once('end', () => out.push(null));
          inner.resume();
        },
        (error: unknown) => out.destroy(error as Error),
      );
    },
    destroy(error, callback) {
      inner.destroy();
      callback(error);
    },
  });
  inner.pause();
  inner.once('error', (error) => out.destroy(error));
  return out;
}

interface PoolInternals {
  _connections?: { id?: number; close?: () => void }[];
}

/**
 * Pooled nodemailer transports, one per mailbox version: a changed mailbox gets a new pool and
 * the old one is closed.
 */
export class TransportPool {
  private readonly pools = new Map<string, { version: string; transport: SmtpTransporter }>();
  /**
   * Messages (Message-ID without angle brackets) whose SMTP transaction began: the pool had a
   * connected, logged-in connection and handed the message to it (MAIL FROM onwards), with the
   * pool and connection, and when (performance.now()).
   */
  private readonly underway = new Map<string, { pool: string; cid: number; at: number }>();

  /** Forgets what was known about a message's transaction (before a new try, and after it). */
  forgetTransaction(messageId: string): void {
    this.underway.delete(bareMessageId(messageId));
  }

  /** When (performance.now()) the message's SMTP transaction began, if it did. */
  transactionStartedAt(messageId: string): number | undefined {
    return this.underway.get(bareMessageId(messageId))?.at;
  }

  /**
   * A send that stalled: closes the connection its transaction runs on, which frees the pool's
   * slot for the next message. Nothing happens to a message still waiting for a connection; its
   * content is held back by the mailer's hook, which refuses once the mailer gave up on it.
   */
  abandon(messageId: string): void {
    const u = this.underway.get(bareMessageId(messageId));
    if (!u) return;
    const pool = this.pools.get(u.pool)?.transport.transporter as PoolInternals | undefined;
    const connection = pool?._connections?.find((c) => c.id === u.cid);
    if (connection?.close) connection.close();
    else this.reset(u.pool); // nodemailer changed: close the whole pool rather than keep a stuck slot
  }

  /**
   * nodemailer's pool logs `tnx: 'send'` with the Message-ID and connection right before it hands
   * a message to a connected (and logged-in) connection: the first byte of the transaction.
   */
  private logger(pool: string): SMTPPool.Options['logger'] {
    const note = (entry: unknown) => {
      const e = entry as { tnx?: unknown; messageId?: unknown; cid?: unknown } | null;
      if (e && e.tnx === 'send' && typeof e.messageId === 'string')
        this.underway.set(bareMessageId(e.messageId), {
          pool,
          cid: typeof e.cid === 'number' ? e.cid : -1,
          at: performance.now(),
        });
    };
    const ignore = () => {};
    return {
      level: ignore,
      trace: ignore,
      debug: ignore,
      info: note,
      warn: ignore,
      error: ignore,
      fatal: ignore,
    } as unknown as SMTPPool.Options['logger'];
  }

  get(mailboxId: string, version: string, settings: SmtpSettings): SmtpTransporter {
    const hit = this.pools.get(mailboxId);
    if (hit && hit.version === version) return hit.transport;
    hit?.transport.close();
    const options: SMTPPool.Options & { maxRequeues: number } = {
      ...(smtpOptions(settings) as Omit<SMTPPool.Options, 'pool'>),
      pool: true,
      maxConnections: settings.maxConnections,
      maxMessages: 1000,
      // Never let the pool resend a message by itself when a connection closes mid-send: the
      // server may have it. The error comes back to the mailer, which decides (in doubt).
      maxRequeues: 0,
      logger: this.logger(mailboxId),
      getSocket: connectWithoutDelay as SMTPPool.Options['getSocket'],
    };
    const transport = nodemailer.createTransport(options);
    transport.use('stream', (mail, done) => {
      const before = (mail.data as GatedMail).beforeContent;
      if (typeof before === 'function') {
        const message = mail.message as unknown as { createReadStream: (o?: unknown) => Readable };
        const open = message.createReadStream.bind(message);
        message.createReadStream = (o?: unknown) => gated(open(o), before);
      }
      done();
    });
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
    this.underway.clear();
  }
}

function bareMessageId(id: string): string {
  return id.trim().replace(/^</, '').replace(/>$/, '');
}

/** What a failed send means for the message. */
export interface SmtpFailure {
  /** A 5xx answer (or a message that can never be sent): retrying will not help. */
  readonly permanent: boolean;
  /** The server's reply, or what went wrong reaching it, for a person to read. */
  readonly reply: string;
  /** The reply as a code with params, when Werkflow words it (not a plain server answer). */
  readonly coded?: Reason;
  /** The connection itself failed: the pool should be reopened. */
  readonly connection: boolean;
  /**
   * The connection dropped, timed out or was reset once the message's transaction was under
   * way: the server may have accepted it (its reply lost). Never retried by itself: a person
   * resends or dismisses it.
   */
  readonly inDoubt: boolean;
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
 * Failures that happen before anything of a message is transmitted, whenever they occur: the
 * server could not be reached, named, or spoken to securely.
 */
const BEFORE_TRANSMISSION_CODES = new Set([
  'EDNS',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETLS',
]);

/**
 * Sorts an error from nodemailer: an SMTP reply 5xx is permanent, 4xx temporary; connection
 * problems before the message's content went out (refused, DNS, greeting or TLS failure, a drop
 * during MAIL FROM or RCPT TO) are temporary — the server cannot have the message; a drop,
 * timeout or reset once its content was being sent (`contentSent`: the server had answered
 * DATA) is in doubt — the server may have the message; a message nodemailer cannot build or
 * address is permanent.
 */
export function classifySmtpError(error: unknown, contentSent = false): SmtpFailure {
  const e = error as {
    code?: string;
    responseCode?: number;
    response?: string;
    message?: string;
    command?: string;
  };
  const text = (e.response ?? e.message ?? String(error)).trim();
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  if (code !== null && code >= 500)
    return { permanent: true, reply: text, connection: false, inDoubt: false };
  if (code !== null && code >= 400)
    return { permanent: false, reply: text, connection: false, inDoubt: false };
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE')
    return { permanent: true, reply: text, connection: false, inDoubt: false };
  if (e.code === 'EAUTH') {
    return {
      permanent: true,
      reply: `The mail server refused the mailbox's user name or password: ${text}`,
      coded: reason('reason.mailAuthRefused', { reply: text }),
      connection: true,
      inDoubt: false,
    };
  }
  const connection = e.code !== undefined && CONNECTION_CODES.has(e.code);
  const reply = e.code ? `${e.code}: ${text}` : text;
  // Once the content went out, anything but a reply from the server (or a failure that means
  // nothing was ever sent) leaves the message's fate unknown.
  if (contentSent && !(e.code !== undefined && BEFORE_TRANSMISSION_CODES.has(e.code))) {
    return {
      permanent: false,
      reply: `The connection to the mail server was lost while this message was being sent, so the server may or may not have accepted it (${reply}).`,
      coded: reason('reason.mailConnectionLost', { reply }),
      connection: true,
      inDoubt: true,
    };
  }
  return {
    permanent: false,
    reply,
    ...(connection ? { coded: reason('reason.mailUnreachable', { reply }) } : {}),
    connection: connection || e.code === undefined,
    inDoubt: false,
  };
}

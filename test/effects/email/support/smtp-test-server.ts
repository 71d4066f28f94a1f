import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** One message the test server accepted. */
export interface ReceivedMail {
  readonly messageId: string | undefined;
  readonly envelopeFrom: string | null;
  readonly envelopeTo: string[];
  readonly raw: string;
  readonly parsed: ParsedMail;
}

/** What the server answers to a message's DATA: accept, or an SMTP error with code and text. */
export type Verdict = { accept: true } | { accept: false; code: number; message: string };

/**
 * A real SMTP server on 127.0.0.1 (random port) for tests: it records what it accepts and can
 * be told to answer 4xx or 5xx, to be slow, or to go away and come back on the same port.
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  /** Decides each DATA; `n` counts DATA commands from 1. */
  verdict: (n: number) => Verdict = () => ({ accept: true });
  /**
   * When it returns true for a DATA (`n` from 1), the server keeps the message (it counts as
   * received) and then drops the connection without answering: the client's 250 is lost.
   */
  dropAfterData: (n: number) => boolean = () => false;
  /** Recipients the server answers RCPT TO with 550 (the others are accepted). */
  readonly refusedRecipients = new Set<string>();
  /** Milliseconds to wait before answering DATA. */
  delayMs = 0;
  /** Milliseconds to wait before answering RCPT TO. */
  rcptDelayMs = 0;
  /** When set, AUTH must give exactly these; otherwise any credentials are accepted. */
  credentials: { user: string; pass: string } | null = null;
  /** The user names that logged in. */
  readonly logins: string[] = [];
  private dataCount = 0;
  private server: SMTPServer | null = null;
  port = 0;

  constructor(private readonly options: Partial<SMTPServerOptions> = {}) {}

  async start(port = this.port): Promise<number> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      disableReverseLookup: true,
      // stop() closes open client connections after this instead of waiting 30 s for them.
      closeTimeout: 200,
      onAuth: (auth, _session, callback) => {
        const c = this.credentials;
        if (c && (auth.username !== c.user || auth.password !== c.pass)) {
          callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
          return;
        }
        this.logins.push(auth.username ?? '');
        callback(null, { user: auth.username });
      },
      onRcptTo: (address, _session, callback) => {
        if (this.rcptDelayMs > 0) {
          const wait = this.rcptDelayMs;
          setTimeout(() => this.answerRcpt(address.address, callback), wait);
          return;
        }
        this.answerRcpt(address.address, callback);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const n = ++this.dataCount;
          const raw = Buffer.concat(chunks).toString('utf8');
          void (async () => {
            if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
            const v = this.verdict(n);
            if (!v.accept) {
              callback(Object.assign(new Error(v.message), { responseCode: v.code }));
              return;
            }
            const parsed = await simpleParser(raw);
            this.received.push({
              messageId: parsed.messageId,
              envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
            });
            if (this.dropAfterData(n)) {
              const connections = (
                this.server as unknown as {
                  connections: Set<{ session: { id: string }; _socket: { destroy(): void } }>;
                }
              ).connections;
              for (const c of connections) if (c.session.id === session.id) c._socket.destroy();
              return;
            }
            callback(null, `OK queued as test-${n}`);
          })();
        });
      },
      ...this.options,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const net = server.listen(port, '127.0.0.1', () => {
        const a = net.address();
        this.port = typeof a === 'object' && a ? a.port : 0;
        resolve();
      });
    });
    server.on('error', () => {});
    this.server = server;
    return this.port;
  }

  private answerRcpt(address: string, callback: (error?: Error | null) => void): void {
    if (this.refusedRecipients.has(address.toLowerCase())) {
      callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
      return;
    }
    callback();
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** How often each Message-ID arrived. */
  countByMessageId(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of this.received) counts.set(m.messageId ?? '', (counts.get(m.messageId ?? '') ?? 0) + 1);
    return counts;
  }
}

/** Waits until `check` holds, polling; for conditions another process or a timer brings about. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

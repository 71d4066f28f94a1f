import { type AddressObject, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Clock } from '../../domain/clock.js';
import type { MailSinkRepository, NewSinkMessage } from '../../store/mail-sink.repository.js';

/**
 * A local SMTP sink for demo and development, like a small MailHog: an SMTP server on loopback
 * that accepts every message and stores it, so `npm start` shows mail flowing without any outside
 * server. The demo mailbox points at it; `GET /api/mail-viewer/messages` lists what it received.
 *
 * It listens on 127.0.0.1 only, accepts any user name and password, and offers no STARTTLS
 * (there is no network to protect on loopback). Messages are written in small batches (group
 * commit) and the server answers 250 only once a message is stored.
 */
export interface MailSinkOptions {
  readonly host?: string;
  /** 0 picks a free port (tests); demo uses WERKFLOW_MAIL_SINK_PORT or 2525. */
  readonly port?: number;
  readonly maxMessageBytes?: number;
}

function addressText(a: AddressObject | AddressObject[] | undefined): string | null {
  if (!a) return null;
  return (Array.isArray(a) ? a : [a]).map((x) => x.text).join(', ');
}

export class MailSink {
  private server: SMTPServer | null = null;
  private boundPort = 0;
  private pending: { message: NewSinkMessage; done: (error?: unknown) => void }[] = [];
  private flushing: Promise<void> | null = null;
  private readonly listeners = new Set<(message: NewSinkMessage) => void>();
  readonly host: string;

  constructor(
    private readonly repo: MailSinkRepository,
    private readonly clock: Clock,
    private readonly options: MailSinkOptions = {},
  ) {
    this.host = options.host ?? '127.0.0.1';
  }

  get port(): number {
    return this.boundPort;
  }

  get isRunning(): boolean {
    return this.server !== null;
  }

  /** Called for every stored message (the bench counts deliveries with it). */
  onMessage(listener: (message: NewSinkMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<{ host: string; port: number }> {
    if (this.server) return { host: this.host, port: this.boundPort };
    const limit = this.options.maxMessageBytes ?? 25 * 1024 * 1024;
    const server = new SMTPServer({
      banner: 'Werkflow mail sink (local, nothing leaves this machine)',
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      size: limit,
      logger: false,
      disableReverseLookup: true,
      onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'anyone' }),
      onData: (stream, session, callback) => {
        this.receive(stream, session, limit).then(
          () => callback(),
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const net = server.listen(this.options.port ?? 2525, this.host, () => {
        server.off('error', reject);
        const address = net.address();
        this.boundPort = typeof address === 'object' && address ? address.port : 0;
        resolve();
      });
    });
    server.on('error', () => {
      /* client-side errors (a peer hanging up) are not the sink's problem */
    });
    this.server = server;
    return { host: this.host, port: this.boundPort };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.flushing;
  }

  private async receive(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    limit: number,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    }
    if (stream.sizeExceeded) {
      throw Object.assign(new Error(`Message is larger than ${limit} bytes`), { responseCode: 552 });
    }
    const raw = Buffer.concat(chunks);
    const parsed = await simpleParser(raw, {
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipImageLinks: true,
      skipTextLinks: true,
    });
    const headers: Record<string, string> = {};
    for (const line of parsed.headerLines) {
      const value = line.line.slice(line.line.indexOf(':') + 1).trim();
      headers[line.key] = headers[line.key] ? `${headers[line.key]}, ${value}` : value;
    }
    const from = session.envelope.mailFrom;
    const message: NewSinkMessage = {
      messageId: parsed.messageId ?? null,
      envelopeFrom: from ? from.address : null,
      envelopeTo: session.envelope.rcptTo.map((r) => r.address),
      from: addressText(parsed.from),
      to: addressText(parsed.to),
      cc: addressText(parsed.cc),
      subject: parsed.subject ?? null,
      htmlBody: typeof parsed.html === 'string' ? parsed.html : null,
      textBody: parsed.text ?? null,
      headers,
      size,
      receivedAt: this.clock.now(),
    };
    await new Promise<void>((resolve, reject) => {
      this.pending.push({ message, done: (error) => (error === undefined ? resolve() : reject(error)) });
      this.scheduleFlush();
    });
    for (const l of this.listeners) l(message);
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => {
        while (this.pending.length > 0) {
          const batch = this.pending;
          this.pending = [];
          try {
            await this.repo.insertMany(batch.map((p) => p.message));
            for (const p of batch) p.done();
          } catch (error) {
            for (const p of batch) p.done(error);
          }
        }
      })
      .finally(() => {
        this.flushing = null;
        if (this.pending.length > 0) this.scheduleFlush();
      });
  }
}

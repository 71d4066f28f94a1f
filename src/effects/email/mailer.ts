import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Clock } from '../../domain/clock.js';
import { coerceError } from '../../domain/errors.js';
import type { Store } from '../../store/database.js';
import type { EmailSettingsRepository } from '../../store/email-settings.repository.js';
import type { Mailbox, MailboxRepository } from '../../store/mailbox.repository.js';
import type { DeliveryResult, OutboxMessage, OutboxRepository } from '../../store/outbox.repository.js';
import { RateLimiter } from './rate-limiter.js';
import { type BackoffPolicy, retryDelay } from './retry-backoff.js';
import { type TransportPool, classifySmtpError } from './smtp-transport.js';

/**
 * The mailer drains the outbox over SMTP.
 *
 * 1. Claim: in one transaction, pick due `queued` rows (PostgreSQL: `FOR UPDATE SKIP LOCKED`,
 *    so several mailers share the work; SQLite: the single writer), apply each mailbox's rate
 *    limit, and mark the rest `sending` with `locked_by`/`locked_at`. This commits BEFORE any
 *    SMTP traffic: from here on, a crash leaves evidence.
 * 2. Send the batch over pooled connections, concurrently.
 * 3. Record every result in one transaction: `sent` with the server's reply; a temporary failure
 *    before anything of the message was transmitted (4xx, refused, DNS, greeting/TLS failure)
 *    back to `queued` with exponential back-off and jitter, until `maxAttempts`, then `failed`;
 *    a permanent failure (5xx) `failed` at once with the reply; a drop, timeout or reset once
 *    the transaction was under way `in_doubt` with the error (the server may have it).
 *
 * While a batch is out, its lease is renewed. Rows whose lease ran out while `sending` — their
 * mailer died between 1 and 3 — are swept to `in_doubt`: the server may have accepted them, so
 * they are neither resent nor dropped; a person resends (same Message-ID) or dismisses them.
 *
 * It wakes by timer at the earliest `next_attempt_at` (capped by `idlePollMs`, a safety net for
 * rows written by other processes), and at once on `kick()`.
 */
export interface MailerConfig {
  /** Written to `locked_by`; unique per process. */
  readonly workerId: string;
  readonly batchSize: number;
  /**
   * Batches out at the same time: while one batch is being sent, the next is claimed and sent,
   * so the connections do not idle while results are recorded.
   */
  readonly batchesInFlight: number;
  /** Attempts before a temporarily failing message is given up (`failed`). */
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  /** How long a claim holds without renewal before the message is declared in doubt. */
  readonly leaseMs: number;
  /** The longest the mailer sleeps without looking (rows enqueued by other processes). */
  readonly idlePollMs: number;
  /** Test mode from the environment (WERKFLOW_MAIL_REDIRECT_TO); wins over the setting. */
  readonly redirectAllTo: string | null;
  /**
   * Demo and sandbox: deliver every message to this SMTP server (the local sink) instead of its
   * mailbox's server, whatever the mailboxes say. Nothing leaves the machine.
   */
  readonly captureAt: { readonly host: string; readonly port: number } | null;
}

export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export const DEFAULT_MAILER_CONFIG: Omit<MailerConfig, 'workerId'> = {
  batchSize: 100,
  batchesInFlight: 2,
  maxAttempts: 8,
  backoff: { baseMs: 60_000, maxMs: 2 * 60 * 60_000 },
  leaseMs: 120_000,
  idlePollMs: 30_000,
  redirectAllTo: null,
  captureAt: null,
};

export interface MailerDeps {
  readonly store: Store;
  readonly outbox: OutboxRepository;
  readonly mailboxes: MailboxRepository;
  readonly settings: EmailSettingsRepository;
  readonly clock: Clock;
  readonly transports: TransportPool;
  /** The mailbox password, decrypted; throws a configuration error when it cannot be. */
  readonly passwordOf: (mailbox: Mailbox) => string | null;
  readonly random?: () => number;
  readonly log?: (message: string) => void;
  /** Logs and metrics (set by the composition root). */
  readonly observer?: MailerObserver;
}

/** What the mailer reports as it works, for logs and metrics. */
export interface MailerObserver {
  /** A round of the loop ended: `error` undefined when it worked. */
  readonly roundEnded?: (error: unknown) => void;
  /** One message went to its SMTP server (whatever the outcome), taking `ms`. */
  readonly delivered?: (result: DeliveryResult, ms: number) => void;
}

export interface DrainReport {
  readonly claimed: number;
  readonly sent: number;
  readonly retried: number;
  readonly failed: number;
  /** Lost mid-send (the server may have them): left for a person to resend or dismiss. */
  readonly inDoubt: number;
  readonly deferred: number;
}

const EMPTY: DrainReport = { claimed: 0, sent: 0, retried: 0, failed: 0, inDoubt: 0, deferred: 0 };

export class Mailer {
  config: MailerConfig;
  private readonly limiter = new RateLimiter();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private started = false;
  private stopped = false;
  private lastSweepAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly deps: MailerDeps,
    config: Partial<MailerConfig> = {},
  ) {
    this.config = { ...DEFAULT_MAILER_CONFIG, workerId: defaultWorkerId(), ...config };
    // A sandbox clock moved forward makes retries due: look at once.
    const clock = deps.clock as Clock & { onAdvance?: (listener: () => void) => void };
    if (typeof clock.onAdvance === 'function') clock.onAdvance(() => this.kick());
  }

  /** Sends everything to one local SMTP server from now on (see MailerConfig.captureAt). */
  captureAllAt(host: string, port: number): void {
    this.config = { ...this.config, captureAt: { host, port } };
  }

  get isRunning(): boolean {
    return this.started && !this.stopped;
  }

  /** Sweeps claims left by a dead mailer into `in_doubt`, then starts draining. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopped = false;
    await this.sweep();
    this.kick();
  }

  /** Stops waking, waits for the batch in flight to be recorded, closes the connections. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    this.deps.transports.closeAll();
  }

  /** Look now (after an enqueue has committed). Cheap; calls while a pass runs add one more pass. */
  kick(): void {
    if (!this.started || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  private log(message: string): void {
    (this.deps.log ?? ((m: string) => console.warn(m)))(message);
  }

  private async loop(): Promise<void> {
    let delay = this.config.idlePollMs;
    try {
      for (;;) {
        if (this.stopped) return;
        if (this.deps.clock.now() - this.lastSweepAt >= this.config.leaseMs / 2) await this.sweep();
        this.again = false;
        const report = await this.drainUntilIdle();
        if (report.claimed === 0 && !this.again) break;
      }
      const earliest = await this.deps.outbox.earliestDueAt();
      if (earliest !== null) delay = Math.max(0, earliest - this.deps.clock.now());
      this.deps.observer?.roundEnded?.(undefined);
    } catch (error) {
      this.log(`werkflow mailer: ${coerceError(error).message}; trying again shortly.`);
      this.deps.observer?.roundEnded?.(error);
      delay = Math.min(5_000, this.config.idlePollMs);
    }
    if (this.stopped) return;
    delay = Math.min(delay, this.config.idlePollMs, this.config.leaseMs / 2);
    if (this.again) delay = 0; // a kick came in after the last pass looked
    this.timer = setTimeout(() => this.kick(), delay);
    this.timer.unref();
  }

  /** Declares claims whose lease ran out `in_doubt`; returns how many. */
  async sweep(): Promise<number> {
    const now = this.deps.clock.now();
    this.lastSweepAt = now;
    const n = await this.deps.outbox.markExpiredInDoubt(now - this.config.leaseMs, now);
    if (n > 0) {
      this.log(
        `werkflow mailer: ${n} message${n === 1 ? ' was' : 's were'} being sent when a mailer stopped; marked in doubt for a person to resend or dismiss.`,
      );
    }
    return n;
  }

  /** One claim-send-record pass; the tests and the bench drive the mailer with it. */
  async drainOnce(): Promise<DrainReport> {
    const now = this.deps.clock.now();
    const { store, outbox } = this.deps;
    const claim = await store.db.transaction().execute(async (trx) => {
      const due = await outbox.selectDue(now, this.config.batchSize, trx);
      if (due.length === 0) return null;
      const mailboxes = new Map(
        (await this.deps.mailboxes.getMany([...new Set(due.map((m) => m.mailboxId))], trx)).map((m) => [
          m.id,
          m,
        ]),
      );
      const take: OutboxMessage[] = [];
      const later = new Map<number, string[]>();
      for (const message of due) {
        const mailbox = mailboxes.get(message.mailboxId);
        const slot = mailbox
          ? this.limiter.take(mailbox.id, mailbox.ratePerMinute, now)
          : { ok: true as const };
        if (slot.ok) take.push(message);
        else later.set(slot.retryAt, [...(later.get(slot.retryAt) ?? []), message.id]);
      }
      await outbox.markSending(
        take.map((m) => m.id),
        this.config.workerId,
        now,
        trx,
      );
      for (const [until, ids] of later) await outbox.defer(ids, until, now, trx);
      return { take, mailboxes, deferred: due.length - take.length };
    });
    if (!claim) return EMPTY;
    const settings = await this.deps.settings.getEmailSettings();
    const redirect = this.config.redirectAllTo ?? settings.redirectAllTo;
    const heartbeat = setInterval(() => {
      void this.renewLease(claim.take.map((m) => m.id)).catch(() => {});
    }, this.config.leaseMs / 3);
    heartbeat.unref();
    let results: DeliveryResult[];
    try {
      results = await Promise.all(
        claim.take.map(async (m) => {
          const started = performance.now();
          const result = await this.sendOne(m, claim.mailboxes.get(m.mailboxId), redirect);
          this.deps.observer?.delivered?.(result, performance.now() - started);
          return result;
        }),
      );
    } finally {
      clearInterval(heartbeat);
    }
    await store.db
      .transaction()
      .execute((trx) => outbox.recordResults(results, this.config.workerId, this.deps.clock.now(), trx));
    return {
      claimed: claim.take.length,
      sent: results.filter((r) => r.outcome === 'sent').length,
      retried: results.filter((r) => r.outcome === 'retry').length,
      failed: results.filter((r) => r.outcome === 'failed').length,
      inDoubt: results.filter((r) => r.outcome === 'in_doubt').length,
      deferred: claim.deferred,
    };
  }

  /** Drains until nothing is due now; for tests, the bench and the CLI. */
  runUntilIdle(): Promise<DrainReport> {
    return this.drainUntilIdle();
  }

  /** `batchesInFlight` lanes, each claiming and sending batches until none is left. */
  private async drainUntilIdle(): Promise<DrainReport> {
    const total = { claimed: 0, sent: 0, retried: 0, failed: 0, inDoubt: 0, deferred: 0 };
    const lane = async () => {
      for (;;) {
        if (this.stopped && this.started) return;
        const r = await this.drainOnce();
        total.claimed += r.claimed;
        total.sent += r.sent;
        total.retried += r.retried;
        total.failed += r.failed;
        total.inDoubt += r.inDoubt;
        total.deferred += r.deferred;
        if (r.claimed === 0) return;
      }
    };
    // allSettled: when one lane fails, the others still finish before the caller moves on.
    const lanes = await Promise.allSettled(
      Array.from({ length: Math.max(1, this.config.batchesInFlight) }, lane),
    );
    const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failed) throw failed.reason;
    return total;
  }

  private async renewLease(ids: readonly string[]): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.store.db
      .updateTable('email_outbox')
      .set({ locked_at: now })
      .where('id', 'in', [...ids])
      .where('locked_by', '=', this.config.workerId)
      .where('status', '=', 'sending')
      .execute();
  }

  private async sendOne(
    message: OutboxMessage,
    mailbox: Mailbox | undefined,
    redirect: string | null,
  ): Promise<DeliveryResult> {
    const attempt = message.attempts + 1;
    if (!mailbox) {
      return {
        id: message.id,
        outcome: 'failed',
        reply: `The mailbox this message was to be sent from (${message.mailboxId}) was deleted. Add it again, or dismiss this message.`,
      };
    }
    const capture = this.config.captureAt;
    let password: string | null = null;
    try {
      if (!capture) password = this.deps.passwordOf(mailbox);
    } catch (error) {
      return { id: message.id, outcome: 'failed', reply: coerceError(error).message };
    }
    const transport = capture
      ? this.deps.transports.get('capture', `${capture.host}:${capture.port}`, {
          host: capture.host,
          port: capture.port,
          security: 'none',
          username: null,
          password: null,
          allowInvalidCertificates: false,
          maxConnections: 10,
        })
      : this.deps.transports.get(mailbox.id, `${mailbox.version}:${mailbox.updatedAt}`, {
          host: mailbox.host,
          port: mailbox.port,
          security: mailbox.security,
          username: mailbox.username,
          password,
          allowInvalidCertificates: mailbox.allowInvalidCertificates,
          maxConnections: mailbox.maxConnections,
        });
    const headers: Record<string, string> = {
      'X-Werkflow-Outbox-Id': message.id,
      // RFC 3834: out-of-office robots must not answer automatic mail.
      'Auto-Submitted': 'auto-generated',
    };
    if (message.dossierId) headers['X-Werkflow-Dossier-Id'] = message.dossierId;
    const mail: Mail.Options = {
      messageId: message.messageId,
      from: { name: message.fromName, address: message.fromAddress },
      replyTo: message.replyTo ?? undefined,
      to: [...message.to],
      cc: message.cc.length > 0 ? [...message.cc] : undefined,
      bcc: message.bcc.length > 0 ? [...message.bcc] : undefined,
      subject: message.subject,
      html: message.htmlBody,
      text: message.textBody,
      headers,
      attachments: message.attachments.map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        content: a.contentBase64,
        encoding: 'base64',
      })),
    };
    if (redirect) {
      // Test mode: one address gets everything; the real recipients are named in headers.
      headers['X-Werkflow-Original-To'] = message.to.join(', ');
      if (message.cc.length > 0) headers['X-Werkflow-Original-Cc'] = message.cc.join(', ');
      if (message.bcc.length > 0) headers['X-Werkflow-Original-Bcc'] = message.bcc.join(', ');
      mail.to = [redirect];
      mail.cc = undefined;
      mail.bcc = undefined;
      mail.subject = `[TEST] ${message.subject}`;
    }
    const transports = this.deps.transports;
    transports.forgetTransaction(message.messageId);
    try {
      const info = await transport.sendMail(mail);
      const rejected = (info.rejected ?? []).map(String);
      const reply =
        rejected.length > 0
          ? `${info.response ?? 'accepted'}; but the server refused ${rejected.length === 1 ? 'this recipient' : 'these recipients'}, who did not get the message: ${rejected.join(', ')}`
          : (info.response ?? 'accepted');
      return { id: message.id, outcome: 'sent', reply, redirectedTo: redirect, refused: rejected };
    } catch (error) {
      const failure = classifySmtpError(error, transports.transactionStarted(message.messageId));
      if (failure.inDoubt) return { id: message.id, outcome: 'in_doubt', reply: failure.reply };
      if (failure.permanent) return { id: message.id, outcome: 'failed', reply: failure.reply };
      if (attempt >= this.config.maxAttempts) {
        return {
          id: message.id,
          outcome: 'failed',
          reply: `Gave up after ${attempt} attempts. Last answer: ${failure.reply}`,
        };
      }
      const wait = retryDelay(attempt, this.config.backoff, (this.deps.random ?? Math.random)());
      return {
        id: message.id,
        outcome: 'retry',
        reply: failure.reply,
        nextAttemptAt: this.deps.clock.now() + wait,
      };
    } finally {
      transports.forgetTransaction(message.messageId);
    }
  }
}

import { reason } from '../../domain/action/reasons.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../../domain/clock.js';
import { coerceError } from '../../domain/errors.js';
import type { Store } from '../../store/database.js';
import type { EmailSettingsRepository } from '../../store/email-settings.repository.js';
import type { Mailbox, MailboxRepository } from '../../store/mailbox.repository.js';
import type { DeliveryResult, OutboxMessage, OutboxRepository } from '../../store/outbox.repository.js';
import { RateLimiter } from './rate-limiter.js';
import { type BackoffPolicy, retryDelay } from './retry-backoff.js';
import { type GatedMail, type TransportPool, classifySmtpError } from './smtp-transport.js';

/**
 * The mailer drains the outbox over SMTP.
 *
 * 1. Claim: in one transaction, pick due `queued` rows (PostgreSQL: `FOR UPDATE SKIP LOCKED`,
 *    so several mailers share the work; SQLite: the single writer), apply each mailbox's rate
 *    limit, and mark the rest `sending` with `locked_by`/`locked_at`. This commits BEFORE any
 *    SMTP traffic: from here on, a crash leaves evidence.
 * 2. Send the batch over pooled connections, concurrently. When the server has answered a
 *    message's DATA, `data_sent_at` is written durably before the first byte of its content.
 * 3. Record every result as it comes (results arriving together share one transaction), so a
 *    connection's next message reaches DATA only once the previous one's result is durable:
 *    `sent` with the server's reply; a temporary failure before the content went out (4xx,
 *    refused, DNS, greeting/TLS failure, a drop before DATA) back to `queued` with exponential
 *    back-off and jitter, until `maxAttempts`, then `failed` — except that an unreachable server
 *    (an outage) never uses up the attempts and is tried again within `OUTAGE_RETRY_MS`; a
 *    permanent failure (5xx) `failed` at once with the reply; a drop, timeout or reset once the
 *    content was going out `in_doubt` with the error (the server may have it).
 *
 * A send that stalls (`sendTimeoutMs`) is given up and its connection closed, so no batch waits
 * for ever. While a batch is out, the lease of its unsettled messages is renewed every lease/3.
 * Rows whose lease ran out while `sending` — their mailer died between 1 and 3 — are swept: to
 * `in_doubt` when their content had gone out (the server may have them; a person resends, same
 * Message-ID, or dismisses them), else back to `queued`. So a crash leaves at most one message
 * in doubt per open connection.
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
  /** How long a claim holds without renewal before the sweeper takes the message back. */
  readonly leaseMs: number;
  /**
   * Stall detection: a send that has not settled this long after its SMTP transaction began
   * (or, still waiting for a connection, after it was handed to the pool) is given up: its
   * connection is closed, and the message is in doubt when its content had gone out, else
   * retried. Keep it well inside `leaseMs`.
   */
  readonly sendTimeoutMs: number;
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

/**
 * The longest wait before trying again a message whose server could not be reached (refused,
 * timed out, DNS, TLS): such failures do not use up its attempts, so an outage of any length
 * ends with every message delivered within this long of the server coming back.
 */
export const OUTAGE_RETRY_MS = 30_000;

export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export const DEFAULT_MAILER_CONFIG: Omit<MailerConfig, 'workerId'> = {
  batchSize: 100,
  batchesInFlight: 2,
  maxAttempts: 8,
  backoff: { baseMs: 60_000, maxMs: 2 * 60 * 60_000 },
  leaseMs: 120_000,
  sendTimeoutMs: 45_000,
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
  /**
   * A round of the loop ended: `error` undefined when it worked. With this observer the mailer
   * does not log a failed round itself: the observer does.
   */
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

  /**
   * Sweeps claims left by a dead mailer, then starts draining. On a database one process owns
   * (SQLite), every claim found at start is a dead process's, whatever its lease.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopped = false;
    await this.sweep(!this.deps.store.adapter.multiProcess);
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
      // An observer reports the error (the composition root logs it as the loop's error, level 50).
      if (this.deps.observer?.roundEnded) this.deps.observer.roundEnded(error);
      else this.log(`werkflow mailer: ${coerceError(error).message}; trying again shortly.`);
      delay = Math.min(5_000, this.config.idlePollMs);
    }
    if (this.stopped) return;
    delay = Math.min(delay, this.config.idlePollMs, this.config.leaseMs / 2);
    if (this.again) delay = 0; // a kick came in after the last pass looked
    this.timer = setTimeout(() => this.kick(), delay);
    this.timer.unref();
  }

  /**
   * Takes back claims whose lease ran out (`all`: every claim, on start of the one process that
   * owns the database): in doubt when the content had gone out, else queued again. Returns how
   * many were marked in doubt.
   */
  async sweep(all = false): Promise<number> {
    const now = this.deps.clock.now();
    this.lastSweepAt = now;
    const { inDoubt, requeued } = await this.deps.outbox.sweepExpired(
      all ? Number.MAX_SAFE_INTEGER : now - this.config.leaseMs,
      now,
    );
    if (inDoubt > 0) {
      this.log(
        `werkflow mailer: ${inDoubt} message${inDoubt === 1 ? ' was' : 's were'} being sent when a mailer stopped; marked in doubt for a person to resend or dismiss.`,
      );
    }
    if (requeued > 0) {
      this.log(
        `werkflow mailer: ${requeued} message${requeued === 1 ? ' was' : 's were'} claimed but not yet sent when a mailer stopped; queued again.`,
      );
    }
    return inDoubt;
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
    const writer = new DurableWriter(store, outbox, this.config.workerId, this.deps.clock);
    const sends = claim.take.map((m) => new PendingSend(m, performance.now()));
    const heartbeat = setInterval(() => {
      const open = sends.filter((p) => !p.settled).map((p) => p.message.id);
      if (open.length > 0) void this.renewLease(open).catch(() => {});
    }, this.config.leaseMs / 3);
    heartbeat.unref();
    const watchdog = setInterval(
      () => this.detectStalls(sends),
      Math.min(1000, this.config.sendTimeoutMs / 4),
    );
    watchdog.unref();
    let results: DeliveryResult[];
    try {
      results = await Promise.all(
        sends.map(async (p) => {
          const started = performance.now();
          const result = await this.sendOne(p, claim.mailboxes.get(p.message.mailboxId), redirect, writer);
          this.deps.observer?.delivered?.(result, performance.now() - started);
          await writer.record(result);
          return result;
        }),
      );
    } finally {
      clearInterval(heartbeat);
      clearInterval(watchdog);
    }
    return {
      claimed: claim.take.length,
      sent: results.filter((r) => r.outcome === 'sent').length,
      retried: results.filter((r) => r.outcome === 'retry').length,
      failed: results.filter((r) => r.outcome === 'failed').length,
      inDoubt: results.filter((r) => r.outcome === 'in_doubt').length,
      deferred: claim.deferred,
    };
  }

  /** Gives up sends that ran past `sendTimeoutMs` (see MailerConfig.sendTimeoutMs). */
  private detectStalls(sends: readonly PendingSend[]): void {
    const now = performance.now();
    for (const p of sends) {
      if (p.settled) continue;
      const since = this.deps.transports.transactionStartedAt(p.message.messageId) ?? p.handedAt;
      if (now - since < this.config.sendTimeoutMs) continue;
      const ms = this.config.sendTimeoutMs;
      const seconds = (ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1);
      p.stall(
        Object.assign(new Error(`The mail server did not finish the message within ${seconds} s`), {
          code: 'ETIMEDOUT',
        }),
      );
      this.deps.transports.abandon(p.message.messageId);
    }
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
    pending: PendingSend,
    mailbox: Mailbox | undefined,
    redirect: string | null,
    writer: DurableWriter,
  ): Promise<DeliveryResult> {
    const message = pending.message;
    const attempt = message.attempts + 1;
    if (!mailbox) {
      return {
        id: message.id,
        outcome: 'failed',
        reply: `The mailbox this message was to be sent from (${message.mailboxId}) was deleted. Add it again, or dismiss this message.`,
        coded: reason('reason.mailboxDeleted', { mailbox: message.mailboxId }),
      };
    }
    const capture = this.config.captureAt;
    let password: string | null = null;
    try {
      if (!capture) password = this.deps.passwordOf(mailbox);
    } catch (error) {
      const e = coerceError(error);
      return {
        id: message.id,
        outcome: 'failed',
        reply: e.message,
        ...(e.reason ? { coded: e.reason } : {}),
      };
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
    const mail: GatedMail = {
      // Between the server's answer to DATA and the first byte of content: durably note that
      // the server may have the message from here on. Refused once this send was given up.
      beforeContent: async () => {
        if (pending.settled) throw new Error('This send was given up; its content is not sent.');
        await writer.dataSent(message.id);
        if (pending.settled) throw new Error('This send was given up; its content is not sent.');
        pending.contentSent = true;
      },
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
      const info = await pending.race(transport.sendMail(mail));
      const rejected = (info.rejected ?? []).map(String);
      const reply =
        rejected.length > 0
          ? `${info.response ?? 'accepted'}; but the server refused ${rejected.length === 1 ? 'this recipient' : 'these recipients'}, who did not get the message: ${rejected.join(', ')}`
          : (info.response ?? 'accepted');
      return { id: message.id, outcome: 'sent', reply, redirectedTo: redirect, refused: rejected };
    } catch (error) {
      const failure = classifySmtpError(error, pending.contentSent);
      const coded = failure.coded ? { coded: failure.coded } : {};
      if (failure.inDoubt) return { id: message.id, outcome: 'in_doubt', reply: failure.reply, ...coded };
      if (failure.permanent) return { id: message.id, outcome: 'failed', reply: failure.reply, ...coded };
      // The server could not be reached (an outage, whatever its length): keep the message and
      // try again at most OUTAGE_RETRY_MS later, so it goes soon after the server is back.
      const unreachable = failure.connection;
      if (!unreachable && attempt >= this.config.maxAttempts) {
        return {
          id: message.id,
          outcome: 'failed',
          reply: `Gave up after ${attempt} attempts. Last answer: ${failure.reply}`,
          coded: reason('reason.mailGaveUp', { attempts: attempt, reply: failure.reply }),
        };
      }
      const backoff = retryDelay(attempt, this.config.backoff, (this.deps.random ?? Math.random)());
      const wait = unreachable ? Math.min(backoff, OUTAGE_RETRY_MS) : backoff;
      return {
        id: message.id,
        outcome: 'retry',
        reply: failure.reply,
        ...coded,
        nextAttemptAt: this.deps.clock.now() + wait,
      };
    } finally {
      transports.forgetTransaction(message.messageId);
    }
  }
}

/** One message of a batch on its way: settles once, by its result or by stall detection. */
class PendingSend {
  settled = false;
  /** The server answered DATA and the content was released (its fate is unknown until a reply). */
  contentSent = false;
  private giveUp: ((error: Error) => void) | null = null;

  constructor(
    readonly message: OutboxMessage,
    /** When (performance.now()) it was handed to the pool. */
    readonly handedAt: number,
  ) {}

  /** The send's own outcome, unless stall detection gives up on it first. */
  race<T>(send: Promise<T>): Promise<T> {
    const stalled = new Promise<never>((_, reject) => {
      this.giveUp = reject;
    });
    return Promise.race([send, stalled]).finally(() => {
      this.settled = true;
    });
  }

  stall(error: Error): void {
    this.settled = true;
    this.giveUp?.(error);
  }
}

/**
 * Makes the mailer's per-message state durable, coalescing what arrives together into one
 * transaction (in order: a connection's result is committed before its next message's
 * `data_sent_at`, which waits in the same or a later transaction).
 */
class DurableWriter {
  private dataSentIds: string[] = [];
  private results: DeliveryResult[] = [];
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly outbox: OutboxRepository,
    private readonly workerId: string,
    private readonly clock: Clock,
  ) {}

  dataSent(id: string): Promise<void> {
    this.dataSentIds.push(id);
    return this.wait();
  }

  record(result: DeliveryResult): Promise<void> {
    this.results.push(result);
    return this.wait();
  }

  private wait(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.flushing) this.flushing = this.flushLoop();
    return done;
  }

  private async flushLoop(): Promise<void> {
    // Let what arrives in the same turn join this transaction.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.waiters.length > 0) {
      const waiters = this.waiters;
      const ids = this.dataSentIds;
      const results = this.results;
      this.waiters = [];
      this.dataSentIds = [];
      this.results = [];
      try {
        await this.store.db.transaction().execute(async (trx) => {
          const now = this.clock.now();
          if (results.length > 0) await this.outbox.recordResults(results, this.workerId, now, trx);
          await this.outbox.markDataSent(ids, this.workerId, now, trx);
        });
        for (const w of waiters) w.resolve();
      } catch (error) {
        for (const w of waiters) w.reject(error);
      }
    }
    this.flushing = null;
  }
}

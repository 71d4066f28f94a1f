import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Action } from '../domain/action/action.js';
import { coerceError } from '../domain/errors.js';
import type { DeliveryResult } from '../store/outbox.repository.js';
import type { Store } from '../store/database.js';
import { MetricsRepository } from '../store/metrics.repository.js';

/**
 * The logger the engine writes to: the subset of pino (Fastify's logger) it uses. Lines are
 * structured: an object of fields first, then the message.
 */
export interface Logger {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

const nothing = () => {};
/** Writes nothing (tests, library use without a logger). */
export const silentLogger: Logger = {
  error: nothing,
  warn: nothing,
  info: nothing,
  debug: nothing,
  child: () => silentLogger,
};

/** The background loops whose errors and recoveries are logged and counted. */
export type LoopName = 'scheduler' | 'listen' | 'mailer';
export const LOOPS: readonly LoopName[] = ['scheduler', 'listen', 'mailer'];

/**
 * Logs a background loop's errors, and its recovery: the first round that works after one or
 * more failed is logged once ("recovered after N errors"), so an outage shows as an error burst
 * and one line when it is over.
 */
export class LoopHealth {
  private failures = 0;
  /** When the loop last finished a round (ok or not); undefined before the first. */
  lastRoundAt: number | undefined;

  constructor(
    readonly loop: LoopName,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly now: () => number,
  ) {
    metrics.loopHealthy.set({ loop }, 1);
  }

  get failing(): boolean {
    return this.failures > 0;
  }

  /** Counts and logs an error of the loop. */
  error(error: unknown): void {
    this.lastRoundAt = this.now();
    this.failures += 1;
    this.metrics.loopErrors.inc({ loop: this.loop });
    this.metrics.loopHealthy.set({ loop: this.loop }, 0);
    const err = coerceError(error);
    this.log.error(
      { loop: this.loop, err: error instanceof Error ? error : err, failures: this.failures },
      `${this.loop}: ${err.message}`,
    );
  }

  ok(): void {
    this.lastRoundAt = this.now();
    if (this.failures === 0) return;
    this.log.info(
      { loop: this.loop, failures: this.failures },
      `${this.loop}: recovered after ${this.failures} error${this.failures === 1 ? '' : 's'}`,
    );
    this.failures = 0;
    this.metrics.loopHealthy.set({ loop: this.loop }, 1);
  }
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const LATENESS = [0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 3600, 4 * 3600, 86_400];

/**
 * The Prometheus series of one Werkflow (prom-client, its own registry): counters and
 * histograms fed by the scheduler, mailer and webhook client as they work, and gauges read from
 * the database at scrape time. Each series is described in docs/operations.md.
 */
export class Metrics {
  readonly registry = new Registry();
  private defaultsCollected = false;
  private readonly repo: MetricsRepository;

  readonly schedulerWakeups: Counter;
  readonly batchSize: Histogram;
  readonly claimDuration: Histogram;
  readonly executeDuration: Histogram;
  readonly lateness: Histogram;
  readonly smtpDuration: Histogram<'outcome'>;
  readonly smtpErrors: Counter<'outcome'>;
  readonly webhookDuration: Histogram<'outcome'>;
  readonly webhookErrors: Counter<'reason'>;
  readonly loopErrors: Counter<'loop'>;
  readonly loopHealthy: Gauge<'loop'>;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {
    this.repo = new MetricsRepository(store);
    const registers = [this.registry];
    const repo = this.repo;
    this.schedulerWakeups = new Counter({
      name: 'werkflow_scheduler_wakeups_total',
      help: 'Rounds of the scheduler loop (timer, wake-up or notification).',
      registers,
    });
    this.batchSize = new Histogram({
      name: 'werkflow_scheduler_batch_size',
      help: 'Automatic actions claimed per batch.',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    });
    this.claimDuration = new Histogram({
      name: 'werkflow_scheduler_claim_duration_seconds',
      help: 'Time to claim a batch of due automatic actions.',
      buckets: SECONDS,
      registers,
    });
    this.executeDuration = new Histogram({
      name: 'werkflow_scheduler_execute_duration_seconds',
      help: 'Time to execute a claimed batch, effects and completion included.',
      buckets: SECONDS,
      registers,
    });
    this.lateness = new Histogram({
      name: 'werkflow_action_lateness_seconds',
      help: 'How long after its due time an automatic action was claimed for execution.',
      buckets: LATENESS,
      registers,
    });
    this.smtpDuration = new Histogram({
      name: 'werkflow_smtp_send_duration_seconds',
      help: 'Time to hand one message to its SMTP server, by outcome (sent, retry, failed, in_doubt).',
      labelNames: ['outcome'],
      buckets: SECONDS,
      registers,
    });
    this.smtpErrors = new Counter({
      name: 'werkflow_smtp_errors_total',
      help: 'Messages the SMTP server did not accept, by outcome (retry, failed, in_doubt).',
      labelNames: ['outcome'],
      registers,
    });
    this.webhookDuration = new Histogram({
      name: 'werkflow_webhook_duration_seconds',
      help: 'Time of one webhook call, by outcome (ok, error).',
      labelNames: ['outcome'],
      buckets: SECONDS,
      registers,
    });
    this.webhookErrors = new Counter({
      name: 'werkflow_webhook_errors_total',
      help: 'Webhook calls that failed, by reason (status, timeout, network, refused, redirect).',
      labelNames: ['reason'],
      registers,
    });
    this.loopErrors = new Counter({
      name: 'werkflow_loop_errors_total',
      help: 'Errors of the background loops (scheduler, listen, mailer).',
      labelNames: ['loop'],
      registers,
    });
    this.loopHealthy = new Gauge({
      name: 'werkflow_loop_healthy',
      help: '1 while a background loop works, 0 from its first error until it recovers.',
      labelNames: ['loop'],
      registers,
    });
    new Gauge({
      name: 'werkflow_actions',
      help: 'Actions by template and status (read from the database at scrape time).',
      labelNames: ['template', 'status'],
      registers,
      async collect() {
        this.reset();
        // While the database is down these series are absent (werkflow_database_up says why).
        const rows = await repo.actionsByTemplateAndStatus().catch(() => []);
        for (const r of rows) this.set({ template: r.templateId, status: r.status }, r.count);
      },
    });
    new Gauge({
      name: 'werkflow_outbox_messages',
      help: 'E-mail outbox messages by status (queued, sending, sent, failed, in_doubt, dismissed).',
      labelNames: ['status'],
      registers,
      async collect() {
        this.reset();
        for (const r of await repo.outboxByStatus().catch(() => [])) this.set({ status: r.status }, r.count);
      },
    });
    new Gauge({
      name: 'werkflow_database_up',
      help: '1 when the database answered at this scrape, 0 when it did not.',
      registers,
      async collect() {
        this.set(
          await repo.ping().then(
            () => 1,
            () => 0,
          ),
        );
      },
    });
    new Gauge({
      name: 'werkflow_db_pool_connections',
      help: 'PostgreSQL connection pool: connections by state (total, idle, waiting clients) and the maximum.',
      labelNames: ['state'],
      registers,
      collect() {
        const stats = store.poolStats?.();
        if (!stats) return;
        for (const state of ['total', 'idle', 'waiting', 'max'] as const) this.set({ state }, stats[state]);
      },
    });
  }

  /** The scheduler's batches: size, claim and execution time, lateness against the due time. */
  recordBatch(batch: readonly Pick<Action, 'dueAt'>[], claimMs: number, executeMs: number): void {
    this.batchSize.observe(batch.length);
    this.claimDuration.observe(claimMs / 1000);
    this.executeDuration.observe(executeMs / 1000);
    const now = this.now();
    for (const a of batch) if (a.dueAt !== null) this.lateness.observe(Math.max(0, now - a.dueAt) / 1000);
  }

  recordDelivery(result: DeliveryResult, ms: number): void {
    this.smtpDuration.observe({ outcome: result.outcome }, ms / 1000);
    if (result.outcome !== 'sent') this.smtpErrors.inc({ outcome: result.outcome });
  }

  /** The Prometheus text exposition of every series. */
  async text(): Promise<string> {
    if (!this.defaultsCollected) {
      // Process series (CPU, memory, event-loop lag as nodejs_eventloop_lag_*), from the first scrape on.
      collectDefaultMetrics({ register: this.registry });
      this.defaultsCollected = true;
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Whether the database answers (for /api/ready). */
  ping(): Promise<void> {
    return this.repo.ping();
  }
}

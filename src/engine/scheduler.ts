import { hostname } from 'node:os';
import type { Action } from '../domain/action/action.js';
import type { Clock } from '../domain/clock.js';
import { newId } from '../domain/id.js';
import { backoffStep } from '../domain/backoff.js';
import type { ListenEvents, Store } from '../store/database.js';
import type { PickedAction } from '../store/action.repository.js';
import { ACTIONS_CHANNEL, type ActionEngine } from './action-engine.js';
import type { ActionExecutor } from './action-executor.js';
import { reason } from '../domain/action/reasons.js';

export interface SchedulerOptions {
  /** Actions claimed and completed per batch. */
  readonly batchSize?: number;
  /**
   * A backlog is claimed in growing batches: after a full batch the next one takes twice as
   * many, up to this (default 4 × batchSize); a batch that is not full goes back to batchSize.
   * Fewer, larger transactions drain a backlog with less work per action (one commit and one
   * pick per batch); the write lock is held longer per batch while a backlog lasts.
   */
  readonly maxBatchSize?: number;
  /** How long a claim lasts before the sweeper gives the action to another worker. */
  readonly leaseMs?: number;
  /** Longest sleep: even without known work, look again after this (other processes stamp too). */
  readonly maxSleepMs?: number;
  /**
   * How often the sweeper looks for claims whose lease ran out, on its own timer (default: a
   * quarter of the lease, at most 15 s), so a dead worker's claims come back within lease + this
   * whatever this worker's ticks are doing.
   */
  readonly sweepEveryMs?: number;
  readonly onError?: (error: unknown) => void;
  /** Logs and metrics (set by the composition root). */
  readonly observer?: SchedulerObserver;
}

/** What the scheduler reports as it works, for logs and metrics. */
export interface SchedulerObserver {
  /** A round of the loop begins (timer, wake-up or notification). */
  readonly woke?: () => void;
  /** A round of the loop ended: `error` undefined when it worked. */
  readonly roundEnded?: (error: unknown) => void;
  /** A batch was claimed and executed (committed), with the time each step took. */
  readonly batch?: (batch: readonly PickedAction[], claimMs: number, executeMs: number) => void;
  /** The LISTEN connection (PostgreSQL) failed or came back. */
  readonly listen?: ListenEvents;
}

export interface TickReport {
  readonly executed: number;
  readonly markedDue: number;
  readonly expired: number;
  readonly swept: number;
}

/**
 * The scheduler wakes at the earliest due time (a timer, not a fixed poll), then:
 * 1. sweeps actions whose worker died (lease expired) back to pending (also on a timer of its
 *    own, `sweepEveryMs`, so a long busy tick does not hold them up);
 * 2. moves manual and semi-automatic actions whose time has come to `due` (the to-do list);
 * 3. expires open actions past their expiry;
 * 4. claims due automatic actions in batches and executes them.
 * It is woken early when new actions are stamped or the sandbox clock moves. On PostgreSQL
 * several processes may run one each: claims use FOR UPDATE SKIP LOCKED.
 */
export class Scheduler {
  readonly workerId = `${hostname()}:${process.pid}:${newId(0).slice(-8)}`;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = true;
  /** Set by stop(): a tick in progress finishes its batch and claims no more. */
  private stopRequested = false;
  private idle: Promise<void> = Promise.resolve();
  private readonly batchSize: number;
  private readonly maxBatchSize: number;
  /** The size of the next claim: batchSize, growing while batches come back full. */
  private claimSize: number;
  private readonly leaseMs: number;
  readonly maxSleepMs: number;
  private readonly sweepEveryMs: number;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly engine: ActionEngine,
    private readonly executor: ActionExecutor,
    private readonly clock: Clock,
    private readonly options: SchedulerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.maxBatchSize = Math.max(this.batchSize, options.maxBatchSize ?? 4 * this.batchSize);
    this.claimSize = this.batchSize;
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
    this.maxSleepMs = options.maxSleepMs ?? 30_000;
    this.sweepEveryMs = options.sweepEveryMs ?? Math.min(this.leaseMs / 4, 15_000);
  }

  /** Starts the loop. With `recoverAll` (one process owns the database, as with SQLite) every running action is recovered at once. */
  start(options: { recoverAll?: boolean } = {}): void {
    this.stopped = false;
    this.stopRequested = false;
    // PostgreSQL: actions stamped by other processes (the API, other workers) wake this one.
    this.unlisten = this.store
      .listen(
        ACTIONS_CHANNEL,
        (payload, own) => {
          // This process's own stamping echoed: it woke this scheduler after its commit already
          // (ActionEngine.onStamped; every NOTIFY on this channel is sent by a stamp that also
          // calls it), so the echo would only cost a second probe per create.
          if (own) return;
          // Another process's stamping (or, after a reconnect, an empty payload: a look).
          const dueAt = Number(payload);
          if (Number.isFinite(dueAt)) this.notifyDue(dueAt, { probe: true });
        },
        this.options.observer?.listen,
      )
      .catch((e: unknown) => {
        this.options.onError?.(e);
        return async () => {};
      });
    this.idle = this.store.db
      .transaction()
      .execute((db) =>
        this.engine.actions.sweep(
          options.recoverAll ? this.clock.now() + 1 : this.clock.now() - this.leaseMs,
          this.clock.now(),
          db,
        ),
      )
      .then(
        () => undefined,
        (e: unknown) => this.options.onError?.(e),
      )
      // Wake whether or not the sweep worked: a failed start-up sweep must not leave a worker idle for good.
      .then(() => this.wake());
    this.sweepTimer = setInterval(() => void this.sweepExpired(), this.sweepEveryMs);
    this.sweepTimer.unref();
  }

  private sweeping = false;

  /** The sweeper's own round: claims whose lease ran out go back to pending, and wake the loop. */
  private async sweepExpired(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    try {
      const now = this.clock.now();
      const swept = await this.store.db
        .transaction()
        .execute((db) => this.engine.actions.sweep(now - this.leaseMs, now, db));
      if (swept > 0) this.wake();
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      this.sweeping = false;
    }
  }

  /** Between start() and stop(). */
  get isStarted(): boolean {
    return !this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopRequested = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    await (
      await this.unlisten
    )();
    await this.idle;
    while (this.running || this.sweeping) await new Promise((r) => setTimeout(r, 10));
  }

  /** Runs a tick soon (new actions, a moved clock). Coalesces: a tick already running runs once more. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.immediate) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // Mark the immediate run as planned, so a later, later-dated plan cannot replace it.
    this.plannedAt = this.clock.now();
    // setImmediate, not setTimeout(0): Node makes a 0 ms timer wait 1 ms, a millisecond of
    // every add → start.
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      void this.loop();
    });
  }

  private immediate: NodeJS.Immediate | undefined;

  /** Called with a new action's due time: runs now when it is due, else plans the wake-up for it. */
  notifyDue(dueAt: number, options: { probe?: boolean } = {}): void {
    const due = dueAt <= this.clock.now();
    if (due) this.dueSignals += 1;
    if (this.stopped) return;
    if (this.running) {
      // The running loop reads the next wake-up from the database when it ends.
      if (due) this.again = true;
      return;
    }
    if (due) {
      if (!options.probe) this.wokenForDue = true;
      this.wake();
    } else this.planWake(dueAt);
  }

  /** The loop was woken for work due now (notifyDue): its first tick may go straight to claiming. */
  private wokenForDue = false;
  /** When the last work probe ran (performance.now(), real time whatever the clock). */
  private probedAt = Number.NEGATIVE_INFINITY;
  /** A tick woken for due work skips the probe when one ran this recently (ms). */
  static readonly PROBE_SKIP_MS = 1000;

  private plannedAt: number | undefined;
  /** Work due now announced so far (notifyDue): a tick claims again after a short batch only when this moved. */
  private dueSignals = 0;
  private idleRounds = 0;
  /** When the last tick looked for work (its probe and claims saw what was due by then). */
  private lookedAt = 0;
  /** Failed rounds in a row: the next one is tried after the back-off for this many. */
  private failedRounds = 0;
  private unlisten: Promise<() => Promise<void>> = Promise.resolve(async () => {});

  private planWake(at: number): void {
    if (this.stopped || this.running || this.immediate) return;
    if (this.plannedAt !== undefined && this.plannedAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.plannedAt = at;
    this.timer = setTimeout(
      () => void this.loop(),
      Math.max(0, Math.min(at - this.clock.now(), this.maxSleepMs)),
    );
  }

  private async loop(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    this.timer = undefined;
    this.plannedAt = undefined;
    this.options.observer?.woke?.();
    let executed = 0;
    // Woken for work due now, with a probe shortly before: claim at once (one read less between
    // add and start). Housekeeping waits for the next probe, at most PROBE_SKIP_MS away; what
    // falls due meanwhile (expiry, manual work) makes the next wake-up, read when the loop
    // ends, immediate, and that tick probes.
    let skipProbe = this.wokenForDue && performance.now() - this.probedAt < Scheduler.PROBE_SKIP_MS;
    this.wokenForDue = false;
    try {
      do {
        this.again = false;
        executed += (await this.tick({ skipProbe })).executed;
        skipProbe = false;
      } while (this.again && !this.stopped);
      this.failedRounds = 0;
      this.options.observer?.roundEnded?.(undefined);
    } catch (error) {
      this.failedRounds += 1;
      this.options.onError?.(error);
      this.options.observer?.roundEnded?.(error);
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    const now = this.clock.now();
    if (this.failedRounds > 0) {
      // The database is away (or the round fails otherwise): try again soon, 0.5 s doubling to
      // maxSleep, so the loop resumes within moments of its return instead of a full maxSleep later.
      this.planWake(now + backoffStep(this.failedRounds, { baseMs: 500, maxMs: this.maxSleepMs }));
      return;
    }
    const next = (await this.engine.actions.nextWakeAt().catch(() => null)) ?? now + this.maxSleepMs;
    const plan = nextRound({
      executed,
      next,
      lookedAt: this.lookedAt,
      now,
      idleRounds: this.idleRounds,
      maxSleepMs: this.maxSleepMs,
    });
    this.idleRounds = plan.idleRounds;
    this.planWake(plan.wakeAt);
  }

  /**
   * One round of work; also callable directly (tests, `werkflow worker --once`). It starts with
   * one read of what there is to do (`ActionRepository.workProbe`): an idle tick is that one
   * statement, and each step runs only when the probe found work for it.
   */
  async tick(options: { skipProbe?: boolean } = {}): Promise<TickReport> {
    const now = this.clock.now();
    this.lookedAt = now;
    await this.engine.refreshTemplates();
    // One read says whether there is anything to do: an idle tick is that statement alone.
    // Skipped (the loop was woken for due work, see loop()): claim, nothing else.
    const probe = options.skipProbe
      ? { due: true, sweep: false, waiting: false, fallingDue: false, expiring: false }
      : await this.engine.actions.workProbe(now, now - this.leaseMs);
    if (!options.skipProbe) this.probedAt = performance.now();
    const housekeeping = probe.sweep || probe.waiting || probe.fallingDue || probe.expiring;
    const { swept, markedDue, expired } = !housekeeping
      ? { swept: 0, markedDue: 0, expired: 0 }
      : await this.store.db.transaction().execute(async (db) => {
          const swept = await this.engine.actions.sweep(now - this.leaseMs, now, db);
          await this.engine.recheckWaiting(db);
          await this.engine.recheckFallingDue(db);
          const markedDue = await this.engine.actions.markDue(now, db);
          const expiring = await this.engine.actions.expiring(now, 1000, db);
          const expired = await this.engine.actions.cancel(
            expiring.map((a) => ({
              id: a.id,
              from: a.status,
              reason: reason('reason.expired'),
            })),
            'scheduler',
            now,
            db,
            'expired',
          );
          for (const a of expiring.filter((x) => expired.includes(x.id)))
            await this.engine.afterActionFinished(db, a, 'expired', 'scheduler');
          return { swept, markedDue, expired: expired.length };
        });
    let executed = 0;
    // Housekeeping may have made work due (a waiting action whose conditions hold again).
    if (!probe.due && !housekeeping) {
      // Nothing to do: the moment to copy SQLite's write-ahead log into the database file, which
      // the commits of work would otherwise do (see SQLITE_AUTOCHECKPOINT_PAGES). Cheap when the
      // log holds nothing new.
      await this.store.checkpoint?.();
      return { executed, markedDue, expired, swept };
    }
    for (;;) {
      if (this.stopRequested) break;
      const signals = this.dueSignals;
      const { claimed, size } = await this.claimAndRun();
      executed += claimed;
      // A batch that was not full took all that was due when it looked: look again only when
      // work due now was announced since (a chained action, another process's NOTIFY), instead
      // of one more empty claim (a transaction) per tick. Work that fell due meanwhile is found
      // by the next wake-up, planned from the database when the loop ends.
      if (claimed === 0 || (claimed < size && this.dueSignals === signals)) break;
    }
    return { executed, markedDue, expired, swept };
  }

  /**
   * Claims a batch of due automatic actions and runs it in the claiming transaction, so claim,
   * effects and completion commit together (half the writes of two transactions; a crash rolls
   * the claim back too). Webhook actions stay claimed and run after the commit, outside any
   * transaction. Should the combined transaction fail, the batch is claimed on its own and run
   * as before: a batch that keeps failing then waits for its lease instead of being retried at
   * once, again and again. Returns how many actions were claimed, of at most `size`.
   */
  private async claimAndRun(): Promise<{ claimed: number; size: number }> {
    const actor = `worker:${this.workerId}`;
    // Webhooks called while the database goes away: their completion is retried (and each failure
    // reported as the loop's error) while the lease holds.
    const run = { leaseMs: this.leaseMs, onRetry: (e: unknown) => this.options.onError?.(e) };
    let outside: Action[] = [];
    let claimed: PickedAction[] = [];
    const times = { start: performance.now(), claimed: 0 };
    const size = this.claimSize;
    // Assume the backlog ends here; a full batch below says it does not.
    this.claimSize = this.batchSize;
    try {
      await this.store.db.transaction().execute(async (db) => {
        // Picked, not yet written: the executor completes plain actions straight from pending and
        // claims only the others (see ActionExecutor.runPicked).
        const batch = await this.engine.actions.pickDue(this.clock.now(), size, db);
        times.claimed = performance.now();
        claimed = batch;
        if (batch.length > 0)
          outside = (await this.executor.runPicked(db, batch, this.workerId, actor)).outside;
      });
    } catch (error) {
      this.options.onError?.(error);
      const batch = await this.store.db
        .transaction()
        .execute((db) => this.engine.actions.claimDue(this.workerId, this.clock.now(), this.batchSize, db));
      if (batch.length === 0) return { claimed: 0, size: this.batchSize };
      try {
        await this.executor.run(batch, actor, run);
      } catch (again) {
        // The batch fails as a whole even on its own: record that on every action, so they
        // show up as failed with the reason instead of circling through leases for ever.
        this.options.onError?.(again);
        const message = `Could not be executed: ${(again as Error).message}`;
        await this.store.db.transaction().execute((db) =>
          this.engine.actions.transition(
            batch.map((a) => ({ id: a.id, from: 'running' as const, to: 'failed' as const, note: message })),
            actor,
            this.clock.now(),
            db,
            { error: message, locked_by: null, locked_at: null },
          ),
        );
      }
      return { claimed: batch.length, size: this.batchSize };
    }
    if (claimed.length === size) this.claimSize = Math.min(2 * size, this.maxBatchSize);
    if (claimed.length > 0) this.executor.afterCommit();
    if (outside.length > 0) await this.executor.run(outside, actor, run);
    if (claimed.length > 0)
      this.options.observer?.batch?.(claimed, times.claimed - times.start, performance.now() - times.claimed);
    return { claimed: claimed.length, size };
  }
}

/**
 * When the loop runs next, after a round that executed `executed` actions and read `next` as the
 * earliest due time. Work due by the time the round looked (`lookedAt`) that it could not claim
 * belongs to another worker (its rows are locked, or it waits for a retry): back off instead of
 * spinning on it, 50 ms doubling to maxSleep. Work that fell due after the round looked (while it
 * ran, or a timer that fired a moment early) is not such work: the loop runs for it at once. (The
 * round's end used to be the measure, which took such work for another worker's and started it
 * 50 ms late: delayed jobs' lateness p99 was 53 ms on a quiet machine.)
 */
export function nextRound(round: {
  readonly executed: number;
  readonly next: number;
  readonly lookedAt: number;
  readonly now: number;
  readonly idleRounds: number;
  readonly maxSleepMs: number;
}): { idleRounds: number; wakeAt: number } {
  const stuck = round.executed === 0 && round.next <= round.lookedAt;
  const idleRounds = stuck ? round.idleRounds + 1 : 0;
  const backoff = idleRounds === 0 ? 0 : backoffStep(idleRounds, { baseMs: 50, maxMs: round.maxSleepMs });
  return { idleRounds, wakeAt: Math.max(round.next, round.now + backoff) };
}

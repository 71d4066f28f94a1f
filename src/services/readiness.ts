import type { Clock } from '../domain/clock.js';
import { coerceError } from '../domain/errors.js';
import type { Store } from '../store/database.js';
import { MIGRATIONS } from '../store/migrations/index.js';
import { schemaVersion } from '../store/migrator.js';
import type { LoopHealth } from '../engine/observability.js';
import type { Scheduler } from '../engine/scheduler.js';

/** The answer of `GET /api/ready`: ready when every check passes. */
export interface Readiness {
  readonly ready: boolean;
  readonly checks: {
    readonly database: { readonly ok: boolean; readonly error?: string };
    readonly migrations: { readonly ok: boolean; readonly current: number | null; readonly expected: number };
    readonly scheduler: {
      readonly ok: boolean;
      readonly state: 'not_started' | 'alive' | 'stalled';
      readonly failing: boolean;
    };
  };
}

/**
 * For orchestrators: the database answers, its schema is the one this code expects, and the
 * scheduler loop (when started in this process) has finished a round recently or is in one.
 * The composition root tells it when a scheduler round starts and ends.
 */
export class ReadinessService {
  private roundStartedAt: number | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly loop: LoopHealth,
  ) {}

  roundStarted(): void {
    this.roundStartedAt = this.clock.now();
  }

  roundEnded(): void {
    this.roundStartedAt = undefined;
  }

  async check(): Promise<Readiness> {
    const expected = MIGRATIONS.length;
    let database: Readiness['checks']['database'] = { ok: true };
    let current: number | null = null;
    try {
      current = await schemaVersion(this.store);
    } catch (error) {
      database = { ok: false, error: coerceError(error).message };
    }
    const started = this.scheduler.isStarted;
    const last = this.loop.lastRoundAt;
    const inRound = this.roundStartedAt !== undefined;
    // A round that ended within three of its longest sleeps means the timer still fires.
    const recent = last !== undefined && this.clock.now() - last <= 3 * this.scheduler.maxSleepMs + 5_000;
    const state = !started ? 'not_started' : inRound || recent || last === undefined ? 'alive' : 'stalled';
    const checks: Readiness['checks'] = {
      database,
      migrations: { ok: current === expected, current, expected },
      scheduler: { ok: state !== 'stalled', state, failing: this.loop.failing },
    };
    return { ready: database.ok && checks.migrations.ok && checks.scheduler.ok, checks };
  }
}

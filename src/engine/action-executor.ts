import { sql } from 'kysely';
import type { Clock } from '../domain/clock.js';
import { type Action, type ActionStatus, retryDelayMs } from '../domain/action/action.js';
import { evaluateCondition, referencePaths } from '../domain/condition/index.js';
import type { Dossier } from '../domain/dossier.js';
import type { DossierTypeCatalog } from '../domain/dossier-type.js';
import { coerceError } from '../domain/errors.js';
import type { Effect, TemplateDefinition } from '../domain/template/action-template.js';
import { effectiveCondition } from '../domain/template/template-index.js';
import type { PickedAction } from '../store/action.repository.js';
import { EFFECTS, applyEffect } from '../effects/index.js';
import type { Db, Store } from '../store/database.js';
import type { ActionEngine } from './action-engine.js';
import { withoutChanged } from './action-engine.js';
import type { DossierWriter, EffectResult } from '../effects/effect.js';
import type { DossierRepository } from '../store/dossier.repository.js';
import type { EmailPort, WebhookPort } from './effect-ports.js';
import { runLimited } from './host-limiter.js';
import { backoffStep } from '../domain/backoff.js';
import { isConnectionFailure } from '../store/database.js';
import { DossierGraph } from './reference-loader.js';
import { asCausedBy, chainTooDeep } from './chain-depth.js';
import { type Reason, reason, reasonText, textReason } from '../domain/action/reasons.js';

/**
 * Why an action must not perform its effect, as its outcome: found too late (skipIfLateHours; not
 * when a person pressed Execute) or too deep in a chain of actions (maxDepth). Undefined when it may.
 */
function stopBeforeEffect(
  action: Pick<Action, 'dueAt' | 'chainDepth'>,
  def: TemplateDefinition,
  now: number,
  byPerson: boolean,
): Outcome | undefined {
  if (
    !byPerson &&
    def.skipIfLateHours !== undefined &&
    action.dueAt !== null &&
    now - action.dueAt > def.skipIfLateHours * 3_600_000
  )
    return {
      kind: 'skip',
      reason: reason('reason.skippedLate', { hours: def.skipIfLateHours }),
      wait: false,
    };
  const tooDeep = chainTooDeep(action, def);
  return tooDeep === undefined
    ? undefined
    : { kind: 'error', message: reasonText(tooDeep, 'en'), retry: false, reason: tooDeep };
}

/**
 * Webhook calls at the same time: to one host (a receiver is not flooded), and in all. A batch's
 * calls to one host run this many at a time; see `ActionExecutor.callWebhooks`.
 */
export const WEBHOOK_LIMITS = { perHost: 16, total: 64 } as const;

/** The host a webhook calls (its per-host limit); an unparsable URL fails on the call itself. */
function webhookHost(def: TemplateDefinition | undefined): string {
  if (def?.effect.type !== 'webhook') return '';
  try {
    return new URL(def.effect.url).host;
  } catch {
    return def.effect.url;
  }
}

/** How often an automatic action is tried before it stays failed for a person to look at. */
export const MAX_ATTEMPTS = 5;

type Counts = { done: number; failed: number; skipped: number };

type Outcome =
  | { readonly kind: 'done'; readonly result: unknown; readonly notes?: Reason }
  | { readonly kind: 'skip'; readonly reason: Reason; readonly wait: boolean }
  | {
      readonly kind: 'error';
      readonly message: string;
      readonly retry: boolean;
      /** The message as a code with params, when the error carried one (WerkflowError.reason). */
      readonly reason?: Reason;
    };

/** The outcome of a performed effect: its stored result, and its notes (recipient rules that yielded no address) as one reason. */
function doneOutcome({ stored, notes }: EffectResult): Outcome {
  return {
    kind: 'done',
    result: stored,
    ...(notes && notes.length > 0 ? { notes: reason('reason.recipientNotes', { problems: notes }) } : {}),
  };
}

/** Effects that cannot fail once their inputs are loaded: no savepoint needed around them. */
const SAFE_EFFECTS = new Set((Object.keys(EFFECTS) as Effect['type'][]).filter((type) => EFFECTS[type].safe));

/** The dossier reads and writes the executor needs (the dossier service in src/services/). */
export interface EngineDossiers extends DossierWriter {
  readonly dossiers: DossierRepository;
}

/**
 * Executes claimed actions: re-checks conditions, performs the effect inside the transaction
 * that completes the action (an e-mail becomes an outbox row, a status change a dossier write),
 * so an action is done exactly when its effect is. Webhooks are the exception: they are called
 * before that transaction, with the action id as idempotency key for the receiver.
 */
export class ActionExecutor {
  email: EmailPort | undefined;

  constructor(
    private readonly store: Store,
    private readonly engine: ActionEngine,
    private readonly dossierService: EngineDossiers,
    private readonly catalog: () => DossierTypeCatalog,
    private readonly clock: Clock,
    private readonly webhook: WebhookPort,
  ) {}

  /**
   * Runs actions that are `running` (claimed); records every outcome. `byPerson`: a person pressed
   * Execute (then "skip if late" does not apply: the person chose to run it now).
   */
  async run(
    actions: readonly Action[],
    actor: string,
    options: { byPerson?: boolean; leaseMs?: number; onRetry?: (error: unknown) => void } = {},
  ): Promise<Counts> {
    const defs = await this.definitions(actions, this.store.db);
    // Webhooks first, outside the transaction: a network call must not hold the write lock.
    const webhooks = actions.filter((a) => defs.get(a.id)?.effect.type === 'webhook');
    // Too late or too deep in a chain: not called; complete() records why.
    const toCall = webhooks.filter(
      (a) => !stopBeforeEffect(a, defs.get(a.id)!, this.clock.now(), options.byPerson === true),
    );
    const external = await this.callWebhooks(toCall, defs, options.leaseMs);
    const complete = async () => {
      const counts = { done: 0, failed: 0, skipped: 0 };
      await this.store.db
        .transaction()
        .execute((db) =>
          this.complete(db, actions, defs, external, actor, counts, options.byPerson === true),
        );
      return counts;
    };
    // Receivers were called: their outcome must not be lost to a database that is away for a
    // moment, or the actions would be called again once their lease runs out.
    const counts =
      external.size > 0 && options.leaseMs !== undefined
        ? await whileLeaseHolds(complete, options.leaseMs, options.onRetry)
        : await complete();
    this.afterCommit();
    return counts;
  }

  /**
   * Calls the webhooks of claimed actions concurrently: at most `WEBHOOK_LIMITS.perHost` calls at
   * a time to one host (a receiver is not flooded), `WEBHOOK_LIMITS.total` in all. While calls
   * are out, the lease of the claimed ones still waiting or in flight is renewed every lease/3
   * (one statement for the lot, not one per call), so slow receivers do not let it run out and
   * another worker call them a second time; a finished call's action is no longer renewed.
   */
  private async callWebhooks(
    webhooks: readonly Action[],
    defs: ReadonlyMap<string, TemplateDefinition>,
    leaseMs: number | undefined,
  ): Promise<Map<string, Outcome>> {
    const external = new Map<string, Outcome>();
    if (webhooks.length === 0) return external;
    const dossiers = new Map(
      (await this.dossierService.dossiers.getMany([...new Set(webhooks.map((a) => a.dossierId))])).map(
        (d) => [d.id, d],
      ),
    );
    const open = new Set(webhooks.filter((a) => a.lockedBy !== null).map((a) => a.id));
    const owner = webhooks.find((a) => a.lockedBy !== null)?.lockedBy ?? null;
    const heartbeat =
      owner !== null && leaseMs !== undefined
        ? setInterval(() => {
            if (open.size === 0) return;
            void this.engine.actions
              .renewLease([...open], owner, this.clock.now(), this.store.db)
              .catch(() => {});
          }, leaseMs / 3)
        : null;
    heartbeat?.unref();
    try {
      const limits = { perKey: WEBHOOK_LIMITS.perHost, total: WEBHOOK_LIMITS.total };
      await runLimited(
        webhooks,
        (a) => webhookHost(defs.get(a.id)),
        limits,
        async (a) => {
          const def = defs.get(a.id)!;
          const dossier = dossiers.get(a.dossierId);
          try {
            if (def.effect.type !== 'webhook' || !dossier) return; // reported as "dossier deleted" below
            const r = await this.webhook.post({
              url: def.effect.url,
              secret: def.effect.secret,
              actionId: a.id,
              body: { action: { id: a.id, title: a.title, templateId: a.templateId }, dossier },
            });
            external.set(a.id, { kind: 'done', result: { webhookStatus: r.status } });
          } catch (error) {
            // A refused (internal) address or an unopenable secret is a configuration problem a
            // person must fix: failed at once. Anything else (5xx, timeout, network) is retried.
            const e = coerceError(error);
            external.set(a.id, {
              kind: 'error',
              message: e.message,
              retry: e.code !== 'configuration',
              reason: e.reason,
            });
          } finally {
            open.delete(a.id);
          }
        },
      );
    } finally {
      if (heartbeat) clearInterval(heartbeat);
    }
    return external;
  }

  /** Called after a transaction that completed actions has committed (the mailer sends the new outbox rows). */
  afterCommit: () => void = () => {};

  /**
   * Runs claimed actions inside the caller's transaction — the one that claimed them — so claim,
   * effect and completion commit together: half the writes of claiming first, and a crash leaves
   * the actions pending as if never claimed. Actions whose effect must not run inside a
   * transaction (webhooks: a network call) are left running and returned, for `run` after commit.
   */
  async runInTransaction(
    db: Db,
    actions: readonly Action[],
    actor: string,
  ): Promise<{ counts: Counts; outside: Action[] }> {
    const defs = await this.definitions(actions, db);
    const outside = actions.filter((a) => defs.get(a.id)?.effect.type === 'webhook');
    const inside =
      outside.length === 0 ? actions : actions.filter((a) => defs.get(a.id)?.effect.type !== 'webhook');
    const counts = { done: 0, failed: 0, skipped: 0 };
    if (inside.length > 0) await this.complete(db, inside, defs, new Map(), actor, counts, false);
    return { counts, outside };
  }

  /**
   * Runs actions picked by `ActionRepository.pickDue` (locked, still pending in the database) in
   * the caller's transaction. Those with nothing to do but be done — no effect, no follow-up, no
   * re-check at due time, not too late or too deep in a chain — go from pending to done in one
   * statement with both history entries; the others are claimed (running) and run as
   * `runInTransaction` does, after them.
   */
  async runPicked(
    db: Db,
    picked: readonly PickedAction[],
    workerId: string,
    actor: string,
  ): Promise<{ counts: Counts; outside: Action[] }> {
    const now = this.clock.now();
    const definitionOf = await this.versionsOf(picked, db);
    const plain: PickedAction[] = [];
    for (const a of picked) {
      const def = definitionOf(a);
      if (
        a.dossierExists &&
        def !== undefined &&
        SAFE_EFFECTS.has(def.effect.type) &&
        !this.recheckCanFail(def) &&
        !this.engine.hasFollowUps(a, def) &&
        stopBeforeEffect(a, def, now, false) === undefined
      )
        plain.push(a);
    }
    const done = plain.length > 0 ? await this.engine.actions.completePicked(plain, actor, now, db) : [];
    // Every picked action done (the usual backlog): no set of ids to look the others up in.
    if (done.length === picked.length)
      return { counts: { done: done.length, failed: 0, skipped: 0 }, outside: [] };
    const doneIds = new Set(done);
    const others = picked.filter((a) => !doneIds.has(a.id));
    // The others in full (the pick read only what decides how an action runs), then claimed.
    const rest = await this.engine.actions.claimPicked(
      await this.engine.actions.readPicked(others, workerId, now, db),
      workerId,
      now,
      db,
    );
    if (rest.length === 0) return { counts: { done: done.length, failed: 0, skipped: 0 }, outside: [] };
    const r = await this.runInTransaction(db, rest, actor);
    return { counts: { ...r.counts, done: r.counts.done + done.length }, outside: r.outside };
  }

  /** Whether re-checking at due time could stop the action (see `perform`). */
  private recheckCanFail(def: TemplateDefinition): boolean {
    if (!def.recheckAtDue) return false;
    if (def.fanOut || !this.catalog().get(def.dossierType)) return true;
    return !this.engine.alwaysHoldsWithoutChanged(def);
  }

  /** The definition of each action's template version, by action id (each version looked up once). */
  private async definitions(
    actions: readonly Pick<Action, 'id' | 'templateId' | 'templateVersion'>[],
    db: Db,
  ): Promise<Map<string, TemplateDefinition>> {
    const definitionOf = await this.versionsOf(actions, db);
    const defs = new Map<string, TemplateDefinition>();
    for (const a of actions) {
      const def = definitionOf(a);
      if (def) defs.set(a.id, def);
    }
    return defs;
  }

  /**
   * The template versions of a batch of actions, each looked up once, as a lookup of an action's
   * definition. The engine keeps the versions it found for good; one not found is undefined for
   * this batch only (it may be published later). A batch mostly runs one version: an action of
   * the same version as the one before is answered without a map lookup (a drained backlog ran
   * in V8's interpreter, where four map lookups per action were ~700 instructions, callgrind).
   */
  private async versionsOf(
    actions: readonly Pick<Action, 'templateId' | 'templateVersion'>[],
    db: Db,
  ): Promise<(a: Pick<Action, 'templateId' | 'templateVersion'>) => TemplateDefinition | undefined> {
    const byTemplate = new Map<string, Map<number, TemplateDefinition | undefined>>();
    let last: Pick<Action, 'templateId' | 'templateVersion'> | undefined;
    for (const a of actions) {
      if (
        last !== undefined &&
        last.templateId === a.templateId &&
        last.templateVersion === a.templateVersion
      )
        continue;
      last = a;
      let versions = byTemplate.get(a.templateId);
      if (versions === undefined) byTemplate.set(a.templateId, (versions = new Map()));
      if (!versions.has(a.templateVersion))
        versions.set(a.templateVersion, await this.engine.definitionOf(a.templateId, a.templateVersion, db));
    }
    let seen:
      { templateId: string; templateVersion: number; def: TemplateDefinition | undefined } | undefined;
    return (a) => {
      if (
        seen === undefined ||
        seen.templateId !== a.templateId ||
        seen.templateVersion !== a.templateVersion
      )
        seen = {
          templateId: a.templateId,
          templateVersion: a.templateVersion,
          def: byTemplate.get(a.templateId)?.get(a.templateVersion),
        };
      return seen.def;
    };
  }

  /** Performs the effects and records the outcomes of running actions inside `db`. */
  private async complete(
    db: Db,
    claimed: readonly Action[],
    defs: ReadonlyMap<string, TemplateDefinition>,
    external: ReadonlyMap<string, Outcome>,
    actor: string,
    counts: Counts,
    byPerson: boolean,
  ): Promise<void> {
    const now = this.clock.now();
    // Only actions still running under our claim: a person may have cancelled one meanwhile, or
    // (after a lease ran out) another worker may have taken it over. Their outcome is not ours.
    const owned = await this.engine.actions.stillClaimed(claimed, db);
    const actions = claimed.filter((a) => owned.has(a.id));
    const graph = new DossierGraph(this.dossierService.dossiers, db, this.catalog());
    await graph.load(actions.map((a) => a.dossierId));
    const doneIds: string[] = [];
    const doneWithResult = new Map<string, unknown>();
    const doneNotes = new Map<string, Reason>();
    const finished: Action[] = [];
    for (const [i, action] of actions.entries()) {
      const def = defs.get(action.id);
      let outcome: Outcome;
      if (!def)
        outcome = {
          kind: 'error',
          message: `Template version ${action.templateVersion} of ${action.templateId} is gone.`,
          retry: false,
          reason: reason('reason.templateVersionGone', {
            version: action.templateVersion,
            template: action.templateId,
          }),
        };
      else if (stopBeforeEffect(action, def, now, byPerson))
        outcome = stopBeforeEffect(action, def, now, byPerson)!;
      else if (external.has(action.id)) outcome = external.get(action.id)!;
      else {
        // The savepoint also covers what completing stamps (chained templates, a reminder), so a
        // failure there fails this action alone instead of the whole batch.
        const guarded = !SAFE_EFFECTS.has(def.effect.type) || this.engine.hasFollowUps(action, def);
        if (guarded) await sql`savepoint ${sql.raw(`a${i}`)}`.execute(db);
        try {
          // What the effect and the completion stamp is one step deeper in the chain.
          outcome = await asCausedBy(action, async () => {
            const result = await this.perform(db, action, def, graph, actor);
            if (result.kind === 'done') {
              if (result.result !== undefined && result.result !== null)
                await this.engine.actions.setResult(action.id, result.result, db);
              await this.engine.afterActionFinished(db, action, 'done', actor, { performed: true });
            }
            return result;
          });
          if (guarded) await sql`release savepoint ${sql.raw(`a${i}`)}`.execute(db);
        } catch (error) {
          if (guarded) await sql`rollback to savepoint ${sql.raw(`a${i}`)}`.execute(db);
          const e = coerceError(error);
          // A person must fix validation and state problems; infrastructure hiccups are retried.
          outcome = { kind: 'error', message: e.message, retry: e.code === 'internal', reason: e.reason };
        }
      }
      switch (outcome.kind) {
        case 'done':
          if (outcome.notes) doneNotes.set(action.id, outcome.notes);
          if (external.has(action.id)) {
            // Completed with its result in one statement: one row version per action, not two.
            if (outcome.result !== undefined && outcome.result !== null)
              doneWithResult.set(action.id, outcome.result);
            else doneIds.push(action.id);
            finished.push(action);
          } else doneIds.push(action.id);
          counts.done++;
          break;
        case 'skip':
          counts.skipped++;
          if (outcome.wait) {
            await this.engine.actions.transition(
              [{ id: action.id, from: 'running', to: 'waiting', note: outcome.reason }],
              actor,
              now,
              db,
              { locked_by: null, locked_at: null },
            );
          } else {
            await this.engine.actions.cancel(
              [{ id: action.id, from: 'running', reason: outcome.reason }],
              actor,
              now,
              db,
            );
          }
          break;
        case 'error': {
          counts.failed++;
          const again =
            outcome.retry && action.executionMode === 'automatic' && action.attempts < MAX_ATTEMPTS;
          const to: ActionStatus = again ? 'pending' : 'failed';
          // The English words as they were; code and params so each reader gets their language.
          const error = outcome.reason ?? textReason(outcome.message);
          const errorLabel = { nl: reasonText(error, 'nl'), en: outcome.message };
          const note = again
            ? reason('reason.retrying', { attempt: action.attempts, error: errorLabel })
            : error;
          await this.engine.actions.transition(
            [{ id: action.id, from: 'running', to, note }],
            actor,
            now,
            db,
            {
              error: outcome.message,
              error_code: error.code,
              error_params: this.store.adapter.toJson(error.params) as string,
              locked_by: null,
              locked_at: null,
              ...(again ? { due_at: now + retryDelayMs(action.attempts) } : {}),
            },
          );
          break;
        }
      }
    }
    await this.engine.actions.completeMany(doneIds, actor, now, db, doneWithResult, doneNotes);
    // Webhook actions ran before this transaction; what they stamp is stamped here.
    for (const a of finished)
      await asCausedBy(a, () => this.engine.afterActionFinished(db, a, 'done', actor, { performed: true }));
  }

  /** Re-checks and performs one action's effect inside `db`. */
  private async perform(
    db: Db,
    action: Action,
    def: TemplateDefinition,
    graph: DossierGraph,
    actor: string,
  ): Promise<Outcome> {
    const dossier = graph.get(action.dossierId);
    if (!dossier) return { kind: 'skip', reason: reason('reason.dossierDeleted'), wait: false };
    if (def.recheckAtDue) {
      const root = def.fanOut
        ? (graph.get(String(dossier.data[def.fanOut.field] ?? '')) ??
          (await this.loadRoot(graph, dossier, def.fanOut.field)))
        : dossier;
      if (!root) return { kind: 'skip', reason: reason('reason.rootGone'), wait: false };
      const holds = await this.conditionsHold(def, root, graph);
      if (!holds)
        return {
          kind: 'skip',
          reason: reason('reason.conditionsFailedAtDue'),
          wait: def.whenConditionsFail === 'wait',
        };
    }
    return doneOutcome(await this.applyEffect(db, action, def, dossier, graph, actor));
  }

  private async loadRoot(graph: DossierGraph, dossier: Dossier, field: string): Promise<Dossier | undefined> {
    const id = dossier.data[field];
    if (typeof id !== 'string') return undefined;
    await graph.load([id]);
    return graph.get(id);
  }

  private async conditionsHold(
    def: TemplateDefinition,
    root: Dossier,
    graph: DossierGraph,
  ): Promise<boolean> {
    const catalog = this.catalog();
    const type = catalog.get(def.dossierType);
    if (!type) return false;
    const condition = withoutChanged(effectiveCondition(def));
    await graph.preload([root], referencePaths(condition));
    const calendar = await this.engine.calendar();
    return evaluateCondition(condition, {
      type,
      catalog,
      data: root.data,
      resolve: graph.resolverFor(root),
      now: this.clock.now(),
      timeZone: calendar.timeZone,
    });
  }

  /** Performs the effect through its handler in src/effects/ (one file per effect type). */
  private async applyEffect(
    db: Db,
    action: Action,
    def: TemplateDefinition,
    dossier: Dossier,
    graph: DossierGraph,
    actor: string,
  ): Promise<EffectResult> {
    return applyEffect(def.effect, {
      db,
      action,
      def,
      dossier,
      actor,
      now: this.clock.now(),
      catalog: this.catalog(),
      graph,
      dossiers: this.dossierService,
      email: this.email,
      calendar: () => this.engine.calendar(),
      resolveAssignee: (rule, root) => this.engine.resolveAssignee(rule, root, graph),
    });
  }
}

/**
 * Runs `write` (recording the outcomes of webhook calls already made); when it fails because the
 * database connection failed (PostgreSQL restarting or crashed, the network gone), it is tried
 * again — 0.5 s doubling to 5 s — for up to half the lease from now: the calls renewed the lease
 * at most a third of it ago, so the claim is still ours, and completing re-checks that it is
 * (`stillClaimed`), so a write that did commit before its answer was lost changes nothing when
 * repeated. Other errors, and the last one past the deadline, are thrown. `onRetry` hears of
 * every failure that is tried again (the scheduler logs it as its error).
 */
async function whileLeaseHolds<T>(
  write: () => Promise<T>,
  leaseMs: number,
  onRetry: ((error: unknown) => void) | undefined,
): Promise<T> {
  const deadline = performance.now() + leaseMs / 2;
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const wait = backoffStep(attempt, { baseMs: 500, maxMs: 5_000 });
      if (!isConnectionFailure(error) || performance.now() + wait > deadline) throw error;
      onRetry?.(error);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

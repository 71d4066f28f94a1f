import type { Action, ActionStatus } from '../domain/action/action.js';
import { type Label, type Reason, reason, reasonText } from '../domain/action/reasons.js';
import type { Clock } from '../domain/clock.js';
import { referencePaths } from '../domain/condition/index.js';
import type { Dossier } from '../domain/dossier.js';
import type { DossierTypeCatalog } from '../domain/dossier-type.js';
import { WerkflowError } from '../domain/errors.js';
import type { ActiveTemplate, TemplateDefinition } from '../domain/template/action-template.js';
import { dueTimeOf, expiryOf, idempotencyKey } from '../domain/template/stamp.js';
import { effectiveCondition } from '../domain/template/template-index.js';
import type { VersionMove } from '../store/action.repository.js';
import type { Db, Store } from '../store/database.js';
import type { ActionEngine } from '../engine/action-engine.js';
import { holdsWithoutEvent, withoutChanged } from '../engine/action-engine.js';
import type { DossierService } from './dossier.service.js';
import { DossierGraph } from '../engine/reference-loader.js';

/** What happens to actions already planned from the old version (issue 13): keep (default), move, cancel. */
export const PENDING_CHOICES = ['keep', 'move', 'cancel'] as const;
export type PendingChoice = (typeof PENDING_CHOICES)[number];

/** `relink`: applying the linked categories to existing dossiers (TemplateService.applyCategories). */
export type TemplateChange = 'publish' | 'activate' | 'deactivate' | 'relink';
export const TEMPLATE_CHANGES: readonly TemplateChange[] = ['publish', 'activate', 'deactivate', 'relink'];

export interface ImpactSample {
  readonly actionId?: string;
  readonly dossierId: string;
  readonly dueAt?: string | null;
  readonly newDueAt?: string | null;
  /** The reason in English (for integrators); see reasonCoded. */
  readonly reason: string;
  /** The reason as a code with params, for the reader's language. */
  readonly reasonCoded: Reason;
}

/** The effect of a template change on live data: counts, and a sample of each with the reason. */
export interface ImpactReport {
  readonly change: TemplateChange;
  readonly pending: PendingChoice;
  readonly dryRun: boolean;
  /** Open (waiting, pending, due) actions of the template before the change. */
  readonly openActions: number;
  readonly cancelled: number;
  readonly kept: number;
  /** Moved to the new version with another due time (only with `pending: "move"`). */
  readonly retimed: number;
  /** Dossiers that meet the new version now and not the old one: they get an action at their next event. */
  readonly newDossiers: number;
  readonly samples: {
    readonly cancelled: readonly ImpactSample[];
    readonly kept: readonly ImpactSample[];
    readonly retimed: readonly ImpactSample[];
    readonly newDossiers: readonly ImpactSample[];
  };
}

/** The counts the audit log keeps. */
export function impactCounts(r: ImpactReport) {
  return {
    pending: r.pending,
    openActions: r.openActions,
    cancelled: r.cancelled,
    kept: r.kept,
    retimed: r.retimed,
    newDossiers: r.newDossiers,
  };
}

const SAMPLE = 10;
const OPEN: readonly ActionStatus[] = ['waiting', 'pending', 'due'];

interface Plan {
  readonly report: ImpactReport;
  readonly cancels: { id: string; from: ActionStatus; reason: string | Reason }[];
  readonly moves: VersionMove[];
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** What a plan collects: the writes (cancels, moves) and the samples of each group, with their helpers. */
function outcomes() {
  const cancels: Plan['cancels'] = [];
  const moves: Plan['moves'] = [];
  const cancelled: ImpactSample[] = [];
  const kept: ImpactSample[] = [];
  const retimed: ImpactSample[] = [];
  const sample = (a: Action, why: Reason, newDueAt?: number | null): ImpactSample => ({
    actionId: a.id,
    dossierId: a.dossierId,
    dueAt: iso(a.dueAt),
    ...(newDueAt !== undefined ? { newDueAt: iso(newDueAt) } : {}),
    ...coded(why),
  });
  // `stored` is what the cancelled action keeps as its reason (a coded one as its code, shown in
  // the reader's language); the sample always carries the code and its English.
  const cancel = (a: Action, why: Reason, stored: string | Reason = reasonText(why)) => {
    cancels.push({ id: a.id, from: a.status, reason: stored });
    cancelled.push(sample(a, why));
  };
  return { cancels, moves, cancelled, kept, retimed, sample, cancel };
}

/**
 * Impact before publishing or switching a template: computed from the open actions and the
 * dossiers as they are, with the engine's own condition, category and timing code. `plan` writes
 * nothing; `apply` carries out the administrator's choice for the actions already planned.
 */
export class ImpactService {
  constructor(
    private readonly store: Store,
    private readonly engine: ActionEngine,
    private readonly dossiers: DossierService,
    private readonly catalog: () => DossierTypeCatalog,
    private readonly clock: Clock,
    /** Dossiers meeting a definition's conditions and categories now (TemplateService.matchingDossiers). */
    private readonly matching: (def: TemplateDefinition, limit: number, db: Db) => Promise<Dossier[]>,
  ) {}

  /**
   * The plan of a change. `next` is the definition that will be live afterwards (the draft being
   * published, the version being switched on), undefined when switching off; `nextVersion` its
   * number (for "move").
   */
  async plan(
    db: Db,
    input: {
      templateId: string;
      change: TemplateChange;
      pending: PendingChoice;
      dryRun: boolean;
      previous: TemplateDefinition | undefined;
      next: TemplateDefinition | undefined;
      nextVersion: number | null;
    },
  ): Promise<Plan> {
    const { templateId, change, previous, next } = input;
    // Switching off leaves nothing to move to: "move" keeps the actions on their version.
    const pending: PendingChoice = input.pending === 'move' && !next ? 'keep' : input.pending;
    const open = await this.engine.actions.list({ templateId, statuses: OPEN, limit: 1_000_000 }, db);
    const { cancels, moves, cancelled, kept, retimed, sample, cancel } = outcomes();
    if (pending === 'cancel') {
      for (const a of open)
        cancel(a, reason('reason.impactCancelledAsChosen', { change: CHANGE_WORDS[change] }));
    } else if (pending === 'keep' || !next || input.nextVersion === null) {
      for (const a of open)
        kept.push(sample(a, reason('reason.impactStaysOnVersion', { version: a.templateVersion })));
    } else {
      await this.planMove(db, open, next, input.nextVersion, { cancel, moves, kept, retimed, sample });
    }
    let newDossiers: ImpactSample[] = [];
    let newCount = 0;
    if (next) {
      const now = await this.matching(next, 100_000, db);
      const before = change === 'publish' && previous ? await this.matching(previous, 100_000, db) : [];
      // "once" is used for good by an action that was not cancelled or expired (its key stays).
      const used =
        next.repeat === 'once'
          ? await this.engine.actions.list(
              { templateId: input.templateId, statuses: ['running', 'done', 'failed'], limit: 1_000_000 },
              db,
            )
          : [];
      const had = new Set([
        ...before.map((d) => d.id),
        ...open.map((a) => a.dossierId),
        ...used.filter((a) => a.kind === 'main').map((a) => a.dossierId),
      ]);
      const fresh = now.filter((d) => !had.has(d.id));
      newCount = fresh.length;
      newDossiers = fresh.slice(0, SAMPLE).map((d) => ({
        dossierId: d.id,
        ...coded(
          reason(
            change === 'publish' && previous ? 'reason.impactMeetsNewVersion' : 'reason.impactMeetsTemplate',
          ),
        ),
      }));
    }
    return {
      cancels,
      moves,
      report: {
        change,
        pending,
        dryRun: input.dryRun,
        openActions: open.length,
        cancelled: cancelled.length,
        kept: kept.length,
        retimed: retimed.length,
        newDossiers: newCount,
        samples: {
          cancelled: cancelled.slice(0, SAMPLE),
          kept: kept.slice(0, SAMPLE),
          retimed: retimed.slice(0, SAMPLE),
          newDossiers,
        },
      },
    };
  }

  /** "Move": re-check each open action against the new version (conditions, categories) and re-time it. */
  private async planMove(
    db: Db,
    open: readonly Action[],
    next: TemplateDefinition,
    version: number,
    out: {
      cancel: (a: Action, why: Reason) => void;
      moves: Plan['moves'];
      kept: ImpactSample[];
      retimed: ImpactSample[];
      sample: (a: Action, why: Reason, newDueAt?: number | null) => ImpactSample;
    },
  ): Promise<void> {
    const catalog = this.catalog();
    const type = catalog.get(next.dossierType);
    const calendar = await this.engine.calendar();
    const now = this.clock.now();
    const graph = new DossierGraph(this.dossiers.dossiers, db, catalog);
    await graph.load(open.map((a) => a.dossierId));
    const roots = open.map((a) => graph.get(a.dossierId)).filter((d): d is Dossier => d !== undefined);
    await graph.preload(roots, referencePaths(withoutChanged(effectiveCondition(next))));
    const template: ActiveTemplate = { templateId: open[0]?.templateId ?? '', version, definition: next };
    for (const a of open) {
      const dossier = graph.get(a.dossierId);
      if (a.kind === 'reminder') {
        out.kept.push(out.sample(a, reason('reason.impactReminderStays', { version: a.templateVersion })));
        continue;
      }
      if (!dossier || !type) {
        out.cancel(a, reason('reason.impactDossierGone'));
        continue;
      }
      // A fan-out action's conditions speak of its root: they are checked when it falls due.
      let holds = a.status !== 'waiting';
      if (!next.fanOut) {
        const category = type.categoryField ? String(dossier.data[type.categoryField] ?? '') : '';
        if (next.categories.length > 0 && !next.categories.includes(category)) {
          out.cancel(a, reason('reason.impactNotInNewCategories'));
          continue;
        }
        holds = holdsWithoutEvent(next, dossier, {
          type,
          catalog,
          graph,
          now,
          timeZone: calendar.timeZone,
        });
        if (!holds && next.whenConditionsFail === 'cancel') {
          out.cancel(a, reason('reason.impactNewConditionsFail'));
          continue;
        }
      }
      // The event time the action was stamped at: the action is created in the event's transaction.
      const due = dueTimeOf(next, { eventAt: a.createdAt, data: dossier.data }, calendar);
      const trigger = a.idempotencyKey.split('|').slice(3).join('|');
      // Re-checked on the new version: waiting while its conditions fail ("wait"). The new version
      // is what runs: its execution mode decides whether a person or the scheduler picks the
      // action up, so a manual action already due on it is `due`.
      const status: ActionStatus = !holds
        ? 'waiting'
        : next.executionMode !== 'automatic' && due !== null && due <= now
          ? 'due'
          : 'pending';
      out.moves.push({
        id: a.id,
        from: a.status,
        status,
        version,
        dueAt: due,
        expiresAt: due === null ? a.expiresAt : expiryOf(next, due, calendar),
        executionMode: next.executionMode,
        title: next.name,
        priority: next.priority,
        process: next.process ?? null,
        idempotencyKey:
          next.repeat === 'once'
            ? idempotencyKey(template, a.dossierId, trigger)
            : idempotencyKey(template, a.dossierId, trigger || a.id),
        note: reason(due !== a.dueAt ? 'reason.movedToVersionRetimed' : 'reason.movedToVersion', { version }),
      });
      if (due !== a.dueAt)
        out.retimed.push(out.sample(a, reason('reason.impactMovedRetimed', { version }), due));
      else out.kept.push(out.sample(a, reason('reason.impactMovedSameTime', { version })));
    }
  }

  /**
   * Relinking categories (TemplateService.applyCategories), in its transaction: `outside` are the
   * open actions whose dossier is no longer in a linked category, `stamped` the actions just made
   * for dossiers that came in. keep: the open actions stay; cancel: those outside are cancelled;
   * move: those outside are cancelled and the others re-checked and re-timed on the published
   * version, as when publishing. Always applied: a dry run is the caller's rolled-back transaction,
   * so the dry run and the real change report the same.
   */
  async relink(
    db: Db,
    input: {
      templateId: string;
      pending: PendingChoice;
      dryRun: boolean;
      definition: TemplateDefinition;
      version: number;
      outside: readonly Action[];
      stamped: readonly Action[];
    },
    actor: string | null,
  ): Promise<ImpactReport> {
    const open = await this.engine.actions.list(
      { templateId: input.templateId, statuses: OPEN, limit: 1_000_000 },
      db,
    );
    const fresh = new Set(input.stamped.map((a) => a.id));
    const before = open.filter((a) => !fresh.has(a.id));
    const outside = new Set(input.outside.map((a) => a.id));
    const { cancels, moves, cancelled, kept, retimed, sample, cancel } = outcomes();
    // Its English words are the ones explain.service.ts recognises as "outside the linked categories".
    const OUTSIDE = reason('reason.notInCategory');
    if (input.pending === 'move') {
      for (const a of before) if (outside.has(a.id)) cancel(a, OUTSIDE, OUTSIDE);
      await this.planMove(
        db,
        before.filter((a) => !outside.has(a.id)),
        input.definition,
        input.version,
        { cancel, moves, kept, retimed, sample },
      );
    } else {
      for (const a of before)
        if (input.pending === 'cancel' && outside.has(a.id)) cancel(a, OUTSIDE, OUTSIDE);
        else
          kept.push(
            sample(a, reason(outside.has(a.id) ? 'reason.impactOutsideKept' : 'reason.impactStaysAsPlanned')),
          );
    }
    const report: ImpactReport = {
      change: 'relink',
      pending: input.pending,
      dryRun: input.dryRun,
      openActions: before.length,
      cancelled: cancelled.length,
      kept: kept.length,
      retimed: retimed.length,
      newDossiers: new Set(input.stamped.map((a) => a.dossierId)).size,
      samples: {
        cancelled: cancelled.slice(0, SAMPLE),
        kept: kept.slice(0, SAMPLE),
        retimed: retimed.slice(0, SAMPLE),
        // Without the new action's id: a dry run's is rolled back, and the sample is the same for real.
        newDossiers: input.stamped.slice(0, SAMPLE).map((a) => ({
          dossierId: a.dossierId,
          dueAt: iso(a.dueAt),
          ...coded(reason('reason.impactStampedNow')),
        })),
      },
    };
    await this.apply(db, { report, cancels, moves }, actor);
    return report;
  }

  /** Plans a change and, unless it is a dry run, carries out the choice inside `db` (the change's transaction). */
  async change(
    db: Db,
    input: Parameters<ImpactService['plan']>[1],
    actor: string | null,
  ): Promise<ImpactReport> {
    const plan = await this.plan(db, input);
    if (!input.dryRun) await this.apply(db, plan, actor);
    return plan.report;
  }

  private async apply(db: Db, plan: Plan, actor: string | null): Promise<void> {
    const now = this.clock.now();
    if (plan.cancels.length > 0) await this.engine.actions.cancel(plan.cancels, actor, now, db);
    if (plan.moves.length > 0) await this.engine.actions.moveToVersion(plan.moves, actor, now, db);
  }
}

/** Reads `pending` from a request body (which may be absent): keep, move or cancel; keep when absent. */
export function pendingChoice(body: unknown): PendingChoice {
  const value =
    typeof body === 'object' && body !== null ? (body as { pending?: unknown }).pending : undefined;
  if (value === undefined) return 'keep';
  if (typeof value === 'string' && (PENDING_CHOICES as readonly string[]).includes(value))
    return value as PendingChoice;
  throw new WerkflowError(
    'validation_failed',
    'pending must be "keep" (actions already planned stay on their version), "move" (re-checked and re-timed on the new version) or "cancel".',
    { path: 'pending' },
  );
}

/** A sample's reason: the English sentence (as before) and the code with its params. */
function coded(why: Reason): { reason: string; reasonCoded: Reason } {
  return { reason: reasonText(why), reasonCoded: why };
}

/** A change in words, for a reason's params (the English is the change's own name). */
const CHANGE_WORDS: Readonly<Record<TemplateChange, Label>> = {
  publish: { nl: 'publiceren', en: 'publish' },
  activate: { nl: 'activeren', en: 'activate' },
  deactivate: { nl: 'deactiveren', en: 'deactivate' },
  relink: { nl: 'categorieën toepassen', en: 'relink' },
};

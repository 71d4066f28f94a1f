import type { Clock } from '../domain/clock.js';
import {
  type Action,
  type ActionHistoryEntry,
  type ActionStatus,
  canTransition,
  isExecutable,
} from '../domain/action/action.js';
import { isStorableText } from '../domain/dossier.js';
import { reminderEmail } from '../domain/template/action-template.js';
import { type ErrorDetail, WerkflowError, throwIfProblems } from '../domain/errors.js';
import type { Principal } from '../domain/permissions.js';
import type { Store } from '../store/database.js';
import type { ActionCountFilter, ActionFilter } from '../store/action.repository.js';
import { dossierTitle } from '../effects/email/merge-context.js';
import type { ActionEngine } from '../engine/action-engine.js';
import type { ActionExecutor } from '../engine/action-executor.js';
import type { DossierService } from './dossier.service.js';
import type { EmailPort } from '../engine/effect-ports.js';
import type { AuditHook } from './audit.service.js';
import { reason as coded, instantParam, reasonText } from '../domain/action/reasons.js';

/** Names shown beside an action in lists: never an id where a name exists. */
export interface ActionNames {
  readonly dossierTitle: string | null;
  readonly assigneeUserName: string | null;
  readonly assigneeTeamName: string | null;
}

/** What people do with actions: their to-do list, executing, completing, rescheduling, cancelling. */
export class ActionService {
  email: EmailPort | undefined;
  /** Records who executed, completed, rescheduled or cancelled which action (set by the composition root). */
  audit: AuditHook = async () => {};

  constructor(
    private readonly store: Store,
    private readonly engine: ActionEngine,
    private readonly executor: ActionExecutor,
    private readonly dossiers: DossierService,
    private readonly clock: Clock,
  ) {}

  async list(filter: ActionFilter): Promise<Action[]> {
    this.checkFilter(filter);
    return this.withDelivery(await this.engine.actions.list(filter));
  }

  /** How many actions a list holds, up to `cap` (`cap + 1` means "more than cap"). */
  async count(filter: ActionCountFilter, cap: number): Promise<number> {
    this.checkFilter(filter);
    return this.engine.actions.count(filter, cap);
  }

  /**
   * The names a list shows beside its actions: each dossier's title and type, and who the action
   * is assigned to (a person or a team), read in one query per kind for the whole page.
   */
  async names(actions: readonly Action[]): Promise<Map<string, ActionNames>> {
    const dossierIds = [...new Set(actions.map((a) => a.dossierId))];
    const userIds = [...new Set(actions.flatMap((a) => (a.assigneeUserId ? [a.assigneeUserId] : [])))];
    const [dossiers, users, teams] = await Promise.all([
      this.dossiers.dossiers.getMany(dossierIds),
      this.dossiers.users.getMany(userIds),
      actions.some((a) => a.assigneeTeamId) ? this.dossiers.users.listTeams() : Promise.resolve([]),
    ]);
    const titles = new Map(
      dossiers.map((d) => [d.id, dossierTitle(d, this.typeOrUndefined(d.type))] as const),
    );
    const userNames = new Map(users.map((u) => [u.id, u.name] as const));
    const teamNames = new Map(teams.map((t) => [t.id, t.name] as const));
    return new Map(
      actions.map((a) => [
        a.id,
        {
          dossierTitle: titles.get(a.dossierId) ?? null,
          assigneeUserName: a.assigneeUserId ? (userNames.get(a.assigneeUserId) ?? null) : null,
          assigneeTeamName: a.assigneeTeamId ? (teamNames.get(a.assigneeTeamId) ?? null) : null,
        },
      ]),
    );
  }

  /** The actions of these ids that exist (one query). */
  async found(ids: readonly string[]): Promise<Action[]> {
    return this.engine.actions.getMany(ids.filter((id) => isStorableText(id)));
  }

  /**
   * The start page's figures: each is what the to-do list shows with the same filter. Due today,
   * overdue and failed are counted per process (ranges of the due-time, overdue and failed
   * indexes); in doubt and the mails sent this week up to `cap`.
   */
  async dashboard(at: {
    now: number;
    dayStart: number;
    dayEnd: number;
    weekStart: number;
    cap: number;
  }): Promise<Dashboard> {
    const repo = this.engine.actions;
    const [dueToday, overdue, failed] = [
      await repo.countByProcess({ statuses: ['pending', 'due'], dueFrom: at.dayStart, dueBefore: at.dayEnd }),
      await repo.countByProcess({ statuses: ['pending', 'due', 'failed'], overdueAt: at.now }),
      await repo.countByProcess({ statuses: ['failed'] }),
    ];
    const sum = (m: Map<string | null, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const processes = [...new Set([...dueToday.keys(), ...overdue.keys(), ...failed.keys()])]
      .sort((a, b) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
      .map((process) => ({
        process,
        dueToday: dueToday.get(process) ?? 0,
        overdue: overdue.get(process) ?? 0,
        failed: failed.get(process) ?? 0,
      }));
    return {
      ...at,
      dueToday: sum(dueToday),
      overdue: sum(overdue),
      failed: sum(failed),
      inDoubt: await repo.count({ inDoubt: true }, at.cap),
      mailsSentThisWeek: await repo.mailsSentSince(at.weekStart, at.cap),
      processes,
    };
  }

  private typeOrUndefined(key: string) {
    try {
      return this.dossiers.typeOf(key);
    } catch {
      return undefined; // a type removed since: the title falls back to the id
    }
  }

  private checkFilter(filter: ActionCountFilter & { after?: string }): void {
    // PostgreSQL refuses to compare with text holding a NUL or half a surrogate pair; no stored
    // value holds one, so such a filter is the client's mistake, not ours.
    const problems: ErrorDetail[] = [];
    const texts: [string, unknown][] = [
      ['query.process', filter.process],
      ['query.dossierId', filter.dossierId],
      ['query.templateId', filter.templateId],
      ['query.dossierType', filter.dossierType],
      ['query.assigneeUserId', filter.assigneeUserId],
      ['query.cursor', filter.after],
    ];
    for (const [path, value] of texts) {
      if (value !== undefined && (typeof value !== 'string' || !isStorableText(value))) {
        problems.push({
          path,
          message: `The filter ${path.slice('query.'.length)} contains a NUL character or half a surrogate pair; no action has such a value.`,
        });
      }
    }
    throwIfProblems(problems);
  }

  /** The cursor of the next page after `action` (the overdue list pages by due time). */
  cursorAfter(filter: Pick<ActionFilter, 'overdueAt'>, action: Action): string {
    return this.engine.actions.cursorAfter(filter, action);
  }

  async get(id: string): Promise<Action & { history: ActionHistoryEntry[] }> {
    const action = isStorableText(id) ? await this.engine.actions.get(id) : undefined;
    if (!action) throw new WerkflowError('not_found', `There is no action with id "${id}".`, { path: 'id' });
    const [withDelivery] = await this.withDelivery([action]);
    return { ...withDelivery!, history: await this.engine.actions.history(id) };
  }

  /** Adds where each action's mail is (send-e-mail actions that wrote one). */
  private async withDelivery(actions: Action[]): Promise<Action[]> {
    const deliveries = await this.engine.actions.deliveries(actions.map((a) => a.id));
    if (deliveries.size === 0) return actions;
    return actions.map((a) => (deliveries.has(a.id) ? { ...a, delivery: deliveries.get(a.id)! } : a));
  }

  private refuse(action: Action, what: string): never {
    throw new WerkflowError(
      'invalid_state',
      `This action is ${action.status}${action.statusReason ? ` (${action.statusReason})` : ''}; it cannot be ${what}.`,
      { path: 'status' },
    );
  }

  /** What executing would do (the semi-automatic "preview"): the rendered e-mail, or the effect. */
  async preview(id: string): Promise<unknown> {
    const action = await this.get(id);
    const def = await this.engine.definitionOf(action.templateId, action.templateVersion);
    if (!def) throw new WerkflowError('not_found', 'The template version of this action is gone.');
    const dossier = await this.dossiers.dossiers.get(action.dossierId);
    if (!dossier) throw new WerkflowError('invalid_state', 'The dossier of this action was deleted.');
    if (def.effect.type === 'sendEmail' && this.email) {
      return {
        effect: 'sendEmail',
        email: await this.email.preview(this.store.db, {
          effect:
            action.kind === 'reminder' && def.reminder
              ? { ...def.effect, ...reminderEmail(def.reminder) }
              : def.effect,
          dossier,
        }),
      };
    }
    return { effect: def.effect.type, details: def.effect, dossier: { id: dossier.id, type: dossier.type } };
  }

  /**
   * Executes an action now: the semi-automatic "Execute" button, or running a failed action again
   * after its cause was fixed. Returns the action afterwards (done, failed or cancelled).
   */
  async execute(id: string, principal: Principal): Promise<Action> {
    const action = await this.get(id);
    if (action.executionMode === 'manual') {
      throw new WerkflowError(
        'invalid_state',
        'A manual action has nothing to execute: do it, then mark it done (POST …/complete).',
      );
    }
    if (!isExecutable(action.status)) this.refuse(action, 'executed');
    const now = this.clock.now();
    const claimed = await this.store.db.transaction().execute(async (db) => {
      const moved = await this.engine.actions.transition(
        [{ id, from: action.status, to: 'running', note: coded('reason.executedByHand') }],
        principal.id,
        now,
        db,
        {
          locked_by: `user:${principal.id ?? '?'}`,
          locked_at: now,
          attempts: action.attempts + 1,
        },
      );
      if (moved.length === 1) {
        await this.audit(db, {
          actor: principal.id,
          action: 'action.execute',
          entityType: 'action',
          entityId: id,
          before: { status: action.status, dueAt: action.dueAt },
          after: { status: 'running' },
        });
      }
      return moved.length === 1;
    });
    if (!claimed)
      throw new WerkflowError(
        'version_conflict',
        'Someone else is executing or changed this action right now; reload it.',
      );
    // A person pressed Execute: "skip if late" is for the scheduler, not for them.
    await this.executor.run(
      [
        {
          ...action,
          status: 'running',
          attempts: action.attempts + 1,
          lockedBy: `user:${principal.id ?? '?'}`,
        },
      ],
      principal.id ?? 'user',
      { byPerson: true },
    );
    return (await this.withDelivery([(await this.engine.actions.get(id))!]))[0]!;
  }

  /**
   * Marks an action done: manual work, a semi-automatic action handled outside Werkflow, or
   * automatic work that failed and was then done by hand. An automatic action that has not failed
   * is the engine's to perform: marking it done would skip its effect (cancel it to stop it), and
   * a running one may be half-way.
   */
  async complete(id: string, principal: Principal, note?: string): Promise<Action> {
    const action = await this.get(id);
    if (action.status === 'running') {
      throw new WerkflowError(
        'invalid_state',
        'This action cannot be marked done: it is being executed right now; wait for it to finish.',
        { path: 'status' },
      );
    }
    if (
      action.executionMode === 'automatic' &&
      action.status !== 'failed' &&
      canTransition(action.status, 'done')
    ) {
      throw new WerkflowError(
        'invalid_state',
        `This automatic action is ${action.status}: the engine performs it when it falls due. Cancel it to stop it; only a failed automatic action can be marked done by hand.`,
        { path: 'status' },
      );
    }
    if (!canTransition(action.status, 'done')) this.refuse(action, 'marked done');
    await this.store.db.transaction().execute(async (db) => {
      await this.audit(db, {
        actor: principal.id,
        action: 'action.complete',
        entityType: 'action',
        entityId: id,
        before: { status: action.status, dueAt: action.dueAt },
        after: { status: 'done', note: note ?? null },
      });
      const now = this.clock.now();
      const moved = await this.engine.actions.transition(
        [{ id, from: action.status, to: 'done', note: note ?? coded('reason.markedDone') }],
        principal.id,
        now,
        db,
        {
          completed_at: now,
          ...(note ? { result: JSON.stringify({ note }) } : {}),
        },
      );
      if (moved.length === 0)
        throw new WerkflowError('version_conflict', 'The action changed in the meantime; reload it.');
      await this.engine.afterActionFinished(db, action, 'done', principal.id);
    });
    return (await this.withDelivery([(await this.engine.actions.get(id))!]))[0]!;
  }

  /**
   * Moves an open action to another due time. A time in the past makes the action due at once:
   * that is refused unless the person confirmed it (`allowPast`).
   */
  async reschedule(
    id: string,
    dueAt: number,
    principal: Principal,
    options: { allowPast?: boolean } = {},
  ): Promise<Action> {
    const action = await this.get(id);
    if (!['waiting', 'pending', 'due', 'failed'].includes(action.status)) this.refuse(action, 'rescheduled');
    if (!Number.isFinite(dueAt))
      throw new WerkflowError('validation_failed', 'dueAt must be a date and time.', { path: 'dueAt' });
    if (dueAt < this.clock.now() && options.allowPast !== true)
      throw new WerkflowError(
        'validation_failed',
        `The new due time ${new Date(dueAt).toISOString()} lies in the past: the action would fall due at once. Choose a later time, or confirm with allowPast: true.`,
        { path: 'dueAt', params: { dueAt: new Date(dueAt).toISOString() } },
      );
    const to: ActionStatus = action.status === 'waiting' ? 'waiting' : 'pending';
    const why = coded('reason.rescheduled', {
      dueAt: instantParam(dueAt, (await this.engine.calendar()).timeZone),
    });
    await this.store.db.transaction().execute(async (db) => {
      await this.audit(db, {
        actor: principal.id,
        action: 'action.reschedule',
        entityType: 'action',
        entityId: id,
        before: { status: action.status, dueAt: action.dueAt },
        after: { dueAt },
      });
      const now = this.clock.now();
      if (to === action.status) {
        await db
          .updateTable('actions')
          .set({ due_at: dueAt, updated_at: now })
          .where('id', '=', id)
          .execute();
        await this.engine.actions.appendHistory(
          [
            {
              actionId: id,
              at: now,
              actor: principal.id,
              fromStatus: action.status,
              toStatus: to,
              note: reasonText(why),
              noteCoded: why,
            },
          ],
          db,
        );
      } else {
        await this.engine.actions.transition(
          [{ id, from: action.status, to, note: why }],
          principal.id,
          now,
          db,
          { due_at: dueAt, error: null },
        );
      }
    });
    this.engine.onStamped(dueAt);
    return (await this.withDelivery([(await this.engine.actions.get(id))!]))[0]!;
  }

  /** Cancels an open action that is not being executed (a running one's effect may be under way). */
  async cancel(id: string, principal: Principal, reason?: string): Promise<Action> {
    const action = await this.get(id);
    if (action.status === 'running') {
      throw new WerkflowError(
        'invalid_state',
        'This action cannot be cancelled: it is being executed right now; wait for it to finish.',
        { path: 'status' },
      );
    }
    if (!canTransition(action.status, 'cancelled')) this.refuse(action, 'cancelled');
    await this.store.db.transaction().execute(async (db) => {
      await this.audit(db, {
        actor: principal.id,
        action: 'action.cancel',
        entityType: 'action',
        entityId: id,
        before: { status: action.status, dueAt: action.dueAt },
        after: { status: 'cancelled', reason: reason ?? null },
      });
      const moved = await this.engine.actions.cancel(
        [{ id, from: action.status, reason: reason ?? coded('reason.cancelledByPerson') }],
        principal.id,
        this.clock.now(),
        db,
      );
      if (moved.length === 0)
        throw new WerkflowError('version_conflict', 'The action changed in the meantime; reload it.');
    });
    return (await this.withDelivery([(await this.engine.actions.get(id))!]))[0]!;
  }

  /**
   * One operation on many actions, each on its own (its own transaction and audit entry, as when
   * done one by one): what could not be done is reported per action with the reason, by name.
   */
  async bulk(ids: readonly string[], operation: BulkOperation, principal: Principal): Promise<BulkResult[]> {
    const results: BulkResult[] = [];
    for (const id of new Set(ids)) {
      try {
        const after = await this.one(id, operation, principal);
        results.push({ id, ok: true, action: after });
      } catch (error) {
        const e =
          error instanceof WerkflowError
            ? error
            : new WerkflowError('internal', 'This action could not be changed; try it on its own.');
        results.push({
          id,
          ok: false,
          error: {
            code: e.code,
            message: e.message,
            path: e.path,
            ...(e.params ? { params: e.params } : {}),
          },
        });
      }
    }
    return results;
  }

  private one(id: string, op: BulkOperation, principal: Principal): Promise<Action> {
    switch (op.type) {
      case 'execute':
        return this.execute(id, principal);
      case 'complete':
        return this.complete(id, principal, op.note);
      case 'reschedule':
        return this.reschedule(id, op.dueAt, principal, { allowPast: op.allowPast });
      case 'cancel':
        return this.cancel(id, principal, op.reason);
    }
  }
}

/** The start page's figures (see ActionService.dashboard). */
export interface Dashboard {
  readonly dayStart: number;
  readonly dayEnd: number;
  readonly weekStart: number;
  readonly cap: number;
  readonly dueToday: number;
  readonly overdue: number;
  readonly failed: number;
  readonly inDoubt: number;
  readonly mailsSentThisWeek: number;
  readonly processes: readonly {
    process: string | null;
    dueToday: number;
    overdue: number;
    failed: number;
  }[];
}

/** What a bulk request does to each action it names. */
export type BulkOperation =
  | { readonly type: 'execute' }
  | { readonly type: 'complete'; readonly note?: string }
  | { readonly type: 'reschedule'; readonly dueAt: number; readonly allowPast?: boolean }
  | { readonly type: 'cancel'; readonly reason?: string };

export type BulkResult =
  | { readonly id: string; readonly ok: true; readonly action: Action }
  | {
      readonly id: string;
      readonly ok: false;
      readonly error: {
        readonly code: string;
        readonly message: string;
        readonly path: string;
        readonly params?: Readonly<Record<string, string | number>>;
      };
    };

import type { Clock } from '../domain/clock.js';
import type { Action, ActionStatus } from '../domain/action/action.js';
import type { Condition } from '../domain/condition/index.js';
import { evaluateCondition, referencePaths } from '../domain/condition/index.js';
import type { Dossier } from '../domain/dossier.js';
import type { DossierType, DossierTypeCatalog } from '../domain/dossier-type.js';
import { newId } from '../domain/id.js';
import type { ActiveTemplate, AssigneeRule, TemplateDefinition } from '../domain/template/action-template.js';
import { dueTimeOf, expiryOf, idempotencyKey } from '../domain/template/stamp.js';
import { TemplateIndex, effectiveCondition, type MatchEvent } from '../domain/template/template-index.js';
import { type Calendar, shiftInstant } from '../domain/timing/index.js';
import type { Db, Store } from '../store/database.js';
import { ActionRepository } from '../store/action.repository.js';
import type { DossierRepository } from '../store/dossier.repository.js';
import type { DossierEvent } from '../store/event.repository.js';
import { TemplateRepository } from '../store/template.repository.js';
import type { CalendarService } from './calendar.service.js';
import { DossierGraph } from './reference-loader.js';
import { stampDepth } from './chain-depth.js';

/** One thing to stamp: a template on a dossier, for a trigger. */
interface StampRequest {
  readonly template: ActiveTemplate;
  readonly dossier: Dossier;
  readonly trigger: string;
  readonly eventAt: number;
  readonly eventId: number | null;
  readonly changes?: MatchEvent['changes'];
  /** Skip conditions (a person started the template by hand on chosen dossiers). */
  readonly force?: boolean;
}

/** The channel on which stamping wakes the schedulers of other processes. */
export const ACTIONS_CHANNEL = 'werkflow_actions';

const OPEN_FOR_RECHECK: readonly ActionStatus[] = ['waiting', 'pending', 'due'];

/** Replaces `changed` comparisons by "true": they speak of the triggering event, which a re-check does not have. */
export function withoutChanged(c: Condition): Condition {
  switch (c.type) {
    case 'all':
    case 'any':
      return { ...c, conditions: c.conditions.map(withoutChanged) };
    case 'not':
      return c.condition.type === 'compare' && c.condition.op === 'changed'
        ? { type: 'all', conditions: [] }
        : { ...c, condition: withoutChanged(c.condition) };
    case 'compare':
      return c.op === 'changed' ? { type: 'all', conditions: [] } : c;
  }
}

/**
 * Whether a template's conditions (its status included) hold on a dossier now, `changed`
 * comparisons aside: what re-checks and moves use, which have no triggering event.
 */
export function holdsWithoutEvent(
  def: TemplateDefinition,
  dossier: Dossier,
  env: {
    readonly type: DossierType;
    readonly catalog: DossierTypeCatalog;
    readonly graph: DossierGraph;
    readonly now: number;
    readonly timeZone: string;
  },
): boolean {
  return evaluateCondition(withoutChanged(effectiveCondition(def)), {
    type: env.type,
    catalog: env.catalog,
    data: dossier.data,
    resolve: env.graph.resolverFor(dossier),
    now: env.now,
    timeZone: env.timeZone,
  });
}

/** Chains a template's conditions and assignee read through, to load before evaluating. */
function chainsOf(d: TemplateDefinition): string[][] {
  const chains = referencePaths(effectiveCondition(d));
  const assigneePath = d.assignee.type === 'field' ? d.assignee.path.split('.') : [];
  if (assigneePath.length > 1) chains.push(assigneePath.slice(0, -1));
  return chains;
}

/**
 * Matching and stamping: turns dossier events into actions, cancels (or parks) open actions
 * whose conditions no longer hold, stamps chained templates and reminders. Runs inside the
 * transaction that wrote the dossier, so a dossier, its event and its actions commit together.
 */
export class ActionEngine {
  readonly actions: ActionRepository;
  readonly templates: TemplateRepository;
  private index: TemplateIndex;
  private readonly versionCache = new Map<string, TemplateDefinition>();
  /** Called after stamping with the earliest new due time, so the scheduler can wake earlier. */
  onStamped: (earliestDue: number) => void = () => {};

  constructor(
    private readonly store: Store,
    private readonly catalog: () => DossierTypeCatalog,
    private readonly dossiers: DossierRepository,
    private readonly calendars: CalendarService,
    private readonly clock: Clock,
  ) {
    this.actions = new ActionRepository(store);
    this.templates = new TemplateRepository(store);
    this.index = new TemplateIndex([], catalog());
  }

  /** Rebuilds the template index from the active published versions (after publish/activate). */
  async reloadTemplates(db: Db = this.store.db): Promise<void> {
    this.templateStamp = await this.templates.changeStamp(db);
    this.stampCheckedAt = this.clock.now();
    this.index = new TemplateIndex(await this.templates.listActive(db), this.catalog());
  }

  private templateStamp = '';
  private stampCheckedAt = Number.NEGATIVE_INFINITY;
  /** How often a process looks whether another process changed the templates. */
  static readonly TEMPLATE_REFRESH_MS = 1000;

  /**
   * Reloads the template index when another process (an API server, another worker) published,
   * switched or deleted a template; looks at most once a second. `db` may be the caller's
   * transaction (the check is one small query through it).
   */
  async refreshTemplates(db: Db = this.store.db): Promise<void> {
    const now = this.clock.now();
    if (now - this.stampCheckedAt < ActionEngine.TEMPLATE_REFRESH_MS && now >= this.stampCheckedAt) return;
    this.stampCheckedAt = now;
    const stamp = await this.templates.changeStamp(db);
    if (stamp !== this.templateStamp) await this.reloadTemplates(db);
  }

  /** Whether finishing this action stamps anything (chained templates, a reminder). */
  hasFollowUps(action: Action, def: TemplateDefinition): boolean {
    return (
      action.kind === 'main' &&
      (def.reminder !== undefined || this.index.chained('actionCompleted', action.templateId).length > 0)
    );
  }

  get templateIndex(): TemplateIndex {
    return this.index;
  }

  /** The definition of a template version, cached (versions are immutable). */
  async definitionOf(
    templateId: string,
    version: number,
    db: Db = this.store.db,
  ): Promise<TemplateDefinition | undefined> {
    const key = `${templateId}@${version}`;
    const cached = this.versionCache.get(key);
    if (cached) return cached;
    const def = await this.templates.version(templateId, version, db);
    if (def) this.versionCache.set(key, def);
    return def;
  }

  /** The definitions of many template versions, cached like definitionOf; the missing ones in one query. */
  async definitionsOf(
    pairs: readonly { id: string; version: number }[],
    db: Db = this.store.db,
  ): Promise<Map<string, TemplateDefinition>> {
    const out = new Map<string, TemplateDefinition>();
    const missing: { id: string; version: number }[] = [];
    for (const p of pairs) {
      const cached = this.versionCache.get(`${p.id}@${p.version}`);
      if (cached) out.set(`${p.id}@${p.version}`, cached);
      else missing.push(p);
    }
    if (missing.length === 0) return out;
    for (const [key, def] of await this.templates.versionsMany(missing, db)) {
      this.versionCache.set(key, def);
      out.set(key, def);
    }
    return out;
  }

  calendar(): Promise<Calendar> {
    return this.calendars.calendar();
  }

  /** The after-write hook: stamp for new events, re-check open actions of changed dossiers. */
  async onDossierEvents(db: Db, events: readonly DossierEvent[]): Promise<void> {
    await this.refreshTemplates(db);
    const relevant = events.filter((e) => this.index.hasTemplatesFor(e.dossierType));
    if (relevant.length === 0) return;
    const graph = new DossierGraph(this.dossiers, db, this.catalog());
    await this.recheckOpenActions(db, relevant, graph);
    const requests: StampRequest[] = [];
    for (const e of relevant) {
      if (e.kind === 'deleted') continue; // nothing can be stamped on a dossier that is gone
      const matched = this.index.match(e);
      if (matched.length === 0) continue;
      const dossier: Dossier = {
        id: e.dossierId,
        type: e.dossierType,
        externalId: null,
        status: e.status,
        data: e.data,
        version: 0,
        createdAt: e.occurredAt,
        updatedAt: e.occurredAt,
      };
      for (const template of matched) {
        const ev = template.definition.event;
        const trigger = ev.type === 'dateReached' ? `date:${String(e.data[ev.field])}` : `e${e.id}`;
        requests.push({
          template,
          dossier,
          trigger,
          eventAt: e.occurredAt,
          eventId: e.id,
          changes: e.changes,
        });
      }
    }
    if (requests.length > 0) await this.stamp(db, requests, graph, e0Actor(events));
  }

  /**
   * Stamps actions for the requests: evaluates conditions (with referenced dossiers loaded in
   * batches), computes due time, expiry and assignee, fans out, and inserts idempotently.
   * Returns the actions inserted.
   */
  async stamp(
    db: Db,
    requests: readonly StampRequest[],
    graph: DossierGraph,
    actor: string | null,
  ): Promise<Action[]> {
    const catalog = this.catalog();
    const calendar = await this.calendar();
    const now = this.clock.now();
    const chains = new Map<string, string[]>();
    for (const r of requests) for (const c of chainsOf(r.template.definition)) chains.set(c.join('.'), c);
    await graph.preload(
      requests.map((r) => r.dossier),
      [...chains.values()],
    );
    const toInsert: Action[] = [];
    for (const r of requests) {
      const def = r.template.definition;
      const type = catalog.get(def.dossierType);
      if (!type) continue;
      let holds = true;
      if (!r.force) {
        holds = evaluateCondition(effectiveCondition(def), {
          type,
          catalog,
          data: r.dossier.data,
          resolve: graph.resolverFor(r.dossier),
          now,
          timeZone: calendar.timeZone,
          changes: r.changes,
        });
        if (!holds && def.whenConditionsFail === 'cancel') continue;
      }
      const due = dueTimeOf(def, { eventAt: r.eventAt, data: r.dossier.data }, calendar);
      if (due === null) continue; // the anchor date is empty: nothing to plan yet
      const assignee = this.resolveAssignee(def.assignee, r.dossier, graph);
      const targets = def.fanOut
        ? await this.dossiers.referencing(def.fanOut.dossierType, def.fanOut.field, r.dossier.id, 10_000, db)
        : [r.dossier];
      for (const target of targets) {
        const status: ActionStatus = !holds
          ? 'waiting'
          : def.executionMode !== 'automatic' && due <= now
            ? 'due'
            : 'pending';
        toInsert.push({
          id: newId(now),
          templateId: r.template.templateId,
          templateVersion: r.template.version,
          dossierId: target.id,
          dossierType: target.type,
          kind: 'main',
          title: def.name,
          process: def.process ?? null,
          idempotencyKey: idempotencyKey(r.template, target.id, r.trigger),
          status,
          executionMode: def.executionMode,
          priority: def.priority,
          dueAt: due,
          expiresAt: expiryOf(def, due, calendar),
          assigneeUserId: assignee.userId,
          assigneeTeamId: assignee.teamId,
          attempts: 0,
          nextAttemptAt: null,
          lockedBy: null,
          lockedAt: null,
          result: null,
          error: null,
          statusReason: !holds ? 'waiting until the conditions hold' : null,
          triggerEventId: r.eventId,
          chainDepth: stampDepth(),
          createdAt: now,
          updatedAt: now,
          completedAt: null,
        });
      }
    }
    const inserted = await this.actions.insertMany(toInsert, actor, db);
    // reduce, not Math.min(...): a spread of 100,000+ values overflows the call stack.
    const earliest = inserted.reduce(
      (min, a) => (a.status === 'pending' && a.dueAt !== null && a.dueAt < min ? a.dueAt : min),
      Number.POSITIVE_INFINITY,
    );
    if (Number.isFinite(earliest)) {
      this.onStamped(earliest);
      // Other worker processes learn of it when this transaction commits (PostgreSQL NOTIFY).
      await this.store.notify(db, ACTIONS_CHANNEL, String(earliest));
    }
    return inserted;
  }

  private resolveAssignee(
    rule: AssigneeRule,
    dossier: Dossier,
    graph: DossierGraph,
  ): { userId: string | null; teamId: string | null } {
    switch (rule.type) {
      case 'none':
        return { userId: null, teamId: null };
      case 'user':
        return { userId: rule.userId, teamId: null };
      case 'team':
        return { userId: null, teamId: rule.teamId };
      case 'field': {
        const segments = rule.path.split('.');
        const owner = graph.follow(dossier, segments.slice(0, -1));
        const key = segments[segments.length - 1]!;
        const value = owner?.data[key];
        if (typeof value !== 'string') return { userId: null, teamId: null };
        const type = this.catalog().get(owner!.type);
        const kind = type?.fields.find((f) => f.key === key)?.kind;
        return kind === 'team' ? { userId: null, teamId: value } : { userId: value, teamId: null };
      }
    }
  }

  /**
   * Open actions of changed or deleted dossiers: cancel those whose conditions no longer hold
   * (or park them as waiting, when the template says "create always"), wake waiting ones whose
   * conditions hold again, and supersede date-based ones whose date moved.
   */
  private async recheckOpenActions(
    db: Db,
    events: readonly DossierEvent[],
    graph: DossierGraph,
  ): Promise<void> {
    const changed = events.filter((e) => e.kind !== 'created');
    if (changed.length === 0) return;
    const now = this.clock.now();
    const actor = e0Actor(events);
    const cancels: { id: string; from: ActionStatus; reason: string }[] = await this.movedFanOutActions(
      db,
      changed,
    );
    const open = await this.actions.openForDossiers(
      [...new Set(changed.map((e) => e.dossierId))],
      OPEN_FOR_RECHECK,
      db,
    );
    if (open.length === 0) {
      if (cancels.length > 0) await this.actions.cancel(cancels, actor, now, db);
      return;
    }
    const lastEvent = new Map<string, DossierEvent>();
    for (const e of changed) lastEvent.set(e.dossierId, e);
    const catalog = this.catalog();
    const calendar = await this.calendar();
    const toWaiting: { id: string; from: ActionStatus; note: string }[] = [];
    const toPending: { id: string; from: ActionStatus; note: string }[] = [];
    const checks: { action: Action; def: TemplateDefinition; dossier: Dossier }[] = [];
    for (const action of open) {
      const e = lastEvent.get(action.dossierId)!;
      const def = await this.definitionOf(action.templateId, action.templateVersion, db);
      if (!def) continue;
      if (e.kind === 'deleted') {
        if (def.event.type !== 'deleted')
          cancels.push({ id: action.id, from: action.status, reason: 'the dossier was deleted' });
        continue;
      }
      const dateMoved = def.event.type === 'dateReached' && def.event.field in e.changes;
      if (dateMoved && action.kind === 'main' && !def.fanOut) {
        const ev = def.event as { field: string };
        cancels.push({
          id: action.id,
          from: action.status,
          reason: `${ev.field} changed to ${String(e.data[ev.field] ?? 'empty')}; planned again`,
        });
        continue;
      }
      if (def.fanOut) continue; // conditions speak of the fan-out root; they are checked when due
      const dossier: Dossier = {
        id: e.dossierId,
        type: e.dossierType,
        externalId: null,
        status: e.status,
        data: e.data,
        version: 0,
        createdAt: 0,
        updatedAt: 0,
      };
      checks.push({ action, def, dossier });
    }
    if (checks.length > 0) {
      const chains = new Map<string, string[]>();
      for (const c of checks) for (const ch of chainsOf(c.def)) chains.set(ch.join('.'), ch);
      await graph.preload(
        checks.map((c) => c.dossier),
        [...chains.values()],
      );
    }
    for (const { action, def, dossier } of checks) {
      const type = catalog.get(def.dossierType);
      if (!type) continue;
      const holds = holdsWithoutEvent(def, dossier, {
        type,
        catalog,
        graph,
        now,
        timeZone: calendar.timeZone,
      });
      if (holds && action.status === 'waiting')
        toPending.push({ id: action.id, from: 'waiting', note: 'the conditions hold again' });
      if (!holds && action.status !== 'waiting') {
        const reason = reasonConditionsFail(def, dossier, type.statuses);
        if (def.whenConditionsFail === 'wait')
          toWaiting.push({ id: action.id, from: action.status, note: reason });
        else cancels.push({ id: action.id, from: action.status, reason });
      }
    }
    if (cancels.length > 0) await this.actions.cancel(cancels, actor, now, db);
    if (toWaiting.length > 0)
      await this.actions.transition(
        toWaiting.map((m) => ({ ...m, to: 'waiting' as const })),
        actor,
        now,
        db,
      );
    if (toPending.length > 0) {
      await this.actions.transition(
        toPending.map((m) => ({ ...m, to: 'pending' as const })),
        actor,
        now,
        db,
      );
      this.onStamped(now);
    }
  }

  /**
   * Fan-out actions live on the related dossiers (one per participant), not on the dossier whose
   * date moved: find them through the reference, and replace them like the dossier's own
   * date-based actions, so none is left at the old time ("2 working days before the start date").
   */
  private async movedFanOutActions(
    db: Db,
    changed: readonly DossierEvent[],
  ): Promise<{ id: string; from: ActionStatus; reason: string }[]> {
    const out: { id: string; from: ActionStatus; reason: string }[] = [];
    for (const e of changed) {
      if (e.kind !== 'updated') continue;
      for (const field of Object.keys(e.changes)) {
        for (const t of this.index.onDate(e.dossierType, field)) {
          const fanOut = t.definition.fanOut;
          if (!fanOut) continue;
          const related = await this.dossiers.referencing(
            fanOut.dossierType,
            fanOut.field,
            e.dossierId,
            10_000,
            db,
          );
          if (related.length === 0) continue;
          const open = await this.actions.openForDossiers(
            related.map((r) => r.id),
            OPEN_FOR_RECHECK,
            db,
          );
          for (const a of open) {
            if (a.templateId !== t.templateId || a.kind !== 'main') continue;
            const def = await this.definitionOf(a.templateId, a.templateVersion, db);
            if (def?.event.type !== 'dateReached' || def.event.field !== field || !def.fanOut) continue;
            out.push({
              id: a.id,
              from: a.status,
              reason: `${field} changed to ${String(e.data[field] ?? 'empty')}; planned again`,
            });
          }
        }
      }
    }
    return out;
  }

  /**
   * After an action is done or expired: stamp chained templates ("when the intake call is done,
   * stamp the follow-up") and, for a done e-mail action with a reminder, the reminder.
   */
  async afterActionFinished(
    db: Db,
    action: Action,
    outcome: 'done' | 'expired',
    actor: string | null,
    options: { performed?: boolean } = {},
  ): Promise<void> {
    const kind = outcome === 'done' ? 'actionCompleted' : 'actionExpired';
    // A reminder finishing is no new occasion for the chain: its main action already was.
    const chained = action.kind === 'main' ? this.index.chained(kind, action.templateId) : [];
    const def = await this.definitionOf(action.templateId, action.templateVersion, db);
    // A reminder follows an e-mail the engine sent, not work a person marked done by hand.
    const needsReminder =
      outcome === 'done' &&
      options.performed === true &&
      action.kind === 'main' &&
      def?.reminder !== undefined;
    if (chained.length === 0 && !needsReminder) return;
    const dossier = await this.dossiers.get(action.dossierId, db);
    if (!dossier) return;
    const graph = new DossierGraph(this.dossiers, db, this.catalog());
    const now = this.clock.now();
    if (chained.length > 0) {
      await this.stamp(
        db,
        chained
          .filter((t) => t.definition.dossierType === dossier.type)
          .map((template) => ({
            template,
            dossier,
            trigger: `after:${action.id}`,
            eventAt: now,
            eventId: null,
          })),
        graph,
        actor,
      );
    }
    if (needsReminder && def?.reminder) {
      const calendar = await this.calendar();
      const due = shiftInstant(now, def.reminder.after.offset, def.reminder.after.unit, calendar);
      const template: ActiveTemplate = {
        templateId: action.templateId,
        version: action.templateVersion,
        definition: def,
      };
      const reminder: Action = {
        ...action,
        id: newId(now),
        kind: 'reminder',
        title: `${def.name} (herinnering)`,
        idempotencyKey: idempotencyKey(template, action.dossierId, `after:${action.id}`, 'reminder'),
        status: 'pending',
        dueAt: due,
        expiresAt: null,
        attempts: 0,
        nextAttemptAt: null,
        lockedBy: null,
        lockedAt: null,
        result: null,
        error: null,
        statusReason: null,
        createdAt: now,
        updatedAt: now,
        completedAt: null,
      };
      const inserted = await this.actions.insertMany([reminder], actor, db);
      if (inserted.length > 0) this.onStamped(due);
    }
  }

  /**
   * Waiting actions ("create always") whose conditions may have come true without their own
   * dossier changing — a referenced dossier changed, time passed ("now ± N days"), or the
   * fan-out root changed: re-checks a batch, least recently checked first, and wakes those whose
   * conditions hold. Returns how many woke.
   */
  async recheckWaiting(db: Db, limit = 200): Promise<number> {
    const waiting = await this.actions.waitingBatch(limit, db);
    if (waiting.length === 0) return 0;
    const catalog = this.catalog();
    const calendar = await this.calendar();
    const now = this.clock.now();
    const graph = new DossierGraph(this.dossiers, db, catalog);
    await graph.load(waiting.map((a) => a.dossierId));
    const wake: { id: string; from: ActionStatus; note: string }[] = [];
    const still: string[] = [];
    for (const action of waiting) {
      const def = await this.definitionOf(action.templateId, action.templateVersion, db);
      const dossier = graph.get(action.dossierId);
      const type = def ? catalog.get(def.dossierType) : undefined;
      if (!def || !dossier || !type) {
        still.push(action.id);
        continue;
      }
      let root: Dossier | undefined = dossier;
      if (def.fanOut) {
        const rootId = dossier.data[def.fanOut.field];
        if (typeof rootId === 'string') await graph.load([rootId]);
        root = typeof rootId === 'string' ? graph.get(rootId) : undefined;
      }
      if (!root) {
        still.push(action.id);
        continue;
      }
      await graph.preload([root], referencePaths(withoutChanged(effectiveCondition(def))));
      const holds = holdsWithoutEvent(def, root, { type, catalog, graph, now, timeZone: calendar.timeZone });
      if (holds) wake.push({ id: action.id, from: 'waiting', note: 'the conditions hold again' });
      else still.push(action.id);
    }
    if (wake.length > 0)
      await this.actions.transition(
        wake.map((m) => ({ ...m, to: 'pending' as const })),
        'scheduler',
        now,
        db,
      );
    await this.actions.touch(still, now, db);
    return wake.length;
  }

  /** Stamps a template on chosen dossiers by hand ("manual start"), skipping its event and conditions. */
  async startManually(
    db: Db,
    template: ActiveTemplate,
    dossiers: readonly Dossier[],
    startId: string,
    actor: string | null,
  ): Promise<Action[]> {
    const graph = new DossierGraph(this.dossiers, db, this.catalog());
    const now = this.clock.now();
    return this.stamp(
      db,
      dossiers.map((dossier) => ({
        template,
        dossier,
        trigger: `manual:${startId}`,
        eventAt: now,
        eventId: null,
        force: true,
      })),
      graph,
      actor,
    );
  }
}

function e0Actor(events: readonly DossierEvent[]): string | null {
  return events[0]?.actor ?? null;
}

/** Why an action no longer applies, in words a person understands. */
function reasonConditionsFail(
  def: TemplateDefinition,
  dossier: Dossier,
  statuses: readonly { code: string; label: { en: string } }[],
): string {
  if (def.event.type === 'statusSet' && !def.event.to.includes(String(dossier.status))) {
    const labels = def.event.to.map((c) => statuses.find((s) => s.code === c)?.label.en ?? c).join(' or ');
    return `status is no longer ${labels}`;
  }
  return 'the conditions of the template no longer hold';
}

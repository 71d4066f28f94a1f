import type { Clock } from '../domain/clock.js';
import type { Action, ActionStatus } from '../domain/action/action.js';
import type { Condition } from '../domain/condition/index.js';
import { alwaysHolds, evaluateCondition, referencePaths } from '../domain/condition/index.js';
import type { Dossier } from '../domain/dossier.js';
import type { DossierType, DossierTypeCatalog } from '../domain/dossier-type.js';
import { newId } from '../domain/id.js';
import type { ActiveTemplate, AssigneeRule, TemplateDefinition } from '../domain/template/action-template.js';
import { dueTimeOf, expiryOf, idempotencyKey } from '../domain/template/stamp.js';
import { TemplateIndex, effectiveCondition, type MatchEvent } from '../domain/template/template-index.js';
import { type Calendar, shiftInstant } from '../domain/timing/index.js';
import type { Db, Store } from '../store/database.js';
import { ActionRepository, type DeferredStamp } from '../store/action.repository.js';
import type { DossierRepository } from '../store/dossier.repository.js';
import type { DossierEvent } from '../store/event.repository.js';
import { TemplateRepository } from '../store/template.repository.js';
import { afterCommit } from '../store/transaction-hooks.js';
import { DossierGraph } from './reference-loader.js';
import { type Label, type Reason, orLabels, reason } from '../domain/action/reasons.js';
import { ActionReadsRepository, READER_STATUSES } from '../store/action-reads.repository.js';
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
  /**
   * A dossier joining later (a participant added to a training): the fan-out targets are these
   * instead of every related dossier, the root's category is checked here (no index did), and
   * `changed` comparisons do not apply (the root's event happened before).
   */
  readonly joined?: { readonly targets: readonly Dossier[] };
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

/**
 * `compute` worked out once per template definition (a loaded definition is never changed), not
 * once per action: the engine asks it for every action of a batch.
 */
function perDefinition<T>(compute: (def: TemplateDefinition) => T): (def: TemplateDefinition) => T {
  const memo = new WeakMap<TemplateDefinition, T>();
  return (def) => {
    if (memo.has(def)) return memo.get(def)!;
    const value = compute(def);
    memo.set(def, value);
    return value;
  };
}

/** Chains a template's conditions and assignee read through, to load before evaluating. */
const chainsOf = perDefinition((d): readonly (readonly string[])[] => {
  const chains = referencePaths(effectiveCondition(d));
  const assigneePath = d.assignee.type === 'field' ? d.assignee.path.split('.') : [];
  if (assigneePath.length > 1) chains.push(assigneePath.slice(0, -1));
  const anchor = d.timing.anchor.type === 'field' ? d.timing.anchor.field.split('.') : [];
  if (anchor.length > 1) chains.push(anchor.slice(0, -1));
  if (d.categoryVia) chains.push([d.categoryVia]);
  return chains;
});

/** Whether a template's condition (its status included) holds on every dossier: no need to evaluate it per dossier. */
const conditionAlwaysHolds = perDefinition((d) => alwaysHolds(effectiveCondition(d)));

/** Loads, in batches, every dossier the checks' templates read through from their dossiers. */
async function preloadChecks(
  graph: DossierGraph,
  checks: readonly { def: TemplateDefinition; dossier: Dossier }[],
): Promise<void> {
  const chains = new Map<string, readonly string[]>();
  for (const c of checks) for (const ch of chainsOf(c.def)) chains.set(ch.join('.'), ch);
  await graph.preload(
    checks.map((c) => c.dossier),
    [...chains.values()],
  );
}

/** The reference chains a template's conditions read through (what `action_reads` records), once per definition. */
export const conditionChains = perDefinition((def): readonly (readonly string[])[] =>
  referencePaths(withoutChanged(effectiveCondition(def))),
);

/**
 * Whether an action of this template reads other dossiers than its own: through a reference in
 * its conditions, or — a fan-out action (one per participant) — the root its conditions speak of.
 */
function readsOthers(def: TemplateDefinition): boolean {
  return def.fanOut !== undefined || conditionChains(def).length > 0;
}

/**
 * The dossiers an action's conditions read, from `subject` — the dossier they speak of: the
 * action's own, or the fan-out root (the training of a participant's action) — along every chain
 * (each link on the way: a change to the intake can point the chain at another contact). A
 * fan-out action reads its root too.
 */
function readsOf(def: TemplateDefinition, subject: Dossier, graph: DossierGraph): string[] {
  const ids = new Set<string>();
  if (def.fanOut) ids.add(subject.id);
  for (const chain of conditionChains(def)) {
    for (let depth = 1; depth <= chain.length; depth++) {
      const reached = graph.follow(subject, chain.slice(0, depth));
      if (!reached) break;
      if (reached.id !== subject.id) ids.add(reached.id);
    }
  }
  return [...ids];
}

/**
 * The dossier an open action's conditions speak of, loaded in `graph`: its own, or for a fan-out
 * action the root its dossier refers to (`participant.training`). Null when that is gone.
 */
function subjectOf(action: Action, def: TemplateDefinition, graph: DossierGraph): Dossier | null {
  const own = graph.get(action.dossierId);
  if (!def.fanOut || !own) return own ?? null;
  const rootId = own.data[def.fanOut.field];
  return typeof rootId === 'string' ? (graph.get(rootId) ?? null) : null;
}

/** Loads the actions' dossiers and, for fan-out actions, their roots into `graph`. */
async function loadSubjects(
  graph: DossierGraph,
  actions: readonly { action: Action; def: TemplateDefinition | undefined }[],
): Promise<void> {
  await graph.load(actions.map((a) => a.action.dossierId));
  const roots: string[] = [];
  for (const { action, def } of actions) {
    const rootId = def?.fanOut ? graph.get(action.dossierId)?.data[def.fanOut.field] : undefined;
    if (typeof rootId === 'string') roots.push(rootId);
  }
  if (roots.length > 0) await graph.load(roots);
}

/** A dossier as the matcher sees it in an event. */
function dossierOfEvent(e: DossierEvent): Dossier {
  return {
    id: e.dossierId,
    type: e.dossierType,
    externalId: null,
    status: e.status,
    data: e.data,
    version: 0,
    createdAt: e.occurredAt,
    updatedAt: e.occurredAt,
  };
}

/** Events of a root a dossier can join later: they describe a state that still holds, not a moment. */
const JOINABLE_EVENTS = new Set(['created', 'statusSet', 'dateReached']);

/** Where the engine reads the organisation's calendar (the calendar service in src/services/). */
export interface CalendarSource {
  calendar(): Promise<Calendar>;
}

/**
 * Matching and stamping: turns dossier events into actions, cancels (or parks) open actions
 * whose conditions no longer hold, stamps chained templates and reminders. Runs inside the
 * transaction that wrote the dossier, so a dossier, its event and its actions commit together.
 */
export class ActionEngine {
  readonly actions: ActionRepository;
  readonly templates: TemplateRepository;
  /** Which open actions read which dossiers through references (migration 011). */
  readonly reads: ActionReadsRepository;
  private index: TemplateIndex;
  private readonly versionCache = new Map<string, TemplateDefinition>();
  /** Per cached definition (a template version): whether its condition without `changed` always holds. */
  private readonly alwaysHoldsCache = new WeakMap<TemplateDefinition, boolean>();
  /**
   * Called with the earliest new due time once the transaction that stamped commits, so the
   * scheduler can wake earlier and its first look finds the new actions (woken inside the
   * transaction, a tick on another connection could not see them yet: one wasted probe).
   */
  onStamped: (earliestDue: number) => void = () => {};

  /** Announces new pending work due at `due` after `db` commits (at once outside a transaction). */
  private stamped(db: Db, due: number): Promise<void> {
    return afterCommit(db, () => this.onStamped(due));
  }

  constructor(
    private readonly store: Store,
    private readonly catalog: () => DossierTypeCatalog,
    private readonly dossiers: DossierRepository,
    private readonly calendars: CalendarSource,
    private readonly clock: Clock,
  ) {
    this.actions = new ActionRepository(store);
    this.reads = new ActionReadsRepository(this.actions);
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
  hasFollowUps(action: Pick<Action, 'kind' | 'templateId'>, def: TemplateDefinition): boolean {
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

  /**
   * Whether a version's condition, without its `changed` parts, holds for every dossier (so a
   * re-check at due time cannot stop the action); memoised with the definition.
   */
  alwaysHoldsWithoutChanged(def: TemplateDefinition): boolean {
    let holds = this.alwaysHoldsCache.get(def);
    if (holds === undefined) {
      holds = alwaysHolds(withoutChanged(effectiveCondition(def)));
      this.alwaysHoldsCache.set(def, holds);
    }
    return holds;
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

  /**
   * The after-write hook: stamp for new events, re-check open actions of changed dossiers. With
   * `plan` (created events not written yet, their id PLANNED_EVENT_ID) nothing is written: the
   * actions and what must follow them are left in `plan` for the caller's statement.
   */
  async onDossierEvents(db: Db, events: readonly DossierEvent[], plan?: DeferredStamp): Promise<void> {
    // Only a created event can be planned: it has no open actions to re-check or re-plan.
    if (plan && events.some((e) => e.kind !== 'created'))
      throw new Error('Only created events can be stamped before they are written.');
    await this.refreshTemplates(db);
    await this.recheckReaders(db, events);
    const relevant = events.filter((e) => this.index.hasTemplatesFor(e.dossierType));
    if (relevant.length === 0) return;
    const graph = new DossierGraph(this.dossiers, db, this.catalog());
    await this.recheckOpenActions(db, relevant, graph);
    const requests: StampRequest[] = [];
    for (const e of relevant) {
      if (e.kind === 'deleted') continue; // nothing can be stamped on a dossier that is gone
      const matched = this.index.match(e);
      if (matched.length === 0) continue;
      const dossier = dossierOfEvent(e);
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
    requests.push(...(await this.joinRequests(relevant, graph)));
    requests.push(...(await this.replanTimedThrough(db, relevant, graph)));
    if (requests.length > 0) await this.stamp(db, requests, graph, e0Actor(events), plan);
  }

  /**
   * Dossiers that join another one by a reference (a participant created for, or moved to, a
   * training): the fan-out templates of that training and the templates linked to its category
   * via the reference stamp their actions for the joining dossier, as if it had been there when
   * the training's event happened.
   */
  private async joinRequests(events: readonly DossierEvent[], graph: DossierGraph): Promise<StampRequest[]> {
    const joins: { e: DossierEvent; field: string; rootId: string }[] = [];
    for (const e of events) {
      if (e.kind === 'deleted') continue;
      for (const field of this.index.joinFields(e.dossierType)) {
        const rootId = e.kind === 'created' ? e.data[field] : e.changes[field]?.new;
        if (typeof rootId === 'string') joins.push({ e, field, rootId });
      }
    }
    if (joins.length === 0) return [];
    await graph.load(joins.map((j) => j.rootId));
    const requests: StampRequest[] = [];
    for (const { e, field, rootId } of joins) {
      const root = graph.get(rootId);
      if (!root) continue;
      const joining = dossierOfEvent(e);
      for (const template of this.index.joinedBy(e.dossierType, field)) {
        const d = template.definition;
        const base = { template, trigger: `join:${rootId}`, eventAt: e.occurredAt, eventId: e.id };
        if (d.fanOut) {
          // A status event joins only while the root is in that status: before, the event has not
          // happened (with "create always" it would park an action the status event stamps again).
          const happened = d.event.type !== 'statusSet' || d.event.to.includes(String(root.status));
          if (JOINABLE_EVENTS.has(d.event.type) && root.type === d.dossierType && happened)
            requests.push({ ...base, dossier: root, joined: { targets: [joining] } });
        } else if (e.kind === 'updated' && d.event.type === 'created') {
          // Created ones were matched by their own event; a dossier moved here joins now.
          requests.push({ ...base, dossier: joining });
        }
      }
    }
    return requests;
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
    plan?: DeferredStamp,
  ): Promise<Action[]> {
    const catalog = this.catalog();
    const calendar = await this.calendar();
    const now = this.clock.now();
    const chains = new Map<string, readonly string[]>();
    for (const r of requests) for (const c of chainsOf(r.template.definition)) chains.set(c.join('.'), c);
    await graph.preload(
      requests.map((r) => r.dossier),
      [...chains.values()],
    );
    const toInsert: Action[] = [];
    /** The dossier each new action's conditions speak of (the fan-out root for a participant's). */
    const subjects = new Map<string, Dossier>();
    for (const r of requests) {
      const def = r.template.definition;
      const type = catalog.get(def.dossierType);
      if (!type) continue;
      if (!r.force && !this.inLinkedCategory(def, r, graph)) continue;
      let holds = true;
      if (!r.force && !conditionAlwaysHolds(def)) {
        const condition = effectiveCondition(def);
        holds = evaluateCondition(r.joined ? withoutChanged(condition) : condition, {
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
      const due = dueTimeOf(
        def,
        {
          eventAt: r.eventAt,
          data: r.dossier.data,
          read: (path) => {
            const chain = path.split('.');
            return graph.follow(r.dossier, chain.slice(0, -1))?.data[chain[chain.length - 1]!];
          },
        },
        calendar,
      );
      if (due === null) continue; // the anchor date is empty: nothing to plan yet
      const assignee = this.resolveAssignee(def.assignee, r.dossier, graph);
      const targets = r.joined
        ? r.joined.targets
        : def.fanOut
          ? await this.dossiers.referencing(
              def.fanOut.dossierType,
              def.fanOut.field,
              r.dossier.id,
              10_000,
              db,
            )
          : [r.dossier];
      for (const target of targets) {
        const status: ActionStatus = !holds
          ? 'waiting'
          : def.executionMode !== 'automatic' && due <= now
            ? 'due'
            : 'pending';
        const id = newId(now);
        subjects.set(id, r.dossier);
        toInsert.push({
          id,
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
          statusReasonCoded: !holds ? reason('reason.waitingForConditions') : null,
          triggerEventId: r.eventId,
          chainDepth: stampDepth(),
          createdAt: now,
          updatedAt: now,
          completedAt: null,
        });
      }
    }
    // Other worker processes learn of new pending work when this transaction commits (PostgreSQL
    // NOTIFY, sent by the insert itself where it can).
    // Planned (an event not written yet): every action is new, as its event is.
    if (plan) {
      plan.actions.push(...toInsert);
      plan.announce = ACTIONS_CHANNEL;
    }
    const inserted = plan ? toInsert : await this.actions.insertMany(toInsert, actor, db, ACTIONS_CHANNEL);
    await this.recordReads(db, inserted, requests, subjects, graph, plan);
    // reduce, not Math.min(...): a spread of 100,000+ values overflows the call stack.
    const earliest = inserted.reduce(
      (min, a) => (a.status === 'pending' && a.dueAt !== null && a.dueAt < min ? a.dueAt : min),
      Number.POSITIVE_INFINITY,
    );
    if (Number.isFinite(earliest)) await this.stamped(db, earliest);
    return inserted;
  }

  /**
   * Whether the dossier is in a category the template is linked to, where the index could not
   * tell: templates linked via a reference (the training's type, for a participant), and joins
   * (the root of a fan-out template was never looked up by category for this dossier).
   */
  private inLinkedCategory(def: TemplateDefinition, r: StampRequest, graph: DossierGraph): boolean {
    if (def.categories.length === 0 || (!def.categoryVia && !r.joined)) return true;
    const owner = def.categoryVia ? graph.follow(r.dossier, [def.categoryVia]) : r.dossier;
    const field = owner ? this.catalog().get(owner.type)?.categoryField : undefined;
    const value = field ? owner?.data[field] : undefined;
    return typeof value === 'string' && def.categories.includes(value);
  }

  /**
   * Who an assignee rule names for a dossier: a user, a team, or the user or team field a
   * (reference) path ends in. The path's dossiers must be in `graph`. Also the responsible of a
   * created task (src/effects/create-task.ts).
   */
  resolveAssignee(
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
    const cancels: Cancel[] = await this.movedFanOutActions(db, changed);
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
    const checks: { action: Action; def: TemplateDefinition; dossier: Dossier }[] = [];
    for (const action of open) {
      const e = lastEvent.get(action.dossierId)!;
      const def = await this.definitionOf(action.templateId, action.templateVersion, db);
      if (!def) continue;
      if (e.kind === 'deleted') {
        if (def.event.type !== 'deleted')
          cancels.push({ id: action.id, from: action.status, reason: reason('reason.dossierDeleted') });
        continue;
      }
      const left = leftReason(def, e, catalog);
      if (left !== null) {
        cancels.push({ id: action.id, from: action.status, reason: left });
        continue;
      }
      const dateMoved = def.event.type === 'dateReached' && def.event.field in e.changes;
      if (dateMoved && action.kind === 'main' && !def.fanOut) {
        const ev = def.event as { field: string };
        cancels.push({
          id: action.id,
          from: action.status,
          reason: dateMoved_(catalog.get(e.dossierType), ev.field, e.data[ev.field]),
        });
        continue;
      }
      if (def.fanOut) continue; // conditions speak of the fan-out root; they are checked when due
      checks.push({ action, def, dossier: dossierOfEvent(e) });
    }
    if (checks.length > 0) await preloadChecks(graph, checks);
    await this.settleChecks(db, checks, graph, {
      cancels,
      actor,
      now,
      reasonOf: (def, dossier, type) => reasonConditionsFail(def, dossier, type.statuses),
    });
  }

  /**
   * Evaluates the re-checked actions' conditions (dossiers loaded in `graph`): wakes waiting ones
   * whose conditions hold, cancels or parks ("create always") the others with the reason; then,
   * with `cancels` already decided, writes all in batches and refreshes what each still reads.
   */
  private async settleChecks(
    db: Db,
    checks: readonly { action: Action; def: TemplateDefinition; dossier: Dossier }[],
    graph: DossierGraph,
    options: {
      readonly cancels: Cancel[];
      readonly actor: string | null;
      readonly now: number;
      readonly reasonOf: (def: TemplateDefinition, dossier: Dossier, type: DossierType) => Reason;
    },
  ): Promise<void> {
    const { cancels, actor, now } = options;
    const catalog = this.catalog();
    const timeZone = (await this.calendar()).timeZone;
    const toWaiting: Move[] = [];
    const toPending: Move[] = [];
    for (const { action, def, dossier } of checks) {
      const type = catalog.get(def.dossierType);
      if (!type) continue;
      const holds = holdsWithoutEvent(def, dossier, { type, catalog, graph, now, timeZone });
      if (holds && action.status === 'waiting')
        toPending.push({ id: action.id, from: 'waiting', note: reason('reason.conditionsHoldAgain') });
      if (!holds && action.status !== 'waiting') {
        const why = options.reasonOf(def, dossier, type);
        if (def.whenConditionsFail === 'wait')
          toWaiting.push({ id: action.id, from: action.status, note: why });
        else cancels.push({ id: action.id, from: action.status, reason: why });
      }
    }
    await this.applyRecheck(db, { cancels, toWaiting, toPending }, actor, now);
    // The references may point elsewhere now (the action's own dossier or a link on the way changed).
    const cancelled = new Set(cancels.map((c) => c.id));
    await this.refreshReads(
      db,
      checks.filter((c) => !cancelled.has(c.action.id)),
      graph,
      cancels.map((c) => c.id),
    );
  }

  /** Writes the outcome of a re-check: cancels, parks and wakes, each in one batch. */
  private async applyRecheck(
    db: Db,
    outcome: {
      readonly cancels: readonly Cancel[];
      readonly toWaiting: readonly Move[];
      readonly toPending: readonly Move[];
    },
    actor: string | null,
    now: number,
  ): Promise<void> {
    const { cancels, toWaiting, toPending } = outcome;
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
      await this.stamped(db, now);
    }
  }

  /** Records what newly stamped open actions read through references (`action_reads`). */
  private async recordReads(
    db: Db,
    inserted: readonly Action[],
    requests: readonly StampRequest[],
    subjects: ReadonlyMap<string, Dossier>,
    graph: DossierGraph,
    plan?: DeferredStamp,
  ): Promise<void> {
    // Only templates whose actions read other dossiers record anything (a bulk stamp of a plain
    // template looks at none of its actions).
    const defs = new Map<string, TemplateDefinition>();
    for (const r of requests) {
      const def = r.template.definition;
      if (readsOthers(def)) defs.set(`${r.template.templateId}@${r.template.version}`, def);
    }
    if (defs.size === 0) return;
    const rows: { actionId: string; dossierId: string }[] = [];
    for (const action of inserted) {
      const def = defs.get(`${action.templateId}@${action.templateVersion}`);
      const dossier = subjects.get(action.id) ?? graph.get(action.dossierId);
      if (!def || !dossier || !READER_STATUSES.includes(action.status)) continue;
      for (const dossierId of readsOf(def, dossier, graph)) rows.push({ actionId: action.id, dossierId });
    }
    if (rows.length === 0) return;
    if (plan) plan.then.push((trx) => this.reads.replace([], rows, trx));
    else await this.reads.replace([], rows, db);
  }

  /** Rewrites `action_reads` for re-checked actions that stay open, and drops it for closed ones. */
  private async refreshReads(
    db: Db,
    open: readonly { action: Action; def: TemplateDefinition; dossier: Dossier }[],
    graph: DossierGraph,
    closedIds: readonly string[],
  ): Promise<void> {
    const reading = open.filter((c) => readsOthers(c.def));
    const rows = reading.flatMap((c) =>
      readsOf(c.def, graph.get(c.dossier.id) ?? c.dossier, graph).map((dossierId) => ({
        actionId: c.action.id,
        dossierId,
      })),
    );
    await this.reads.replace([...reading.map((c) => c.action.id), ...closedIds], rows, db);
  }

  /**
   * Fills `action_reads` for the open actions that were stamped before it existed (run once, by
   * the process that applied migration 011): pages through the open actions in id order, 1000 at
   * a time, each page in its own transaction. Returns how many rows it wrote.
   */
  async backfillReads(): Promise<number> {
    let after = '';
    let written = 0;
    for (;;) {
      const page = await this.store.db.transaction().execute(async (db) => {
        const rows = await db
          .selectFrom('actions')
          .selectAll()
          .where('status', 'in', [...READER_STATUSES])
          .where('id', '>', after)
          .orderBy('id')
          .limit(1000)
          .execute();
        const actions = rows.map((r) => this.actions.toDomain(r));
        const defs = await this.definitionsOf(
          actions.map((a) => ({ id: a.templateId, version: a.templateVersion })),
          db,
        );
        const graph = new DossierGraph(this.dossiers, db, this.catalog());
        const reading = actions.flatMap((action) => {
          const def = defs.get(`${action.templateId}@${action.templateVersion}`);
          return def !== undefined && readsOthers(def) ? [{ action, def }] : [];
        });
        await loadSubjects(graph, reading);
        const checks = reading.flatMap(({ action, def }) => {
          const dossier = subjectOf(action, def, graph);
          return dossier ? [{ action, def, dossier }] : [];
        });
        await preloadChecks(graph, checks);
        const rowsToWrite = checks.flatMap((c) =>
          readsOf(c.def, c.dossier, graph).map((dossierId) => ({ actionId: c.action.id, dossierId })),
        );
        await this.reads.replace(
          checks.map((c) => c.action.id),
          rowsToWrite,
          db,
        );
        written += rowsToWrite.length;
        return actions;
      });
      if (page.length < 1000) return written;
      after = page[page.length - 1]!.id;
    }
  }

  /**
   * A dossier other actions read through a reference changed (a contact whose city moved, read by
   * `opportunity.intake.contact.city`): finds those actions through `action_reads` — one indexed
   * lookup, not a scan — and re-checks them all in one batch: cancelled with the reason, or
   * parked ("create always") when their conditions no longer hold, woken when they hold again.
   * Actions of the changed dossiers themselves are left to recheckOpenActions.
   */
  private async recheckReaders(db: Db, events: readonly DossierEvent[]): Promise<void> {
    const changed = new Map<string, DossierEvent>();
    for (const e of events) if (e.kind !== 'created') changed.set(e.dossierId, e);
    if (changed.size === 0) return;
    const readers = (await this.reads.openReadersOf([...changed.keys()], db)).filter(
      (a) => !changed.has(a.dossierId),
    );
    if (readers.length === 0) return;
    const catalog = this.catalog();
    const defs = await this.definitionsOf(
      readers.map((a) => ({ id: a.templateId, version: a.templateVersion })),
      db,
    );
    const graph = new DossierGraph(this.dossiers, db, catalog);
    const withDefs = readers.map((action) => ({
      action,
      def: defs.get(`${action.templateId}@${action.templateVersion}`),
    }));
    await loadSubjects(graph, withDefs);
    const checks: { action: Action; def: TemplateDefinition; dossier: Dossier }[] = [];
    for (const { action, def } of withDefs) {
      // A fan-out action is checked against its root (the training), as at due time.
      const dossier = def ? subjectOf(action, def, graph) : null;
      if (def && dossier) checks.push({ action, def, dossier });
    }
    await preloadChecks(graph, checks);
    await this.settleChecks(db, checks, graph, {
      cancels: [],
      actor: e0Actor(events),
      now: this.clock.now(),
      reasonOf: (def, dossier, type) => {
        // The fan-out root itself changed (the training's status): the reason its own action would get.
        if (changed.has(dossier.id)) return reasonConditionsFail(def, dossier, type.statuses);
        const types = new Map<string, Label>();
        for (const id of readsOf(def, dossier, graph)) {
          const e = changed.get(id);
          if (e) types.set(e.dossierType, lower(catalog.get(e.dossierType)?.label ?? plain(e.dossierType)));
        }
        return reason('reason.referenceChanged', { dossierTypes: andLabels([...types.values()]) });
      },
    });
  }

  /**
   * A date moved on a dossier that other dossiers' actions are timed from ("2 working days before
   * the start of the training", on each participant): their open actions are cancelled with the
   * reason and stamped again at the new time (returned as requests).
   */
  private async replanTimedThrough(
    db: Db,
    events: readonly DossierEvent[],
    graph: DossierGraph,
  ): Promise<StampRequest[]> {
    const requests: StampRequest[] = [];
    const cancels: Cancel[] = [];
    for (const e of events) {
      if (e.kind !== 'updated') continue;
      for (const field of Object.keys(e.changes)) {
        for (const { template, via } of this.index.timedFrom(e.dossierType, field)) {
          const related = await this.dossiers.referencing(
            template.definition.dossierType,
            via,
            e.dossierId,
            10_000,
            db,
          );
          if (related.length === 0) continue;
          graph.add(related);
          const open = await this.actions.openForDossiers(
            related.map((r) => r.id),
            OPEN_FOR_RECHECK,
            db,
          );
          const replanned = new Set<string>();
          for (const a of open) {
            if (a.templateId !== template.templateId || a.kind !== 'main') continue;
            replanned.add(a.dossierId);
            cancels.push({
              id: a.id,
              from: a.status,
              reason: referencedDateMoved(
                this.catalog().get(e.dossierType),
                e.dossierType,
                field,
                e.data[field],
              ),
            });
          }
          for (const d of related)
            if (replanned.has(d.id))
              requests.push({
                template,
                dossier: d,
                trigger: `join:${e.dossierId}`,
                eventAt: e.occurredAt,
                eventId: e.id,
              });
        }
      }
    }
    if (cancels.length > 0) await this.actions.cancel(cancels, e0Actor(events), this.clock.now(), db);
    return requests;
  }

  /**
   * Fan-out actions live on the related dossiers (one per participant), not on the dossier whose
   * date moved: find them through the reference, and replace them like the dossier's own
   * date-based actions, so none is left at the old time ("2 working days before the start date").
   */
  private async movedFanOutActions(db: Db, changed: readonly DossierEvent[]): Promise<Cancel[]> {
    const out: Cancel[] = [];
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
              reason: dateMoved_(this.catalog().get(e.dossierType), field, e.data[field]),
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
        // A reminder starts clean: none of the first action's reasons, error or mail.
        error: null,
        errorCoded: null,
        statusReason: null,
        statusReasonCoded: null,
        delivery: undefined,
        createdAt: now,
        updatedAt: now,
        completedAt: null,
      };
      const inserted = await this.actions.insertMany([reminder], actor, db);
      if (inserted.length > 0) await this.stamped(db, due);
    }
  }

  /**
   * Evaluates, now, the conditions of open actions' templates on their dossiers (on the fan-out
   * root for fan-out templates), with the dossiers of `actions` loaded in one batch. The checker
   * returns undefined when the dossier, its root or its type is gone.
   */
  private async conditionChecker(
    db: Db,
    actions: readonly Action[],
  ): Promise<(action: Action, def: TemplateDefinition) => Promise<boolean | undefined>> {
    const catalog = this.catalog();
    const calendar = await this.calendar();
    const now = this.clock.now();
    const graph = new DossierGraph(this.dossiers, db, catalog);
    await graph.load(actions.map((a) => a.dossierId));
    return async (action, def) => {
      const dossier = graph.get(action.dossierId);
      const rootId = def.fanOut ? dossier?.data[def.fanOut.field] : dossier?.id;
      if (typeof rootId === 'string') await graph.load([rootId]);
      const root = typeof rootId === 'string' ? graph.get(rootId) : undefined;
      const type = catalog.get(def.dossierType);
      if (!root || !type) return undefined;
      await graph.preload([root], referencePaths(withoutChanged(effectiveCondition(def))));
      return holdsWithoutEvent(def, root, { type, catalog, graph, now, timeZone: calendar.timeZone });
    };
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
    const now = this.clock.now();
    const holdsNow = await this.conditionChecker(db, waiting);
    const wake: Move[] = [];
    const still: string[] = [];
    for (const action of waiting) {
      const def = await this.definitionOf(action.templateId, action.templateVersion, db);
      if (def && (await holdsNow(action, def)) === true)
        wake.push({ id: action.id, from: 'waiting', note: reason('reason.conditionsHoldAgain') });
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

  /**
   * Stamps a template on dossiers the caller selected, skipping event and conditions: linking it
   * to categories retroactively (`targets`: only these of a fan-out root, the participants that
   * lack an action), or a manual start (every target). Returns the inserted actions.
   */
  async stampLinked(
    db: Db,
    template: ActiveTemplate,
    plan: readonly { root: Dossier; targets?: readonly Dossier[] }[],
    trigger: string,
    actor: string | null,
  ): Promise<Action[]> {
    const graph = new DossierGraph(this.dossiers, db, this.catalog());
    const now = this.clock.now();
    return this.stamp(
      db,
      plan.map((p) => ({
        template,
        dossier: p.root,
        trigger,
        eventAt: now,
        eventId: null,
        force: true,
        ...(p.targets ? { joined: { targets: p.targets } } : {}),
      })),
      graph,
      actor,
    );
  }

  /**
   * Manual and semi-automatic actions falling due are re-checked like automatic ones are when they
   * run: one whose conditions no longer hold (a referenced dossier changed, time passed) is
   * cancelled, or parked as waiting ("create always"), instead of being shown as due. Returns how
   * many were stopped; the scheduler then marks the rest due.
   */
  async recheckFallingDue(db: Db, limit = 5000): Promise<number> {
    const actions = await this.actions.fallingDue(this.clock.now(), limit, db);
    if (actions.length === 0) return 0;
    const now = this.clock.now();
    const holdsNow = await this.conditionChecker(db, actions);
    const cancels: Cancel[] = [];
    const parks: (Move & { to: 'waiting' })[] = [];
    const failed = reason('reason.conditionsFailedAtDue');
    for (const action of actions) {
      const def = await this.definitionOf(action.templateId, action.templateVersion, db);
      // Undefined: the dossier is gone (deleting it cancels its actions) or the type is unknown.
      if (!def?.recheckAtDue || (await holdsNow(action, def)) !== false) continue;
      if (def.whenConditionsFail === 'wait')
        parks.push({ id: action.id, from: 'pending', to: 'waiting', note: failed });
      else cancels.push({ id: action.id, from: 'pending', reason: failed });
    }
    if (cancels.length > 0) await this.actions.cancel(cancels, 'scheduler', now, db);
    if (parks.length > 0) await this.actions.transition(parks, 'scheduler', now, db);
    return cancels.length + parks.length;
  }

  /** Stamps a template on chosen dossiers by hand ("manual start"), skipping its event and conditions. */
  startManually(
    db: Db,
    template: ActiveTemplate,
    dossiers: readonly Dossier[],
    startId: string,
    actor: string | null,
  ): Promise<Action[]> {
    return this.stampLinked(
      db,
      template,
      dossiers.map((root) => ({ root })),
      `manual:${startId}`,
      actor,
    );
  }
}

function e0Actor(events: readonly DossierEvent[]): string | null {
  return events[0]?.actor ?? null;
}

/**
 * Why an open action of a dossier ends because the dossier left what it was stamped for: it moved
 * to another training (the fan-out or categoryVia reference changed), or it withdrew (a status
 * marked `withdrawn`, unless the template reacts to that very status). Null when it did not.
 */
function leftReason(def: TemplateDefinition, e: DossierEvent, catalog: DossierTypeCatalog): Reason | null {
  if (e.kind !== 'updated') return null;
  const type = catalog.get(e.dossierType);
  const via = def.fanOut?.dossierType === e.dossierType ? def.fanOut.field : def.categoryVia;
  if (via !== undefined && via in e.changes) {
    const field = lower(type?.fields.find((f) => f.key === via)?.label ?? plain(via));
    return reason(e.data[via] == null ? 'reason.unlinked' : 'reason.movedAway', { field });
  }
  const status = e.changes.status?.new;
  const def_ = typeof status === 'string' ? type?.statuses.find((s) => s.code === status) : undefined;
  if (!def_?.withdrawn) return null;
  if (def.event.type === 'statusSet' && def.event.to.includes(def_.code)) return null;
  return reason('reason.withdrawn', { status: def_.label });
}

/** Why an action no longer applies, in words a person understands. */
function reasonConditionsFail(
  def: TemplateDefinition,
  dossier: Dossier,
  statuses: readonly { code: string; label: Label }[],
): Reason {
  if (def.event.type === 'statusSet' && !def.event.to.includes(String(dossier.status))) {
    const labels = def.event.to.map((c) => statuses.find((s) => s.code === c)?.label ?? plain(c));
    return reason('reason.statusNoLonger', { statuses: orLabels(labels) });
  }
  return reason('reason.conditionsNoLongerHold');
}

type Cancel = { id: string; from: ActionStatus; reason: string | Reason };
type Move = { id: string; from: ActionStatus; note: string | Reason };

function plain(text: string): Label {
  return { nl: text, en: text };
}

function lower(label: Label): Label {
  return { nl: label.nl.toLowerCase(), en: label.en.toLowerCase() };
}

function andLabels(labels: readonly Label[]): Label {
  return { nl: labels.map((l) => l.nl).join(', '), en: labels.map((l) => l.en).join(', ') };
}

/** "startDate changed to 2026-12-08; planned again", with the field's label in each language. */
function dateMoved_(type: DossierType | undefined, field: string, value: unknown): Reason {
  return reason('reason.dateMoved', {
    field: type?.fields.find((f) => f.key === field)?.label ?? plain(field),
    value: String(value ?? '—'),
  });
}

function referencedDateMoved(
  type: DossierType | undefined,
  typeKey: string,
  field: string,
  value: unknown,
): Reason {
  return reason('reason.referencedDateMoved', {
    field: type?.fields.find((f) => f.key === field)?.label ?? plain(field),
    dossierType: lower(type?.label ?? plain(typeKey)),
    value: String(value ?? '—'),
  });
}

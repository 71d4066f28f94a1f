import type { Action } from '../domain/action/action.js';
import { type Reason, textReason } from '../domain/action/reasons.js';
import type { Clock } from '../domain/clock.js';
import type { Condition } from '../domain/condition/index.js';
import {
  describeCondition,
  evaluateCondition,
  referencePaths,
  referencedDossierIds,
} from '../domain/condition/index.js';
import { type Dossier, isStorableText } from '../domain/dossier.js';
import type { DossierType, DossierTypeCatalog } from '../domain/dossier-type.js';
import { WerkflowError } from '../domain/errors.js';
import type {
  ActionTemplate,
  SendEmailEffect,
  TemplateDefinition,
} from '../domain/template/action-template.js';
import {
  type Coded,
  type Lang,
  type TextContext,
  describeEvent,
  eventDossierIds,
  sentence,
} from '../domain/template/explain-text.js';
import { TemplateIndex, effectiveCondition } from '../domain/template/template-index.js';
import { explainTiming } from '../domain/timing/explain-timing.js';
import type { Calendar } from '../domain/timing/index.js';
import type { Store } from '../store/database.js';
import type { DossierEvent } from '../store/event.repository.js';
import type { ActionEngine } from '../engine/action-engine.js';
import { withoutChanged } from '../engine/action-engine.js';
import type { DossierService } from './dossier.service.js';
import type { EmailPort } from '../engine/effect-ports.js';
import { DossierGraph } from '../engine/reference-loader.js';

/** A code, its values, and the sentence in the reader's language. */
export interface Explained extends Coded {
  readonly text: string;
}

export interface ConditionCheck {
  readonly description: string;
  /** The field the comparison reads (a key or a reference path); absent for a group. */
  readonly field?: string;
  /** Its value on the dossier now (null when empty or unreachable). */
  readonly value?: unknown;
  readonly holdsNow: boolean | null;
  /** Whether it held at the event that triggered (or would have triggered) the template; null without one. */
  readonly heldAtEvent: boolean | null;
}

export interface ActionSummary {
  readonly id: string;
  readonly kind: Action['kind'];
  readonly status: Action['status'];
  readonly dueAt: string | null;
  readonly createdAt: string;
  readonly statusReason: string | null;
  readonly error: string | null;
}

export interface TemplateExplanation {
  readonly templateId: string;
  readonly name: string;
  readonly process: string | null;
  readonly active: boolean;
  readonly publishedVersion: number | null;
  /** What the template reacts to, and whether (and when) that happened for this dossier. */
  readonly event: Explained & { readonly at: string | null; readonly eventId: number | null };
  readonly conditions: {
    readonly holdsNow: boolean | null;
    readonly heldAtEvent: boolean | null;
    readonly items: readonly ConditionCheck[];
  };
  /** The due time computed step by step (from the event that happened, or from now). */
  readonly timing: { readonly dueAt: string | null; readonly steps: readonly Explained[] };
  readonly actions: readonly ActionSummary[];
  /** Why no action was made (or why the one made will not run); empty when it acted. */
  readonly reasons: readonly Explained[];
  /** What happens next if nothing changes. */
  readonly next: Explained;
}

export interface DossierExplanation {
  readonly dossier: { readonly id: string; readonly type: string; readonly deleted: boolean };
  readonly language: Lang;
  readonly templates: readonly TemplateExplanation[];
}

const OPEN = new Set<Action['status']>(['waiting', 'pending', 'due', 'running']);

/** The conditions an explanation lists one by one: the members of the top-level "all" groups. */
function conditionItems(c: Condition): Condition[] {
  return c.type === 'all' ? c.conditions.flatMap(conditionItems) : [c];
}

/**
 * "Why did or didn't this template act on this dossier, and what happens next": computed from
 * what the engine already stores (events, actions with their reasons, template versions), with
 * the same matching, conditions and timing code the engine stamps with. Writes nothing.
 */
export class ExplainService {
  email: EmailPort | undefined;

  constructor(
    private readonly store: Store,
    private readonly engine: ActionEngine,
    private readonly dossiers: DossierService,
    private readonly catalog: () => DossierTypeCatalog,
    private readonly clock: Clock,
  ) {}

  async explain(
    typeKey: string,
    id: string,
    options: { templateId?: string; lang: Lang },
  ): Promise<DossierExplanation> {
    const catalog = this.catalog();
    const type = catalog.get(typeKey);
    if (!type)
      throw new WerkflowError('not_found', `There is no dossier type "${typeKey}".`, { path: 'type' });
    const storable = isStorableText(id);
    const stored = storable ? await this.dossiers.dossiers.get(id) : undefined;
    const events = storable ? await this.dossiers.events.listForDossier(id, { limit: 500 }) : [];
    const deletedEvent = events.find((e) => e.kind === 'deleted' && e.dossierType === typeKey);
    let dossier: Dossier;
    if (stored && stored.type === typeKey) dossier = stored;
    else if (!stored && deletedEvent) {
      dossier = {
        id,
        type: typeKey,
        externalId: null,
        status: deletedEvent.status,
        data: deletedEvent.data,
        version: 0,
        createdAt: deletedEvent.occurredAt,
        updatedAt: deletedEvent.occurredAt,
      };
    } else {
      throw new WerkflowError('not_found', `There is no ${typeKey} with id "${id}".`, { path: 'id' });
    }
    const deleted = !stored;

    let templates: ActionTemplate[];
    if (options.templateId !== undefined) {
      const t = isStorableText(options.templateId)
        ? await this.engine.templates.get(options.templateId)
        : undefined;
      if (!t)
        throw new WerkflowError('not_found', `There is no action template with id "${options.templateId}".`, {
          path: 'query.template',
        });
      if (t.draft.dossierType !== typeKey)
        throw new WerkflowError(
          'validation_failed',
          `Template "${t.draft.name}" works on ${t.draft.dossierType} dossiers, not on ${typeKey}.`,
          { path: 'query.template' },
        );
      templates = [t];
    } else {
      templates = await this.engine.templates.list({ dossierType: typeKey });
    }

    const own = await this.engine.actions.list({ dossierId: id, limit: 10_000 });
    // A fan-out template's actions live on the related dossiers, stamped by this dossier's events.
    const fanOutIds = new Set(templates.filter((t) => t.draft.fanOut !== undefined).map((t) => t.id));
    const fannedOut =
      fanOutIds.size > 0 && events.length > 0
        ? (
            await this.engine.actions.list({
              triggerEventIds: events.map((e) => e.id),
              limit: 10_000,
            })
          ).filter((a) => a.dossierId !== id && fanOutIds.has(a.templateId))
        : [];
    const actions = [...own, ...fannedOut];
    const calendar = await this.engine.calendar();
    const names = new Map(templates.map((t) => [t.id, t.draft.name]));
    const titles = new Map<string, string>();
    const ctx: TextContext = {
      lang: options.lang,
      timeZone: calendar.timeZone,
      type,
      templateName: (tid) => names.get(tid) ?? this.engine.templateIndex.get(tid)?.definition.name ?? tid,
      dossierTitle: (did) => titles.get(did),
    };
    const graph = new DossierGraph(this.dossiers.dossiers, this.store.db, catalog);
    // Published definitions and first publication times of all the templates: two queries, not 2 per template.
    const published = await this.engine.definitionsOf(
      templates.flatMap((t) =>
        t.publishedVersion === null ? [] : [{ id: t.id, version: t.publishedVersion }],
      ),
    );
    const firstPublished = await this.engine.templates.firstPublishedAt(templates.map((t) => t.id));
    const definitions = new Map<string, TemplateDefinition>();
    for (const t of templates)
      definitions.set(
        t.id,
        (t.publishedVersion !== null && published.get(`${t.id}@${t.publishedVersion}`)) || t.draft,
      );
    // The dossiers the events and conditions name (a reference field "naar …"), by title: loaded once.
    const named = new Set<string>();
    for (const def of definitions.values()) {
      for (const did of eventDossierIds(def.event, type)) named.add(did);
      for (const did of referencedDossierIds(effectiveCondition(def), type, catalog)) named.add(did);
    }
    for (const [did, title] of await this.dossiers.titlesByIds(named, options.lang)) titles.set(did, title);
    const chains = new Map<string, string[]>();
    for (const def of definitions.values())
      for (const c of referencePaths(effectiveCondition(def))) chains.set(c.join('.'), c);
    await graph.preload([dossier], [...chains.values()]);

    // The recipients of all the e-mail templates, checked in one go (not one preview per template).
    const recipientProblems = await this.recipientProblems(
      templates.flatMap((t) => {
        const effect = definitions.get(t.id)!.effect;
        return effect.type === 'sendEmail' ? [{ id: t.id, effect }] : [];
      }),
      dossier,
    );

    const out: TemplateExplanation[] = [];
    for (const t of templates) {
      out.push(
        await this.explainOne(t, definitions.get(t.id)!, {
          dossier,
          deleted,
          deletedAt: deletedEvent?.occurredAt ?? null,
          type,
          catalog,
          events,
          actions,
          firstPublished: firstPublished.get(t.id) ?? null,
          calendar,
          graph,
          ctx,
          recipientProblems: recipientProblems.get(t.id) ?? [],
        }),
      );
    }
    return { dossier: { id, type: typeKey, deleted }, language: options.lang, templates: out };
  }

  private async explainOne(
    t: ActionTemplate,
    def: TemplateDefinition,
    env: {
      dossier: Dossier;
      deleted: boolean;
      deletedAt: number | null;
      type: DossierType;
      catalog: DossierTypeCatalog;
      events: readonly DossierEvent[];
      actions: readonly Action[];
      firstPublished: number | null;
      calendar: Calendar;
      graph: DossierGraph;
      ctx: TextContext;
      /** The recipient problems an e-mail of this template would meet now (empty when none), coded. */
      recipientProblems: readonly Reason[];
    },
  ): Promise<TemplateExplanation> {
    const { dossier, type, catalog, ctx, graph } = env;
    const now = this.clock.now();
    const say = (code: string, params: Record<string, unknown> = {}): Explained => ({
      code,
      params,
      text: sentence({ code, params }, ctx),
    });
    const eventText = describeEvent(def.event, ctx);
    const own = env.actions.filter((a) => a.templateId === t.id);
    const mains = own.filter((a) => a.kind === 'main');

    // 1. The event: the newest of this dossier's events the template reacts to (categories aside).
    let matched: { at: number; event: DossierEvent | null } | null = null;
    const ev = def.event;
    if (ev.type === 'actionCompleted' || ev.type === 'actionExpired') {
      const wanted = ev.type === 'actionCompleted' ? 'done' : 'expired';
      const finished = env.actions
        .filter((a) => a.templateId === ev.templateId && a.status === wanted)
        .sort((a, b) => (b.completedAt ?? b.updatedAt) - (a.completedAt ?? a.updatedAt))[0];
      if (finished) matched = { at: finished.completedAt ?? finished.updatedAt, event: null };
    } else if (ev.type !== 'manual') {
      const index = new TemplateIndex(
        [{ templateId: t.id, version: t.publishedVersion ?? 0, definition: { ...def, categories: [] } }],
        catalog,
      );
      const found = env.events.find((e) => index.match(e).length > 0);
      if (found) matched = { at: found.occurredAt, event: found };
    }
    const event: TemplateExplanation['event'] =
      ev.type === 'manual'
        ? { ...say('event.manual'), at: null, eventId: null }
        : matched
          ? {
              ...say('event.happened', { event: eventText, eventType: ev.type, at: iso(matched.at) }),
              at: iso(matched.at),
              eventId: matched.event?.id ?? null,
            }
          : { ...say('event.awaited', { event: eventText, eventType: ev.type }), at: null, eventId: null };

    // 2. Conditions, one by one: now, and at the event.
    const items = conditionItems(effectiveCondition(def));
    const atEvent = matched?.event ?? null;
    const eventDossier: Dossier | null = atEvent
      ? { ...dossier, status: atEvent.status, data: atEvent.data }
      : null;
    if (eventDossier) await graph.preload([eventDossier], referencePaths(effectiveCondition(def)));
    const check = (c: Condition, d: Dossier, changes?: DossierEvent['changes']): boolean | null => {
      try {
        return evaluateCondition(changes ? c : withoutChanged(c), {
          type,
          catalog,
          data: d.data,
          resolve: graph.resolverFor(d),
          now,
          timeZone: env.calendar.timeZone,
          ...(changes ? { changes } : {}),
        });
      } catch {
        return null; // the template no longer fits the dossier type: it cannot hold
      }
    };
    const checks: ConditionCheck[] = items.map((c) => {
      const base = {
        description: describeCondition(c, type, ctx.lang, catalog, ctx.dossierTitle),
        holdsNow: check(c, dossier),
        heldAtEvent: eventDossier ? check(c, eventDossier, atEvent!.changes) : null,
      };
      if (c.type !== 'compare') return base;
      const segments = c.field.split('.');
      const data = segments.length > 1 ? graph.resolverFor(dossier)(segments.slice(0, -1)) : dossier.data;
      const key = segments[segments.length - 1]!;
      const value = data && Object.hasOwn(data, key) ? (data[key] ?? null) : null;
      return { ...base, field: c.field, value };
    });
    const all = (list: (boolean | null)[]) =>
      list.some((v) => v === null) ? null : list.every((v) => v === true);
    const holdsNow = all(checks.map((c) => c.holdsNow));
    const heldAtEvent = eventDossier ? all(checks.map((c) => c.heldAtEvent)) : null;

    // 3. Timing, step by step, from the event (or from now when it has not happened).
    const anchor = def.timing.anchor;
    const fieldValue = anchor.type === 'field' ? dossier.data[anchor.field] : undefined;
    const timing = explainTiming(
      def.timing,
      {
        eventAt: matched?.at ?? now,
        fieldValue:
          typeof fieldValue === 'string' ? fieldValue : fieldValue == null ? null : String(fieldValue),
      },
      env.calendar,
    );

    // 4. Why no action (or why the one made will not run).
    const reasons: Explained[] = [];
    if (env.deleted)
      reasons.push(say('reason.dossierDeleted', { at: iso(env.deletedAt ?? dossier.updatedAt) }));
    if (t.publishedVersion === null) reasons.push(say('reason.notPublished'));
    else if (!t.active) reasons.push(say('reason.inactive'));
    for (const a of own) {
      // A stored reason goes in coded (a list of reasons or one), so the sentence reads in the
      // reader's language; which kind of cancel it was is read from its code, not its wording.
      if (a.status === 'cancelled') {
        const coded = a.statusReasonCoded ?? textReason(a.statusReason ?? '');
        if (coded.code === 'reason.skippedLate')
          reasons.push(say('reason.skippedTooLate', { actionId: a.id, hours: def.skipIfLateHours ?? null }));
        else if (coded.code === 'reason.notInCategory')
          reasons.push(say('reason.outsideLinkedCategories', { actionId: a.id, at: iso(a.updatedAt) }));
        else if (coded.code !== 'reason.dossierDeleted')
          reasons.push(say('reason.cancelled', { actionId: a.id, at: iso(a.updatedAt), reason: coded }));
      } else if (a.status === 'failed') {
        const error = a.error ?? '';
        const coded = a.errorCoded ?? textReason(error);
        const missing = coded.code === 'reason.recipientsMissing' ? coded.params.problems : undefined;
        if (Array.isArray(missing))
          reasons.push(say('reason.recipientWithoutAddress', { actionId: a.id, problems: missing }));
        else if (/e-mail address|no recipients/.test(error))
          reasons.push(say('reason.recipientWithoutAddress', { actionId: a.id, problems: [coded] }));
        else reasons.push(say('reason.failed', { actionId: a.id, error: coded }));
      }
    }
    const categoryField = type.categoryField;
    const categoryOf = (data: Readonly<Record<string, unknown>>) =>
      categoryField === undefined ? '' : String(data[categoryField] ?? '');
    const outsideCategories = (data: Readonly<Record<string, unknown>>) =>
      def.categories.length > 0 &&
      (categoryField === undefined || !def.categories.includes(categoryOf(data)));
    const stampedForMatch =
      matched !== null &&
      mains.some((a) => (matched.event ? a.triggerEventId === matched.event.id : a.createdAt >= matched.at));
    if (matched && !stampedForMatch && t.publishedVersion !== null) {
      const firstPublished = env.firstPublished;
      const data = matched.event?.data ?? dossier.data;
      const earlier = mains.find((a) => a.status !== 'cancelled');
      if (firstPublished !== null && firstPublished > matched.at)
        reasons.push(
          say('reason.notLiveAtEvent', { eventAt: iso(matched.at), publishedAt: iso(firstPublished) }),
        );
      else if (outsideCategories(data))
        reasons.push(
          say('reason.wrongCategory', { category: categoryOf(data), linked: [...def.categories] }),
        );
      else if (def.repeat === 'once' && earlier)
        reasons.push(
          say('reason.repeatOnceUsed', {
            actionId: earlier.id,
            status: earlier.status,
            createdAt: iso(earlier.createdAt),
          }),
        );
      else if (heldAtEvent === false && def.whenConditionsFail === 'cancel')
        reasons.push(
          say('reason.conditionsFailed', {
            failed: checks.filter((c) => c.heldAtEvent === false).map((c) => c.description),
          }),
        );
      else if (timing.dueAt === null && anchor.type === 'field')
        reasons.push(say('reason.anchorEmpty', { field: anchor.field }));
    } else if (!matched && outsideCategories(dossier.data)) {
      reasons.push(
        say('reason.wrongCategory', { category: categoryOf(dossier.data), linked: [...def.categories] }),
      );
    }
    const open = mains
      .filter((a) => OPEN.has(a.status))
      .sort((a, b) => (b.createdAt === a.createdAt ? (a.id < b.id ? 1 : -1) : b.createdAt - a.createdAt))[0];
    if (
      def.effect.type === 'sendEmail' &&
      this.email &&
      !env.deleted &&
      (open !== undefined || (mains.length === 0 && t.active))
    ) {
      const problems = env.recipientProblems;
      if (problems.length > 0) reasons.push(say('reason.recipientWithoutAddress', { problems }));
    }

    // 5. What happens next if nothing changes.
    let next: Explained;
    if (open?.status === 'pending' && open.dueAt !== null)
      next = say('next.due', {
        actionId: open.id,
        at: iso(open.dueAt),
        statuses: def.event.type === 'statusSet' ? [...def.event.to] : [],
      });
    else if (open?.status === 'due' || (open?.status === 'pending' && open.dueAt === null))
      next = say('next.overdue', { actionId: open.id, at: iso(open.dueAt ?? open.createdAt) });
    else if (open?.status === 'waiting')
      next = say('next.waiting', {
        actionId: open.id,
        failing: checks.filter((c) => c.holdsNow === false).map((c) => c.description),
      });
    else if (open?.status === 'running') next = say('next.running', { actionId: open.id });
    else if (
      !env.deleted &&
      t.active &&
      t.publishedVersion !== null &&
      def.event.type !== 'manual' &&
      // A dossier is created once: when that has happened, the event will not come again.
      !(def.event.type === 'created' && matched) &&
      !outsideCategories(dossier.data) &&
      (def.repeat === 'everyTime' || !mains.some((a) => a.status !== 'cancelled'))
    )
      next = say('next.onEvent', {
        event: eventText,
        eventType: def.event.type,
        conditionsHoldNow: holdsNow,
      });
    else next = say('next.nothing');

    return {
      templateId: t.id,
      name: def.name,
      process: def.process ?? null,
      active: t.active,
      publishedVersion: t.publishedVersion,
      event,
      conditions: { holdsNow, heldAtEvent, items: checks },
      timing: {
        dueAt: timing.dueAt === null ? null : iso(timing.dueAt),
        steps: timing.steps.map((s) => ({ ...s, text: sentence(s, ctx) })),
      },
      actions: own.map((a) => ({
        id: a.id,
        kind: a.kind,
        status: a.status,
        dueAt: a.dueAt === null ? null : iso(a.dueAt),
        createdAt: iso(a.createdAt),
        statusReason: a.statusReason,
        error: a.error,
      })),
      reasons,
      next,
    };
  }

  /** Per e-mail template: the recipient problems its e-mail to this dossier would meet now. */
  private async recipientProblems(
    templates: readonly { id: string; effect: SendEmailEffect }[],
    dossier: Dossier,
  ): Promise<Map<string, Reason[]>> {
    if (!this.email || templates.length === 0) return new Map();
    const problems = await this.email.recipientProblems(this.store.db, {
      effects: templates.map((t) => t.effect),
      dossier,
    });
    return new Map(templates.map((t, i) => [t.id, problems[i] ?? []]));
  }
}

function iso(instant: number): string {
  return new Date(instant).toISOString();
}

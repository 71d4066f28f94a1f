import type { Clock } from '../domain/clock.js';
import type { Action } from '../domain/action/action.js';
import { type Dossier, isStorableText } from '../domain/dossier.js';
import { type DossierTypeCatalog, fieldOf } from '../domain/dossier-type.js';
import { type ErrorDetail, WerkflowError, throwIfProblems } from '../domain/errors.js';
import { newId } from '../domain/id.js';
import type { Permission, Principal } from '../domain/permissions.js';
import {
  type ActionTemplate,
  type ActiveTemplate,
  type ExecutionMode,
  type TemplateDefinition,
  type TemplateVersion,
  canonicalJson,
  withDefaults,
} from '../domain/template/action-template.js';
import { dueTimeOf } from '../domain/template/stamp.js';
import { effectiveCondition } from '../domain/template/template-index.js';
import { validateTemplateDefinition } from '../domain/template/validate-template.js';
import { compileCondition } from '../store/condition-sql.js';
import type { Db, Store } from '../store/database.js';
import type { ActionEngine } from '../engine/action-engine.js';
import { withoutChanged } from '../engine/action-engine.js';
import type { DossierService } from './dossier.service.js';
import type { AuditHook } from './audit.service.js';
import type { EmailPort } from '../engine/effect-ports.js';
import {
  type ImpactReport,
  type PendingChoice,
  type TemplateChange,
  impactCounts,
} from './impact.service.js';

/** The right a template's execution mode needs (Coachview: module "Automatische workflow"). */
export function permissionForMode(mode: ExecutionMode): Permission {
  return mode === 'manual' ? 'templates.manual' : 'workflows.automatic';
}

/** The one check: may this principal create, edit or publish a template with this mode? */
export function assertMayManage(principal: Principal, mode: ExecutionMode): void {
  const needed = permissionForMode(mode);
  if (!principal.permissions.has(needed)) {
    const what =
      mode === 'manual'
        ? 'manual action templates'
        : `${mode === 'automatic' ? 'automatic' : 'semi-automatic'} action templates`;
    throw new WerkflowError(
      'forbidden',
      `You need the right ${needed}${needed === 'workflows.automatic' ? ' (Automatische workflow)' : ''} to set up ${what}; ask an administrator.`,
    );
  }
}

export interface SimulatedAction {
  readonly dossier: Dossier;
  readonly dueAt: number | null;
  readonly effect: unknown;
}

export interface CategoryPlan {
  readonly toStamp: number;
  readonly toRemove: number;
  readonly applied: boolean;
  /** The same change as publishing reports it: open actions cancelled, kept, re-timed; dossiers that came in. */
  readonly impact: ImpactReport;
}

/** Relinking as the impact planner sees it (ImpactService.relink). */
export interface RelinkImpactInput {
  readonly templateId: string;
  readonly pending: PendingChoice;
  readonly dryRun: boolean;
  readonly definition: TemplateDefinition;
  readonly version: number;
  readonly outside: readonly Action[];
  readonly stamped: readonly Action[];
}

/**
 * Options only the engine's own callers pass: `allowView` lets the Econobis workflow screens
 * (EconobisWorkflowService) set a template's `view`, which a client may not.
 */
export interface TemplateWriteOptions {
  readonly allowView?: boolean;
}

/** A template change as the impact planner sees it. */
export interface ChangeImpactInput {
  readonly templateId: string;
  readonly change: TemplateChange;
  readonly pending: PendingChoice;
  readonly dryRun: boolean;
  readonly previous: TemplateDefinition | undefined;
  readonly next: TemplateDefinition | undefined;
  readonly nextVersion: number | null;
}

/** A warning in a save response: saved, but worth a look (two templates setting the same field). */
export interface TemplateWarning {
  readonly code: string;
  readonly message: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/**
 * Action templates: drafts, publishing immutable versions, activation, simulation, manual
 * start and retroactive linking to categories. Every change is checked against the dossier
 * types and the principal's rights, and audited.
 */
export class TemplateService {
  audit: AuditHook = async () => {};
  email: EmailPort | undefined;
  /** Extra validation of effects that needs I/O (e-mail templates exist, recipients resolve). */
  validateEffect: (def: TemplateDefinition, catalog: DossierTypeCatalog) => Promise<ErrorDetail[]> =
    async () => [];
  /**
   * The template among the active ones (src/domain/template/template-graph.ts): throws when it
   * closes a loop, returns warnings for conflicts. Set by the composition root.
   */
  checkGraph: (id: string, def: TemplateDefinition) => Promise<TemplateWarning[]> = async () => [];
  /**
   * What publishing or switching does to live data (src/services/impact.service.ts): plans it, and
   * unless `dryRun` applies the choice for actions already planned, in the change's transaction.
   */
  changeImpact: (
    db: Db,
    input: ChangeImpactInput,
    actor: string | null,
  ) => Promise<ImpactReport | undefined> = async () => undefined;
  /** What relinking categories does to the open actions (ImpactService.relink); set by the composition root. */
  relinkImpact: (db: Db, input: RelinkImpactInput, actor: string | null) => Promise<ImpactReport> = () => {
    throw new Error('relinkImpact is not wired (Werkflow sets it)');
  };

  constructor(
    private readonly store: Store,
    private readonly engine: ActionEngine,
    private readonly dossiers: DossierService,
    private readonly catalog: () => DossierTypeCatalog,
    private readonly clock: Clock,
  ) {}

  private async validate(input: unknown, options: TemplateWriteOptions = {}): Promise<TemplateDefinition> {
    const catalog = this.catalog();
    const problems = validateTemplateDefinition(input, catalog, { allowView: options.allowView ?? false });
    throwIfProblems(problems);
    const def = input as TemplateDefinition;
    throwIfProblems(await this.validateEffect(def, catalog));
    return def;
  }

  /** Prepares a valid definition for storage (webhook secrets sealed; set by the composition root). */
  prepareForStorage: (
    def: TemplateDefinition,
    previous: TemplateDefinition | undefined,
  ) => TemplateDefinition = (def) => def;

  /** Fills in defaults for a partial definition as a client sends it. */
  normalise(input: unknown): unknown {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
    return withDefaults(input as Parameters<typeof withDefaults>[0]);
  }

  async get(id: string): Promise<ActionTemplate & { versions: TemplateVersion[] }> {
    // No template id holds a NUL or half a surrogate pair, and PostgreSQL refuses to compare with one.
    const t = isStorableText(id) ? await this.engine.templates.get(id) : undefined;
    if (!t)
      throw new WerkflowError('not_found', `There is no action template with id "${id}".`, { path: 'id' });
    return { ...t, versions: await this.engine.templates.versions(id) };
  }

  list(filter: { dossierType?: string; process?: string; active?: boolean } = {}): Promise<ActionTemplate[]> {
    const problems: ErrorDetail[] = [];
    for (const key of ['dossierType', 'process'] as const) {
      const value = filter[key];
      if (value !== undefined && (typeof value !== 'string' || !isStorableText(value))) {
        problems.push({
          path: `query.${key}`,
          message: `The filter on ${key} contains a NUL character or half a surrogate pair; no template has such a value.`,
        });
      }
    }
    throwIfProblems(problems);
    return this.engine.templates.list(filter);
  }

  /** Creates a template from a definition; publishes it at once when `publish` is set. */
  async create(
    input: unknown,
    principal: Principal,
    options: { publish?: boolean; active?: boolean } & TemplateWriteOptions = {},
  ): Promise<ActionTemplate & { warnings: TemplateWarning[] }> {
    const def = this.prepareForStorage(await this.validate(this.normalise(input), options), undefined);
    assertMayManage(principal, def.executionMode);
    const now = this.clock.now();
    const id = newId(now);
    const warnings = await this.checkGraph(id, def);
    const template: ActionTemplate = {
      id,
      active: options.active ?? true,
      draft: def,
      publishedVersion: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.db.transaction().execute(async (db) => {
      await this.engine.templates.insert(template, principal.id, db);
      await this.audit(db, {
        actor: principal.id,
        action: 'template.create',
        entityType: 'actionTemplate',
        entityId: template.id,
        before: null,
        after: def,
      });
      if (options.publish) await this.engine.templates.publish(template.id, def, principal.id, now, db);
    });
    if (options.publish) await this.engine.reloadTemplates();
    return { ...(await this.engine.templates.get(template.id))!, warnings };
  }

  async updateDraft(
    id: string,
    input: unknown,
    principal: Principal,
    options: TemplateWriteOptions = {},
  ): Promise<ActionTemplate & { warnings: TemplateWarning[] }> {
    const current = await this.get(id);
    let candidate = this.normalise(input);
    let allowView = options.allowView ?? false;
    if (
      !allowView &&
      current.draft.view !== undefined &&
      typeof candidate === 'object' &&
      candidate !== null &&
      !Array.isArray(candidate)
    ) {
      // The view of a template made by the Econobis screens is theirs: a client that sends the
      // draft back with the view unchanged, or without it, keeps it; changing it is refused.
      const sent = (candidate as { view?: unknown }).view;
      if (sent === undefined) candidate = { ...candidate, view: current.draft.view };
      allowView = sent === undefined || canonicalJson(sent) === canonicalJson(current.draft.view);
    }
    const def = this.prepareForStorage(await this.validate(candidate, { allowView }), current.draft);
    assertMayManage(principal, current.draft.executionMode);
    assertMayManage(principal, def.executionMode);
    const warnings = await this.checkGraph(id, def);
    await this.store.db.transaction().execute(async (db) => {
      await this.engine.templates.updateDraft(id, def, this.clock.now(), db);
      await this.audit(db, {
        actor: principal.id,
        action: 'template.updateDraft',
        entityType: 'actionTemplate',
        entityId: id,
        before: current.draft,
        after: def,
      });
    });
    return { ...(await this.engine.templates.get(id))!, warnings };
  }

  /**
   * Freezes the draft as a new version; new actions are stamped from it. Actions already planned
   * keep their version (`pending: keep`), move to the new one (re-checked and re-timed) or are
   * cancelled. With `dryRun` nothing is written: the answer says what would happen.
   */
  async publish(
    id: string,
    principal: Principal,
    options: { pending?: PendingChoice; dryRun?: boolean } = {},
  ): Promise<{ version: number; impact?: ImpactReport }> {
    const current = await this.get(id);
    // The stored draft passed the checks when it was saved, its view included.
    const def = await this.validate(current.draft, { allowView: true });
    assertMayManage(principal, def.executionMode);
    await this.checkGraph(id, def);
    const previous =
      current.publishedVersion === null
        ? undefined
        : await this.engine.definitionOf(id, current.publishedVersion);
    const impactOf = (db: Db, version: number, dryRun: boolean) =>
      this.changeImpact(
        db,
        {
          templateId: id,
          change: 'publish',
          pending: options.pending ?? 'keep',
          dryRun,
          previous,
          next: def,
          nextVersion: version,
        },
        principal.id,
      );
    if (options.dryRun) {
      const version = (current.versions[0]?.version ?? 0) + 1;
      const impact = await impactOf(this.store.db, version, true);
      return { version, ...(impact ? { impact } : {}) };
    }
    const result = await this.store.db.transaction().execute(async (db) => {
      const v = await this.engine.templates.publish(id, def, principal.id, this.clock.now(), db);
      const impact = await impactOf(db, v, false);
      await this.audit(db, {
        actor: principal.id,
        action: 'template.publish',
        entityType: 'actionTemplate',
        entityId: id,
        before: null,
        after: { version: v, definition: def, ...(impact ? { pendingActions: impactCounts(impact) } : {}) },
      });
      return { version: v, ...(impact ? { impact } : {}) };
    });
    await this.engine.reloadTemplates();
    return result;
  }

  async setActive(
    id: string,
    active: boolean,
    principal: Principal,
    options: { pending?: PendingChoice; dryRun?: boolean } = {},
  ): Promise<ActionTemplate & { impact?: ImpactReport }> {
    const current = await this.get(id);
    assertMayManage(principal, current.draft.executionMode);
    const published =
      current.publishedVersion === null
        ? undefined
        : await this.engine.definitionOf(id, current.publishedVersion);
    if (active && published) {
      // Switching on puts the published version to work, not the draft: its mode needs the right too.
      assertMayManage(principal, published.executionMode);
      if (!current.active) await this.checkGraph(id, published);
    }
    const impactOf = (db: Db, dryRun: boolean) =>
      this.changeImpact(
        db,
        {
          templateId: id,
          change: active ? 'activate' : 'deactivate',
          pending: options.pending ?? 'keep',
          dryRun,
          previous: published,
          next: active ? published : undefined,
          nextVersion: current.publishedVersion,
        },
        principal.id,
      );
    if (options.dryRun) {
      const impact = await impactOf(this.store.db, true);
      return { ...current, ...(impact ? { impact } : {}) };
    }
    const impact = await this.store.db.transaction().execute(async (db) => {
      await this.engine.templates.setActive(id, active, this.clock.now(), db);
      const impact = await impactOf(db, false);
      await this.audit(db, {
        actor: principal.id,
        action: active ? 'template.activate' : 'template.deactivate',
        entityType: 'actionTemplate',
        entityId: id,
        before: { active: current.active },
        after: { active, ...(impact ? { pendingActions: impactCounts(impact) } : {}) },
      });
      return impact;
    });
    await this.engine.reloadTemplates();
    return { ...(await this.engine.templates.get(id))!, ...(impact ? { impact } : {}) };
  }

  private async published(id: string): Promise<ActiveTemplate> {
    const t = await this.get(id);
    if (t.publishedVersion === null)
      throw new WerkflowError(
        'invalid_state',
        `Template "${t.draft.name}" has not been published yet: publish it first.`,
      );
    const def = await this.engine.definitionOf(id, t.publishedVersion);
    return { templateId: id, version: t.publishedVersion, definition: def! };
  }

  /** Dossiers of the template's type that meet its conditions and categories now (SQL), up to `limit`. */
  async matchingDossiers(def: TemplateDefinition, limit: number, db: Db = this.store.db): Promise<Dossier[]> {
    const catalog = this.catalog();
    const type = catalog.get(def.dossierType)!;
    const calendar = await this.engine.calendar();
    let q = db
      .selectFrom('dossiers as d')
      .select('d.id')
      .where('d.type', '=', def.dossierType)
      .where(
        compileCondition(withoutChanged(effectiveCondition(def)), {
          type,
          catalog,
          adapter: this.store.adapter,
          now: this.clock.now(),
          timeZone: calendar.timeZone,
        }),
      );
    if (def.categories.length > 0 && type.categoryField)
      q = q.where(this.store.adapter.jsonText('d.data', type.categoryField), 'in', [...def.categories]);
    const ids = (await q.orderBy('d.id').limit(limit).execute()).map((r) => r.id);
    return this.dossiers.dossiers.getMany(ids, db);
  }

  /**
   * What a (draft) template would do now, without writing anything: which dossiers meet its
   * conditions and categories, with due times (event time = now) and the rendered effect.
   */
  async simulate(
    id: string,
    options: { limit?: number; draft?: unknown } = {},
  ): Promise<{ total: number; items: SimulatedAction[] }> {
    // A simulated draft is not stored: the view a client copied from a template may stay in it.
    const def =
      options.draft !== undefined
        ? await this.validate(this.normalise(options.draft), { allowView: true })
        : (await this.get(id)).draft;
    const limit = Math.min(options.limit ?? 50, 500);
    const calendar = await this.engine.calendar();
    const now = this.clock.now();
    const matches = await this.matchingDossiers(def, limit);
    const items: SimulatedAction[] = [];
    for (const dossier of matches) {
      let effect: unknown = def.effect;
      if (def.effect.type === 'sendEmail' && this.email) {
        try {
          effect = await this.email.preview(this.store.db, { effect: def.effect, dossier });
        } catch (error) {
          effect = { error: (error as Error).message };
        }
      }
      items.push({ dossier, dueAt: dueTimeOf(def, { eventAt: now, data: dossier.data }, calendar), effect });
    }
    return { total: items.length, items };
  }

  /** Starts a published template on chosen dossiers by hand. */
  async start(id: string, dossierIds: readonly string[], principal: Principal): Promise<Action[]> {
    const template = await this.published(id);
    if (template.definition.executionMode !== 'manual' && !principal.permissions.has('actions.handle')) {
      throw new WerkflowError(
        'forbidden',
        'You need the right actions.handle to start templates on dossiers.',
      );
    }
    const unstorable = dossierIds.findIndex((d) => typeof d !== 'string' || !isStorableText(d));
    if (unstorable >= 0) {
      throw new WerkflowError(
        'validation_failed',
        'A dossier id contains a NUL character or half a surrogate pair; no dossier has such an id.',
        {
          path: `dossierIds[${unstorable}]`,
        },
      );
    }
    const found = await this.dossiers.dossiers.getMany(dossierIds);
    const missing = dossierIds.filter(
      (d) => !found.some((f) => f.id === d && f.type === template.definition.dossierType),
    );
    if (missing.length > 0) {
      throw new WerkflowError(
        'validation_failed',
        `These are not ${template.definition.dossierType} dossiers: ${missing.slice(0, 5).join(', ')}.`,
        { path: 'dossierIds' },
      );
    }
    return this.store.db
      .transaction()
      .execute((db) => this.engine.startManually(db, template, found, newId(this.clock.now()), principal.id));
  }

  /**
   * Links a template's categories retroactively: stamps its actions on the dossiers in those
   * categories that meet its conditions and have none yet (for a fan-out template: on each of
   * their related dossiers that has none), and cancels the open actions of dossiers outside them.
   * The counts are of actions, and exact: a dry run does the same work in a transaction that is
   * rolled back. Applying twice stamps and cancels nothing the second time.
   */
  async applyCategories(
    id: string,
    principal: Principal,
    options: { dryRun: boolean; pending?: PendingChoice },
  ): Promise<CategoryPlan> {
    const template = await this.published(id);
    const def = template.definition;
    assertMayManage(principal, def.executionMode);
    const catalog = this.catalog();
    const type = catalog.get(def.dossierType)!;
    const viaField = def.categoryVia ? fieldOf(type, def.categoryVia) : undefined;
    const ownerType = !def.categoryVia
      ? type
      : viaField?.kind === 'reference'
        ? catalog.get(viaField.refType)
        : undefined;
    if (!ownerType?.categoryField)
      throw new WerkflowError(
        'invalid_state',
        `${type.key} has no category field; there is nothing to apply.`,
      );
    if (def.categories.length === 0) {
      // Not "remove it from every dossier outside its categories": it has none, so it is everyone's.
      throw new WerkflowError(
        'invalid_state',
        'The template is linked to no category: it applies to every dossier, so there is nothing to apply.',
      );
    }
    const rollback = new Error('dry run');
    let plan: CategoryPlan | undefined;
    try {
      await this.store.db.transaction().execute(async (db) => {
        plan = await this.linkCategories(template, principal, options, db);
        if (options.dryRun) throw rollback;
      });
    } catch (error) {
      if (error !== rollback) throw error;
    }
    return plan!;
  }

  private async linkCategories(
    template: ActiveTemplate,
    principal: Principal,
    options: { dryRun: boolean; pending?: PendingChoice },
    db: Db,
  ): Promise<CategoryPlan> {
    const { dryRun } = options;
    const def = template.definition;
    const catalog = this.catalog();
    const repo = this.dossiers.dossiers;
    // The category of a dossier the template works on: its own, or the referenced one's (categoryVia).
    const categoryOf = async (dossiers: readonly Dossier[]): Promise<Map<string, string>> => {
      const owners = def.categoryVia
        ? await repo.getMany(
            dossiers.map((d) => d.data[def.categoryVia!]).filter((v): v is string => typeof v === 'string'),
            db,
          )
        : dossiers;
      const ownerById = new Map(owners.map((o) => [o.id, o]));
      const out = new Map<string, string>();
      for (const d of dossiers) {
        const owner = def.categoryVia ? ownerById.get(String(d.data[def.categoryVia])) : d;
        const field = owner ? catalog.get(owner.type)?.categoryField : undefined;
        const value = field ? owner!.data[field] : undefined;
        if (typeof value === 'string') out.set(d.id, value);
      }
      return out;
    };
    const linked = (category: string | undefined) =>
      category !== undefined && def.categories.includes(category);
    let roots = await this.matchingDossiers(def, 100_000, db);
    if (def.categoryVia) {
      const categories = await categoryOf(roots);
      roots = roots.filter((r) => linked(categories.get(r.id)));
    }
    const existing = await this.engine.actions.list(
      { templateId: template.templateId, limit: 1_000_000 },
      db,
    );
    // A cancelled action does not count: linking again stamps a new one.
    const withAction = new Set(existing.filter((a) => a.status !== 'cancelled').map((a) => a.dossierId));
    const plan: { root: Dossier; targets: Dossier[] }[] = [];
    for (const root of roots) {
      const targets = def.fanOut
        ? await repo.referencing(def.fanOut.dossierType, def.fanOut.field, root.id, 10_000, db)
        : [root];
      const missing = targets.filter((t) => !withAction.has(t.id));
      if (missing.length > 0) plan.push({ root, targets: missing });
    }
    // Open actions whose dossier (for fan-out: its root) is outside the linked categories.
    const open = existing.filter((a) => ['waiting', 'pending', 'due'].includes(a.status));
    const targetsOfOpen = await repo.getMany([...new Set(open.map((a) => a.dossierId))], db);
    const rootOf = new Map<string, string>();
    let ownersOfOpen = targetsOfOpen;
    if (def.fanOut) {
      for (const t of targetsOfOpen) rootOf.set(t.id, String(t.data[def.fanOut.field] ?? ''));
      ownersOfOpen = await repo.getMany([...new Set(rootOf.values())], db);
    }
    const categories = await categoryOf(ownersOfOpen);
    const toRemove = open.filter((a) => !linked(categories.get(rootOf.get(a.dossierId) ?? a.dossierId)));
    const now = this.clock.now();
    const stamped = await this.engine.stampLinked(db, template, plan, `categories:${now}`, principal.id);
    // Without a choice, as before there was one: actions outside the linked categories are cancelled.
    const impact = await this.relinkImpact(
      db,
      {
        templateId: template.templateId,
        pending: options.pending ?? 'cancel',
        dryRun,
        definition: def,
        version: template.version,
        outside: toRemove,
        stamped,
      },
      principal.id,
    );
    if (!dryRun) {
      await this.audit(db, {
        actor: principal.id,
        action: 'template.applyCategories',
        entityType: 'actionTemplate',
        entityId: template.templateId,
        before: null,
        after: { stamped: stamped.length, removed: impact.cancelled, pendingActions: impactCounts(impact) },
      });
    }
    return { toStamp: stamped.length, toRemove: impact.cancelled, applied: !dryRun, impact };
  }
}

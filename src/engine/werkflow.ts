import type { Clock } from '../domain/clock.js';
import {
  type DossierType,
  type DossierTypeCatalog,
  catalogOf,
  checkDossierTypes,
} from '../domain/dossier-type.js';
import { WerkflowError } from '../domain/errors.js';
import { type Store, type StoreConfig, openStore } from '../store/database.js';
import { DossierTypeRepository } from '../store/dossier-type.repository.js';
import { type MigrationReport, migrate } from '../store/migrator.js';
import { DossierService } from '../services/dossier.service.js';
import { type AuditHook, AuditService } from '../services/audit.service.js';
import { Auth } from '../services/auth/index.js';
import { SandboxClock, systemClock } from './clock.js';
import { ActionEngine } from './action-engine.js';
import { ActionExecutor } from './action-executor.js';
import { ActionService } from '../services/action.service.js';
import { CalendarService } from '../services/calendar.service.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';
import { TemplateService } from '../services/template.service.js';
import { EconobisWorkflowService } from '../services/econobis-workflows.service.js';
import { canonicalJson, reminderEmail } from '../domain/template/action-template.js';
import { ExplainService } from '../services/explain.service.js';
import { TemplateGraphService } from '../services/template-graph.service.js';
import { ImpactService } from '../services/impact.service.js';
import { createWebhookClient } from './webhook.client.js';
import { WebhookSettingsService } from '../services/webhook-settings.service.js';
import { openWebhookSecret, sealWebhookSecret } from '../services/webhook-secrets.js';
import { Email, type EmailOptions, emailOptionsFromEnv } from '../services/email/index.js';
import { type Logger, LoopHealth, type LoopName, Metrics, silentLogger } from './observability.js';
import { PresetService } from '../services/presets.service.js';
import { ReadinessService } from '../services/readiness.js';
import { DigestService } from '../services/digest.service.js';
import { UserPreferencesService } from '../services/user-preferences.service.js';

export interface WerkflowOptions extends StoreConfig {
  readonly clock?: Clock;
  /** Install this preset's dossier types when the database has none yet. */
  readonly preset?: string;
  readonly scheduler?: SchedulerOptions;
  /** E-mail configuration; read from the environment (WERKFLOW_SECRET_KEY, WERKFLOW_MAIL_*) when absent. */
  readonly email?: EmailOptions;
  /** Where the background loops log their errors and recoveries (pino); silent when absent. */
  readonly logger?: Logger;
}

/**
 * The composition root: one open database with its services. The API, the CLI and the worker
 * all start from `Werkflow.open` and call only these services.
 */
export class Werkflow {
  readonly dossiers: DossierService;
  /** The append-only audit log; other services call `audit.record(trx, entry)` in their transactions. */
  readonly audit: AuditService;
  /** Users, teams, roles, log-in, sessions and API tokens. */
  readonly auth: Auth;
  /** The organisation's time zone and working days. */
  readonly calendar: CalendarService;
  /** Matching and stamping: dossier events → actions. */
  readonly engine: ActionEngine;
  readonly executor: ActionExecutor;
  readonly scheduler: Scheduler;
  readonly templates: TemplateService;
  readonly actions: ActionService;
  /** The Econobis workflow screens, as views onto templates. */
  readonly econobis: EconobisWorkflowService;
  /** E-mail templates, mailboxes, the outbox and its mailer, the demo mail sink. */
  readonly email: Email;
  /** Which internal hosts webhooks may call. */
  readonly webhooks: WebhookSettingsService;
  /** The daily digest of failed actions and mails in doubt (started with the scheduler). */
  readonly digest: DigestService;
  /** Each person's own settings (the UI's language), from Mijn instellingen. */
  readonly preferences: UserPreferencesService;
  /**
   * Where links in e-mails Werkflow writes itself (the daily digest) point: WERKFLOW_PUBLIC_URL,
   * else the address `serve` listens on.
   */
  publicUrl: string = process.env.WERKFLOW_PUBLIC_URL ?? 'http://localhost:3000';
  /** Structured log of the background loops (pino in `serve`/`worker`). */
  readonly log: Logger;
  /** Prometheus series (`GET /metrics`). */
  readonly metrics: Metrics;
  /** Errors and recoveries of each background loop. */
  readonly loops: Readonly<Record<LoopName, LoopHealth>>;
  /** `GET /api/ready`: database, migrations, scheduler loop. */
  readonly readiness: ReadinessService;
  /** The dossier types of a preset, installed by key. */
  readonly presets: PresetService;
  /** "Why did or didn't a template act on a dossier", impact of template changes, the process map. */
  readonly explain: ExplainService;
  /** Templates as a graph: loops refused at save, conflicts warned about, the process map. */
  readonly graph: TemplateGraphService;
  private readonly dossierTypeRepo: DossierTypeRepository;
  private catalogCache: DossierTypeCatalog = catalogOf([]);

  private constructor(
    readonly store: Store,
    readonly clock: Clock,
    readonly migration: MigrationReport,
    schedulerOptions: SchedulerOptions = {},
    emailOptions: EmailOptions = {},
    logger: Logger = silentLogger,
  ) {
    this.log = logger;
    const now = () => clock.now();
    const metrics = new Metrics(store, now);
    this.metrics = metrics;
    const loop = (name: LoopName) => new LoopHealth(name, logger, metrics, now);
    this.loops = { scheduler: loop('scheduler'), listen: loop('listen'), mailer: loop('mailer') };
    const loops = this.loops;
    this.dossierTypeRepo = new DossierTypeRepository(store);
    this.dossiers = new DossierService(store, () => this.catalogCache, clock);
    this.audit = new AuditService(store, clock);
    // Sessions, lock-outs and tokens expire in real time, also when a sandbox clock is moved on.
    this.auth = new Auth(store, clock instanceof SandboxClock ? systemClock : clock, this.audit);
    this.calendar = new CalendarService(store, clock);
    this.preferences = new UserPreferencesService(store, this.audit);
    const catalog = () => this.catalogCache;
    this.engine = new ActionEngine(store, catalog, this.dossiers.dossiers, this.calendar, clock);
    this.webhooks = new WebhookSettingsService(store, this.audit);
    const webhookClient = createWebhookClient({
      allowedHosts: async () => (await this.webhooks.get()).allowedHosts,
      openSecret: (stored) => openWebhookSecret(stored, (sealed) => this.email.mailboxes.openSecret(sealed)),
      observer: {
        called: (outcome, ms) => metrics.webhookDuration.observe({ outcome }, ms / 1000),
        failed: (reason) => metrics.webhookErrors.inc({ reason }),
      },
    });
    this.executor = new ActionExecutor(store, this.engine, this.dossiers, catalog, clock, webhookClient);
    this.scheduler = new Scheduler(store, this.engine, this.executor, clock, {
      ...schedulerOptions,
      onError: (error) => {
        loops.scheduler.error(error);
        schedulerOptions.onError?.(error);
      },
      observer: {
        woke: () => {
          metrics.schedulerWakeups.inc();
          this.readiness.roundStarted();
        },
        // Errors arrive through onError (also those outside a round: the start-up sweep).
        roundEnded: (error) => {
          this.readiness.roundEnded();
          if (error === undefined) loops.scheduler.ok();
        },
        batch: (batch, claimMs, executeMs) => {
          metrics.recordBatch(batch, claimMs, executeMs);
          // The caller's own observer too (the peers bench counts executed actions so).
          schedulerOptions.observer?.batch?.(batch, claimMs, executeMs);
          logger.info(
            {
              loop: 'scheduler',
              actions: batch.length,
              claimMs: Math.round(claimMs),
              executeMs: Math.round(executeMs),
            },
            `executed a batch of ${batch.length} action${batch.length === 1 ? '' : 's'}`,
          );
        },
        listen: {
          error: (error) => loops.listen.error(error),
          recovered: () => loops.listen.ok(),
        },
      },
    });
    this.readiness = new ReadinessService(store, clock, this.scheduler, loops.scheduler);
    this.presets = new PresetService(store, (types, preset) => this.saveDossierTypes(types, preset));
    this.templates = new TemplateService(store, this.engine, this.dossiers, catalog, clock);
    this.actions = new ActionService(store, this.engine, this.executor, this.dossiers, clock);
    this.econobis = new EconobisWorkflowService(
      this.templates,
      catalog,
      () => this.dossiers.dossiers.list({ type: 'measureCategory', limit: 1000 }),
      () => this.email.templates.listTemplates(),
    );
    this.email = new Email({
      store,
      clock,
      catalog,
      dossiers: this.dossiers.dossiers,
      users: this.dossiers.users,
      options: {
        ...emailOptions,
        // The mailer logs what its sweeps find; the loop health logs and counts its errors and its recovery.
        log:
          emailOptions.log ??
          (logger === silentLogger ? undefined : (message) => logger.warn({ loop: 'mailer' }, message)),
        mailerObserver: {
          roundEnded: (error) => (error === undefined ? loops.mailer.ok() : loops.mailer.error(error)),
          delivered: (result, ms) => {
            metrics.recordDelivery(result, ms);
            const fields = { loop: 'mailer', outbox: result.id, outcome: result.outcome, ms: Math.round(ms) };
            if (result.outcome === 'sent') logger.debug(fields, 'e-mail sent');
            else logger.warn({ ...fields, reply: result.reply }, `e-mail ${result.outcome}: ${result.reply}`);
          },
        },
      },
    });
    this.executor.email = this.email.outbox;
    this.executor.afterCommit = () => this.email.outbox.kick();
    // An e-mail action follows its mail: refused for good → the action is failed, with the reply.
    this.email.outbox.repository.afterResults = async (results, db) => {
      const idsOf = (outcome: string) => results.filter((r) => r.outcome === outcome).map((r) => r.id);
      await this.engine.actions.mailRefused(idsOf('failed'), 'mailer', clock.now(), db);
      await this.engine.actions.mailDelivered(idsOf('sent'), 'mailer', clock.now(), db);
    };
    // E-mail effects are checked when a template is saved: the e-mail template exists and is
    // written for the dossier type the mail is rendered for (the fan-out target, if any).
    // A reminder is checked as the e-mail it sends: its own template and recipients, else the main's.
    this.templates.validateEffect = async (def) => {
      if (def.effect.type !== 'sendEmail') return [];
      const root = def.fanOut?.dossierType ?? def.dossierType;
      const problems = await this.email.outbox.validateEffect(def.effect, root);
      if (def.reminder && (def.reminder.emailTemplateId !== undefined || def.reminder.to !== undefined)) {
        const reminder = { ...def.effect, ...reminderEmail(def.reminder) };
        problems.push(
          ...(await this.email.outbox.validateEffect(reminder, root, 'reminder')).map((p) => ({
            ...p,
            path: p.path.replace(/^reminder\.templateId/, 'reminder.emailTemplateId'),
          })),
        );
      }
      return problems;
    };
    this.templates.email = this.email.outbox;
    this.templates.prepareForStorage = (def, previous) =>
      sealWebhookSecret(def, previous, (plain) => this.email.mailboxes.sealSecret(plain));
    this.explain = new ExplainService(store, this.engine, this.dossiers, catalog, clock);
    this.explain.email = this.email.outbox;
    this.graph = new TemplateGraphService(store, this.engine, catalog, clock);
    this.graph.titlesByIds = (ids, lang) => this.dossiers.titlesByIds(ids, lang);
    this.templates.checkGraph = (id, def) => this.graph.check(id, def);
    const impact = new ImpactService(store, this.engine, this.dossiers, catalog, clock, (def, limit, db) =>
      this.templates.matchingDossiers(def, limit, db),
    );
    this.templates.changeImpact = (db, input, actor) => impact.change(db, input, actor);
    this.templates.relinkImpact = (db, input, actor) => impact.relink(db, input, actor);
    this.actions.email = this.email.outbox;
    // A dossier, its event and the actions it stamps commit in one transaction.
    this.dossiers.onAfterWrite((db, events, plan) => this.engine.onDossierEvents(db, events, plan));
    this.engine.onStamped = (dueAt) => this.scheduler.notifyDue(dueAt);
    const audit: AuditHook = (db, e) => this.audit.record(db, e);
    this.templates.audit = audit;
    this.actions.audit = audit;
    this.email.audit = audit;
    this.digest = new DigestService({
      store,
      clock,
      calendar: this.calendar,
      engine: this.engine,
      email: this.email,
      users: this.dossiers.users,
      audit: this.audit,
      log: logger,
      publicUrl: () => this.publicUrl,
    });
  }

  /** Opens (and migrates) the database, installing `options.preset` into an empty one. */
  static async open(options: WerkflowOptions): Promise<Werkflow> {
    const clock = options.clock ?? systemClock;
    const store = await openStore(options);
    try {
      const report = await migrate(store, clock);
      const werkflow = new Werkflow(
        store,
        clock,
        report,
        options.scheduler,
        options.email ?? emailOptionsFromEnv(),
        options.logger,
      );
      await werkflow.reloadDossierTypes();
      await werkflow.engine.reloadTemplates();
      await werkflow.calendar.load();
      // Open actions stamped before migration 011 get their reference index once, here.
      if (report.applied.includes('011-action-reads')) await werkflow.engine.backfillReads();
      // Dossiers written before migration 012 get their stored titles and search text here; a fill
      // that stopped midway (the process died) is continued by the next open (migration 015).
      await werkflow.dossiers.resumeTextBackfill();
      if (werkflow.catalog.all().length === 0 && options.preset)
        await werkflow.presets.install(options.preset);
      return werkflow;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  get catalog(): DossierTypeCatalog {
    return this.catalogCache;
  }

  async reloadDossierTypes(): Promise<void> {
    this.catalogCache = catalogOf(await this.dossierTypeRepo.list());
    await this.dossiers.ensureSortIndexes();
  }

  async saveDossierTypes(types: readonly DossierType[], preset: string | null): Promise<void> {
    const merged = new Map(this.catalog.all().map((t) => [t.key, t]));
    for (const t of types) merged.set(t.key, t);
    const problems = checkDossierTypes([...merged.values()]);
    if (problems.length > 0) {
      throw new WerkflowError('validation_failed', problems[0]!.message, {
        path: problems[0]!.path,
        details: problems,
      });
    }
    // Canonical JSON: PostgreSQL's jsonb hands the stored types back with their keys reordered, so
    // plain JSON.stringify would see every unchanged type as changed and renew every dossier's texts.
    const before = new Map(this.catalog.all().map((t) => [t.key, canonicalJson(t)]));
    await this.dossierTypeRepo.upsertMany(types, preset, this.clock.now());
    await this.reloadDossierTypes();
    // Titles and search texts read the types' title rules, labels and fields: renew those that may differ.
    const changed = types.filter((t) => before.has(t.key) && before.get(t.key) !== canonicalJson(t));
    if (changed.length > 0)
      await this.dossiers.refreshTexts(this.dossiers.typesReading(changed.map((t) => t.key)));
  }

  async close(): Promise<void> {
    await this.auth.reset.whenIdle();
    await this.digest.stop();
    await this.scheduler.stop();
    await this.email.close();
    await this.store.close();
  }
}

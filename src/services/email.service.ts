import type { Clock } from '../domain/clock.js';
import type { Dossier } from '../domain/dossier.js';
import type { DossierTypeCatalog } from '../domain/dossier-type.js';
import { type ErrorDetail, WerkflowError, throwIfProblems } from '../domain/errors.js';
import { newId } from '../domain/id.js';
import type { Db, Store } from '../store/database.js';
import type { DossierRepository } from '../store/dossier.repository.js';
import {
  type EmailSettings,
  EmailSettingsRepository,
  ORGANISATION_FIELDS,
  type OrganisationSettings,
} from '../store/email-settings.repository.js';
import { type EmailTemplate, EmailTemplateRepository } from '../store/email-template.repository.js';
import { MailSinkRepository, type SinkMessage } from '../store/mail-sink.repository.js';
import {
  MAILBOX_SECURITIES,
  type Mailbox,
  MailboxRepository,
  type MailboxSecurity,
} from '../store/mailbox.repository.js';
import {
  type OutboxFilter,
  type OutboxSelection,
  type OutboxMessage,
  OutboxRepository,
  type OutboxCounts,
  type OutboxSummary,
} from '../store/outbox.repository.js';
import type { UserRepository } from '../store/user.repository.js';
import { type ConnectionTestResult, testSmtpConnection } from '../effects/email/connection-test.js';
import { type EconobisImportResult, importEconobisTemplate } from '../effects/email/econobis-import.js';
import { EmailRenderer, type RenderedEmail } from '../effects/email/email-renderer.js';
import { MailSink, type MailSinkOptions } from '../effects/email/mail-sink.js';
import {
  DEFAULT_MAILER_CONFIG,
  Mailer,
  type MailerConfig,
  type MailerObserver,
} from '../effects/email/mailer.js';
import { MergeLoader, buildMergeScope } from '../effects/email/merge-context.js';
import { type MergeFieldInfo, mergeFieldsOf } from '../effects/email/merge-fields.js';
import { isEmailAddress } from '../effects/email/recipients.js';
import { type SecretBox, loadSecretBox, missingKeyError } from '../effects/email/secret-box.js';
import {
  type EmailDeps,
  type SendEmailEffect,
  type EnqueuedEmail,
  enqueueEmailForAction,
  previewEmailForAction,
  recipientProblemsFor,
  validateSendEmailEffect,
} from '../effects/email/send-email.effect.js';
import { TransportPool } from '../effects/email/smtp-transport.js';
import {
  type EmailTemplateDraft,
  type TemplateProblem,
  toErrorDetails,
  validateEmailTemplate,
} from '../effects/email/template-validation.js';

/** Configuration of the e-mail part; `emailOptionsFromEnv` reads it from the environment. */

/** What a person decides for failed or in-doubt messages in bulk. */
export type BulkResolution = 'resend' | 'markDelivered' | 'dismiss';

export interface EmailOptions {
  /** WERKFLOW_SECRET_KEY: encrypts mailbox passwords. */
  readonly secretKey?: string;
  /** A key file used when no secretKey is given (demo and development: `<data dir>/secret.key`). */
  readonly secretKeyFile?: string;
  /** Create the key file when it is missing. */
  readonly generateSecretKey?: boolean;
  readonly mailer?: Partial<MailerConfig>;
  readonly log?: (message: string) => void;
  readonly mailerObserver?: MailerObserver;
}

function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new WerkflowError('configuration', `${name} must be a whole number, not "${raw}".`);
  return n;
}

/**
 * Reads WERKFLOW_SECRET_KEY, WERKFLOW_MAIL_REDIRECT_TO (test mode), WERKFLOW_MAIL_MAX_ATTEMPTS,
 * WERKFLOW_MAIL_RETRY_BASE_MS, WERKFLOW_MAIL_RETRY_MAX_MS, WERKFLOW_MAIL_LEASE_MS,
 * WERKFLOW_MAIL_SEND_TIMEOUT_MS and WERKFLOW_MAIL_BATCH_SIZE (see docs/email.md).
 */
export function emailOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): EmailOptions {
  const redirect = env.WERKFLOW_MAIL_REDIRECT_TO?.trim();
  if (redirect && !isEmailAddress(redirect)) {
    throw new WerkflowError(
      'configuration',
      `WERKFLOW_MAIL_REDIRECT_TO must be one e-mail address, not "${redirect}".`,
    );
  }
  const batchSize = envInt(env, 'WERKFLOW_MAIL_BATCH_SIZE');
  if (batchSize !== undefined && batchSize < 1) {
    throw new WerkflowError(
      'configuration',
      `WERKFLOW_MAIL_BATCH_SIZE must be 1 or more (messages claimed at a time), not ${batchSize}.`,
    );
  }
  const leaseMs = envInt(env, 'WERKFLOW_MAIL_LEASE_MS');
  if (leaseMs !== undefined && leaseMs < 10_000) {
    throw new WerkflowError(
      'configuration',
      `WERKFLOW_MAIL_LEASE_MS must be at least 10000 (10 seconds; SMTP timeouts must fit in a lease), not ${leaseMs}.`,
    );
  }
  const sendTimeoutMs = envInt(env, 'WERKFLOW_MAIL_SEND_TIMEOUT_MS');
  if (sendTimeoutMs !== undefined && sendTimeoutMs < 1000) {
    throw new WerkflowError(
      'configuration',
      `WERKFLOW_MAIL_SEND_TIMEOUT_MS must be at least 1000 (1 second; a send slower than this is given up), not ${sendTimeoutMs}.`,
    );
  }
  const base = envInt(env, 'WERKFLOW_MAIL_RETRY_BASE_MS') ?? DEFAULT_MAILER_CONFIG.backoff.baseMs;
  const max = envInt(env, 'WERKFLOW_MAIL_RETRY_MAX_MS') ?? DEFAULT_MAILER_CONFIG.backoff.maxMs;
  const mailer: Partial<MailerConfig> = {
    redirectAllTo: redirect || null,
    maxAttempts: envInt(env, 'WERKFLOW_MAIL_MAX_ATTEMPTS') ?? DEFAULT_MAILER_CONFIG.maxAttempts,
    backoff: { baseMs: base, maxMs: Math.max(base, max) },
    leaseMs: leaseMs ?? DEFAULT_MAILER_CONFIG.leaseMs,
    sendTimeoutMs: sendTimeoutMs ?? DEFAULT_MAILER_CONFIG.sendTimeoutMs,
    batchSize: batchSize ?? DEFAULT_MAILER_CONFIG.batchSize,
  };
  return { secretKey: env.WERKFLOW_SECRET_KEY, mailer };
}

/** What an administrator sends to create or change an e-mail template. */
export interface EmailTemplateInput {
  readonly name: string;
  readonly rootType: string;
  readonly language?: 'nl' | 'en';
  readonly subject: string;
  readonly htmlBody: string;
  readonly textBody?: string | null;
  readonly mailboxId?: string | null;
  readonly attachment?: EmailTemplateDraft['attachment'];
}

/** What an administrator sends to create or change a mailbox. `password`: absent keeps it, null clears it. */
export interface MailboxInput {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly security: MailboxSecurity;
  readonly username?: string | null;
  readonly password?: string | null;
  readonly fromName: string;
  readonly fromAddress: string;
  readonly replyTo?: string | null;
  readonly isDefault?: boolean;
  readonly categories?: readonly string[];
  readonly ratePerMinute?: number | null;
  readonly maxConnections?: number;
  readonly allowInvalidCertificates?: boolean;
}

export interface TemplatePreview extends RenderedEmail {
  readonly problems: readonly TemplateProblem[];
}

export interface EmailServiceParams {
  readonly store: Store;
  readonly clock: Clock;
  readonly catalog: () => DossierTypeCatalog;
  readonly dossiers: DossierRepository;
  readonly users: UserRepository;
  readonly options?: EmailOptions;
}

const HOST = /^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)*[A-Za-z0-9-]{1,63}$|^\[?[0-9a-fA-F:.]+\]?$/;

/**
 * E-mail templates, mailboxes, the outbox, the mailer and the demo mail sink: the one service
 * the API, the CLI and the engine call for e-mail. `deps` is what the send-e-mail effect needs.
 */
export class EmailService {
  /**
   * Records changes to e-mail templates, mailboxes and settings in the audit log (set by the
   * composition root). Mailbox passwords are never recorded: the audit log masks every key that
   * names a password or secret.
   */
  audit: (
    entry: {
      actor: string | null;
      action: string;
      entityType: string;
      entityId: string;
      before: unknown;
      after: unknown;
    },
    db?: Db,
  ) => Promise<void> = async () => {};

  readonly deps: EmailDeps;
  readonly mailer: Mailer;
  readonly templates: EmailTemplateRepository;
  readonly mailboxes: MailboxRepository;
  readonly outbox: OutboxRepository;
  readonly settings: EmailSettingsRepository;
  readonly sinkMessages: MailSinkRepository;
  private readonly transports = new TransportPool();
  private readonly renderer = new EmailRenderer();
  private secretBox: SecretBox | null | undefined;
  private sinkInstance: MailSink | null = null;

  constructor(private readonly params: EmailServiceParams) {
    const { store, clock } = params;
    this.templates = new EmailTemplateRepository(store);
    this.mailboxes = new MailboxRepository(store);
    this.outbox = new OutboxRepository(store);
    this.settings = new EmailSettingsRepository(store);
    this.sinkMessages = new MailSinkRepository(store);
    this.mailer = new Mailer(
      {
        store,
        outbox: this.outbox,
        mailboxes: this.mailboxes,
        settings: this.settings,
        clock,
        transports: this.transports,
        passwordOf: (m) => this.passwordOf(m),
        log: params.options?.log,
        observer: params.options?.mailerObserver,
      },
      params.options?.mailer,
    );
    this.deps = {
      store,
      catalog: params.catalog,
      clock,
      templates: this.templates,
      mailboxes: this.mailboxes,
      outbox: this.outbox,
      settings: this.settings,
      dossiers: params.dossiers,
      users: params.users,
      renderer: this.renderer,
      // The row is not visible to the mailer until the caller's transaction commits. On SQLite the
      // mailer's claim waits for that transaction anyway; on PostgreSQL the engine should call
      // kick() after commit, and the mailer's idle poll is the safety net.
      onEnqueued: () => setTimeout(() => this.mailer.kick(), 20).unref(),
    };
  }

  private get clock(): Clock {
    return this.params.clock;
  }

  private box(): SecretBox | null {
    if (this.secretBox === undefined) {
      const o = this.params.options ?? {};
      this.secretBox = loadSecretBox({
        envKey: o.secretKey,
        keyFile: o.secretKeyFile,
        generate: o.generateSecretKey,
      });
    }
    return this.secretBox;
  }

  private passwordOf(mailbox: Mailbox): string | null {
    if (mailbox.passwordEncrypted === null) return null;
    const box = this.box();
    if (!box) throw missingKeyError();
    return box.decrypt(mailbox.passwordEncrypted);
  }

  // ── the effect ────────────────────────────────────────────────────────────────────────────

  /** See enqueueEmailForAction. */
  enqueueForAction(
    db: Db,
    input: { actionId: string; effect: SendEmailEffect; dossier: Dossier; extra?: Record<string, unknown> },
  ): Promise<EnqueuedEmail> {
    return enqueueEmailForAction(this.deps, db, input);
  }

  previewForAction(
    db: Db,
    input: { effect: SendEmailEffect; dossier: Dossier; extra?: Record<string, unknown> },
  ) {
    return previewEmailForAction(this.deps, db, input);
  }

  /** The engine's EmailPort (src/engine/effect-ports.ts): enqueue = enqueueForAction. */
  enqueue(
    db: Db,
    input: { actionId: string; effect: SendEmailEffect; dossier: Dossier; extra?: Record<string, unknown> },
  ) {
    return this.enqueueForAction(db, input);
  }

  /** The engine's EmailPort: preview = previewForAction. */
  preview(db: Db, input: { effect: SendEmailEffect; dossier: Dossier; extra?: Record<string, unknown> }) {
    return this.previewForAction(db, input);
  }

  /** The engine's EmailPort: the recipient problems of several effects on one dossier, in one go. */
  recipientProblems(db: Db, input: { effects: readonly SendEmailEffect[]; dossier: Dossier }) {
    return recipientProblemsFor(this.deps, db, input);
  }

  validateEffect(effect: unknown, rootTypeKey: string, path = 'effect', db?: Db): Promise<ErrorDetail[]> {
    const type = this.params.catalog().get(rootTypeKey);
    if (!type) return Promise.resolve([{ path, message: `There is no dossier type "${rootTypeKey}".` }]);
    return validateSendEmailEffect(effect, type, this.params.catalog(), path, this.deps, db);
  }

  /** Wakes the mailer; call after the transaction that enqueued mail has committed. */
  kick(): void {
    this.mailer.kick();
  }

  // ── templates ─────────────────────────────────────────────────────────────────────────────

  listTemplates(): Promise<EmailTemplate[]> {
    return this.templates.list();
  }

  async getTemplate(id: string): Promise<EmailTemplate> {
    const t = await this.templates.get(id);
    if (!t)
      throw new WerkflowError('not_found', `There is no e-mail template with id "${id}".`, { path: 'id' });
    return t;
  }

  /** The draft an input describes; an absent attachment keeps `current`'s. */
  private draftOf(input: EmailTemplateInput, current?: EmailTemplate): EmailTemplateDraft {
    return {
      name: input.name.trim(),
      rootType: input.rootType,
      language: input.language ?? 'nl',
      subject: input.subject,
      htmlBody: input.htmlBody,
      textBody: input.textBody === undefined || input.textBody === '' ? null : input.textBody,
      mailboxId: input.mailboxId ?? null,
      attachment: input.attachment === undefined ? (current?.attachment ?? null) : input.attachment,
    };
  }

  /** The problems of a template, empty when it can be saved (the API's "validate"). */
  async validateTemplate(input: EmailTemplateInput, current?: EmailTemplate): Promise<TemplateProblem[]> {
    const draft = this.draftOf(input, current);
    const problems = validateEmailTemplate(draft, this.params.catalog(), this.renderer.engines);
    if (draft.mailboxId !== null && !(await this.mailboxes.get(draft.mailboxId))) {
      problems.push({
        part: 'mailboxId',
        line: null,
        column: null,
        field: null,
        message: `There is no mailbox "${draft.mailboxId}". Choose one under Settings → Mailboxes, or leave it empty to use the default.`,
        code: 'mailbox_unknown',
        params: { mailboxId: draft.mailboxId },
      });
    }
    return problems;
  }

  private async requireValidTemplate(
    input: EmailTemplateInput,
    current?: EmailTemplate,
  ): Promise<EmailTemplateDraft> {
    const problems = await this.validateTemplate(input, current);
    throwIfProblems(toErrorDetails(problems));
    return this.draftOf(input, current);
  }

  async createTemplate(input: EmailTemplateInput, actor: string | null = null): Promise<EmailTemplate> {
    const draft = await this.requireValidTemplate(input);
    if (await this.templates.getByName(draft.name)) {
      throw new WerkflowError(
        'already_exists',
        `An e-mail template named "${draft.name}" exists already; choose another name.`,
        {
          path: 'name',
        },
      );
    }
    const now = this.clock.now();
    const template: EmailTemplate = { id: newId(now), ...draft, version: 1, createdAt: now, updatedAt: now };
    await this.params.store.db.transaction().execute(async (trx) => {
      await this.templates.insert(template, trx);
      await this.audit(
        {
          actor,
          action: 'emailTemplate.create',
          entityType: 'emailTemplate',
          entityId: template.id,
          before: null,
          after: templateForAudit(template),
        },
        trx,
      );
    });
    return template;
  }

  /** Replaces a template; with `expectedVersion`, only if nobody changed it since. */
  async updateTemplate(
    id: string,
    input: EmailTemplateInput,
    expectedVersion?: number,
    actor: string | null = null,
  ): Promise<EmailTemplate> {
    const current = await this.getTemplate(id);
    const draft = await this.requireValidTemplate(input, current);
    const sameName = await this.templates.getByName(draft.name);
    if (sameName && sameName.id !== id) {
      throw new WerkflowError(
        'already_exists',
        `An e-mail template named "${draft.name}" exists already; choose another name.`,
        {
          path: 'name',
        },
      );
    }
    const base = expectedVersion ?? current.version;
    if (base !== current.version) throw versionConflict('e-mail template', base, current.version);
    const next: EmailTemplate = {
      ...current,
      ...draft,
      version: current.version + 1,
      updatedAt: this.clock.now(),
    };
    await this.params.store.db.transaction().execute(async (trx) => {
      if (!(await this.templates.updateIfVersion(next, base, trx))) {
        const latest = await this.templates.get(id, trx);
        throw versionConflict('e-mail template', base, latest?.version ?? base + 1);
      }
      await this.audit(
        {
          actor,
          action: 'emailTemplate.update',
          entityType: 'emailTemplate',
          entityId: id,
          before: templateForAudit(current),
          after: templateForAudit(next),
        },
        trx,
      );
    });
    return next;
  }

  async deleteTemplate(id: string, actor: string | null = null): Promise<void> {
    await this.params.store.db.transaction().execute(async (trx) => {
      const before = await this.templates.get(id, trx);
      if (!before || !(await this.templates.delete(id, trx))) {
        throw new WerkflowError('not_found', `There is no e-mail template with id "${id}".`, { path: 'id' });
      }
      await this.audit(
        {
          actor,
          action: 'emailTemplate.delete',
          entityType: 'emailTemplate',
          entityId: id,
          before: templateForAudit(before),
          after: null,
        },
        trx,
      );
    });
  }

  /**
   * Renders a saved template (`templateId`) or an unsaved one (`draft`) against a dossier.
   * Problems found by validation are returned with the preview when it can still be rendered.
   */
  async previewTemplate(input: {
    templateId?: string;
    draft?: EmailTemplateInput;
    dossierId: string;
    extra?: Record<string, unknown>;
  }): Promise<TemplatePreview> {
    let draft: EmailTemplateDraft;
    let cacheKey: string | undefined;
    if (input.templateId !== undefined) {
      const t = await this.getTemplate(input.templateId);
      draft = t;
      cacheKey = `${t.id}:${t.version}`;
    } else if (input.draft) {
      draft = this.draftOf(input.draft);
    } else {
      throw new WerkflowError('validation_failed', 'Give a templateId or a template to preview.', {
        path: 'templateId',
      });
    }
    const problems = validateEmailTemplate(draft, this.params.catalog(), this.renderer.engines);
    const blocking = problems.filter((p) => p.part !== 'name' && p.part !== 'attachment');
    throwIfProblems(toErrorDetails(blocking));
    const dossier = await this.params.dossiers.get(input.dossierId);
    if (!dossier)
      throw new WerkflowError('not_found', `There is no dossier with id "${input.dossierId}".`, {
        path: 'dossierId',
      });
    if (dossier.type !== draft.rootType) {
      throw new WerkflowError(
        'validation_failed',
        `This template is written for ${draft.rootType}; choose a ${draft.rootType} to preview it with, not a ${dossier.type}.`,
        { path: 'dossierId' },
      );
    }
    const db = this.params.store.db;
    const loader = new MergeLoader(
      { dossiers: this.params.dossiers, users: this.params.users },
      db,
      this.params.catalog(),
    );
    const scope = buildMergeScope({
      dossier,
      loader,
      language: draft.language,
      organisation: await this.settings.getOrganisation(),
      timeZone: await this.settings.getTimeZone(),
      extra: input.extra,
      now: this.clock.now(),
    });
    const rendered = await this.renderer.render({ ...draft, cacheKey }, scope);
    return { ...rendered, problems };
  }

  /** Converts an Econobis template to Liquid (not saved: the administrator reviews it first). */
  importEconobis(input: { rootType: string; subject: string; htmlBody: string }): EconobisImportResult {
    const type = this.params.catalog().get(input.rootType);
    if (!type) {
      throw new WerkflowError('validation_failed', `There is no dossier type "${input.rootType}".`, {
        path: 'rootType',
      });
    }
    return importEconobisTemplate(input, type, this.params.catalog());
  }

  mergeFields(rootType: string): MergeFieldInfo[] {
    const type = this.params.catalog().get(rootType);
    if (!type)
      throw new WerkflowError('not_found', `There is no dossier type "${rootType}".`, { path: 'rootType' });
    return mergeFieldsOf(type, this.params.catalog());
  }

  // ── mailboxes ─────────────────────────────────────────────────────────────────────────────

  listMailboxes(): Promise<Mailbox[]> {
    return this.mailboxes.list();
  }

  async getMailbox(id: string): Promise<Mailbox> {
    const m = await this.mailboxes.get(id);
    if (!m) throw new WerkflowError('not_found', `There is no mailbox with id "${id}".`, { path: 'id' });
    return m;
  }

  private checkMailbox(input: MailboxInput): void {
    const problems: ErrorDetail[] = [];
    const add = (path: string, message: string) => problems.push({ path, message });
    if (!input.name || input.name.trim() === '') add('name', 'Give the mailbox a name.');
    if (!HOST.test(input.host)) add('host', `"${input.host}" is not a host name such as smtp.provider.nl.`);
    if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535)
      add('port', 'The port is a number from 1 to 65535 (587, 465 or 25).');
    if (!MAILBOX_SECURITIES.includes(input.security))
      add('security', 'Security is "tls", "starttls" or "none".');
    if (!isEmailAddress(input.fromAddress))
      add('fromAddress', `"${input.fromAddress}" is not an e-mail address.`);
    if (!input.fromName || input.fromName.trim() === '' || /[\r\n]/.test(input.fromName))
      add('fromName', 'Give the sender name, on one line.');
    if (input.replyTo && !isEmailAddress(input.replyTo))
      add('replyTo', `"${input.replyTo}" is not an e-mail address.`);
    if (input.password && !input.username) add('username', 'A password needs a user name.');
    if (
      input.ratePerMinute !== undefined &&
      input.ratePerMinute !== null &&
      (!Number.isInteger(input.ratePerMinute) || input.ratePerMinute < 1)
    ) {
      add(
        'ratePerMinute',
        'The rate limit is a whole number of messages a minute (1 or more), or empty for none.',
      );
    }
    if (
      input.maxConnections !== undefined &&
      (!Number.isInteger(input.maxConnections) || input.maxConnections < 1 || input.maxConnections > 50)
    ) {
      add('maxConnections', 'maxConnections is from 1 to 50.');
    }
    throwIfProblems(problems);
  }

  /** Seals a secret for storage with the secret key (mailbox passwords, webhook signing secrets). */
  sealSecret(plain: string): string {
    return this.encrypt(plain);
  }

  /** Opens what sealSecret stored. */
  openSecret(sealed: string): string {
    const box = this.box();
    if (!box) throw missingKeyError();
    return box.decrypt(sealed);
  }

  private encrypt(password: string): string {
    const box = this.box();
    if (!box) throw missingKeyError();
    return box.encrypt(password);
  }

  async createMailbox(input: MailboxInput, actor: string | null = null): Promise<Mailbox> {
    this.checkMailbox(input);
    if (await this.mailboxes.getByName(input.name.trim())) {
      throw new WerkflowError('already_exists', `A mailbox named "${input.name}" exists already.`, {
        path: 'name',
      });
    }
    const now = this.clock.now();
    const first = (await this.mailboxes.list()).length === 0;
    const mailbox: Mailbox = {
      id: newId(now),
      name: input.name.trim(),
      host: input.host,
      port: input.port,
      security: input.security,
      username: input.username ?? null,
      passwordEncrypted: input.password ? this.encrypt(input.password) : null,
      fromName: input.fromName.trim(),
      fromAddress: input.fromAddress.trim(),
      replyTo: input.replyTo ?? null,
      isDefault: first || input.isDefault === true,
      categories: [...(input.categories ?? [])],
      ratePerMinute: input.ratePerMinute ?? null,
      maxConnections: input.maxConnections ?? 5,
      allowInvalidCertificates: input.allowInvalidCertificates ?? false,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    await this.params.store.db.transaction().execute(async (trx) => {
      await this.mailboxes.insert(mailbox, trx);
      if (mailbox.isDefault) await this.mailboxes.makeDefault(mailbox.id, trx);
      await this.audit(
        {
          actor,
          action: 'mailbox.create',
          entityType: 'mailbox',
          entityId: mailbox.id,
          before: null,
          after: mailbox,
        },
        trx,
      );
    });
    return mailbox;
  }

  async updateMailbox(
    id: string,
    input: MailboxInput,
    expectedVersion?: number,
    actor: string | null = null,
  ): Promise<Mailbox> {
    const current = await this.getMailbox(id);
    this.checkMailbox({
      ...input,
      username: input.username === undefined ? current.username : input.username,
    });
    requirePasswordForNewServer(current, input);
    const base = expectedVersion ?? current.version;
    if (base !== current.version) throw versionConflict('mailbox', base, current.version);
    const sameName = await this.mailboxes.getByName(input.name.trim());
    if (sameName && sameName.id !== id) {
      throw new WerkflowError('already_exists', `A mailbox named "${input.name}" exists already.`, {
        path: 'name',
      });
    }
    const next: Mailbox = {
      ...current,
      name: input.name.trim(),
      host: input.host,
      port: input.port,
      security: input.security,
      username: input.username === undefined ? current.username : input.username,
      passwordEncrypted:
        input.password === undefined
          ? current.passwordEncrypted
          : input.password === null
            ? null
            : this.encrypt(input.password),
      fromName: input.fromName.trim(),
      fromAddress: input.fromAddress.trim(),
      replyTo: input.replyTo === undefined ? current.replyTo : input.replyTo,
      isDefault: input.isDefault ?? current.isDefault,
      categories: [...(input.categories ?? current.categories)],
      ratePerMinute: input.ratePerMinute === undefined ? current.ratePerMinute : input.ratePerMinute,
      maxConnections: input.maxConnections ?? current.maxConnections,
      allowInvalidCertificates: input.allowInvalidCertificates ?? current.allowInvalidCertificates,
      version: current.version + 1,
      updatedAt: this.clock.now(),
    };
    await this.params.store.db.transaction().execute(async (trx) => {
      if (!(await this.mailboxes.updateIfVersion(next, base, trx)))
        throw versionConflict('mailbox', base, base + 1);
      if (next.isDefault) await this.mailboxes.makeDefault(next.id, trx);
      await this.audit(
        {
          actor,
          action: 'mailbox.update',
          entityType: 'mailbox',
          entityId: id,
          before: current,
          after: next,
        },
        trx,
      );
    });
    return next;
  }

  async deleteMailbox(id: string, actor: string | null = null): Promise<void> {
    const mailbox = await this.getMailbox(id);
    const users = await this.templates.usingMailbox(id);
    if (users.length > 0) {
      throw new WerkflowError(
        'invalid_state',
        `The mailbox "${mailbox.name}" is used by e-mail template${users.length > 1 ? 's' : ''} ${users.map((t) => `"${t.name}"`).join(', ')}. Choose another mailbox there first.`,
        { path: 'id' },
      );
    }
    await this.params.store.db.transaction().execute(async (trx) => {
      await this.mailboxes.delete(id, trx);
      await this.audit(
        {
          actor,
          action: 'mailbox.delete',
          entityType: 'mailbox',
          entityId: id,
          before: mailbox,
          after: null,
        },
        trx,
      );
    });
  }

  /** Tests a saved mailbox, or unsaved settings (a password in `input` wins over the stored one). */
  async testMailbox(input: { id?: string; settings?: MailboxInput }): Promise<ConnectionTestResult> {
    const saved = input.id !== undefined ? await this.getMailbox(input.id) : null;
    const s = input.settings;
    if (!saved && !s)
      throw new WerkflowError('validation_failed', 'Give a mailbox id or the settings to test.', {
        path: 'id',
      });
    if (saved && s) requirePasswordForNewServer(saved, s);
    const password = s?.password !== undefined ? s.password : saved ? this.passwordOf(saved) : null;
    return testSmtpConnection({
      host: s?.host ?? saved!.host,
      port: s?.port ?? saved!.port,
      security: s?.security ?? saved!.security,
      username: s?.username !== undefined ? s.username : (saved?.username ?? null),
      password,
      allowInvalidCertificates: s?.allowInvalidCertificates ?? saved?.allowInvalidCertificates ?? false,
      maxConnections: 1,
    });
  }

  // ── outbox and history ────────────────────────────────────────────────────────────────────

  listOutbox(filter: OutboxFilter): Promise<OutboxSummary[]> {
    return this.outbox.list(filter);
  }

  /** How many messages match a selection (the total of a filtered outbox list). */
  countMatching(selection: OutboxSelection): Promise<number> {
    return this.outbox.count(selection);
  }

  async getOutboxMessage(id: string): Promise<OutboxMessage & { dossierIds: string[] }> {
    const m = await this.outbox.get(id);
    if (!m)
      throw new WerkflowError('not_found', `There is no message with id "${id}" in the outbox.`, {
        path: 'id',
      });
    return { ...m, dossierIds: await this.outbox.dossierIdsOf(id) };
  }

  countOutbox(): Promise<OutboxCounts> {
    return this.outbox.countByStatus();
  }

  private async decide(
    id: string,
    decision: 'resent' | 'dismissed',
    actor: string | null,
  ): Promise<OutboxMessage> {
    const current = await this.getOutboxMessage(id);
    const done = await this.params.store.db.transaction().execute(async (trx) => {
      if (!(await this.outbox.resolve(id, decision, actor, this.clock.now(), trx))) return false;
      await this.auditResolution(current, decision, actor, trx);
      return true;
    });
    if (!done) {
      throw new WerkflowError(
        'invalid_state',
        `Only a failed or in-doubt message can be ${decision === 'resent' ? 'resent' : 'dismissed'}; this one is ${current.status.replace('_', ' ')}.`,
        { path: 'id' },
      );
    }
    if (decision === 'resent') this.mailer.kick();
    return this.getOutboxMessage(id);
  }

  /** The audit entry for a person's decision on one outbox message, in the deciding transaction. */
  private auditResolution(
    m: OutboxSummary,
    decision: 'resent' | 'dismissed',
    actor: string | null,
    db: Db,
    how?: BulkResolution,
  ): Promise<void> {
    return this.audit(
      {
        actor,
        action: decision === 'resent' ? 'email.resent' : 'email.dismissed',
        entityType: 'email',
        entityId: m.id,
        before: { status: m.status, lastReply: m.lastReply, messageId: m.messageId },
        after: {
          status: decision === 'resent' ? 'queued' : m.status === 'sent' ? 'sent' : 'dismissed',
          ...(how === 'markDelivered' ? { markedDelivered: true } : {}),
        },
      },
      db,
    );
  }

  /**
   * Resolves failed or in-doubt messages in bulk: the given `ids`, or every failed or in-doubt
   * message matching `filter` (status, mailbox, template, dossier, creation period). `resend`
   * queues them again (same Message-ID); `markDelivered` closes in-doubt messages without
   * sending (a person found they arrived; failed ones are passed over: the server refused them);
   * `dismiss` closes failed and in-doubt messages without sending. Messages in another state
   * meanwhile are passed over. Each resolution is audit-logged in the same transaction. With
   * `dryRun` nothing changes: the count says how many would be resolved.
   */
  async resolveMany(
    input: {
      readonly resolution: BulkResolution;
      readonly ids?: readonly string[];
      readonly filter?: OutboxSelection;
      readonly dryRun?: boolean;
    },
    actor: string | null,
  ): Promise<number> {
    if ((input.ids === undefined) === (input.filter === undefined)) {
      throw new WerkflowError('validation_failed', 'Give either ids or filter, not both and not neither.', {
        path: input.ids === undefined ? '' : 'filter',
      });
    }
    const decision = input.resolution === 'resend' ? 'resent' : 'dismissed';
    const resolved = await this.params.store.db.transaction().execute(async (trx) => {
      const now = this.clock.now();
      const rows = (await this.outbox.resolvable(input.ids ? { ids: input.ids } : input.filter!, trx)).filter(
        (m) => input.resolution !== 'markDelivered' || m.status === 'in_doubt',
      );
      if (input.dryRun) return rows.length;
      let n = 0;
      for (const m of rows) {
        if (!(await this.outbox.resolve(m.id, decision, actor, now, trx))) continue;
        await this.auditResolution(m, decision, actor, trx, input.resolution);
        n++;
      }
      return n;
    });
    if (resolved > 0 && decision === 'resent' && !input.dryRun) this.mailer.kick();
    return resolved;
  }

  /** Sends a failed or in-doubt message again (same Message-ID, so a recipient's client can spot a duplicate). */
  resend(id: string, actor: string | null): Promise<OutboxMessage> {
    return this.decide(id, 'resent', actor);
  }

  /**
   * Closes a failed or in-doubt message without sending it; on a sent message that needs
   * attention (refused recipients), marks it seen.
   */
  dismiss(id: string, actor: string | null): Promise<OutboxMessage> {
    return this.decide(id, 'dismissed', actor);
  }

  /** Every message about a dossier (sent, queued or failed), newest first. */
  history(dossierId: string, page: { before?: string; limit: number }): Promise<OutboxSummary[]> {
    return this.outbox.list({ dossierId, before: page.before, limit: page.limit });
  }

  // ── settings ──────────────────────────────────────────────────────────────────────────────

  async getSettings(): Promise<{
    organisation: OrganisationSettings;
    email: EmailSettings;
    testModeFromEnvironment: string | null;
  }> {
    return {
      organisation: await this.settings.getOrganisation(),
      email: await this.settings.getEmailSettings(),
      testModeFromEnvironment: this.mailer.config.redirectAllTo,
    };
  }

  async updateSettings(
    input: {
      organisation?: Partial<OrganisationSettings>;
      email?: Partial<EmailSettings>;
    },
    actor: string | null = null,
  ): Promise<void> {
    const problems: ErrorDetail[] = [];
    if (input.email?.redirectAllTo && !isEmailAddress(input.email.redirectAllTo)) {
      problems.push({
        path: 'email.redirectAllTo',
        message: `"${input.email.redirectAllTo}" is not an e-mail address.`,
      });
    }
    for (const [i, d] of (input.email?.blockedDomains ?? []).entries()) {
      if (!/^@?[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(d.trim())) {
        problems.push({
          path: `email.blockedDomains[${i}]`,
          message: `"${d}" is not a domain such as example.com.`,
        });
      }
    }
    if (input.organisation?.email && !isEmailAddress(input.organisation.email)) {
      problems.push({
        path: 'organisation.email',
        message: `"${input.organisation.email}" is not an e-mail address.`,
      });
    }
    throwIfProblems(problems);
    // Only a change that was accepted is audited, in the transaction that makes it.
    await this.params.store.db.transaction().execute(async (trx) => {
      const before: Record<string, unknown> = {};
      const after: Record<string, unknown> = {};
      if (input.organisation) {
        const current = await this.settings.getOrganisation(trx);
        const next = { ...current } as Record<string, string | null>;
        for (const f of ORGANISATION_FIELDS) {
          const v = input.organisation[f];
          if (v !== undefined) next[f] = v === null || v === '' ? null : String(v);
        }
        await this.settings.setOrganisation(next as unknown as OrganisationSettings, trx);
        before.organisation = current;
        after.organisation = next;
      }
      if (input.email) {
        const current = await this.settings.getEmailSettings(trx);
        const next: EmailSettings = {
          blockedDomains: (input.email.blockedDomains ?? current.blockedDomains).map((d) =>
            d.trim().replace(/^@/, '').toLowerCase(),
          ),
          redirectAllTo:
            input.email.redirectAllTo === undefined
              ? current.redirectAllTo
              : input.email.redirectAllTo || null,
        };
        await this.settings.setEmailSettings(next, trx);
        before.email = current;
        after.email = next;
      }
      await this.audit(
        { actor, action: 'emailSettings.update', entityType: 'settings', entityId: 'email', before, after },
        trx,
      );
    });
  }

  // ── the local mail sink (demo) ────────────────────────────────────────────────────────────

  get sink(): MailSink | null {
    return this.sinkInstance;
  }

  /** Starts the local SMTP sink on loopback; demo mode points a mailbox at it. */
  async startSink(options: MailSinkOptions = {}): Promise<{ host: string; port: number }> {
    if (!this.sinkInstance?.isRunning)
      this.sinkInstance = new MailSink(this.sinkMessages, this.clock, options);
    return this.sinkInstance.start();
  }

  /**
   * Creates (or updates) the mailbox "Demo (local mail viewer)" pointing at the running sink and
   * makes it the default, so demo mail flows without any outside server.
   */
  async ensureDemoMailbox(): Promise<Mailbox> {
    const sink = this.sinkInstance;
    if (!sink?.isRunning)
      throw new WerkflowError('invalid_state', 'Start the mail sink before creating the demo mailbox.');
    const org = await this.settings.getOrganisation();
    const input: MailboxInput = {
      name: 'Demo (local mail viewer)',
      host: sink.host,
      port: sink.port,
      security: 'none',
      fromName: org.name ?? 'Werkflow demo',
      fromAddress: org.email ?? 'demo@werkflow.localhost',
      isDefault: true,
      maxConnections: 10,
    };
    const existing = await this.mailboxes.getByName(input.name);
    return existing
      ? this.updateMailbox(existing.id, { ...input, username: null, password: null })
      : this.createMailbox(input);
  }

  /**
   * Demo and sandbox: starts the sink (when needed), makes the demo mailbox the default, and
   * sends every message to the sink whatever mailbox it was written for. Nothing leaves the
   * machine. Returns the sink's address.
   */
  async captureAllMail(options: MailSinkOptions = {}): Promise<{ host: string; port: number }> {
    const at = await this.startSink(options);
    await this.ensureDemoMailbox();
    this.mailer.captureAllAt(at.host, at.port);
    return at;
  }

  listSinkMessages(options: { limit: number; before?: number; to?: string }): Promise<SinkMessage[]> {
    return this.sinkMessages.list(options);
  }

  async getSinkMessage(id: number): Promise<SinkMessage> {
    const m = await this.sinkMessages.get(id);
    if (!m) throw new WerkflowError('not_found', `The mail viewer has no message ${id}.`, { path: 'id' });
    return m;
  }

  clearSink(): Promise<number> {
    return this.sinkMessages.clear();
  }

  /** Starts the mailer (sweeping in-doubt messages first). */
  startMailer(): Promise<void> {
    return this.mailer.start();
  }

  /** Stops the mailer and the sink, closing SMTP connections; Werkflow.close() calls it. */
  async close(): Promise<void> {
    await this.mailer.stop();
    this.transports.closeAll();
    await this.sinkInstance?.stop();
  }
}

function versionConflict(what: string, expected: number, actual: number): WerkflowError {
  return new WerkflowError(
    'version_conflict',
    `This ${what} was changed by someone else: you read version ${expected}, it is now at version ${actual}. Reload it and apply your change again.`,
    { path: 'If-Match' },
  );
}

/**
 * The stored password of a mailbox is only ever sent to the server it was given for: a change of
 * host, port, security or user name without the password entered again is refused (otherwise
 * whoever may edit a mailbox could point it at their own server and receive the password).
 */
function requirePasswordForNewServer(
  current: Mailbox,
  input: Pick<MailboxInput, 'host' | 'port' | 'security' | 'username' | 'password'>,
): void {
  if (input.password !== undefined || current.passwordEncrypted === null) return;
  const changed =
    (input.host !== undefined && input.host !== current.host) ||
    (input.port !== undefined && input.port !== current.port) ||
    (input.security !== undefined && input.security !== current.security) ||
    (input.username !== undefined && input.username !== current.username);
  if (changed) {
    throw new WerkflowError(
      'validation_failed',
      'Enter the password again: it is only sent to the server it was given for.',
      { path: 'password' },
    );
  }
}

/** A template as the audit log records it: the attachment by name and size, not its content. */
function templateForAudit(t: EmailTemplate): Omit<EmailTemplate, 'attachment'> & {
  attachment: { filename: string; bytes: number } | null;
} {
  return {
    ...t,
    attachment: t.attachment
      ? { filename: t.attachment.filename, bytes: Buffer.byteLength(t.attachment.contentBase64, 'base64') }
      : null,
  };
}

import type { Clock } from '../../domain/clock.js';
import type { DossierTypeCatalog } from '../../domain/dossier-type.js';
import { WerkflowError } from '../../domain/errors.js';
import type { Store } from '../../store/database.js';
import type { DossierRepository } from '../../store/dossier.repository.js';
import { EmailSettingsRepository } from '../../store/email-settings.repository.js';
import { EmailTemplateRepository } from '../../store/email-template.repository.js';
import { MailSinkRepository } from '../../store/mail-sink.repository.js';
import { type Mailbox, MailboxRepository } from '../../store/mailbox.repository.js';
import { OutboxRepository } from '../../store/outbox.repository.js';
import type { UserRepository } from '../../store/user.repository.js';
import { EmailRenderer } from '../../effects/email/email-renderer.js';
import {
  DEFAULT_MAILER_CONFIG,
  Mailer,
  type MailerConfig,
  type MailerObserver,
} from '../../effects/email/mailer.js';
import { isEmailAddress } from '../../effects/email/recipients.js';
import { type SecretBox, loadSecretBox, missingKeyError } from '../../effects/email/secret-box.js';
import { TransportPool } from '../../effects/email/smtp-transport.js';
import type { AuditHook } from '../audit.service.js';

/** Configuration of the e-mail part; `emailOptionsFromEnv` reads it from the environment. */

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

export interface EmailServiceParams {
  readonly store: Store;
  readonly clock: Clock;
  readonly catalog: () => DossierTypeCatalog;
  readonly dossiers: DossierRepository;
  readonly users: UserRepository;
  readonly options?: EmailOptions;
}

/**
 * What the e-mail services share: the store, the repositories, the renderer, the SMTP transports,
 * the mailer and the secret key that seals mailbox passwords.
 */
export class EmailContext {
  /** Records changes in the audit log (set by the composition root). */
  audit: AuditHook = async () => {};
  readonly store: Store;
  readonly clock: Clock;
  readonly catalog: () => DossierTypeCatalog;
  readonly dossiers: DossierRepository;
  readonly users: UserRepository;
  readonly options: EmailOptions;
  readonly templates: EmailTemplateRepository;
  readonly mailboxes: MailboxRepository;
  readonly outbox: OutboxRepository;
  readonly settings: EmailSettingsRepository;
  readonly sinkMessages: MailSinkRepository;
  readonly transports = new TransportPool();
  readonly renderer = new EmailRenderer();
  readonly mailer: Mailer;
  private secretBox: SecretBox | null | undefined;

  constructor(params: EmailServiceParams) {
    const { store, clock } = params;
    this.store = store;
    this.clock = clock;
    this.catalog = params.catalog;
    this.dossiers = params.dossiers;
    this.users = params.users;
    this.options = params.options ?? {};
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
        log: this.options.log,
        observer: this.options.mailerObserver,
      },
      this.options.mailer,
    );
  }

  box(): SecretBox | null {
    if (this.secretBox === undefined) {
      const o = this.options;
      this.secretBox = loadSecretBox({
        envKey: o.secretKey,
        keyFile: o.secretKeyFile,
        generate: o.generateSecretKey,
      });
    }
    return this.secretBox;
  }

  passwordOf(mailbox: Mailbox): string | null {
    if (mailbox.passwordEncrypted === null) return null;
    const box = this.box();
    if (!box) throw missingKeyError();
    return box.decrypt(mailbox.passwordEncrypted);
  }

  encrypt(password: string): string {
    const box = this.box();
    if (!box) throw missingKeyError();
    return box.encrypt(password);
  }
}

export function versionConflict(what: string, expected: number, actual: number): WerkflowError {
  return new WerkflowError(
    'version_conflict',
    `This ${what} was changed by someone else: you read version ${expected}, it is now at version ${actual}. Reload it and apply your change again.`,
    { path: 'If-Match' },
  );
}

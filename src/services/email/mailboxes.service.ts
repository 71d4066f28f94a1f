import { type ErrorDetail, WerkflowError, throwIfProblems } from '../../domain/errors.js';
import { newId } from '../../domain/id.js';
import type { MailboxRepository } from '../../store/mailbox.repository.js';
import { MAILBOX_SECURITIES, type Mailbox, type MailboxSecurity } from '../../store/mailbox.repository.js';
import { type ConnectionTestResult, testSmtpConnection } from '../../effects/email/connection-test.js';
import { isEmailAddress } from '../../effects/email/recipients.js';
import { missingKeyError } from '../../effects/email/secret-box.js';

import { type EmailContext, versionConflict } from './common.js';

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

const HOST = /^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)*[A-Za-z0-9-]{1,63}$|^\[?[0-9a-fA-F:.]+\]?$/;

/** Mailboxes: the SMTP servers mail goes out through, their passwords sealed at rest. */
export class MailboxService {
  constructor(private readonly ctx: EmailContext) {}

  /** The mailbox rows themselves. */
  get repository(): MailboxRepository {
    return this.ctx.mailboxes;
  }

  listMailboxes(): Promise<Mailbox[]> {
    return this.ctx.mailboxes.list();
  }

  async getMailbox(id: string): Promise<Mailbox> {
    const m = await this.ctx.mailboxes.get(id);
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
    return this.ctx.encrypt(plain);
  }

  /** Opens what sealSecret stored. */
  openSecret(sealed: string): string {
    const box = this.ctx.box();
    if (!box) throw missingKeyError();
    return box.decrypt(sealed);
  }

  async createMailbox(input: MailboxInput, actor: string | null = null): Promise<Mailbox> {
    this.checkMailbox(input);
    if (await this.ctx.mailboxes.getByName(input.name.trim())) {
      throw new WerkflowError('already_exists', `A mailbox named "${input.name}" exists already.`, {
        path: 'name',
      });
    }
    const now = this.ctx.clock.now();
    const first = (await this.ctx.mailboxes.list()).length === 0;
    const mailbox: Mailbox = {
      id: newId(now),
      name: input.name.trim(),
      host: input.host,
      port: input.port,
      security: input.security,
      username: input.username ?? null,
      passwordEncrypted: input.password ? this.ctx.encrypt(input.password) : null,
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
    await this.ctx.store.db.transaction().execute(async (trx) => {
      await this.ctx.mailboxes.insert(mailbox, trx);
      if (mailbox.isDefault) await this.ctx.mailboxes.makeDefault(mailbox.id, trx);
      await this.ctx.audit(trx, {
        actor,
        action: 'mailbox.create',
        entityType: 'mailbox',
        entityId: mailbox.id,
        before: null,
        after: mailbox,
      });
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
    const sameName = await this.ctx.mailboxes.getByName(input.name.trim());
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
            : this.ctx.encrypt(input.password),
      fromName: input.fromName.trim(),
      fromAddress: input.fromAddress.trim(),
      replyTo: input.replyTo === undefined ? current.replyTo : input.replyTo,
      isDefault: input.isDefault ?? current.isDefault,
      categories: [...(input.categories ?? current.categories)],
      ratePerMinute: input.ratePerMinute === undefined ? current.ratePerMinute : input.ratePerMinute,
      maxConnections: input.maxConnections ?? current.maxConnections,
      allowInvalidCertificates: input.allowInvalidCertificates ?? current.allowInvalidCertificates,
      version: current.version + 1,
      updatedAt: this.ctx.clock.now(),
    };
    await this.ctx.store.db.transaction().execute(async (trx) => {
      if (!(await this.ctx.mailboxes.updateIfVersion(next, base, trx)))
        throw versionConflict('mailbox', base, base + 1);
      if (next.isDefault) await this.ctx.mailboxes.makeDefault(next.id, trx);
      await this.ctx.audit(trx, {
        actor,
        action: 'mailbox.update',
        entityType: 'mailbox',
        entityId: id,
        before: current,
        after: next,
      });
    });
    return next;
  }

  /**
   * Deletes an unused mailbox. `actionTemplates`: the names of the action templates whose e-mail
   * effect names this mailbox (the caller knows the action templates; this service does not).
   */
  async deleteMailbox(
    id: string,
    actor: string | null = null,
    actionTemplates: readonly string[] = [],
  ): Promise<void> {
    const mailbox = await this.getMailbox(id);
    const users = await this.ctx.templates.usingMailbox(id);
    // Used: e-mail templates that send through it, categories routed to it. Each named, with a
    // code and params so a client can say it in its reader's language.
    const details: ErrorDetail[] = [];
    if (users.length > 0) {
      const templates = users.map((t) => quoted(t.name)).join(', ');
      details.push({
        path: 'id',
        code: 'mailbox.used_by_templates',
        params: { name: mailbox.name, templates },
        message: `The mailbox ${quoted(mailbox.name)} is used by e-mail template${users.length > 1 ? 's' : ''} ${templates}. Choose another mailbox there first.`,
      });
    }
    const byDefault = mailbox.isDefault ? await this.ctx.templates.withoutMailbox() : [];
    if (byDefault.length > 0) {
      const templates = byDefault.map((t) => quoted(t.name)).join(', ');
      details.push({
        path: 'id',
        code: 'mailbox.default_for_templates',
        params: { name: mailbox.name, templates },
        message: `The mailbox ${quoted(mailbox.name)} is the default: e-mail template${byDefault.length > 1 ? 's' : ''} ${templates} without a mailbox of their own send through it. Make another mailbox the default first.`,
      });
    }
    if (actionTemplates.length > 0) {
      const templates = actionTemplates.map((n) => quoted(n)).join(', ');
      details.push({
        path: 'id',
        code: 'mailbox.used_by_action_templates',
        params: { name: mailbox.name, templates },
        message: `The mailbox ${quoted(mailbox.name)} is chosen in the e-mail step of action template${actionTemplates.length > 1 ? 's' : ''} ${templates} (set through the API). Take it out there or choose another mailbox first.`,
      });
    }
    if (mailbox.categories.length > 0) {
      const categories = mailbox.categories.map((c) => quoted(c)).join(', ');
      details.push({
        path: 'id',
        code: 'mailbox.used_by_categories',
        params: { name: mailbox.name, categories },
        message: `The mailbox ${quoted(mailbox.name)} sends the mails of categor${mailbox.categories.length > 1 ? 'ies' : 'y'} ${categories}. Remove them from this mailbox (or give them to another one) first.`,
      });
    }
    if (details.length > 0)
      throw new WerkflowError('invalid_state', details.map((d) => d.message).join(' '), {
        path: 'id',
        details,
      });
    await this.ctx.store.db.transaction().execute(async (trx) => {
      await this.ctx.mailboxes.delete(id, trx);
      await this.ctx.audit(trx, {
        actor,
        action: 'mailbox.delete',
        entityType: 'mailbox',
        entityId: id,
        before: mailbox,
        after: null,
      });
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
    const password = s?.password !== undefined ? s.password : saved ? this.ctx.passwordOf(saved) : null;
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

/** A name in a message, in the typographic quotes the Dutch and English dictionaries use. */
function quoted(name: string): string {
  return `“${name}”`;
}

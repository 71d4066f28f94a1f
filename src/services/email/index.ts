import type { AuditHook } from '../audit.service.js';
import { EmailContext, type EmailServiceParams } from './common.js';
import { MailboxService } from './mailboxes.service.js';
import { OutboxService } from './outbox.service.js';
import { EmailSettingsService } from './settings.service.js';
import { MailSinkService } from './sink.service.js';
import { EmailTemplateService } from './templates.service.js';

export * from './common.js';
export { type EmailTemplateInput, EmailTemplateService, type TemplatePreview } from './templates.service.js';
export { type MailboxInput, MailboxService } from './mailboxes.service.js';
export { type BulkResolution, OutboxService } from './outbox.service.js';
export { EmailSettingsService } from './settings.service.js';
export { MailSinkService } from './sink.service.js';

/**
 * E-mail: templates, mailboxes, the outbox with its mailer, the organisation and delivery
 * settings, and the demo mail sink — five services over one shared context. The composition
 * root makes one; the API, the CLI and the engine call the part they need.
 */
export class Email {
  readonly templates: EmailTemplateService;
  readonly mailboxes: MailboxService;
  readonly outbox: OutboxService;
  readonly settings: EmailSettingsService;
  readonly sink: MailSinkService;
  private readonly context: EmailContext;

  constructor(params: EmailServiceParams) {
    this.context = new EmailContext(params);
    this.templates = new EmailTemplateService(this.context);
    this.mailboxes = new MailboxService(this.context);
    this.outbox = new OutboxService(this.context);
    this.settings = new EmailSettingsService(this.context);
    this.sink = new MailSinkService(this.context, this.mailboxes);
  }

  /** Where changes to templates, mailboxes and settings are audited (set by the composition root). */
  set audit(audit: AuditHook) {
    this.context.audit = audit;
  }

  /** Stops the mailer and the sink, closing SMTP connections; Werkflow.close() calls it. */
  async close(): Promise<void> {
    await this.outbox.close();
    await this.sink.close();
  }
}

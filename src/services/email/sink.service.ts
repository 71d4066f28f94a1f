import { WerkflowError } from '../../domain/errors.js';
import { type SinkMessage } from '../../store/mail-sink.repository.js';
import { type Mailbox } from '../../store/mailbox.repository.js';
import { MailSink, type MailSinkOptions } from '../../effects/email/mail-sink.js';

import type { EmailContext } from './common.js';
import type { MailboxInput, MailboxService } from './mailboxes.service.js';

/** The local SMTP sink of demo mode and its mail viewer. */
export class MailSinkService {
  private sinkInstance: MailSink | null = null;

  constructor(
    private readonly ctx: EmailContext,
    private readonly mailboxes: MailboxService,
  ) {}

  get sink(): MailSink | null {
    return this.sinkInstance;
  }

  /** Starts the local SMTP sink on loopback; demo mode points a mailbox at it. */
  async startSink(options: MailSinkOptions = {}): Promise<{ host: string; port: number }> {
    if (!this.sinkInstance?.isRunning)
      this.sinkInstance = new MailSink(this.ctx.sinkMessages, this.ctx.clock, options);
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
    const org = await this.ctx.settings.getOrganisation();
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
    const existing = await this.ctx.mailboxes.getByName(input.name);
    return existing
      ? this.mailboxes.updateMailbox(existing.id, { ...input, username: null, password: null })
      : this.mailboxes.createMailbox(input);
  }

  /**
   * Demo and sandbox: starts the sink (when needed), makes the demo mailbox the default, and
   * sends every message to the sink whatever mailbox it was written for. Nothing leaves the
   * machine. Returns the sink's address.
   */
  async captureAllMail(options: MailSinkOptions = {}): Promise<{ host: string; port: number }> {
    const at = await this.startSink(options);
    await this.ensureDemoMailbox();
    this.ctx.mailer.captureAllAt(at.host, at.port);
    return at;
  }

  listSinkMessages(options: { limit: number; before?: number; to?: string }): Promise<SinkMessage[]> {
    return this.ctx.sinkMessages.list(options);
  }

  async getSinkMessage(id: number): Promise<SinkMessage> {
    const m = await this.ctx.sinkMessages.get(id);
    if (!m) throw new WerkflowError('not_found', `The mail viewer has no message ${id}.`, { path: 'id' });
    return m;
  }

  clearSink(): Promise<number> {
    return this.ctx.sinkMessages.clear();
  }

  /** Stops the sink. */
  async close(): Promise<void> {
    await this.sinkInstance?.stop();
  }
}

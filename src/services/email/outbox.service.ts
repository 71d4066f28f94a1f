import type { Dossier } from '../../domain/dossier.js';
import { type ErrorDetail, WerkflowError } from '../../domain/errors.js';
import type { Db } from '../../store/database.js';
import type { OutboxRepository } from '../../store/outbox.repository.js';
import {
  type OutboxFilter,
  type OutboxSelection,
  type OutboxMessage,
  type OutboxCounts,
  type OutboxSummary,
} from '../../store/outbox.repository.js';
import type { Mailer } from '../../effects/email/mailer.js';
import {
  type EmailDeps,
  type SendEmailEffect,
  type EnqueuedEmail,
  enqueueEmailForAction,
  previewEmailForAction,
  recipientProblemsFor,
  validateSendEmailEffect,
} from '../../effects/email/send-email.effect.js';

import type { EmailContext } from './common.js';

/** What a person decides for failed or in-doubt messages in bulk. */
export type BulkResolution = 'resend' | 'markDelivered' | 'dismiss';

/** The send-e-mail effect, the outbox and its resolution by people, and the mailer that drains it. */
export class OutboxService {
  /** What the send-e-mail effect needs. */
  readonly deps: EmailDeps;

  constructor(private readonly ctx: EmailContext) {
    this.deps = {
      store: ctx.store,
      catalog: ctx.catalog,
      clock: ctx.clock,
      templates: ctx.templates,
      mailboxes: ctx.mailboxes,
      outbox: ctx.outbox,
      settings: ctx.settings,
      dossiers: ctx.dossiers,
      users: ctx.users,
      renderer: ctx.renderer,
      // The row is not visible to the mailer until the caller's transaction commits. On SQLite the
      // mailer's claim waits for that transaction anyway; on PostgreSQL the engine should call
      // kick() after commit, and the mailer's idle poll is the safety net.
      onEnqueued: () => setTimeout(() => ctx.mailer.kick(), 20).unref(),
    };
  }

  /** Drains the outbox over SMTP. */
  get mailer(): Mailer {
    return this.ctx.mailer;
  }

  /** The outbox rows themselves. */
  get repository(): OutboxRepository {
    return this.ctx.outbox;
  }

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
    const type = this.ctx.catalog().get(rootTypeKey);
    if (!type) return Promise.resolve([{ path, message: `There is no dossier type "${rootTypeKey}".` }]);
    return validateSendEmailEffect(effect, type, this.ctx.catalog(), path, this.deps, db);
  }

  /** Wakes the mailer; call after the transaction that enqueued mail has committed. */
  kick(): void {
    this.mailer.kick();
  }

  listOutbox(filter: OutboxFilter): Promise<OutboxSummary[]> {
    return this.ctx.outbox.list(filter);
  }

  /** How many messages match a selection (the total of a filtered outbox list). */
  countMatching(selection: OutboxSelection): Promise<number> {
    return this.ctx.outbox.count(selection);
  }

  async getOutboxMessage(id: string): Promise<OutboxMessage & { dossierIds: string[] }> {
    const m = await this.ctx.outbox.get(id);
    if (!m)
      throw new WerkflowError('not_found', `There is no message with id "${id}" in the outbox.`, {
        path: 'id',
      });
    return { ...m, dossierIds: await this.ctx.outbox.dossierIdsOf(id) };
  }

  countOutbox(): Promise<OutboxCounts> {
    return this.ctx.outbox.countByStatus();
  }

  private async decide(
    id: string,
    decision: 'resent' | 'dismissed',
    actor: string | null,
  ): Promise<OutboxMessage> {
    const current = await this.getOutboxMessage(id);
    const done = await this.ctx.store.db.transaction().execute(async (trx) => {
      if (!(await this.ctx.outbox.resolve(id, decision, actor, this.ctx.clock.now(), trx))) return false;
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
    return this.ctx.audit(db, {
      actor,
      action: decision === 'resent' ? 'email.resent' : 'email.dismissed',
      entityType: 'email',
      entityId: m.id,
      before: { status: m.status, lastReply: m.lastReply, messageId: m.messageId },
      after: {
        status: decision === 'resent' ? 'queued' : m.status === 'sent' ? 'sent' : 'dismissed',
        ...(how === 'markDelivered' ? { markedDelivered: true } : {}),
      },
    });
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
    const resolved = await this.ctx.store.db.transaction().execute(async (trx) => {
      const now = this.ctx.clock.now();
      const rows = (
        await this.ctx.outbox.resolvable(input.ids ? { ids: input.ids } : input.filter!, trx)
      ).filter((m) => input.resolution !== 'markDelivered' || m.status === 'in_doubt');
      if (input.dryRun) return rows.length;
      let n = 0;
      for (const m of rows) {
        if (!(await this.ctx.outbox.resolve(m.id, decision, actor, now, trx))) continue;
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
    return this.ctx.outbox.list({ dossierId, before: page.before, limit: page.limit });
  }

  /** Starts the mailer (sweeping in-doubt messages first). */
  startMailer(): Promise<void> {
    return this.mailer.start();
  }

  /** Stops the mailer, closing SMTP connections. */
  async close(): Promise<void> {
    await this.mailer.stop();
    this.ctx.transports.closeAll();
  }
}

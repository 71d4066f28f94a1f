import type { Reason } from '../domain/action/reasons.js';
import type { Dossier } from '../domain/dossier.js';
import type { SendEmailEffect } from '../domain/template/action-template.js';
import type { Db } from '../store/database.js';

/**
 * What the executor needs from the e-mail part (src/effects/email): render an e-mail for an
 * action and put it in the outbox inside the completing transaction, or only preview it.
 * `notes`: recipient rules that yielded no address while others did (shown on the action).
 */
export interface EmailPort {
  enqueue(
    db: Db,
    input: { actionId: string; effect: SendEmailEffect; dossier: Dossier },
  ): Promise<{ outboxId: string; to: string[]; subject: string; notes?: readonly Reason[] }>;
  preview(
    db: Db,
    input: { effect: SendEmailEffect; dossier: Dossier },
  ): Promise<{ to: string[]; cc: string[]; bcc: string[]; subject: string; html: string; text: string }>;
  /**
   * The recipient problems each effect would meet on this dossier now (one list per effect, in
   * order; empty when it can be addressed): the settings read once and the referenced dossiers
   * loaded once for all the effects, not once per effect. Each problem is a coded reason
   * (`reason.recipient.*`), for every reader's language.
   */
  recipientProblems(
    db: Db,
    input: { effects: readonly SendEmailEffect[]; dossier: Dossier },
  ): Promise<Reason[][]>;
}

/** What the executor needs to call a webhook: a POST with a signature, outside any transaction. */
export interface WebhookPort {
  post(input: { url: string; secret?: string; actionId: string; body: unknown }): Promise<{ status: number }>;
}

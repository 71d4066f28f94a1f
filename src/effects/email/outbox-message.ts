import { newId } from '../../domain/id.js';
import type { Mailbox } from '../../store/mailbox.repository.js';
import type { OutboxMessage } from '../../store/outbox.repository.js';

/** What a new message says and whom and what it is about; the rest is the mailbox's and the queue's. */
export type OutboxContent = Pick<
  OutboxMessage,
  | 'actionId'
  | 'dossierId'
  | 'dossierType'
  | 'templateId'
  | 'to'
  | 'cc'
  | 'bcc'
  | 'subject'
  | 'htmlBody'
  | 'textBody'
  | 'attachments'
>;

/**
 * A message ready for the outbox, queued now: sent from `mailbox`, with its Message-ID fixed
 * here (the same on every attempt and on a resend).
 */
export function queuedMessage(mailbox: Mailbox, now: number, content: OutboxContent): OutboxMessage {
  const id = newId(now);
  const domain = mailbox.fromAddress.slice(mailbox.fromAddress.lastIndexOf('@') + 1) || 'werkflow.local';
  return {
    id,
    ...content,
    mailboxId: mailbox.id,
    messageId: `<${id}@${domain}>`,
    fromName: mailbox.fromName,
    fromAddress: mailbox.fromAddress,
    replyTo: mailbox.replyTo,
    status: 'queued',
    attempts: 0,
    nextAttemptAt: now,
    lockedBy: null,
    lockedAt: null,
    lastReply: null,
    lastReplyCoded: null,
    redirectedTo: null,
    createdAt: now,
    updatedAt: now,
    sentAt: null,
    resolution: null,
    resolvedBy: null,
    resolvedAt: null,
    needsAttention: false,
  };
}

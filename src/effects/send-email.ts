import { WerkflowError } from '../domain/errors.js';
import { type SendEmailEffect, reminderEmail } from '../domain/template/action-template.js';
import { reason, reasonText } from '../domain/action/reasons.js';
import type { EffectHandler } from './effect.js';

/** Renders the e-mail and writes it to the outbox, in the transaction that completes the action. */
export const sendEmailEffect: EffectHandler<SendEmailEffect> = {
  safe: false,
  async apply(effect, { db, action, def, dossier, email }) {
    if (!email)
      throw new WerkflowError(
        'configuration',
        'E-mail is not set up in this Werkflow: add a mailbox under Settings → Mailboxes.',
        { reason: reason('reason.emailNotSetUp') },
      );
    // A reminder sends its own e-mail template to its own recipients, where it has them.
    const r = await email.enqueue(db, {
      actionId: action.id,
      effect:
        action.kind === 'reminder' && def.reminder ? { ...effect, ...reminderEmail(def.reminder) } : effect,
      dossier,
    });
    const notes = r.notes && r.notes.length > 0 ? r.notes : undefined;
    return {
      stored: {
        outboxId: r.outboxId,
        to: r.to,
        subject: r.subject,
        ...(notes ? { notes: notes.map((n) => reasonText(n, 'en')) } : {}),
      },
      ...(notes ? { notes } : {}),
    };
  },
};

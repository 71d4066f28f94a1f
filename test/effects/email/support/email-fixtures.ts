import type { Clock } from '../../../../src/domain/clock.js';
import type { Dossier } from '../../../../src/domain/dossier.js';
import type { MailerConfig } from '../../../../src/effects/email/mailer.js';
import { Werkflow } from '../../../../src/engine/werkflow.js';
import { type Backend, TestClock } from '../../../support/backends.js';
import type { Mailbox } from '../../../../src/store/mailbox.repository.js';
import type { EmailTemplate } from '../../../../src/store/email-template.repository.js';

/** A small energy-cooperative world: a contact, an intake, an opportunity, a user and a team. */
export interface EmailWorld {
  readonly contact: Dossier;
  readonly intake: Dossier;
  readonly opportunity: Dossier;
  readonly category: Dossier;
  readonly userId: string;
  readonly teamId: string;
}

export async function seedEmailWorld(
  w: Werkflow,
  contactData: Record<string, unknown> = {},
): Promise<EmailWorld> {
  const now = w.clock.now();
  const userId = `user-${now}-${Math.random().toString(36).slice(2, 8)}`;
  await w.dossiers.users.insert({
    id: userId,
    name: 'Anja Kramer',
    email: `anja.${userId}@coop.example.nl`,
    phone: '+31 6 11111111',
    jobTitle: 'Energiecoach',
    active: true,
    createdAt: now,
  });
  const teamId = `team-${userId}`;
  await w.dossiers.users.insertTeam({ id: teamId, name: `Backoffice ${userId}`, createdAt: now });
  await w.dossiers.users.addMember(teamId, userId);
  const contact = await w.dossiers.create(
    'contact',
    {
      data: {
        kind: 'persoon',
        name: 'Jan van der Berg',
        firstName: 'Jan',
        lastName: 'van der Berg',
        email: 'jan@example.nl',
        city: 'Zwolle',
        ...contactData,
      },
    },
    null,
  );
  const category = await w.dossiers.create('measureCategory', { data: { name: 'Isolatie' } }, null);
  const intake = await w.dossiers.create(
    'intake',
    { data: { contact: contact.id, status: 'open', address: 'Dorpsstraat 1', responsibleUser: userId } },
    null,
  );
  const opportunity = await w.dossiers.create(
    'opportunity',
    {
      data: {
        name: 'Spouwmuurisolatie',
        intake: intake.id,
        measureCategory: category.id,
        status: 'actief',
        desiredDate: '2027-02-03',
        amount: 1250.5,
        responsibleUser: userId,
      },
    },
    null,
  );
  return { contact, intake, opportunity, category, userId, teamId };
}

export async function addMailbox(
  w: Werkflow,
  port: number,
  extra: Partial<Parameters<Werkflow['email']['mailboxes']['createMailbox']>[0]> = {},
): Promise<Mailbox> {
  return w.email.mailboxes.createMailbox({
    name: `Test ${port} ${Math.random().toString(36).slice(2, 6)}`,
    host: '127.0.0.1',
    port,
    security: 'none',
    fromName: 'Energie Coöperatie',
    fromAddress: 'info@coop.example.nl',
    ...extra,
  });
}

export async function addTemplate(
  w: Werkflow,
  input: Partial<Parameters<Werkflow['email']['templates']['createTemplate']>[0]> = {},
): Promise<EmailTemplate> {
  return w.email.templates.createTemplate({
    name: `Template ${Math.random().toString(36).slice(2, 8)}`,
    rootType: 'opportunity',
    subject: 'Uw aanvraag {{ opportunity.name }}',
    htmlBody:
      '<p>Beste {{ opportunity.intake.contact.firstName }},</p><p>Uw {{ opportunity.name }} staat gepland op {{ opportunity.desiredDate | date: "long" }}.</p><p>{{ me.name }}</p>',
    ...input,
  });
}

/** Enqueues in its own transaction, as the engine does when it completes an action. */
export function enqueue(
  w: Werkflow,
  input: Parameters<Werkflow['email']['outbox']['enqueueForAction']>[1],
): ReturnType<Werkflow['email']['outbox']['enqueueForAction']> {
  return w.store.db.transaction().execute((trx) => w.email.outbox.enqueueForAction(trx, input));
}

/** A fresh Werkflow (energy preset) with e-mail options for tests: a fixed secret key, quiet logs. */
export async function openEmailWerkflow(
  backend: Backend,
  options: { clock?: Clock; mailer?: Partial<MailerConfig> } = {},
): Promise<Werkflow> {
  return Werkflow.open({
    ...backend.fresh(),
    preset: 'energy-cooperative',
    clock: options.clock ?? new TestClock(),
    email: { secretKey: 'f'.repeat(64), mailer: { redirectAllTo: null, ...options.mailer }, log: () => {} },
  });
}

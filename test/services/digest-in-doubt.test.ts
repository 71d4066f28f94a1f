/**
 * Issue 11, end to end: an automatic e-mail whose connection drops right after its DATA (the
 * server's 250 never arrives) goes in doubt, and the next daily digest, delivered over SMTP to
 * the same real server, names that mail to the template's owner in Dutch: its subject and
 * recipient, the action template and the dossier, each with a link.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PERMISSIONS } from '../../src/domain/permissions.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { BACKENDS, TestClock } from '../support/backends.js';
import {
  addMailbox,
  addTemplate,
  openEmailWerkflow,
  seedEmailWorld,
} from '../effects/email/support/email-fixtures.js';
import { TestSmtpServer } from '../effects/email/support/smtp-test-server.js';

const HOUR = 3_600_000;

describe.each(BACKENDS)('a mail in doubt in the daily digest on $name', (backend) => {
  let smtp: TestSmtpServer;
  let w: Werkflow | undefined;

  beforeEach(async () => {
    smtp = new TestSmtpServer();
    await smtp.start();
  });
  afterEach(async () => {
    await w?.close();
    w = undefined;
    await smtp.stop();
  });

  it('the connection drops after DATA → in doubt → the next digest names it to the owner, in Dutch', async () => {
    const clock = new TestClock('2026-11-29T09:00:00+01:00');
    w = await openEmailWerkflow(backend, { clock });
    w.publicUrl = 'https://werkflow.example.nl';
    await addMailbox(w, smtp.port);
    const owner = await w.auth.users.createUser(
      { name: 'Olga Eigenaar', email: 'olga@coop.example.nl', roles: ['workflow-manager'] },
      null,
    );
    const mailTemplate = await addTemplate(w, { subject: 'Uw aanvraag {{ opportunity.name }}' });
    const template = await w.templates.create(
      {
        name: 'Bevestig de aanvraag',
        dossierType: 'opportunity',
        event: { type: 'created' },
        timing: { anchor: { type: 'event' }, offset: 1, unit: 'hours' },
        effect: {
          type: 'sendEmail',
          templateId: mailTemplate.id,
          to: [{ type: 'field', path: 'intake.contact.email' }],
        },
      },
      { id: owner.id, permissions: new Set(PERMISSIONS) },
      { publish: true },
    );
    const world = await seedEmailWorld(w);

    // The action runs an hour on and writes the mail; the server keeps it and hangs up.
    clock.advance(HOUR);
    await w.scheduler.tick();
    const [action] = await w.actions.list({ dossierId: world.opportunity.id, limit: 10 });
    expect(action).toMatchObject({ status: 'done', templateId: template.id });
    smtp.dropAfterData = () => true;
    expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 1, inDoubt: 1 });
    smtp.dropAfterData = () => false;
    const [doubtful] = await w.email.outbox.listOutbox({ statuses: ['in_doubt'], limit: 10 });
    expect(doubtful).toMatchObject({ subject: 'Uw aanvraag Spouwmuurisolatie', to: ['jan@example.nl'] });
    expect(smtp.received).toHaveLength(1);

    // The next morning's digest goes out through the same outbox and server.
    clock.set('2026-11-30T07:00:00+01:00');
    const run = await w.digest.runDue();
    expect(run?.sent.map((s) => s.email)).toEqual(['olga@coop.example.nl']);
    expect(await w.email.outbox.mailer.drainOnce()).toMatchObject({ claimed: 1, sent: 1 });
    expect(smtp.received).toHaveLength(2);
    const digest = smtp.received[1]!;
    expect(digest.envelopeTo).toEqual(['olga@coop.example.nl']);
    expect(digest.parsed.subject).toBe('Werkflow: 1 e-mail in twijfel');
    const text = digest.parsed.text!;
    const { title_nl: title } = await w.store.db
      .selectFrom('dossiers')
      .select('title_nl')
      .where('id', '=', world.opportunity.id)
      .executeTakeFirstOrThrow();
    expect(title).toMatch(/Spouwmuurisolatie/);
    expect(text).toContain('Beste Olga Eigenaar,');
    expect(text).toContain('E-mails in twijfel (1)');
    expect(text).toContain('- Uw aanvraag Spouwmuurisolatie (aan jan@example.nl)');
    expect(text).toContain(
      `  Actie-template: Bevestig de aanvraag — https://werkflow.example.nl/templates/${template.id}`,
    );
    expect(text).toContain(
      `  Dossier: ${title} — https://werkflow.example.nl/dossiers/opportunity/${world.opportunity.id}`,
    );
    expect(text).toContain('U krijgt dit overzicht omdat u deze actie-templates hebt gemaakt.');
    const html = digest.parsed.html as string;
    expect(html).toContain(`>Bevestig de aanvraag</a>`);
    expect(html).toContain(`/dossiers/opportunity/${world.opportunity.id}`);
    // Still in doubt, not resent by anything that ran.
    expect(smtp.countByMessageId().get(doubtful!.messageId)).toBe(1);
  });
});

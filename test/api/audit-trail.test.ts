/**
 * Issue 5: "who changed which template, e-mail template, mailbox … and who executed, completed,
 * rescheduled or cancelled which action" — through the API, read back from the audit log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SYSTEM_PRINCIPAL } from '../../src/domain/permissions.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { apiAs } from '../support/api-client.js';
import { Werkflow as WerkflowClass } from '../../src/engine/werkflow.js';
import { BACKENDS, TestClock } from '../support/backends.js';

describe.each(BACKENDS)('audit trail on $name', (backend) => {
  let wf: Werkflow | undefined;
  afterEach(async () => {
    await wf?.close();
    wf = undefined;
  });

  it('records mailbox, e-mail template and action changes with the actor, masking passwords', async () => {
    wf = await WerkflowClass.open({
      ...backend.fresh(),
      preset: 'energy-cooperative',
      clock: new TestClock(),
      email: { secretKey: 'f'.repeat(64), log: () => {} },
    });
    const manager = await apiAs(wf, 'workflowManager');
    const staff = await apiAs(wf, 'staff');
    const admin = await apiAs(wf, 'admin');

    const mailbox = await manager.request('POST', '/api/mailboxes', {
      name: 'Uitgaand',
      host: '127.0.0.1',
      port: 2525,
      security: 'none',
      username: 'coop',
      password: 'zeer-geheim-wachtwoord',
      fromName: 'Coöperatie',
      fromAddress: 'info@coop.example.nl',
    });
    expect(mailbox.statusCode, mailbox.body).toBe(201);
    const template = await manager.request('POST', '/api/email-templates', {
      name: 'Welkom',
      rootType: 'contact',
      subject: 'Welkom {{ contact.name }}',
      htmlBody: '<p>Hallo {{ contact.firstName }}</p>',
    });
    expect(template.statusCode, template.body).toBe(201);

    const contact = await wf.dossiers.create('contact', { data: { kind: 'persoon', name: 'Jan' } }, null);
    await wf.templates.create(
      {
        name: 'Bellen',
        dossierType: 'contact',
        event: { type: 'manual' },
        executionMode: 'manual',
        effect: { type: 'none' },
      },
      SYSTEM_PRINCIPAL,
      { publish: true },
    );
    const [tpl] = await wf.templates.list();
    const [action] = await wf.templates.start(tpl!.id, [contact.id], SYSTEM_PRINCIPAL);
    const done = await staff.request('POST', `/api/actions/${action!.id}/complete`, { note: 'gebeld' });
    expect(done.statusCode, done.body).toBe(200);

    const log = await admin.request('GET', '/api/audit-log?limit=100');
    expect(log.statusCode, log.body).toBe(200);
    const items = (
      log.json() as {
        items: {
          action: string;
          actor: string | null;
          actorName: string | null;
          before: unknown;
          after: unknown;
        }[];
      }
    ).items;
    const byAction = (a: string) => items.find((i) => i.action === a);
    // Requests made with an API token are recorded as that token (whose owner the log names).
    const managerActor = byAction('mailbox.create')?.actor;
    expect(managerActor).toMatch(/^token:/);
    expect(byAction('mailbox.create')?.actorName).toBeTruthy();
    expect(JSON.stringify(byAction('mailbox.create')?.after)).not.toContain('zeer-geheim');
    expect(byAction('emailTemplate.create')?.actor).toBe(managerActor);
    expect(byAction('action.complete')?.actor).toMatch(/^token:/);
    expect(byAction('action.complete')?.actor).not.toBe(managerActor);
    expect(byAction('action.complete')?.after).toMatchObject({ status: 'done', note: 'gebeld' });
  });

  it('audits only accepted settings changes, and template attachments by name and size', async () => {
    wf = await WerkflowClass.open({
      ...backend.fresh(),
      preset: 'energy-cooperative',
      clock: new TestClock(),
      email: { secretKey: 'f'.repeat(64), log: () => {} },
    });
    const manager = await apiAs(wf, 'workflowManager');
    const admin = await apiAs(wf, 'admin');
    const audited = async (action: string) =>
      (
        (await admin.request('GET', '/api/audit-log?limit=100')).json() as {
          items: { action: string; before: unknown; after: unknown }[];
        }
      ).items.filter((i) => i.action === action);

    const refused = await manager.request('PUT', '/api/email/settings', {
      email: { redirectAllTo: 'niet-een-adres' },
    });
    expect(refused.statusCode).toBe(422);
    expect(await audited('emailSettings.update')).toEqual([]);
    const accepted = await manager.request('PUT', '/api/email/settings', {
      email: { redirectAllTo: 'test@coop.example.nl' },
    });
    expect(accepted.statusCode, accepted.body).toBe(204);
    const [entry, ...more] = await audited('emailSettings.update');
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      before: { email: { redirectAllTo: null } },
      after: { email: { redirectAllTo: 'test@coop.example.nl' } },
    });

    const pdf = Buffer.from('%PDF-1.4 algemene voorwaarden').toString('base64');
    const created = await manager.request('POST', '/api/email-templates', {
      name: 'Met bijlage',
      rootType: 'contact',
      subject: 'Welkom {{ contact.name }}',
      htmlBody: '<p>Hallo {{ contact.firstName }}</p>',
      attachment: { filename: 'voorwaarden.pdf', contentType: 'application/pdf', contentBase64: pdf },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<{ id: string }>().id;
    expect((await manager.request('DELETE', `/api/email-templates/${id}`)).statusCode).toBe(204);
    const [create] = await audited('emailTemplate.create');
    const [remove] = await audited('emailTemplate.delete');
    const attachment = { filename: 'voorwaarden.pdf', bytes: 29 };
    expect(create?.after).toMatchObject({ attachment });
    expect(remove?.before).toMatchObject({ attachment });
    expect(JSON.stringify([create, remove])).not.toContain(pdf);
  });
});

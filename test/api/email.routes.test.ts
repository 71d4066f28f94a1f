import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { BACKENDS, TestClock } from '../support/backends.js';
import { type ApiClient, apiAs } from '../support/api-client.js';
import {
  type EmailWorld,
  enqueue,
  openEmailWerkflow,
  seedEmailWorld,
} from '../effects/email/support/email-fixtures.js';

interface Problem {
  part: string;
  line: number | null;
  column: number | null;
  field: string | null;
  message: string;
  code: string;
  params: Record<string, string | number>;
}

const template = (over: Record<string, unknown> = {}) => ({
  name: 'Offerte aangevraagd',
  rootType: 'opportunity',
  language: 'nl',
  subject: 'Uw kans {{ opportunity.name }}',
  htmlBody:
    '<p>Beste {{ opportunity.intake.contact.firstName }},</p>\n<p>{{ opportunity.desiredDate | date: "long" }}</p>',
  ...over,
});

const mailbox = (over: Record<string, unknown> = {}) => ({
  name: 'Hoofdpostbus',
  host: '127.0.0.1',
  port: 2525,
  security: 'none',
  username: 'coop',
  password: 'Zeer-Geheim-42',
  fromName: 'Energie Coöperatie',
  fromAddress: 'info@coop.example.nl',
  ...over,
});

describe.each(BACKENDS)('e-mail API on $name', (backend) => {
  let w: Werkflow;
  let clock: TestClock;
  let manager: ApiClient;
  let staff: ApiClient;
  let reader: ApiClient;
  let world: EmailWorld;

  beforeAll(async () => {
    clock = new TestClock();
    w = await openEmailWerkflow(backend, { clock });
    [manager, staff, reader] = await Promise.all([
      apiAs(w, 'workflowManager'),
      apiAs(w, 'staff'),
      apiAs(w, 'readOnly'),
    ]);
    world = await seedEmailWorld(w, { name: '<b>Jan</b>', firstName: '{{ 7*7 }}' });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('creates, reads, replaces and deletes templates; only with the automatic-workflow right', async () => {
    expect((await staff.request('POST', '/api/email-templates', template())).statusCode).toBe(403);
    const created = await manager.request('POST', '/api/email-templates', template());
    expect(created.statusCode, created.body).toBe(201);
    const t = created.json<{ id: string; version: number; attachment: unknown }>();
    expect(created.headers.etag).toBe('"1"');
    expect(t.attachment).toBeNull();
    const list = await reader.request('GET', '/api/email-templates?rootType=opportunity');
    expect(list.json<{ items: { id: string }[] }>().items.map((i) => i.id)).toContain(t.id);
    const stale = await manager.request(
      'PUT',
      `/api/email-templates/${t.id}`,
      template({ subject: 'Nieuw' }),
      { 'if-match': '"7"' },
    );
    expect(stale.statusCode).toBe(409);
    const put = await manager.request(
      'PUT',
      `/api/email-templates/${t.id}`,
      template({ subject: 'Nieuw {{ me.name }}' }),
      { 'if-match': '"1"' },
    );
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ version: 2, subject: 'Nieuw {{ me.name }}' });
    const dup = await manager.request('POST', '/api/email-templates', template());
    expect(dup.statusCode).toBe(409);
    expect((await manager.request('DELETE', `/api/email-templates/${t.id}`)).statusCode).toBe(204);
    expect((await reader.request('GET', `/api/email-templates/${t.id}`)).statusCode).toBe(404);
  });

  it('refuses an invalid template with the part, line, column and field of each problem', async () => {
    const bad = template({
      name: 'Fout',
      htmlBody:
        '<p>Beste {{ opportunity.intake.contact.fristName }},</p>\n<script>x</script>\n{{ opportunity.name | raw }}',
    });
    const res = await manager.request('POST', '/api/email-templates', bad);
    expect(res.statusCode).toBe(422);
    const body = res.json<{
      error: { code: string; path: string; message: string; details: { path: string; message: string }[] };
    }>();
    expect(body.error).toMatchObject({ code: 'validation_failed', path: 'htmlBody' });
    expect(body.error.message).toMatch(/^htmlBody, line 2, column 1: remove the <script> element/);
    expect(body.error.details.map((d) => d.message)).toEqual([
      expect.stringMatching(/^htmlBody, line 2, column 1: remove the <script>/),
      expect.stringMatching(/^htmlBody, line 3, column 1: the raw filter is not allowed/),
    ]);
    const v = await manager.request(
      'POST',
      '/api/email-templates/validate',
      template({ htmlBody: '<p>{{ opportunity.intake.contact.fristName }}</p>' }),
    );
    expect(v.statusCode).toBe(200);
    const result = v.json<{ valid: boolean; problems: Problem[] }>();
    expect(result.valid).toBe(false);
    expect(result.problems).toEqual([
      {
        part: 'htmlBody',
        line: 1,
        column: 7,
        field: 'opportunity.intake.contact.fristName',
        message: expect.stringContaining('Did you mean "firstName"?'),
        code: 'merge_field_invalid',
        params: { field: 'opportunity.intake.contact.fristName' },
      },
    ]);
    // Every problem has a code and params, so a Dutch reader gets a Dutch sentence.
    const many = await manager.request(
      'POST',
      '/api/email-templates/validate',
      template({
        subject: 'Twee\nregels',
        htmlBody: '<iframe src="x"></iframe>\n<p onclick="x">{{ opportunity.name | shout }}</p>{% if %}',
      }),
    );
    const codes = many.json<{ problems: Problem[] }>().problems.map((p) => [p.part, p.code, p.params]);
    expect(codes).toEqual([
      ['subject', 'subject_multiline', {}],
      ['htmlBody', 'unsafe_element', { element: 'iframe' }],
      ['htmlBody', 'unsafe_event_attribute', {}],
      ['htmlBody', expect.stringMatching(/^(liquid_syntax|filter_unknown)$/), expect.any(Object)],
    ]);
    // The 422 of a save carries them as the error details' code and params.
    const refused = await manager.request('POST', '/api/email-templates', bad);
    expect(
      refused.json<{ error: { details: { code: string; params: Record<string, unknown> }[] } }>().error
        .details,
    ).toEqual([
      expect.objectContaining({
        code: 'email_template.unsafe_script',
        params: expect.objectContaining({ part: 'htmlBody', line: 2, column: 1 }),
      }),
      expect.objectContaining({
        code: 'email_template.filter_raw',
        params: expect.objectContaining({ filter: 'raw' }),
      }),
    ]);
  });

  it('refuses a template body over 512 KB or a subject over 1,000 characters with 422', async () => {
    for (const [over, path] of [
      [{ htmlBody: 'x'.repeat(512 * 1024 + 1) }, 'htmlBody'],
      [{ textBody: 'x'.repeat(512 * 1024 + 1) }, 'textBody'],
      [{ subject: 'x'.repeat(1001) }, 'subject'],
    ] as const) {
      for (const url of ['/api/email-templates', '/api/email-templates/validate']) {
        const res = await manager.request('POST', url, template({ name: `Te groot ${path}`, ...over }));
        expect(res.statusCode, `${url} ${path}`).toBe(422);
        expect(res.json()).toMatchObject({
          error: { path, message: expect.stringMatching(/must NOT have more than \d+ characters/) },
        });
      }
    }
  });

  it('previews a template against a dossier, escaping what the dossier holds', async () => {
    const res = await manager.request('POST', '/api/email-templates/preview', {
      template: template({
        htmlBody: '<p>{{ opportunity.intake.contact.firstName }} {{ opportunity.intake.contact.name }}</p>',
      }),
      dossierId: world.opportunity.id,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      subject: 'Uw kans Spouwmuurisolatie',
      html: '<p>{{ 7*7 }} &lt;b&gt;Jan&lt;/b&gt;</p>',
      text: '{{ 7*7 }} <b>Jan</b>',
      problems: [],
    });
    const wrongType = await manager.request('POST', '/api/email-templates/preview', {
      template: template(),
      dossierId: world.contact.id,
    });
    expect(wrongType.statusCode).toBe(422);
    expect(wrongType.json()).toMatchObject({ error: { path: 'dossierId' } });
    const fields = await reader.request('GET', '/api/email-templates/merge-fields?rootType=opportunity');
    expect(fields.json<{ items: { path: string }[] }>().items.map((f) => f.path)).toContain(
      'opportunity.intake.contact.email',
    );
  });

  it('names the action templates that send an e-mail template, and refuses its deletion while they do', async () => {
    const created = await manager.request('POST', '/api/email-templates', template({ name: 'In gebruik' }));
    const t = created.json<{ id: string }>();
    const unused = await manager.request('GET', `/api/email-templates/${t.id}/used-by`);
    expect(unused.json()).toEqual({ items: [] });
    const action = await manager.request('POST', '/api/templates', {
      name: 'Kans bevestigen',
      dossierType: 'opportunity',
      event: { type: 'created' },
      executionMode: 'semiAutomatic',
      effect: { type: 'sendEmail', templateId: t.id, to: [{ type: 'address', address: 'a@example.nl' }] },
    });
    expect(action.statusCode, action.body).toBe(201);
    const used = await reader.request('GET', `/api/email-templates/${t.id}/used-by`);
    expect(used.json()).toEqual({
      items: [
        {
          templateId: action.json<{ id: string }>().id,
          name: 'Kans bevestigen',
          active: expect.any(Boolean),
        },
      ],
    });
    const refused = await manager.request('DELETE', `/api/email-templates/${t.id}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({
      error: { code: 'invalid_state', path: 'id', params: { names: 'Kans bevestigen', count: 1 } },
    });
    expect((await reader.request('GET', `/api/email-templates/${t.id}`)).statusCode).toBe(200);
  });

  it('imports an Econobis template with a report', async () => {
    const res = await manager.request('POST', '/api/email-templates/import-econobis', {
      rootType: 'opportunity',
      subject: 'Kans {kans_naam}',
      htmlBody: '<p>Beste {contact_voornaam},</p>\n<p>{contact_schoenmaat}</p>',
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{
      template: { subject: string; htmlBody: string };
      converted: number;
      notes: { line: number; original: string }[];
      problems: Problem[];
    }>();
    expect(body.template.subject).toBe('Kans {{ opportunity.name }}');
    expect(body.converted).toBe(2);
    expect(body.notes).toEqual([expect.objectContaining({ line: 2, original: '{contact_schoenmaat}' })]);
    expect(body.problems).toEqual([]);
  });

  it('never returns a mailbox password, keeps it when left out, and tests a connection', async () => {
    expect((await staff.request('POST', '/api/mailboxes', mailbox())).statusCode).toBe(403);
    const created = await manager.request('POST', '/api/mailboxes', mailbox());
    expect(created.statusCode, created.body).toBe(201);
    expect(created.body).not.toContain('Zeer-Geheim-42');
    const m = created.json<{ id: string; hasPassword: boolean; isDefault: boolean }>();
    expect(m).toMatchObject({ hasPassword: true, isDefault: true });
    expect(m).not.toHaveProperty('password');
    const list = await manager.request('GET', '/api/mailboxes');
    expect(list.body).not.toContain('Zeer-Geheim-42');
    const put = await manager.request('PUT', `/api/mailboxes/${m.id}`, {
      ...mailbox({ fromName: 'Coöperatie' }),
      password: undefined,
    });
    expect(put.json()).toMatchObject({ hasPassword: true, fromName: 'Coöperatie', version: 2 });
    const badInput = await manager.request(
      'POST',
      '/api/mailboxes',
      mailbox({ name: 'Fout', fromAddress: 'geen adres', host: 'smtp..x' }),
    );
    expect(badInput.statusCode).toBe(422);
    expect(
      badInput.json<{ error: { details: { path: string }[] } }>().error.details.map((d) => d.path),
    ).toEqual(['host', 'fromAddress']);
    const tested = await manager.request(
      'POST',
      '/api/mailboxes/test',
      mailbox({ host: 'smtp.no-such-host.invalid' }),
    );
    expect(tested.statusCode).toBe(200);
    expect(tested.json()).toMatchObject({ ok: false, failedStep: 'dns' });
    expect((await manager.request('POST', '/api/mailboxes/no-such-id/test')).statusCode).toBe(404);
  });

  it('refuses to delete a used mailbox with a 409 that names its templates and categories', async () => {
    const created = await manager.request(
      'POST',
      '/api/mailboxes',
      mailbox({ name: 'Campagnepostbus', categories: ['campagne-zon'] }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const m = created.json<{ id: string }>();
    const t = await manager.request(
      'POST',
      '/api/email-templates',
      template({ name: 'Zon op je dak', mailboxId: m.id }),
    );
    expect(t.statusCode, t.body).toBe(201);
    const refused = await manager.request('DELETE', `/api/mailboxes/${m.id}`);
    expect(refused.statusCode, refused.body).toBe(409);
    const details = refused.json<{ error: { details: { code: string; params: Record<string, string> }[] } }>()
      .error.details;
    expect(details.map((d) => [d.code, d.params])).toEqual([
      ['mailbox.used_by_templates', { name: 'Campagnepostbus', templates: '“Zon op je dak”' }],
      ['mailbox.used_by_categories', { name: 'Campagnepostbus', categories: '“campagne-zon”' }],
    ]);
    // Unused (template deleted, categories taken away): deleted.
    expect(
      (await manager.request('DELETE', `/api/email-templates/${t.json<{ id: string }>().id}`)).statusCode,
    ).toBe(204);
    const onlyCategories = await manager.request('DELETE', `/api/mailboxes/${m.id}`);
    expect(
      onlyCategories.json<{ error: { details: { code: string }[] } }>().error.details.map((d) => d.code),
    ).toEqual(['mailbox.used_by_categories']);
    await w.email.mailboxes.updateMailbox(m.id, {
      ...mailbox({ name: 'Campagnepostbus' }),
      categories: [],
    } as never);
    expect((await manager.request('DELETE', `/api/mailboxes/${m.id}`)).statusCode).toBe(204);
  });

  it("refuses to delete a mailbox that an action template's e-mail step names, naming the action template", async () => {
    const created = await manager.request('POST', '/api/mailboxes', mailbox({ name: 'Stappostbus' }));
    expect(created.statusCode, created.body).toBe(201);
    const m = created.json<{ id: string }>();
    const t = await manager.request('POST', '/api/email-templates', template({ name: 'Stapmail' }));
    const action = await manager.request('POST', '/api/templates', {
      name: 'Kans met eigen postbus',
      dossierType: 'opportunity',
      event: { type: 'created' },
      executionMode: 'semiAutomatic',
      effect: {
        type: 'sendEmail',
        templateId: t.json<{ id: string }>().id,
        mailboxId: m.id,
        to: [{ type: 'address', address: 'a@example.nl' }],
      },
    });
    expect(action.statusCode, action.body).toBe(201);
    const refused = await manager.request('DELETE', `/api/mailboxes/${m.id}`);
    expect(refused.statusCode, refused.body).toBe(409);
    const details = refused.json<{ error: { details: { code: string; params: Record<string, string> }[] } }>()
      .error.details;
    expect(details.map((d) => [d.code, d.params])).toEqual([
      ['mailbox.used_by_action_templates', { name: 'Stappostbus', templates: '“Kans met eigen postbus”' }],
    ]);
    // Said in a user's words (no field paths), and shown in the list before anyone presses Delete.
    expect(refused.json<{ error: { message: string } }>().error.message).toBe(
      'The mailbox “Stappostbus” is chosen in the e-mail step of action template “Kans met eigen postbus” (set through the API). Take it out there or choose another mailbox first.',
    );
    const listed = (await manager.request('GET', '/api/mailboxes')).json<{
      items: { id: string; usedByActionTemplates: { templateId: string; name: string }[] }[];
    }>();
    const actionTemplateId = action.json<{ id: string }>().id;
    expect(listed.items.find((x) => x.id === m.id)?.usedByActionTemplates).toEqual([
      { templateId: actionTemplateId, name: 'Kans met eigen postbus' },
    ]);
    expect(
      (await manager.request('GET', `/api/mailboxes/${m.id}`)).json<{ usedByActionTemplates: unknown[] }>()
        .usedByActionTemplates,
    ).toHaveLength(1);
    // The e-mail step without the mailbox: deleted.
    const id = action.json<{ id: string }>().id;
    const draft = (await manager.request('GET', `/api/templates/${id}`)).json<{
      draft: Record<string, unknown> & { effect: Record<string, unknown> };
    }>().draft;
    const { mailboxId: _gone, ...effect } = draft.effect;
    const saved = await manager.request('PUT', `/api/templates/${id}/draft`, { ...draft, effect });
    expect(saved.statusCode, saved.body).toBeLessThan(300);
    expect((await manager.request('DELETE', `/api/mailboxes/${m.id}`)).statusCode).toBe(204);
  });

  it('refuses to delete the default mailbox while templates without a mailbox of their own send through it', async () => {
    const all = (await manager.request('GET', '/api/mailboxes')).json<{
      items: { id: string; name: string; isDefault: boolean }[];
    }>().items;
    const fallback = all.find((m) => m.isDefault)!;
    const t = await manager.request(
      'POST',
      '/api/email-templates',
      template({ name: 'Zonder eigen postbus' }),
    );
    expect(t.statusCode, t.body).toBe(201);
    const refused = await manager.request('DELETE', `/api/mailboxes/${fallback.id}`);
    expect(refused.statusCode, refused.body).toBe(409);
    const detail = refused
      .json<{ error: { details: { code: string; params: Record<string, string> }[] } }>()
      .error.details.find((d) => d.code === 'mailbox.default_for_templates');
    expect(detail?.params.name).toBe(fallback.name);
    expect(detail?.params.templates).toContain('“Zonder eigen postbus”');
    expect((await manager.request('GET', '/api/mailboxes')).json<{ items: unknown[] }>().items).toHaveLength(
      all.length,
    );
  });

  it('refuses to keep a stored password when the server or user name changes', async () => {
    const created = await manager.request('POST', '/api/mailboxes', mailbox({ name: 'Tweede postbus' }));
    expect(created.statusCode, created.body).toBe(201);
    const m = created.json<{ id: string }>();
    const input = mailbox({ name: 'Tweede postbus', password: undefined });
    for (const change of [
      { host: 'smtp.attacker.example' },
      { port: 2526 },
      { security: 'tls' },
      { username: 'someone-else' },
    ]) {
      const res = await manager.request('PUT', `/api/mailboxes/${m.id}`, { ...input, ...change });
      expect(res.statusCode, JSON.stringify(change)).toBe(422);
      expect(res.json()).toMatchObject({
        error: {
          path: 'password',
          message: 'Enter the password again: it is only sent to the server it was given for.',
        },
      });
    }
    const stored = await w.email.mailboxes.getMailbox(m.id);
    expect(stored).toMatchObject({
      host: '127.0.0.1',
      port: 2525,
      security: 'none',
      username: 'coop',
      version: 1,
    });
    // With the password entered again the change is made.
    const moved = await manager.request('PUT', `/api/mailboxes/${m.id}`, {
      ...input,
      host: 'smtp.elders.example',
      password: 'Nieuw-Geheim-7',
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ host: 'smtp.elders.example', hasPassword: true, version: 2 });
    await w.email.mailboxes.deleteMailbox(m.id);
  });

  it('lists the outbox and the mail history; resend and dismiss need actions.handle', async () => {
    const t = await w.email.templates.createTemplate(template({ name: 'Voor de outbox' }) as never);
    const r = await enqueue(w, {
      actionId: 'api-outbox-1',
      effect: { type: 'sendEmail', templateId: t.id, to: [{ type: 'field', path: 'intake.contact.email' }] },
      dossier: world.opportunity,
    });
    await w.email.outbox.repository.markSending([r.outboxId], 'dead-worker', clock.now(), w.store.db);
    await w.email.outbox.repository.markDataSent([r.outboxId], 'dead-worker', clock.now(), w.store.db);
    clock.advance(w.email.outbox.mailer.config.leaseMs + 1);
    await w.email.outbox.mailer.sweep();

    const page = await reader.request('GET', '/api/email/outbox?status=in_doubt,failed');
    expect(page.statusCode, page.body).toBe(200);
    expect(page.json<{ items: { id: string; status: string }[] }>().items).toEqual([
      expect.objectContaining({ id: r.outboxId, status: 'in_doubt' }),
    ]);
    expect((await reader.request('GET', '/api/email/outbox?status=lost')).statusCode).toBe(422);
    expect((await reader.request('GET', '/api/email/outbox/counts')).json()).toMatchObject({ in_doubt: 1 });
    const detail = await reader.request('GET', `/api/email/outbox/${r.outboxId}`);
    expect(detail.json()).toMatchObject({
      html: expect.stringContaining('{{ 7*7 }}'),
      dossierIds: expect.arrayContaining([world.contact.id]),
    });

    const history = await reader.request('GET', `/api/dossiers/contact/${world.contact.id}/emails`);
    expect(history.json<{ items: { id: string }[] }>().items.map((i) => i.id)).toContain(r.outboxId);
    expect((await reader.request('GET', '/api/dossiers/contact/no-such-id/emails')).statusCode).toBe(404);

    expect((await reader.request('POST', `/api/email/outbox/${r.outboxId}/resend`)).statusCode).toBe(403);
    const resent = await staff.request('POST', `/api/email/outbox/${r.outboxId}/resend`);
    expect(resent.statusCode, resent.body).toBe(200);
    expect(resent.json()).toMatchObject({
      status: 'queued',
      resolution: 'resent',
      resolvedBy: expect.stringMatching(/.+/),
    });
    const dismissQueued = await staff.request('POST', `/api/email/outbox/${r.outboxId}/dismiss`);
    expect(dismissQueued.statusCode).toBe(409);
    expect(dismissQueued.json()).toMatchObject({ error: { code: 'invalid_state' } });
  });

  it('resolves failed and in-doubt messages in bulk, by ids or by filter, each audit-logged', async () => {
    if ((await w.email.mailboxes.listMailboxes()).length === 0)
      await w.email.mailboxes.createMailbox(mailbox() as never);
    const t1 = await w.email.templates.createTemplate(template({ name: 'Bulk een' }) as never);
    const t2 = await w.email.templates.createTemplate(template({ name: 'Bulk twee' }) as never);
    let made = 0;
    const make = async (n: number, templateId: string) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const r = await enqueue(w, {
          actionId: `api-bulk-${++made}`,
          effect: { type: 'sendEmail', templateId, to: [{ type: 'field', path: 'intake.contact.email' }] },
          dossier: world.opportunity,
        });
        ids.push(r.outboxId);
      }
      return ids;
    };
    const one = await make(3, t1.id);
    const two = await make(2, t2.id);
    // A dead mailer had all five out, past DATA: in doubt after the sweep.
    await w.email.outbox.repository.markSending([...one, ...two], 'dead-worker', clock.now(), w.store.db);
    await w.email.outbox.repository.markDataSent([...one, ...two], 'dead-worker', clock.now(), w.store.db);
    clock.advance(w.email.outbox.mailer.config.leaseMs + 1);
    await w.email.outbox.mailer.sweep();
    const [failed] = await make(1, t1.id);
    await w.email.outbox.repository.markSending([failed!], 'worker-a', clock.now(), w.store.db);
    await w.email.outbox.repository.recordResults(
      [{ id: failed!, outcome: 'failed', reply: '550 no such user' }],
      'worker-a',
      clock.now(),
      w.store.db,
    );

    const post = (client: ApiClient, body: unknown) =>
      client.request('POST', '/api/email/outbox/resolve', body);
    expect((await post(reader, { resolution: 'resend', ids: one })).statusCode).toBe(403);
    for (const bad of [
      { resolution: 'resend' },
      { resolution: 'resend', ids: one, filter: { status: 'in_doubt' } },
      { resolution: 'later', ids: one },
      { resolution: 'resend', filter: { status: 'sent' } },
      { resolution: 'resend', filter: { status: 'in_doubt', colour: 'blue' } },
    ]) {
      const r = await post(staff, bad);
      expect(r.statusCode, JSON.stringify(bad)).toBe(422);
      expect(r.json()).toMatchObject({ error: { code: 'validation_failed' } });
    }

    // By template: only that template's in-doubt messages; the failed one of the same template stays.
    const byTemplate = await post(staff, {
      resolution: 'markDelivered',
      filter: { status: 'in_doubt', templateId: t1.id },
    });
    expect(byTemplate.statusCode, byTemplate.body).toBe(200);
    expect(byTemplate.json()).toEqual({ resolved: 3 });
    for (const id of one)
      expect(await w.email.outbox.getOutboxMessage(id)).toMatchObject({
        status: 'dismissed',
        resolution: 'dismissed',
      });
    expect(await w.email.outbox.getOutboxMessage(failed!)).toMatchObject({ status: 'failed' });

    // By ids: a message no longer failed or in doubt is passed over.
    const byIds = await post(staff, { resolution: 'resend', ids: [...two, one[0]!, 'no-such-id'] });
    expect(byIds.json()).toEqual({ resolved: 2 });
    for (const id of two)
      expect(await w.email.outbox.getOutboxMessage(id)).toMatchObject({
        status: 'queued',
        resolution: 'resent',
      });

    // Everything failed, any mailbox.
    expect((await post(staff, { resolution: 'resend', filter: { status: 'failed' } })).json()).toEqual({
      resolved: 1,
    });
    expect((await post(staff, { resolution: 'resend', filter: { status: 'failed' } })).json()).toEqual({
      resolved: 0,
    });

    const audit = await w.audit.query({ limit: 100 });
    const mine = new Set([...one, ...two, failed!]);
    const entries = audit.items.filter((e) => e.entityType === 'email' && mine.has(e.entityId));
    expect(
      entries
        .filter((e) => e.action === 'email.dismissed')
        .map((e) => e.entityId)
        .sort(),
    ).toEqual([...one].sort());
    expect(
      entries
        .filter((e) => e.action === 'email.resent')
        .map((e) => e.entityId)
        .sort(),
    ).toEqual([...two, failed!].sort());
    expect(entries.find((e) => e.entityId === failed)).toMatchObject({
      before: expect.objectContaining({ status: 'failed' }),
      after: { status: 'queued' },
    });
  });

  it('filters the outbox by template, mailbox, dossier and period with a total, and resolves a filter with dry run, dismiss and mark delivered', async () => {
    if ((await w.email.mailboxes.listMailboxes()).length === 0)
      await w.email.mailboxes.createMailbox(mailbox() as never);
    const t3 = await w.email.templates.createTemplate(template({ name: 'Filter drie' }) as never);
    const t4 = await w.email.templates.createTemplate(template({ name: 'Filter vier' }) as never);
    let made = 0;
    const make = async (templateId: string, outcome: 'failed' | 'in_doubt') => {
      const r = await enqueue(w, {
        actionId: `api-filter-${++made}`,
        effect: { type: 'sendEmail', templateId, to: [{ type: 'field', path: 'intake.contact.email' }] },
        dossier: world.opportunity,
      });
      await w.email.outbox.repository.markSending([r.outboxId], 'worker-f', clock.now(), w.store.db);
      if (outcome === 'in_doubt')
        await w.email.outbox.repository.markDataSent([r.outboxId], 'worker-f', clock.now(), w.store.db);
      await w.email.outbox.repository.recordResults(
        [
          {
            id: r.outboxId,
            outcome,
            reply: outcome === 'failed' ? '550 5.1.1 no such user' : 'connection lost',
          },
        ],
        'worker-f',
        clock.now(),
        w.store.db,
      );
      return r.outboxId;
    };
    const doubt = [await make(t3.id, 'in_doubt'), await make(t3.id, 'in_doubt')];
    const failed3 = await make(t3.id, 'failed');
    const failed4 = await make(t4.id, 'failed');
    const mailboxId = (await w.email.outbox.getOutboxMessage(failed3)).mailboxId;

    type ListPage = {
      items: { id: string; dataSentAt: string | null; lastReply: string }[];
      total: number;
      nextCursor: string | null;
    };
    const list = async (query: string) => {
      const r = await reader.request('GET', `/api/email/outbox?${query}`);
      expect(r.statusCode, r.body).toBe(200);
      return r.json<ListPage>();
    };
    expect((await list(`templateId=${t3.id}`)).total).toBe(3);
    const firstPage = await list(`templateId=${t3.id}&limit=1`);
    expect(firstPage).toMatchObject({ total: 3, nextCursor: expect.any(String) });
    expect(firstPage.items).toHaveLength(1);
    const inDoubt = await list(`templateId=${t3.id}&status=in_doubt`);
    expect(inDoubt.total).toBe(2);
    expect(inDoubt.items.every((m) => m.dataSentAt !== null)).toBe(true);
    expect((await list(`templateId=${t3.id}&status=failed`)).items[0]).toMatchObject({
      id: failed3,
      dataSentAt: null,
      lastReply: '550 5.1.1 no such user',
    });
    expect(
      (await list(`templateId=${t3.id}&mailboxId=${mailboxId}&dossierId=${world.opportunity.id}`)).total,
    ).toBe(3);
    expect((await list(`templateId=${t3.id}&mailboxId=no-such-mailbox`)).total).toBe(0);
    const now = new Date(clock.now());
    const later = new Date(clock.now() + 60_000).toISOString();
    expect((await list(`templateId=${t3.id}&from=${later}`)).total).toBe(0);
    expect((await list(`templateId=${t3.id}&to=${later}&from=${now.toISOString()}`)).total).toBe(3);

    const post = (body: unknown) => staff.request('POST', '/api/email/outbox/resolve', body);
    // A dry run counts (mark delivered passes the failed one over) and changes nothing.
    expect(
      (await post({ resolution: 'markDelivered', filter: { templateId: t3.id }, dryRun: true })).json(),
    ).toEqual({
      resolved: 2,
    });
    expect(
      (await post({ resolution: 'dismiss', filter: { templateId: t3.id }, dryRun: true })).json(),
    ).toEqual({
      resolved: 3,
    });
    expect((await list(`templateId=${t3.id}&status=failed,in_doubt`)).total).toBe(3);
    // A failed message was refused: it cannot be marked delivered.
    expect((await post({ resolution: 'markDelivered', ids: [failed4] })).json()).toEqual({ resolved: 0 });
    expect(
      (await post({ resolution: 'dismiss', filter: { templateId: t3.id, status: 'failed' } })).json(),
    ).toEqual({
      resolved: 1,
    });
    expect((await post({ resolution: 'markDelivered', filter: { templateId: t3.id } })).json()).toEqual({
      resolved: 2,
    });
    for (const id of [...doubt, failed3])
      expect(await w.email.outbox.getOutboxMessage(id)).toMatchObject({
        status: 'dismissed',
        resolution: 'dismissed',
      });
    expect(await w.email.outbox.getOutboxMessage(failed4)).toMatchObject({ status: 'failed' });
    const audit = (await w.audit.query({ limit: 200 })).items.filter((e) => e.entityType === 'email');
    expect(audit.find((e) => e.entityId === failed3)).toMatchObject({
      action: 'email.dismissed',
      after: { status: 'dismissed' },
    });
    for (const id of doubt)
      expect(audit.find((e) => e.entityId === id)).toMatchObject({
        action: 'email.dismissed',
        after: { status: 'dismissed', markedDelivered: true },
      });
  });

  it('gives the reply Werkflow words itself as a code, in the reader’s language; a server’s answer stays its own words (issue 8, story 8)', async () => {
    if ((await w.email.mailboxes.listMailboxes()).length === 0)
      await w.email.mailboxes.createMailbox(mailbox() as never);
    const t = await w.email.templates.createTemplate(
      template({ name: 'Antwoord in het Nederlands' }) as never,
    );
    const queue = async (n: number) =>
      (
        await enqueue(w, {
          actionId: `api-coded-${n}`,
          effect: {
            type: 'sendEmail',
            templateId: t.id,
            to: [{ type: 'field', path: 'intake.contact.email' }],
          },
          dossier: world.opportunity,
        })
      ).outboxId;
    const [lost, refused] = [await queue(1), await queue(2)];
    await w.email.outbox.repository.markSending([lost, refused], 'worker-c', clock.now(), w.store.db);
    await w.email.outbox.repository.markDataSent([lost], 'worker-c', clock.now(), w.store.db);
    await w.email.outbox.repository.recordResults(
      [{ id: refused, outcome: 'failed', reply: '550 5.1.1 no such user' }],
      'worker-c',
      clock.now(),
      w.store.db,
    );
    // The worker died after DATA: the sweeper declares the message in doubt, in its own words.
    clock.advance(w.email.outbox.mailer.config.leaseMs + 1);
    await w.email.outbox.mailer.sweep();
    type Coded = { code: string; params: Record<string, unknown>; text: string };
    const read = async (id: string, lang: string) => {
      const r = await reader.request('GET', `/api/email/outbox/${id}`, undefined, {
        'accept-language': lang,
      });
      expect(r.statusCode, r.body).toBe(200);
      return r.json<{ lastReply: string; lastReplyCoded: Coded | null }>();
    };
    const dutch = await read(lost, 'nl-NL,nl;q=0.9');
    expect(dutch.lastReplyCoded).toEqual({
      code: 'reason.mailStoppedInDoubt',
      params: {},
      text: 'Werkflow stopte terwijl dit bericht verstuurd werd; de SMTP-server heeft het misschien wel, misschien niet ontvangen.',
    });
    expect(dutch.lastReply).toBe(
      'Werkflow stopped while this message was being sent; the SMTP server may or may not have accepted it.',
    );
    expect((await read(lost, 'en')).lastReplyCoded?.text).toBe(dutch.lastReply);
    expect((await read(refused, 'nl')).lastReplyCoded).toEqual({
      code: 'reason.text',
      params: { text: '550 5.1.1 no such user' },
      text: '550 5.1.1 no such user',
    });
    const list = await reader.request(
      'GET',
      `/api/email/outbox?templateId=${t.id}&status=in_doubt`,
      undefined,
      {
        'accept-language': 'nl',
      },
    );
    expect(list.json<{ items: { lastReplyCoded: Coded }[] }>().items[0]?.lastReplyCoded.text).toBe(
      dutch.lastReplyCoded?.text,
    );
    await w.email.outbox.dismiss(lost, 'user-1');
  });

  it('lists and counts sent messages with refused recipients as needing attention', async () => {
    const t = await w.email.templates.createTemplate(template({ name: 'Voor de aandacht' }) as never);
    const r = await enqueue(w, {
      actionId: 'api-attention-1',
      effect: { type: 'sendEmail', templateId: t.id, to: [{ type: 'field', path: 'intake.contact.email' }] },
      dossier: world.opportunity,
    });
    await w.email.outbox.repository.markSending([r.outboxId], 'worker-a', clock.now(), w.store.db);
    await w.email.outbox.repository.recordResults(
      [
        {
          id: r.outboxId,
          outcome: 'sent',
          reply: '250 OK; but the server refused this recipient: x@example.nl',
          redirectedTo: null,
          refused: ['x@example.nl'],
        },
      ],
      'worker-a',
      clock.now(),
      w.store.db,
    );
    const page = await reader.request('GET', '/api/email/outbox?attention=true');
    expect(page.statusCode, page.body).toBe(200);
    expect(page.json<{ items: { id: string }[] }>().items).toEqual([
      expect.objectContaining({ id: r.outboxId, status: 'sent', needsAttention: true }),
    ]);
    expect((await reader.request('GET', '/api/email/outbox/counts')).json()).toMatchObject({
      needs_attention: 1,
    });
    expect((await staff.request('POST', `/api/email/outbox/${r.outboxId}/dismiss`)).json()).toMatchObject({
      status: 'sent',
      needsAttention: false,
    });
    expect(
      (await reader.request('GET', '/api/email/outbox?attention=true')).json<{ items: unknown[] }>().items,
    ).toEqual([]);
    expect((await reader.request('GET', '/api/email/outbox/counts')).json()).toMatchObject({
      needs_attention: 0,
    });
  });

  it('shows what the local sink received (mail viewer), and the e-mail settings', async () => {
    const before = await reader.request('GET', '/api/mail-viewer/messages');
    expect(before.json()).toMatchObject({ running: false, smtp: null, items: [] });
    await w.email.sink.startSink({ port: 0 });
    await w.email.sink.ensureDemoMailbox();
    const t = await w.email.templates.createTemplate(template({ name: 'Voor de viewer' }) as never);
    await enqueue(w, {
      actionId: 'api-viewer-1',
      effect: { type: 'sendEmail', templateId: t.id, to: [{ type: 'field', path: 'intake.contact.email' }] },
      dossier: world.opportunity,
    });
    await w.email.outbox.mailer.runUntilIdle();
    const list = await reader.request('GET', '/api/mail-viewer/messages?to=jan@example.nl');
    const body = list.json<{ running: boolean; smtp: string; items: { id: number; subject: string }[] }>();
    expect(body.running).toBe(true);
    expect(body.smtp).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(body.items.map((i) => i.subject)).toContain('Uw kans Spouwmuurisolatie');
    const one = await reader.request('GET', `/api/mail-viewer/messages/${body.items[0]!.id}`);
    expect(one.json()).toMatchObject({
      html: expect.stringContaining('{{ 7*7 }}'),
      headers: expect.objectContaining({ 'message-id': expect.any(String) }),
    });
    expect((await reader.request('DELETE', '/api/mail-viewer/messages')).statusCode).toBe(403);
    expect((await manager.request('DELETE', '/api/mail-viewer/messages')).json()).toMatchObject({
      deleted: expect.any(Number),
    });

    const put = await manager.request('PUT', '/api/email/settings', {
      organisation: { name: 'Energie Coöperatie Zwolle', city: 'Zwolle' },
      email: { blockedDomains: ['@Spam.example'] },
    });
    expect(put.statusCode, put.body).toBe(204);
    expect((await manager.request('GET', '/api/email/settings')).json()).toMatchObject({
      organisation: { name: 'Energie Coöperatie Zwolle', city: 'Zwolle', email: null },
      email: { blockedDomains: ['spam.example'], redirectAllTo: null },
    });
    const bad = await manager.request('PUT', '/api/email/settings', {
      email: { redirectAllTo: 'niet-een-adres' },
    });
    expect(bad.statusCode).toBe(422);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WerkflowError } from '../../../src/domain/errors.js';
import {
  type SendEmailEffect,
  checkSendEmailEffect,
  previewEmailForAction,
  validateSendEmailEffect,
} from '../../../src/effects/email/send-email.effect.js';
import type { Werkflow } from '../../../src/engine/werkflow.js';
import { BACKENDS } from '../../support/backends.js';
import {
  type EmailWorld,
  addMailbox,
  addTemplate,
  enqueue,
  openEmailWerkflow,
  seedEmailWorld,
} from './support/email-fixtures.js';

async function rejection(p: Promise<unknown>): Promise<WerkflowError> {
  const e = await p.then(
    () => null,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(WerkflowError);
  return e as WerkflowError;
}

describe.each(BACKENDS)('send-e-mail effect on $name', (backend) => {
  let w: Werkflow;
  let world: EmailWorld;
  let templateId: string;
  const effect = (over: Partial<SendEmailEffect> = {}): SendEmailEffect => ({
    type: 'sendEmail',
    templateId,
    to: [{ type: 'field', path: 'intake.contact.email' }],
    ...over,
  });

  beforeAll(async () => {
    w = await openEmailWerkflow(backend);
    await addMailbox(w, 2525);
    world = await seedEmailWorld(w);
    templateId = (await addTemplate(w)).id;
    await w.email.settings.updateSettings({
      organisation: { name: 'Energie Coöperatie Zwolle', city: 'Zwolle' },
    });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('renders the template and writes one outbox row, linked to every dossier it used', async () => {
    const r = await enqueue(w, { actionId: 'action-1', effect: effect(), dossier: world.opportunity });
    expect(r.to).toEqual(['jan@example.nl']);
    expect(r.subject).toBe('Uw aanvraag Spouwmuurisolatie');
    const row = await w.email.outbox.getOutboxMessage(r.outboxId);
    expect(row).toMatchObject({
      status: 'queued',
      attempts: 0,
      actionId: 'action-1',
      dossierId: world.opportunity.id,
    });
    expect(row.messageId).toMatch(/^<[0-9a-f-]{36}@coop\.example\.nl>$/);
    expect(row.htmlBody).toContain('Beste Jan,');
    expect(row.htmlBody).toContain('3 februari 2027');
    expect(row.htmlBody).toContain('Anja Kramer');
    expect(row.textBody).toContain('Beste Jan,');
    expect(row.dossierIds.sort()).toEqual([world.opportunity.id, world.intake.id, world.contact.id].sort());
    const history = await w.email.outbox.history(world.contact.id, { limit: 10 });
    expect(history.map((m) => m.id)).toContain(r.outboxId);
  });

  it('returns the existing row when the same action runs again: never a second mail', async () => {
    const first = await enqueue(w, {
      actionId: 'action-twice',
      effect: effect(),
      dossier: world.opportunity,
    });
    const second = await enqueue(w, {
      actionId: 'action-twice',
      effect: effect(),
      dossier: world.opportunity,
    });
    expect(second.outboxId).toBe(first.outboxId);
    const all = await w.email.outbox.listOutbox({ limit: 1000 });
    expect(all.filter((m) => m.actionId === 'action-twice')).toHaveLength(1);
  });

  it('writes nothing when the completing transaction rolls back', async () => {
    await expect(
      w.store.db.transaction().execute(async (trx) => {
        await w.email.outbox.enqueueForAction(trx, {
          actionId: 'action-rolled-back',
          effect: effect(),
          dossier: world.opportunity,
        });
        throw new Error('the action failed after its effect');
      }),
    ).rejects.toThrow('the action failed');
    expect(await w.email.outbox.repository.getByActionId('action-rolled-back')).toBeUndefined();
  });

  it('sends to the responsible user, every team member, and fixed addresses, without duplicates', async () => {
    const task = await w.dossiers.create(
      'task',
      {
        data: {
          taskType: 'bellen',
          description: 'Bel Jan',
          contact: world.contact.id,
          responsibleUser: world.userId,
          responsibleTeam: world.teamId,
        },
      },
      null,
    );
    const t = await addTemplate(w, {
      rootType: 'task',
      subject: 'Taak: {{ task.description }}',
      htmlBody: '<p>{{ task.contact.name }} — {{ task.taskType }}</p>',
    });
    const p = await previewEmailForAction(w.email.outbox.deps, w.store.db, {
      effect: {
        type: 'sendEmail',
        templateId: t.id,
        to: [{ type: 'user', field: 'responsibleUser' }],
        cc: [
          { type: 'team', field: 'responsibleTeam' },
          { type: 'address', address: 'archief@coop.example.nl' },
        ],
        bcc: [{ type: 'field', path: 'contact.email' }],
      },
      dossier: task,
    });
    const anja = (await w.dossiers.users.get(world.userId))!.email;
    expect(p.to).toEqual([anja]);
    expect(p.cc).toEqual(['archief@coop.example.nl']);
    expect(p.bcc).toEqual(['jan@example.nl']);
    expect(p.html).toBe('<p>Jan van der Berg — Bellen</p>');
    expect(await w.email.outbox.repository.list({ limit: 1000 })).not.toContainEqual(
      expect.objectContaining({ subject: 'Taak: Bel Jan' }),
    );
  });

  it('fails with a sentence naming who has no address and what to do', async () => {
    const noMail = await seedEmailWorld(w, { email: null, name: 'Piet Zonder Mail' });
    const e = await rejection(
      enqueue(w, { actionId: 'action-no-mail', effect: effect(), dossier: noMail.opportunity }),
    );
    expect(e.code).toBe('invalid_state');
    expect(e.message).toContain('was not sent');
    expect(e.message).toContain(
      'the contact "Piet Zonder Mail" (intake → contact) has no e-mail address in "email"',
    );
    expect(e.message).toContain('Fill in email of Piet Zonder Mail, or change who receives this e-mail');
    expect(await w.email.outbox.repository.getByActionId('action-no-mail')).toBeUndefined();
    const orphan = await w.dossiers.create(
      'task',
      { data: { taskType: 'bellen', description: 'Niemand' } },
      null,
    );
    const t = await addTemplate(w, { rootType: 'task', subject: 'x', htmlBody: 'x' });
    const e2 = await rejection(
      enqueue(w, {
        actionId: 'action-no-user',
        effect: { type: 'sendEmail', templateId: t.id, to: [{ type: 'user', field: 'responsibleUser' }] },
        dossier: orphan,
      }),
    );
    expect(e2.message).toMatch(/has no responsible user\. Assign one/);
  });

  it('refuses a recipient at a blocked domain', async () => {
    await w.email.settings.updateSettings({ email: { blockedDomains: ['example.nl'] } });
    try {
      const e = await rejection(
        enqueue(w, { actionId: 'action-blocked', effect: effect(), dossier: world.opportunity }),
      );
      expect(e.message).toContain('jan@example.nl is at a blocked domain (example.nl)');
      const problems = await validateSendEmailEffect(
        effect({ to: [{ type: 'address', address: 'x@sub.example.nl' }] }),
        w.catalog.get('opportunity')!,
        w.catalog,
        'effect',
        w.email.outbox.deps,
      );
      expect(problems).toEqual([
        { path: 'effect.to[0].address', message: 'x@sub.example.nl is at a blocked domain (example.nl).' },
      ]);
    } finally {
      await w.email.settings.updateSettings({ email: { blockedDomains: [] } });
    }
  });

  it('chooses the mailbox: the template, the category, else the default', async () => {
    const byTemplate = await addMailbox(w, 2526, { fromAddress: 'template@coop.example.nl' });
    const byCategory = await addMailbox(w, 2527, {
      fromAddress: 'isolatie@coop.example.nl',
      categories: [world.category.id],
    });
    const t = await addTemplate(w, { mailboxId: byTemplate.id });
    const a = await enqueue(w, {
      actionId: 'mb-template',
      effect: effect({ templateId: t.id }),
      dossier: world.opportunity,
    });
    expect((await w.email.outbox.getOutboxMessage(a.outboxId)).mailboxId).toBe(byTemplate.id);
    const b = await enqueue(w, { actionId: 'mb-category', effect: effect(), dossier: world.opportunity });
    expect((await w.email.outbox.getOutboxMessage(b.outboxId)).mailboxId).toBe(byCategory.id);
    const c = await enqueue(w, {
      actionId: 'mb-effect',
      effect: effect({ mailboxId: byTemplate.id }),
      dossier: world.opportunity,
    });
    expect((await w.email.outbox.getOutboxMessage(c.outboxId)).fromAddress).toBe('template@coop.example.nl');
  });

  it('refuses a template written for another dossier type, and unknown extra fields', async () => {
    const onTask = await addTemplate(w, { rootType: 'task', subject: 'x', htmlBody: 'x' });
    const e = await rejection(
      enqueue(w, {
        actionId: 'wrong-root',
        effect: effect({ templateId: onTask.id }),
        dossier: world.opportunity,
      }),
    );
    expect(e.message).toMatch(/written for task, but this dossier is a opportunity/);
    const withExtra = await addTemplate(w, { htmlBody: '<p>{{ extra.appointment }}</p>' });
    const e2 = await rejection(
      enqueue(w, {
        actionId: 'no-extra',
        effect: effect({ templateId: withExtra.id }),
        dossier: world.opportunity,
      }),
    );
    expect(e2.message).toMatch(
      /cannot be filled in for this dossier \(htmlBody, line 1, column \d+: the merge field "extra.appointment" does not exist\)/,
    );
    const ok = await enqueue(w, {
      actionId: 'with-extra',
      effect: effect({ templateId: withExtra.id }),
      dossier: world.opportunity,
      extra: { appointment: '<b>morgen</b>' },
    });
    expect((await w.email.outbox.getOutboxMessage(ok.outboxId)).htmlBody).toBe(
      '<p>&lt;b&gt;morgen&lt;/b&gt;</p>',
    );
  });

  it('loads each referenced dossier once per render', async () => {
    const t = await addTemplate(w, {
      htmlBody:
        '{{ opportunity.intake.contact.name }} {{ opportunity.intake.contact.city }} {{ opportunity.intake.address }} {{ dossier.intake.contact.email }}',
    });
    const repo = w.email.outbox.deps.dossiers;
    const original = repo.get.bind(repo);
    const loads: string[] = [];
    repo.get = async (id, db) => {
      loads.push(id);
      return original(id, db);
    };
    try {
      await previewEmailForAction(w.email.outbox.deps, w.store.db, {
        effect: effect({ templateId: t.id }),
        dossier: world.opportunity,
      });
    } finally {
      repo.get = original;
    }
    expect(loads.sort()).toEqual([world.intake.id, world.contact.id].sort());
  });

  it('checks an effect when an action template is saved', async () => {
    const type = w.catalog.get('opportunity')!;
    expect(
      checkSendEmailEffect({ type: 'sendEmail', templateId: 'x', to: [] }, type, w.catalog, 'effect'),
    ).toEqual([
      { path: 'effect.to', message: 'Say who receives the e-mail: "to" needs at least one recipient.' },
    ]);
    const problems = checkSendEmailEffect(
      {
        type: 'sendEmail',
        templateId: 'x',
        to: [
          { type: 'field', path: 'intake.contact.name' },
          { type: 'field', path: 'intake.kontakt.email' },
          { type: 'team', field: 'responsibleUser' },
        ],
        cc: [{ type: 'address', address: 'geen-adres' }, { type: 'pigeon' }],
      },
      type,
      w.catalog,
      'effect',
    );
    expect(problems.map((p) => p.path)).toEqual([
      'effect.to[0].path',
      'effect.to[1].path',
      'effect.to[2].field',
      'effect.cc[0].address',
      'effect.cc[1].type',
    ]);
    expect(problems[0]!.message).toMatch(/is a text field, not an e-mail field/);
    expect(problems[1]!.message).toMatch(/intake has no field "kontakt"/);
    expect(problems[2]!.message).toMatch(/opportunity has no team field/);
    const withDb = await validateSendEmailEffect(
      effect({ templateId: 'missing' }),
      type,
      w.catalog,
      'effect',
      w.email.outbox.deps,
    );
    expect(withDb[0]!.message).toMatch(/There is no e-mail template "missing"/);
    expect(await validateSendEmailEffect(effect(), type, w.catalog, 'effect', w.email.outbox.deps)).toEqual(
      [],
    );
    const onTask = await validateSendEmailEffect(
      effect(),
      w.catalog.get('task')!,
      w.catalog,
      'effect',
      w.email.outbox.deps,
    );
    expect(onTask).toEqual([expect.objectContaining({ path: 'effect.templateId' })]);
    expect(onTask[0]!.message).toMatch(/is written for opportunity, but this action works on task/);
  });
});

/**
 * The Econobis workflow screens through the API: switching task-type and status workflows on and
 * off, on SQLite and PostgreSQL (whose jsonb hands the stored `view` back with its keys reordered).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionTemplate } from '../../src/domain/template/action-template.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { type ApiClient, apiAs } from '../support/api-client.js';
import { BACKENDS, openTestWerkflow } from '../support/backends.js';

interface Part {
  enabled: boolean;
  emailTemplateId: string | null;
}
interface TaskTypeRow {
  taskType: string;
  new: Part;
  expired: Part;
  completed: Part & { numberOfDays: number };
}
interface StatusRow {
  dossierType: string;
  status: string;
  active: boolean;
  emailTemplateId: string | null;
  templateId: string | null;
}

const WORKFLOWS = ['new', 'expired', 'completed'] as const;

describe.each(BACKENDS)('Econobis workflow routes on $name', (backend) => {
  let werkflow: Werkflow;
  let manager: ApiClient;
  let staff: ApiClient;
  let taskMail: string;
  let quotationMail: string;

  beforeAll(async () => {
    werkflow = await openTestWerkflow(backend);
    manager = await apiAs(werkflow, 'workflowManager');
    staff = await apiAs(werkflow, 'staff');
    taskMail = (
      await werkflow.email.templates.createTemplate({
        name: 'Taak',
        rootType: 'task',
        subject: 'Taak {{ task.description }}',
        htmlBody: '<p>Er is een taak: {{ task.description }}</p>',
      })
    ).id;
    quotationMail = (
      await werkflow.email.templates.createTemplate({
        name: 'Offerte aangevraagd',
        rootType: 'quotationRequest',
        subject: 'Uw offerte is aangevraagd',
        htmlBody: '<p>Wij hebben uw offerte aangevraagd.</p>',
      })
    ).id;
  });
  afterAll(async () => {
    await manager?.app.close();
    await werkflow?.close();
  });

  /** The templates behind the screens' rows, by view kind. */
  async function templatesOf(kind: 'econobisTaskType' | 'econobisStatus'): Promise<ActionTemplate[]> {
    return (await werkflow.templates.list()).filter((t) => t.draft.view?.kind === kind);
  }

  async function putTaskType(taskType: string, body: unknown): Promise<TaskTypeRow> {
    const res = await manager.request('PUT', `/api/workflows/task-types/${taskType}`, body);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<TaskTypeRow>();
  }

  async function putStatus(body: Record<string, unknown>): Promise<StatusRow> {
    const res = await manager.request('PUT', '/api/workflows/statuses/quotationRequest/offerte-aangevraagd', {
      emailTemplateId: quotationMail,
      numberOfDays: 3,
      sendReminder: false,
      ...body,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<StatusRow>();
  }

  it.each(WORKFLOWS)(
    'task type: { %s: { enabled: false } } without an e-mail template switches it off',
    async (workflow) => {
      const taskType = { new: 'bellen', expired: 'e-mail', completed: 'bezoek' }[workflow];
      const on = await putTaskType(taskType, {
        new: { enabled: true, emailTemplateId: taskMail },
        expired: { enabled: true, emailTemplateId: taskMail },
        completed: { enabled: true, emailTemplateId: taskMail, numberOfDays: 2 },
      });
      expect([on.new.enabled, on.expired.enabled, on.completed.enabled]).toEqual([true, true, true]);

      const off = await putTaskType(taskType, { [workflow]: { enabled: false } });
      for (const w of WORKFLOWS) expect(off[w].enabled, w).toBe(w !== workflow);
      // The template behind it is switched off, not removed and not duplicated.
      const behind = (await templatesOf('econobisTaskType')).filter(
        (t) => t.draft.view?.kind === 'econobisTaskType' && t.draft.view.taskType === taskType,
      );
      expect(behind).toHaveLength(3);
      const mine = behind.find(
        (t) => t.draft.view?.kind === 'econobisTaskType' && t.draft.view.workflow === workflow,
      )!;
      expect(mine.active).toBe(false);
      // The GET shows the same, and switching on again (with its e-mail template) works.
      const list = (await manager.request('GET', '/api/workflows/task-types')).json<{
        items: TaskTypeRow[];
      }>();
      expect(list.items.find((r) => r.taskType === taskType)![workflow].enabled).toBe(false);
      const again = await putTaskType(taskType, {
        [workflow]: { enabled: true, emailTemplateId: taskMail, numberOfDays: 2 },
      });
      expect(again[workflow].enabled).toBe(true);
      expect((await werkflow.templates.get(mine.id)).active).toBe(true);
    },
  );

  it('task type: { enabled: false } for a workflow that was never set up changes nothing', async () => {
    const before = await templatesOf('econobisTaskType');
    const row = await putTaskType('offerte-maken', { expired: { enabled: false } });
    expect(row.expired).toEqual({ enabled: false, emailTemplateId: null });
    expect(await templatesOf('econobisTaskType')).toEqual(before);
  });

  it('status workflow: active false switches it off; saving again finds the same template', async () => {
    const on = await putStatus({ active: true });
    expect(on).toMatchObject({ active: true, emailTemplateId: quotationMail });
    expect(on.templateId).not.toBeNull();
    const off = await putStatus({ active: false });
    expect(off).toMatchObject({ active: false, templateId: on.templateId });
    const behind = await templatesOf('econobisStatus');
    expect(behind.map((t) => [t.id, t.active])).toEqual([[on.templateId, false]]);
    // Saving the same row unchanged publishes no new version.
    const versions = (await werkflow.templates.get(on.templateId!)).versions.length;
    await putStatus({ active: false });
    expect((await werkflow.templates.get(on.templateId!)).versions).toHaveLength(versions);
    const back = await putStatus({ active: true, numberOfDays: 5 });
    expect(back).toMatchObject({ active: true, templateId: on.templateId });
    expect((await werkflow.templates.get(on.templateId!)).publishedVersion).toBe(versions + 1);
  });

  it('staff (without workflows.automatic) may not change the workflows', async () => {
    const task = await staff.request('PUT', '/api/workflows/task-types/bellen', { new: { enabled: false } });
    expect(task.statusCode, task.body).toBe(403);
    expect(task.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect(task.json<{ error: { message: string } }>().error.message).toContain('workflows.automatic');
    const status = await staff.request(
      'PUT',
      '/api/workflows/statuses/quotationRequest/offerte-aangevraagd',
      {
        active: true,
        emailTemplateId: quotationMail,
        numberOfDays: 0,
        sendReminder: false,
      },
    );
    expect(status.statusCode, status.body).toBe(403);
    expect(status.json()).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('an e-mail template id with a NUL character is a 422, not a 500', async () => {
    const task = await manager.request('PUT', '/api/workflows/task-types/bellen', {
      new: { enabled: true, emailTemplateId: 'x\u0000' },
    });
    expect(task.statusCode, task.body).toBe(422);
    expect(task.json()).toMatchObject({ error: { code: 'validation_failed', path: 'new.emailTemplateId' } });
    const status = await manager.request(
      'PUT',
      '/api/workflows/statuses/quotationRequest/offerte-aangevraagd',
      {
        active: true,
        emailTemplateId: '\u0000',
        numberOfDays: 0,
        sendReminder: false,
      },
    );
    expect(status.statusCode, status.body).toBe(422);
    expect(status.json()).toMatchObject({ error: { code: 'validation_failed', path: 'emailTemplateId' } });
  });

  it('a client may not set view on a template; the screens may', async () => {
    const res = await manager.request('POST', '/api/templates', {
      name: 'Meelifter',
      dossierType: 'quotationRequest',
      event: { type: 'created' },
      effect: { type: 'none' },
      view: { kind: 'econobisStatus', dossierType: 'quotationRequest', status: 'uitgevoerd' },
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json()).toMatchObject({ error: { code: 'validation_failed', path: 'view' } });
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(/Econobis workflow screens/);
    // A template the screens made: its draft sent back unchanged keeps its view; a changed view is refused.
    const row = await putStatus({ active: true });
    const current = await werkflow.templates.get(row.templateId!);
    const same = await manager.request('PUT', `/api/templates/${current.id}/draft`, {
      ...current.draft,
      name: 'Hernoemd',
    });
    expect(same.statusCode, same.body).toBe(200);
    expect(same.json<ActionTemplate>().draft.view).toEqual(current.draft.view);
    const { view: _view, ...withoutView } = current.draft;
    const omitted = await manager.request('PUT', `/api/templates/${current.id}/draft`, withoutView);
    expect(omitted.statusCode, omitted.body).toBe(200);
    expect(omitted.json<ActionTemplate>().draft.view).toEqual(current.draft.view);
    const moved = await manager.request('PUT', `/api/templates/${current.id}/draft`, {
      ...current.draft,
      view: { kind: 'econobisStatus', dossierType: 'quotationRequest', status: 'uitgevoerd' },
    });
    expect(moved.statusCode, moved.body).toBe(422);
    expect(moved.json()).toMatchObject({ error: { path: 'view' } });
  });

  it('a template whose process is not text is refused, so dossier writes keep working', async () => {
    const res = await manager.request('POST', '/api/templates?publish=true', {
      name: 'Proces als boolean',
      process: true,
      dossierType: 'contact',
      event: { type: 'created' },
      effect: { type: 'none' },
      executionMode: 'manual',
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json()).toMatchObject({ error: { code: 'validation_failed', path: 'process' } });
    const contact = await manager.request('POST', '/api/dossiers/contact', {
      data: { kind: 'persoon', name: 'Piet Proces', email: 'piet@example.nl' },
    });
    expect(contact.statusCode, contact.body).toBe(201);
  });
});

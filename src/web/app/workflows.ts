/**
 * "Workflows (Econobis)": the status workflow table (Omschrijving / Actief / Verstuur
 * herinnering) with a form per row, and the three workflows of every task type.
 */
import { api } from './api-client.js';
import { add, busy, type Child, h, load, messageSlot, openDialog, spinner, table } from './dom.js';
import { label, t, type Label } from './i18n.js';

interface StatusWorkflow {
  readonly dossierType: string;
  readonly status: string;
  readonly description: Label;
  readonly active: boolean;
  readonly emailTemplateId: string | null;
  readonly numberOfDays: number;
  readonly sendReminder: boolean;
  readonly reminderDays: number | null;
  readonly recipients: ('resident' | 'coach')[];
}

interface Part {
  readonly enabled: boolean;
  readonly emailTemplateId: string | null;
}

interface TaskTypeWorkflows {
  readonly taskType: string;
  readonly label: Label;
  readonly new: Part;
  readonly expired: Part;
  readonly completed: Part & { numberOfDays: number };
}

interface EmailTemplate {
  readonly id: string;
  readonly name: string;
  readonly rootType: string;
}

const yesNo = (value: boolean) =>
  h('span', { class: `badge ${value ? 'yes' : 'no'}` }, t(value ? 'yes' : 'no'));

let idCounter = 0;
const uid = (prefix: string) => `${prefix}-${++idCounter}`;

/** A labelled control. */
function field(text: string, control: HTMLElement, help?: string): HTMLElement {
  if (!control.id) control.id = uid('f');
  const isCheck = control instanceof HTMLInputElement && control.type === 'checkbox';
  const labelEl = h('label', { for: control.id }, text);
  return h(
    'div',
    { class: isCheck ? 'field check' : 'field' },
    isCheck ? [control, labelEl] : [labelEl, control],
    help ? h('p', { class: 'help' }, help) : null,
  );
}

function templateSelect(
  templates: EmailTemplate[],
  rootType: string | null,
  selected: string | null,
): HTMLSelectElement {
  const fitting = rootType ? templates.filter((x) => x.rootType === rootType) : templates;
  const shown = fitting.length > 0 ? fitting : templates;
  const select = h('select', {}, h('option', { value: '' }, t('workflows.form.chooseTemplate')));
  for (const x of shown) add(select, h('option', { value: x.id, selected: x.id === selected }, x.name));
  return select;
}

function numberInput(value: number, min: number): HTMLInputElement {
  const input = h('input', {
    type: 'number',
    min,
    max: 3650,
    step: 1,
    inputmode: 'numeric',
    class: 'narrow',
  });
  input.value = String(value);
  return input;
}

function checkbox(checked: boolean): HTMLInputElement {
  const input = h('input', { type: 'checkbox' });
  input.checked = checked;
  return input;
}

function templateName(templates: EmailTemplate[], id: string | null): string {
  if (!id) return '';
  return templates.find((x) => x.id === id)?.name ?? id;
}

function openStatusForm(row: StatusWorkflow, templates: EmailTemplate[], after: () => void): void {
  const slot = messageSlot();
  const active = checkbox(row.active);
  const template = templateSelect(templates, row.dossierType, row.emailTemplateId);
  const days = numberInput(row.numberOfDays, 0);
  const reminder = checkbox(row.sendReminder);
  const reminderDays = numberInput(row.reminderDays ?? 7, 1);
  const resident = checkbox(row.recipients.includes('resident'));
  const coach = checkbox(row.recipients.includes('coach'));
  const reminderField = field(t('workflows.form.reminderDays'), reminderDays);
  const syncReminder = () => (reminderField.hidden = !reminder.checked);
  reminder.addEventListener('change', syncReminder);
  syncReminder();
  const save = h('button', { type: 'submit', class: 'primary' }, t('save'));
  const form = h(
    'form',
    { class: 'dialog-form' },
    field(t('workflows.form.active'), active),
    field(t('workflows.form.template'), template),
    field(t('workflows.form.days'), days),
    field(t('workflows.form.reminder'), reminder),
    reminderField,
    h(
      'fieldset',
      {},
      h('legend', {}, t('workflows.form.recipients')),
      field(t('workflows.form.resident'), resident),
      field(t('workflows.form.coach'), coach),
    ),
    slot,
    h('div', { class: 'button-row' }, save),
  );
  const { close } = openDialog(t('workflows.form.title', { description: label(row.description) }), form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!template.value) {
      slot.replaceChildren(h('div', { class: 'error', role: 'alert' }, t('workflows.form.needTemplate')));
      template.focus();
      return;
    }
    const recipients = [...(resident.checked ? ['resident'] : []), ...(coach.checked ? ['coach'] : [])];
    void busy(save, slot, async () => {
      await api(
        'PUT',
        `/api/workflows/statuses/${encodeURIComponent(row.dossierType)}/${encodeURIComponent(row.status)}`,
        {
          active: active.checked,
          emailTemplateId: template.value,
          numberOfDays: Number(days.value),
          sendReminder: reminder.checked,
          ...(reminder.checked ? { reminderDays: Number(reminderDays.value) } : {}),
          ...(recipients.length > 0 ? { recipients } : {}),
        },
      );
      close();
      after();
    });
  });
}

function openTaskTypeForm(row: TaskTypeWorkflows, templates: EmailTemplate[], after: () => void): void {
  const slot = messageSlot();
  const part = (key: 'new' | 'expired' | 'completed', title: string, help: string, extra: Child = null) => {
    const enabled = checkbox(row[key].enabled);
    const template = templateSelect(templates, null, row[key].emailTemplateId);
    return {
      enabled,
      template,
      el: h(
        'fieldset',
        {},
        h('legend', {}, title),
        h('p', { class: 'help' }, help),
        field(t('workflows.tasks.enabled'), enabled),
        field(t('workflows.form.template'), template),
        extra,
      ),
    };
  };
  const days = numberInput(row.completed.numberOfDays, 0);
  const parts = {
    new: part('new', t('workflows.tasks.new'), t('workflows.tasks.new.help')),
    expired: part('expired', t('workflows.tasks.expired'), t('workflows.tasks.expired.help')),
    completed: part(
      'completed',
      t('workflows.tasks.completed'),
      t('workflows.tasks.completed.help'),
      field(t('workflows.tasks.days'), days),
    ),
  };
  const save = h('button', { type: 'submit', class: 'primary' }, t('save'));
  const form = h(
    'form',
    { class: 'dialog-form' },
    parts.new.el,
    parts.expired.el,
    parts.completed.el,
    slot,
    h('div', { class: 'button-row' }, save),
  );
  const { close } = openDialog(t('workflows.tasks.formTitle', { label: label(row.label) }), form);
  const body = (p: { enabled: HTMLInputElement; template: HTMLSelectElement }) => ({
    enabled: p.enabled.checked,
    ...(p.template.value ? { emailTemplateId: p.template.value } : {}),
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(save, slot, async () => {
      await api('PUT', `/api/workflows/task-types/${encodeURIComponent(row.taskType)}`, {
        new: body(parts.new),
        expired: body(parts.expired),
        completed: { ...body(parts.completed), numberOfDays: Number(days.value) },
      });
      close();
      after();
    });
  });
}

export function renderWorkflows(outlet: HTMLElement): void {
  const statuses = h('div', {}, spinner());
  const tasks = h('div', {}, spinner());
  add(
    outlet,
    h('h1', {}, t('workflows.title')),
    h(
      'section',
      { 'aria-labelledby': 'wf-statuses' },
      h('h2', { id: 'wf-statuses' }, t('workflows.statuses')),
      h('p', { class: 'muted' }, t('workflows.statuses.intro')),
      statuses,
    ),
    h(
      'section',
      { 'aria-labelledby': 'wf-tasks' },
      h('h2', { id: 'wf-tasks' }, t('workflows.tasks')),
      h('p', { class: 'muted' }, t('workflows.tasks.intro')),
      tasks,
    ),
  );
  const templates = api<{ items: EmailTemplate[] }>('GET', '/api/email-templates').then((r) => r.items);
  const fillStatuses = (): Promise<void> =>
    load(
      statuses,
      async () => ({
        rows: (await api<{ items: StatusWorkflow[] }>('GET', '/api/workflows/statuses')).items,
        list: await templates,
      }),
      ({ rows, list }) => {
        add(
          statuses,
          table(
            [t('workflows.col.description'), t('workflows.col.active'), t('workflows.col.reminder')],
            rows.map((row) => [
              h(
                'button',
                {
                  type: 'button',
                  class: 'link',
                  onclick: () => openStatusForm(row, list, () => void fillStatuses()),
                },
                label(row.description),
              ),
              yesNo(row.active),
              yesNo(row.sendReminder),
            ]),
            { class: 'workflow-table' },
          ),
        );
      },
    );
  const fillTasks = (): Promise<void> =>
    load(
      tasks,
      async () => ({
        rows: (await api<{ items: TaskTypeWorkflows[] }>('GET', '/api/workflows/task-types')).items,
        list: await templates,
      }),
      ({ rows, list }) => {
        const cell = (p: Part, extra = '') =>
          h(
            'span',
            { class: 'stack' },
            yesNo(p.enabled),
            p.enabled
              ? h('span', { class: 'muted small' }, `${templateName(list, p.emailTemplateId)}${extra}`)
              : null,
          );
        add(
          tasks,
          table(
            [
              t('workflows.tasks.type'),
              t('workflows.tasks.new'),
              t('workflows.tasks.expired'),
              t('workflows.tasks.completed'),
              '',
            ],
            rows.map((row) => [
              label(row.label),
              cell(row.new),
              cell(row.expired),
              cell(
                row.completed,
                ` · ${t('workflows.tasks.afterDays', { days: row.completed.numberOfDays })}`,
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'small',
                  onclick: () => openTaskTypeForm(row, list, () => void fillTasks()),
                },
                t('workflows.tasks.edit'),
              ),
            ]),
          ),
        );
      },
    );
  void fillStatuses();
  void fillTasks();
}

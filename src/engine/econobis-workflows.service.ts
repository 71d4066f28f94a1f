import { isStorableText } from '../domain/dossier.js';
import { WerkflowError } from '../domain/errors.js';
import type { Principal } from '../domain/permissions.js';
import {
  type ActionTemplate,
  type TemplateDefinition,
  type RecipientSpec,
  type SendEmailEffect,
  type TemplateView,
  canonicalJson,
} from '../domain/template/action-template.js';
import { fieldOf } from '../domain/dossier-type.js';
import type { DossierTypeCatalog } from '../domain/dossier-type.js';
import type { TemplateService } from './template.service.js';

/**
 * The Econobis "Workflows" screens as views onto action templates: one row per
 * (opportunity or opportunity-action type, status) — "which status change, which e-mail
 * template, after how many days", with "Actief" and "Verstuur herinnering" — and per task type
 * the three task workflows (new task → responsible user; expired task → responsible user, once;
 * completed task → the task's contact after N days). Saving a row creates or updates, publishes
 * and (de)activates the template behind it; nothing is stored besides templates.
 */

/** The dossier types whose statuses have workflows (kans and kansacties). */
export const STATUS_WORKFLOW_TYPES = [
  'opportunity',
  'quotationRequest',
  'visit',
  'budgetRequest',
  'referral',
] as const;

export interface StatusWorkflow {
  readonly dossierType: string;
  readonly status: string;
  /** "Offerteverzoek - Offerte aangevraagd" */
  readonly description: { nl: string; en: string };
  readonly active: boolean;
  readonly emailTemplateId: string | null;
  readonly numberOfDays: number;
  readonly sendReminder: boolean;
  readonly reminderDays: number | null;
  /** Who gets the mail: the resident (contact of the intake), the coach, or both. */
  readonly recipients: readonly Recipient[];
  /** The reminder's own e-mail template; null: the first mail's. */
  readonly reminderEmailTemplateId: string | null;
  /** Who gets the reminder: the resident, the coach, or both (the first mail's when not set). */
  readonly reminderRecipients: readonly Recipient[];
  readonly templateId: string | null;
}

export type Recipient = 'resident' | 'coach';

/** The recipients a row names, read back from the template's recipient rules. */
function recipientsOf(specs: readonly RecipientSpec[] | undefined): Recipient[] | undefined {
  if (!specs) return undefined;
  const out: Recipient[] = [];
  for (const r of specs) {
    if (r.type === 'field' && r.path.endsWith('coach.email')) out.push('coach');
    else if (r.type === 'field') out.push('resident');
  }
  return out.length > 0 ? out : undefined;
}

export interface TaskTypeWorkflows {
  readonly taskType: string;
  readonly label: { nl: string; en: string };
  readonly new: { enabled: boolean; emailTemplateId: string | null };
  readonly expired: { enabled: boolean; emailTemplateId: string | null };
  readonly completed: { enabled: boolean; emailTemplateId: string | null; numberOfDays: number };
}

// Canonical JSON: PostgreSQL's jsonb hands the stored view back with its keys in another order.
/** An e-mail template id a client sends: text PostgreSQL can compare with (no NUL, no half surrogate pair). */
function requireStorableId(id: string | undefined, path: string): void {
  if (id !== undefined && !isStorableText(id)) {
    throw new WerkflowError(
      'validation_failed',
      'The e-mail template id contains a NUL character or half a surrogate pair; choose an existing e-mail template.',
      { path },
    );
  }
}

const sameView = (a: TemplateView | undefined, b: TemplateView) =>
  a !== undefined && canonicalJson(a) === canonicalJson(b);

export class EconobisWorkflowService {
  constructor(
    private readonly templates: TemplateService,
    private readonly catalog: () => DossierTypeCatalog,
  ) {}

  private async byView(view: TemplateView): Promise<ActionTemplate | undefined> {
    return (await this.templates.list()).find((t) => sameView(t.draft.view, view));
  }

  /** Every status row of kans and kansactie types, as the Econobis list shows them. */
  async statusWorkflows(): Promise<StatusWorkflow[]> {
    const all = await this.templates.list();
    const rows: StatusWorkflow[] = [];
    for (const key of STATUS_WORKFLOW_TYPES) {
      const type = this.catalog().get(key);
      if (!type) continue;
      for (const status of type.statuses) {
        const view: TemplateView = { kind: 'econobisStatus', dossierType: key, status: status.code };
        const t = all.find((x) => sameView(x.draft.view, view));
        const d = t?.draft;
        const email = d?.effect.type === 'sendEmail' ? d.effect : undefined;
        const recipients = recipientsOf(email?.to) ?? ['resident'];
        rows.push({
          dossierType: key,
          status: status.code,
          description: {
            nl: `${type.label.nl} - ${status.label.nl}`,
            en: `${type.label.en} - ${status.label.en}`,
          },
          active: t?.active === true && t.publishedVersion !== null,
          emailTemplateId: email?.templateId ?? null,
          numberOfDays: d?.timing.offset ?? 0,
          sendReminder: d?.reminder !== undefined,
          reminderDays: d?.reminder?.after.offset ?? null,
          recipients,
          reminderEmailTemplateId: d?.reminder?.emailTemplateId ?? null,
          reminderRecipients: recipientsOf(d?.reminder?.to) ?? recipients,
          templateId: t?.id ?? null,
        });
      }
    }
    return rows;
  }

  /** Saves one status row: creates or updates the template behind it, publishes it, (de)activates it. */
  async saveStatusWorkflow(
    dossierType: string,
    status: string,
    input: {
      active: boolean;
      emailTemplateId: string;
      numberOfDays: number;
      sendReminder: boolean;
      reminderDays?: number;
      recipients?: readonly Recipient[];
      reminderEmailTemplateId?: string;
      reminderRecipients?: readonly Recipient[];
    },
    principal: Principal,
  ): Promise<StatusWorkflow> {
    const type = this.catalog().get(dossierType);
    if (!type || !(STATUS_WORKFLOW_TYPES as readonly string[]).includes(dossierType)) {
      throw new WerkflowError(
        'not_found',
        `There are no status workflows for "${dossierType}". Choose one of: ${STATUS_WORKFLOW_TYPES.join(', ')}.`,
        { path: 'dossierType' },
      );
    }
    const st = type.statuses.find((s) => s.code === status);
    if (!st)
      throw new WerkflowError('not_found', `Unknown status "${status}" for ${dossierType}.`, {
        path: 'status',
      });
    requireStorableId(input.emailTemplateId, 'emailTemplateId');
    requireStorableId(input.reminderEmailTemplateId, 'reminderEmailTemplateId');
    if (input.sendReminder && !(input.reminderDays && input.reminderDays > 0)) {
      throw new WerkflowError(
        'validation_failed',
        'Say after how many days the reminder is sent (reminderDays, 1 or more).',
        { path: 'reminderDays' },
      );
    }
    // The resident is the contact of the intake; from an opportunity action that is one step further.
    const prefix = dossierType === 'opportunity' ? '' : 'opportunity.';
    const specsOf = (list: readonly Recipient[], path: string): RecipientSpec[] => {
      if (list.includes('coach') && !fieldOf(type, 'coach')) {
        throw new WerkflowError('validation_failed', `${type.label.en} has no coach to mail.`, { path });
      }
      return list.map((r) =>
        r === 'coach'
          ? { type: 'field' as const, path: 'coach.email' }
          : { type: 'field' as const, path: `${prefix}intake.contact.email` },
      );
    };
    const recipients =
      input.recipients && input.recipients.length > 0 ? input.recipients : ['resident' as const];
    const to = specsOf(recipients, 'recipients');
    const reminderTo =
      input.reminderRecipients && input.reminderRecipients.length > 0
        ? specsOf(input.reminderRecipients, 'reminderRecipients')
        : undefined;
    const view: TemplateView = { kind: 'econobisStatus', dossierType, status };
    const def: TemplateDefinition = {
      name: `Workflow: ${type.label.nl} - ${st.label.nl}`,
      process: 'Econobis workflows',
      dossierType,
      event: { type: 'statusSet', to: [status] },
      conditions: { type: 'all', conditions: [] },
      timing: { anchor: { type: 'event' }, offset: input.numberOfDays, unit: 'days' },
      executionMode: 'automatic',
      effect: { type: 'sendEmail', templateId: input.emailTemplateId, to },
      assignee: { type: 'none' },
      repeat: 'everyTime',
      recheckAtDue: true,
      whenConditionsFail: 'cancel',
      categories: [],
      priority: 'normal',
      view,
      ...(input.sendReminder
        ? {
            reminder: {
              after: { offset: input.reminderDays!, unit: 'days' as const },
              ...(input.reminderEmailTemplateId ? { emailTemplateId: input.reminderEmailTemplateId } : {}),
              ...(reminderTo ? { to: reminderTo } : {}),
            },
          }
        : {}),
    };
    await this.upsert(view, def, input.active, principal);
    return (await this.statusWorkflows()).find((r) => r.dossierType === dossierType && r.status === status)!;
  }

  /** The three workflows of every task type. */
  async taskTypeWorkflows(): Promise<TaskTypeWorkflows[]> {
    const task = this.catalog().get('task');
    const field = task ? fieldOf(task, 'taskType') : undefined;
    if (!task || field?.kind !== 'enum') return [];
    const all = await this.templates.list();
    const find = (taskType: string, workflow: 'new' | 'expired' | 'completed') =>
      all.find((t) => sameView(t.draft.view, { kind: 'econobisTaskType', taskType, workflow }));
    const emailOf = (t: ActionTemplate | undefined) =>
      t?.draft.effect.type === 'sendEmail' ? t.draft.effect.templateId : null;
    const on = (t: ActionTemplate | undefined) => t?.active === true && t.publishedVersion !== null;
    return field.options.map((o) => {
      const n = find(o.code, 'new');
      const e = find(o.code, 'expired');
      const c = find(o.code, 'completed');
      return {
        taskType: o.code,
        label: o.label,
        new: { enabled: on(n), emailTemplateId: emailOf(n) },
        expired: { enabled: on(e), emailTemplateId: emailOf(e) },
        completed: { enabled: on(c), emailTemplateId: emailOf(c), numberOfDays: c?.draft.timing.offset ?? 0 },
      };
    });
  }

  /** Saves the three workflows of one task type. */
  async saveTaskTypeWorkflows(
    taskType: string,
    input: {
      new?: { enabled: boolean; emailTemplateId?: string };
      expired?: { enabled: boolean; emailTemplateId?: string };
      completed?: { enabled: boolean; emailTemplateId?: string; numberOfDays?: number };
    },
    principal: Principal,
  ): Promise<TaskTypeWorkflows> {
    const rows = await this.taskTypeWorkflows();
    const row = rows.find((r) => r.taskType === taskType);
    if (!row)
      throw new WerkflowError(
        'not_found',
        `Unknown task type "${taskType}". Known: ${rows.map((r) => r.taskType).join(', ')}.`,
        { path: 'taskType' },
      );
    const base = {
      process: 'Econobis workflows',
      dossierType: 'task',
      executionMode: 'automatic' as const,
      assignee: { type: 'field' as const, path: 'responsibleUser' },
      recheckAtDue: true,
      whenConditionsFail: 'cancel' as const,
      categories: [taskType],
      priority: 'normal' as const,
    };
    const need = (
      part: { enabled: boolean; emailTemplateId?: string } | undefined,
      name: string,
    ): string | undefined => {
      if (!part?.enabled) return part?.emailTemplateId;
      if (!part.emailTemplateId)
        throw new WerkflowError(
          'validation_failed',
          `Choose the e-mail template for the ${name} task workflow.`,
          { path: `${name}.emailTemplateId` },
        );
      return part.emailTemplateId;
    };
    // Every part is checked before anything is written.
    const emailTemplateIds = {
      new: need(input.new, 'new'),
      expired: need(input.expired, 'expired'),
      completed: need(input.completed, 'completed'),
    };
    for (const [name, id] of Object.entries(emailTemplateIds))
      requireStorableId(id, `${name}.emailTemplateId`);
    const days = input.completed?.numberOfDays ?? 0;
    if (!Number.isInteger(days) || days < 0)
      throw new WerkflowError('validation_failed', 'numberOfDays must be a whole number, 0 or more.', {
        path: 'completed.numberOfDays',
      });
    // { enabled: false } without an e-mail template: switch the workflow off, when there is one.
    for (const workflow of ['new', 'expired', 'completed'] as const) {
      const part = input[workflow];
      if (part && !part.enabled && !part.emailTemplateId)
        await this.switchOff({ kind: 'econobisTaskType', taskType, workflow }, principal);
    }
    // What differs between the three task workflows; the rest of each template is `base`.
    // "The responsible": the user, else every member of the team (Econobis assigns one of the two).
    const toResponsible: SendEmailEffect['to'] = [
      {
        type: 'firstOf',
        of: [
          { type: 'user', field: 'responsibleUser' },
          { type: 'team', field: 'responsibleTeam' },
        ],
      },
    ];
    const parts: Record<
      'new' | 'expired' | 'completed',
      Omit<TemplateDefinition, keyof typeof base | 'effect' | 'repeat' | 'view'> & {
        to: SendEmailEffect['to'];
        extra?: Partial<TemplateDefinition>;
      }
    > = {
      new: {
        name: `Workflow nieuwe taak: ${row.label.nl}`,
        event: { type: 'created' },
        conditions: { type: 'all', conditions: [] },
        timing: { anchor: { type: 'event' }, offset: 0, unit: 'minutes' },
        to: toResponsible,
      },
      expired: {
        name: `Workflow verlopen taak: ${row.label.nl}`,
        // "Verlopen": the day after the planned finish date, if the task is still open. Once.
        event: { type: 'dateReached', field: 'plannedFinishDate' },
        conditions: { type: 'not', condition: { type: 'compare', field: 'finished', op: 'eq', value: true } },
        timing: {
          anchor: { type: 'field', field: 'plannedFinishDate' },
          offset: 1,
          unit: 'days',
          atTime: '08:00',
        },
        to: toResponsible,
      },
      completed: {
        name: `Workflow afgehandelde taak: ${row.label.nl}`,
        event: { type: 'fieldChanged', field: 'finished', to: true },
        conditions: { type: 'all', conditions: [] },
        timing: { anchor: { type: 'event' }, offset: days, unit: 'days' },
        to: [{ type: 'field', path: 'contact.email' }],
        extra: { assignee: { type: 'none' } },
      },
    };
    for (const workflow of ['new', 'expired', 'completed'] as const) {
      const part = input[workflow];
      const emailTemplateId = emailTemplateIds[workflow];
      if (!part || !emailTemplateId) continue;
      const { to, extra, ...rest } = parts[workflow];
      const view: TemplateView = { kind: 'econobisTaskType', taskType, workflow };
      await this.upsert(
        view,
        {
          ...base,
          ...rest,
          ...extra,
          effect: { type: 'sendEmail', templateId: emailTemplateId, to },
          repeat: 'once',
          view,
        },
        part.enabled,
        principal,
      );
    }
    return (await this.taskTypeWorkflows()).find((r) => r.taskType === taskType)!;
  }

  /** Switches off the template behind a row, if there is one; a row without one is off already. */
  private async switchOff(view: TemplateView, principal: Principal): Promise<void> {
    const existing = await this.byView(view);
    if (existing?.active) await this.templates.setActive(existing.id, false, principal);
  }

  private async upsert(
    view: TemplateView,
    def: TemplateDefinition,
    active: boolean,
    principal: Principal,
  ): Promise<void> {
    const existing = await this.byView(view);
    if (!existing) {
      // Only these screens may set a template's view (TemplateWriteOptions.allowView).
      await this.templates.create(def, principal, { publish: true, active, allowView: true });
      return;
    }
    // Switched off first, so the new version is never at work while the row is being switched off.
    if (!active && existing.active) await this.templates.setActive(existing.id, false, principal);
    if (canonicalJson(existing.draft) !== canonicalJson(def) || existing.publishedVersion === null) {
      await this.templates.updateDraft(existing.id, def, principal, { allowView: true });
      await this.templates.publish(existing.id, principal);
    }
    if (active && !existing.active) await this.templates.setActive(existing.id, true, principal);
  }
}

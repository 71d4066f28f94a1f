import { type Dossier, isStorableText } from '../domain/dossier.js';
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
  /** The e-mail templates this row offers: those written for its dossier type. */
  readonly emailTemplates: readonly EmailTemplateChoice[];
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
  /** The e-mail templates these workflows offer: those written for tasks. */
  readonly emailTemplates: readonly EmailTemplateChoice[];
}

/** The kinds of opportunity action an intake-measure workflow can make (kansacties). */
export const OPPORTUNITY_ACTION_TYPES = ['quotationRequest', 'visit', 'budgetRequest', 'referral'] as const;
export type OpportunityActionType = (typeof OPPORTUNITY_ACTION_TYPES)[number];

/**
 * Econobis "Workflows op intake maatregelen": when an intake gets a measure, make an opportunity
 * for it with a chosen status, optionally an opportunity action of a chosen kind (a quotation
 * request to a chosen organisation), and optionally a mail when the opportunity is made.
 */
export interface IntakeMeasureWorkflow {
  readonly measureCategory: string;
  /** The measure's name ("Zonnepanelen"). */
  readonly label: string;
  readonly active: boolean;
  readonly opportunityStatus: string | null;
  readonly opportunityAction: {
    readonly dossierType: OpportunityActionType;
    readonly status: string;
    readonly organisationId: string | null;
  } | null;
  /** E-mail template (written for opportunity) sent to the resident when the opportunity is made. */
  readonly emailTemplateId: string | null;
  readonly templateIds: readonly string[];
  /** The e-mail templates this row offers: those written for opportunities. */
  readonly emailTemplates: readonly EmailTemplateChoice[];
}

/** An e-mail template a Workflows row offers: written for the row's dossier type. */
export interface EmailTemplateChoice {
  readonly id: string;
  readonly name: string;
  readonly rootType: string;
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
    /** The measure categories (dossiers of type measureCategory). */
    private readonly measures: () => Promise<readonly Dossier[]> = async () => [],
    /** The e-mail templates, for the choices each row offers. */
    private readonly emailTemplates: () => Promise<readonly EmailTemplateChoice[]> = async () => [],
  ) {}

  /** The e-mail templates written for one dossier type: the only ones a row on that type offers. */
  private async choicesFor(): Promise<(rootType: string) => EmailTemplateChoice[]> {
    const all = await this.emailTemplates();
    return (rootType) =>
      all
        .filter((t) => t.rootType === rootType)
        .map((t) => ({ id: t.id, name: t.name, rootType: t.rootType }));
  }

  private async byView(view: TemplateView): Promise<ActionTemplate | undefined> {
    return (await this.templates.list()).find((t) => sameView(t.draft.view, view));
  }

  /** Every status row of kans and kansactie types, as the Econobis list shows them. */
  async statusWorkflows(): Promise<StatusWorkflow[]> {
    const all = await this.templates.list();
    const choices = await this.choicesFor();
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
          emailTemplates: choices(key),
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
    const emailTemplates = (await this.choicesFor())('task');
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
        emailTemplates,
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

  /** One row per measure category: what happens when an intake gets that measure. */
  async intakeMeasureWorkflows(): Promise<IntakeMeasureWorkflow[]> {
    const all = await this.templates.list();
    const measures = await this.measures();
    const emailTemplates = (await this.choicesFor())('opportunity');
    return measures.map((m) => {
      const find = (part: 'opportunity' | 'opportunityOnCreate' | 'action' | 'email') =>
        all.find((t) =>
          sameView(t.draft.view, { kind: 'econobisIntakeMeasure', measureCategory: m.id, part }),
        );
      const on = (t: ActionTemplate | undefined) => t?.active === true && t.publishedVersion !== null;
      const opp = find('opportunity');
      const action = find('action');
      const email = find('email');
      const fieldsOf = (t: ActionTemplate | undefined) =>
        t?.draft.effect.type === 'createDossier' ? t.draft.effect : undefined;
      const valueOf = (t: ActionTemplate | undefined, key: string): string | null => {
        const mapping = fieldsOf(t)?.fields[key];
        return mapping && 'value' in mapping && typeof mapping.value === 'string' ? mapping.value : null;
      };
      const actionType = fieldsOf(action)?.dossierType as OpportunityActionType | undefined;
      return {
        measureCategory: m.id,
        label: String(m.data.name ?? m.id),
        active: on(opp),
        opportunityStatus: valueOf(opp, 'status'),
        opportunityAction:
          on(action) && actionType
            ? {
                dossierType: actionType,
                status: valueOf(action, 'status') ?? '',
                organisationId: valueOf(action, 'organisation'),
              }
            : null,
        emailTemplateId:
          on(email) && email!.draft.effect.type === 'sendEmail' ? email!.draft.effect.templateId : null,
        templateIds: [opp, find('opportunityOnCreate'), action, email].filter((t) => t).map((t) => t!.id),
        emailTemplates,
      };
    });
  }

  /** Saves one measure's workflow: the templates behind it are created, updated, switched on or off. */
  async saveIntakeMeasureWorkflow(
    measureCategory: string,
    input: {
      active: boolean;
      opportunityStatus: string;
      opportunityAction?: { dossierType: string; status: string; organisationId?: string } | null;
      emailTemplateId?: string | null;
    },
    principal: Principal,
  ): Promise<IntakeMeasureWorkflow> {
    requireStorableId(measureCategory, 'measureCategory');
    const measure = (await this.measures()).find((m) => m.id === measureCategory);
    if (!measure)
      throw new WerkflowError('not_found', `There is no measure category "${measureCategory}".`, {
        path: 'measureCategory',
      });
    const catalog = this.catalog();
    const statusOf = (typeKey: string, code: string, path: string) => {
      if (!catalog.get(typeKey)?.statuses.some((st) => st.code === code))
        throw new WerkflowError(
          'validation_failed',
          `Unknown status "${code}" for ${typeKey}. Known: ${catalog
            .get(typeKey)
            ?.statuses.map((st) => st.code)
            .join(', ')}.`,
          { path },
        );
    };
    statusOf('opportunity', input.opportunityStatus, 'opportunityStatus');
    const action = input.opportunityAction ?? null;
    if (action) {
      if (!(OPPORTUNITY_ACTION_TYPES as readonly string[]).includes(action.dossierType))
        throw new WerkflowError(
          'validation_failed',
          `Choose the kind of opportunity action: ${OPPORTUNITY_ACTION_TYPES.join(', ')}.`,
          { path: 'opportunityAction.dossierType' },
        );
      statusOf(action.dossierType, action.status, 'opportunityAction.status');
      requireStorableId(action.organisationId, 'opportunityAction.organisationId');
    }
    requireStorableId(input.emailTemplateId ?? undefined, 'emailTemplateId');
    const view = (part: 'opportunity' | 'opportunityOnCreate' | 'action' | 'email'): TemplateView => ({
      kind: 'econobisIntakeMeasure',
      measureCategory,
      part,
    });
    const name = String(measure.data.name ?? measureCategory);
    const base = {
      process: 'Econobis workflows',
      timing: { anchor: { type: 'event' as const }, offset: 0, unit: 'minutes' as const },
      executionMode: 'automatic' as const,
      assignee: { type: 'none' as const },
      repeat: 'once' as const,
      recheckAtDue: true,
      whenConditionsFail: 'cancel' as const,
      priority: 'normal' as const,
    };
    const opportunity = {
      ...base,
      dossierType: 'intake',
      categories: [],
      effect: {
        type: 'createDossier' as const,
        dossierType: 'opportunity',
        fields: {
          name: { from: 'measureCategory.name' },
          intake: { from: 'id' },
          measureCategory: { value: measureCategory },
          status: { value: input.opportunityStatus },
        },
      },
    };
    const isMeasure = {
      type: 'compare' as const,
      field: 'measureCategory',
      op: 'eq' as const,
      value: measureCategory,
    };
    // The opportunity: when the intake's measure is set to this one, or the intake is created with it.
    await this.upsert(
      view('opportunity'),
      {
        ...opportunity,
        name: `Workflow intake maatregel: ${name}`,
        event: { type: 'fieldChanged', field: 'measureCategory', to: measureCategory },
        conditions: { type: 'all', conditions: [] },
        view: view('opportunity'),
      },
      input.active,
      principal,
    );
    await this.upsert(
      view('opportunityOnCreate'),
      {
        ...opportunity,
        name: `Workflow intake maatregel: ${name} (nieuwe intake)`,
        event: { type: 'created' },
        conditions: isMeasure,
        view: view('opportunityOnCreate'),
      },
      input.active,
      principal,
    );
    // With the opportunity (a new opportunity of this measure): the opportunity action and the mail.
    const onOpportunity = {
      ...base,
      dossierType: 'opportunity',
      event: { type: 'created' as const },
      conditions: { type: 'all' as const, conditions: [] },
      categories: [measureCategory],
    };
    if (action) {
      await this.upsert(
        view('action'),
        {
          ...onOpportunity,
          name: `Workflow intake maatregel: ${name} — ${catalog.get(action.dossierType)?.label.nl ?? action.dossierType}`,
          effect: {
            type: 'createDossier',
            dossierType: action.dossierType,
            fields: {
              opportunity: { from: 'id' },
              status: { value: action.status },
              ...(action.organisationId ? { organisation: { value: action.organisationId } } : {}),
            },
          },
          view: view('action'),
        },
        input.active,
        principal,
      );
    } else await this.switchOff(view('action'), principal);
    if (input.emailTemplateId) {
      await this.upsert(
        view('email'),
        {
          ...onOpportunity,
          name: `Workflow intake maatregel: ${name} — e-mail`,
          effect: {
            type: 'sendEmail',
            templateId: input.emailTemplateId,
            to: [{ type: 'field', path: 'intake.contact.email' }],
          },
          view: view('email'),
        },
        input.active,
        principal,
      );
    } else await this.switchOff(view('email'), principal);
    return (await this.intakeMeasureWorkflows()).find((r) => r.measureCategory === measureCategory)!;
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

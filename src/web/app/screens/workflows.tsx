/**
 * "Workflows", shaped like Econobis's menu: Taaktypes, Kansactie statussen, Kans statussen and
 * Intake maatregelen, each a table with Omschrijving / Actief /
 * Verstuur herinnering and "Resultaten: N". A row opens its form; the fields of a workflow show
 * only when it is switched on; template pickers offer only e-mail templates of the row's dossier
 * type, with "new e-mail template" in place. Without the right `workflows.automatic` the settings
 * are shown read-only with the reason.
 */
import {
  Alert,
  Button,
  Checkbox,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Switch,
  Text,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { useLocation } from 'wouter';
import { api, apiPath } from '../api.js';
import { ErrorAlert } from '../errors.js';
import { type Label, useI18n } from '../i18n.js';
import { useCan } from '../session.js';
import { useDossierTypes } from '../dossier-types.js';
import { DataTable, PageHead, Query, RouteTabs, YesNo } from '../ui.js';
import { EmailTemplateForm, useEmailTemplates } from './email-templates.js';

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

interface IntakeMeasureWorkflow {
  readonly measureCategory: string;
  readonly label: string;
  readonly active: boolean;
  readonly opportunityStatus: string | null;
  readonly opportunityAction: {
    readonly dossierType: string;
    readonly status: string;
    readonly organisationId: string | null;
  } | null;
  readonly emailTemplateId: string | null;
  readonly emailTemplates: readonly { id: string; name: string; rootType: string }[];
}

/** The kinds of opportunity action an intake-measure workflow can make (kansacties). */
const ACTION_TYPES = ['quotationRequest', 'visit', 'budgetRequest', 'referral'] as const;

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

/**
 * Econobis's four views; Intake maatregelen is per measure category: the opportunity (with its
 * status), an opportunity action and a mail made when an intake gets the measure.
 */
const VIEWS = ['task-types', 'opportunity-actions', 'opportunities', 'intake-measures'] as const;
type View = (typeof VIEWS)[number];

/** Kans statussen are the opportunity's own; every other status workflow is a kansactie's. */
const isOpportunity = (row: StatusWorkflow) => row.dossierType === 'opportunity';

export function WorkflowsPage({ params }: { params?: { view?: string } }) {
  const { t } = useI18n();
  const [, navigate] = useLocation();
  const canEdit = useCan('workflows.automatic');
  const view: View = VIEWS.includes(params?.view as View) ? (params!.view as View) : 'opportunity-actions';
  return (
    <>
      <PageHead title={t('workflows.title')} />
      <Text c="dimmed" mb="sm">
        {t('workflows.intro')}
      </Text>
      {!canEdit ? (
        <Alert color="gray" mb="md" data-testid="read-only">
          {t('workflows.readOnly')}
        </Alert>
      ) : null}
      <RouteTabs
        value={view}
        label={t('workflows.views')}
        tabs={VIEWS.map((v) => ({ value: v, label: t(`workflows.view.${v}`) }))}
        onChange={(v) => navigate(`/workflows/${v}`)}
      >
        {view === 'task-types' ? (
          <TaskTypesView />
        ) : view === 'intake-measures' ? (
          <IntakeMeasuresView />
        ) : (
          <StatusView opportunities={view === 'opportunities'} />
        )}
      </RouteTabs>
    </>
  );
}

function Results({ count }: { count: number }) {
  const { t } = useI18n();
  return (
    <Text fw={600} mb="xs" data-testid="results">
      {t('workflows.results', { count })}
    </Text>
  );
}

/** A row's description as the button that opens its form. */
function RowButton({ onClick, children }: { onClick: () => void; children: ReactNode }) {
  return (
    <UnstyledButton onClick={onClick} className="row-button">
      {children}
    </UnstyledButton>
  );
}

/** "Resultaten: N" and the table: Omschrijving (opens the row's form) and yes/no columns. */
function WorkflowRows<R>({
  className,
  rows,
  head,
  describe,
  cells,
  onOpen,
}: {
  className: string;
  rows: R[];
  head: string[];
  describe: (row: R) => string;
  cells: (row: R) => boolean[];
  onOpen: (row: R) => void;
}) {
  const { t } = useI18n();
  return (
    <>
      <Results count={rows.length} />
      <DataTable
        className={className}
        head={[t('workflows.col.description'), ...head]}
        rows={rows.map((row) => [
          <RowButton key="d" onClick={() => onOpen(row)}>
            {describe(row)}
          </RowButton>,
          ...cells(row).map((value, i) => <YesNo key={i} value={value} />),
        ])}
      />
    </>
  );
}

function StatusView({ opportunities }: { opportunities: boolean }) {
  const { t, label } = useI18n();
  const [open, setOpen] = useState<StatusWorkflow | null>(null);
  const rows = useQuery({
    queryKey: ['workflows', 'statuses'],
    queryFn: async () => (await api<{ items: StatusWorkflow[] }>('GET', '/api/workflows/statuses')).items,
  });
  return (
    <section>
      <Title order={2} size="h3" mb="xs">
        {t(opportunities ? 'workflows.on.opportunities' : 'workflows.on.opportunityActions')}
      </Title>
      <Text c="dimmed" size="sm" mb="sm">
        {t('workflows.statuses.intro')}
      </Text>
      <Query query={rows}>
        {(all) => (
          <WorkflowRows
            className="workflow-table"
            rows={all.filter((r) => isOpportunity(r) === opportunities)}
            head={[t('workflows.col.active'), t('workflows.col.reminder')]}
            describe={(row) => label(row.description)}
            cells={(row) => [row.active, row.sendReminder]}
            onOpen={setOpen}
          />
        )}
      </Query>
      {open ? <StatusForm row={open} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}

/** A template picker with only the e-mail templates of one dossier type, and "new" in place. */
function TemplatePicker({
  rootType,
  value,
  onChange,
  label: text,
  required,
  error,
  choices,
}: {
  rootType: string;
  /** The templates the row offers (its `emailTemplates`); default: those of `rootType`. */
  choices?: readonly { id: string; name: string }[];
  value: string | null;
  onChange: (id: string | null) => void;
  label: string;
  required?: boolean;
  error?: string;
}) {
  const { t } = useI18n();
  const canEdit = useCan('workflows.automatic');
  const templates = useEmailTemplates();
  const [creating, setCreating] = useState(false);
  const ofType = (templates.data ?? []).filter((x) => x.rootType === rootType);
  // A template made here with "new" is chosen before the row's own list is read again.
  const fitting = choices
    ? [...choices, ...ofType.filter((x) => x.id === value && !choices.some((c) => c.id === x.id))]
    : ofType;
  return (
    <>
      <Group align="end" gap="xs" wrap="nowrap">
        <Select
          style={{ flex: 1 }}
          label={text}
          required={required}
          placeholder={t('workflows.form.chooseTemplate')}
          value={value}
          onChange={onChange}
          error={error}
          searchable
          nothingFoundMessage={t('workflows.form.noTemplates')}
          data={fitting.map((x) => ({ value: x.id, label: x.name }))}
          comboboxProps={{ withinPortal: true }}
        />
        {canEdit ? (
          <Button variant="default" onClick={() => setCreating(true)}>
            {t('workflows.form.newTemplate')}
          </Button>
        ) : null}
      </Group>
      {creating ? (
        <Modal opened onClose={() => setCreating(false)} title={t('email.newTitle')} size="xl">
          <EmailTemplateForm
            template={null}
            rootType={rootType}
            onSaved={(saved) => {
              onChange(saved.id);
              setCreating(false);
            }}
          />
        </Modal>
      ) : null}
    </>
  );
}

/** Saves a form, closes it and re-reads the workflow tables. */
function useSave(path: string, onClose: () => void) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: unknown) => api('PUT', path, body),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['workflows'] });
      void client.invalidateQueries({ queryKey: ['templates'] });
      onClose();
    },
  });
}

function FormButtons({ busy, onClose }: { busy: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const canEdit = useCan('workflows.automatic');
  return (
    <Group justify="flex-end">
      <Button variant="default" onClick={onClose}>
        {canEdit ? t('cancel') : t('close')}
      </Button>
      {canEdit ? (
        <Button type="submit" loading={busy}>
          {t('save')}
        </Button>
      ) : null}
    </Group>
  );
}

/**
 * The frame every workflow form shares: a dialog with one form, read-only without the right to set
 * up automatic workflows, the server's error and the buttons. With `active`, the first field is the
 * "Actief" switch and the children show only while it is on (`offHelp` otherwise).
 */
function WorkflowFormModal({
  title,
  onSubmit,
  save,
  onClose,
  active,
  children,
}: {
  title: string;
  onSubmit: () => void;
  save: { error: unknown; isPending: boolean };
  onClose: () => void;
  active?: { value: boolean; set: (value: boolean) => void; offHelp: string };
  children: ReactNode;
}) {
  const { t } = useI18n();
  const canEdit = useCan('workflows.automatic');
  return (
    <Modal opened onClose={onClose} title={title} size="lg">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit();
        }}
      >
        <fieldset disabled={!canEdit} className="plain-fieldset">
          <Stack>
            {active ? (
              <Switch
                label={t('workflows.form.active')}
                checked={active.value}
                onChange={(e) => active.set(e.currentTarget.checked)}
              />
            ) : null}
            {!active || active.value ? (
              children
            ) : (
              <Text size="sm" c="dimmed">
                {active.offHelp}
              </Text>
            )}
            <ErrorAlert error={save.error} />
            <FormButtons busy={save.isPending} onClose={onClose} />
          </Stack>
        </fieldset>
      </form>
    </Modal>
  );
}

function StatusForm({ row, onClose }: { row: StatusWorkflow; onClose: () => void }) {
  const { t, label } = useI18n();
  const [active, setActive] = useState(row.active);
  const [templateId, setTemplateId] = useState<string | null>(row.emailTemplateId);
  const [days, setDays] = useState<number | string>(row.numberOfDays);
  const [reminder, setReminder] = useState(row.sendReminder);
  const [reminderDays, setReminderDays] = useState<number | string>(row.reminderDays ?? 7);
  const [recipients, setRecipients] = useState<string[]>(row.recipients);
  const [missing, setMissing] = useState(false);
  const save = useSave(apiPath('workflows', 'statuses', row.dossierType, row.status), onClose);
  return (
    <WorkflowFormModal
      title={t('workflows.form.title', { description: label(row.description) })}
      save={save}
      onClose={onClose}
      active={{ value: active, set: setActive, offHelp: t('workflows.form.offHelp') }}
      onSubmit={() => {
        if (active && !templateId) return setMissing(true);
        // Off and never given a template: there is nothing to save.
        if (!active && !templateId) return onClose();
        save.mutate({
          active,
          emailTemplateId: templateId,
          numberOfDays: Number(days) || 0,
          sendReminder: active && reminder,
          ...(active && reminder ? { reminderDays: Number(reminderDays) || 1 } : {}),
          ...(recipients.length > 0 ? { recipients } : {}),
        });
      }}
    >
      <TemplatePicker
        rootType={row.dossierType}
        label={t('workflows.form.template')}
        required
        value={templateId}
        onChange={(v) => {
          setTemplateId(v);
          setMissing(false);
        }}
        error={missing ? t('workflows.form.needTemplate') : undefined}
      />
      <NumberInput
        label={t('workflows.form.days')}
        min={0}
        max={3650}
        value={days}
        onChange={setDays}
        w={260}
      />
      <Switch
        label={t('workflows.form.reminder')}
        checked={reminder}
        onChange={(e) => setReminder(e.currentTarget.checked)}
      />
      {reminder ? (
        <NumberInput
          label={t('workflows.form.reminderDays')}
          min={1}
          max={3650}
          value={reminderDays}
          onChange={setReminderDays}
          w={260}
        />
      ) : null}
      <Checkbox.Group label={t('workflows.form.recipients')} value={recipients} onChange={setRecipients}>
        <Group mt={4}>
          <Checkbox value="resident" label={t('workflows.form.resident')} />
          <Checkbox value="coach" label={t('workflows.form.coach')} />
        </Group>
      </Checkbox.Group>
    </WorkflowFormModal>
  );
}

/** The rows of one workflow view (`GET /api/workflows/{view}`). */
function useWorkflowRows<R>(view: 'task-types' | 'intake-measures') {
  return useQuery({
    queryKey: ['workflows', view],
    queryFn: async () => (await api<{ items: R[] }>('GET', apiPath('workflows', view))).items,
  });
}

/** A view's heading and its one-line help. */
function ViewHead({ title, intro }: { title: string; intro: string }) {
  return (
    <>
      <Title order={2} size="h3" mb="xs">
        {title}
      </Title>
      <Text c="dimmed" size="sm" mb="sm">
        {intro}
      </Text>
    </>
  );
}

function TaskTypesView() {
  const { t, label } = useI18n();
  const [open, setOpen] = useState<TaskTypeWorkflows | null>(null);
  const rows = useWorkflowRows<TaskTypeWorkflows>('task-types');
  return (
    <section>
      <ViewHead title={t('workflows.on.taskTypes')} intro={t('workflows.tasks.intro')} />
      <Query query={rows}>
        {(all) => (
          <WorkflowRows
            className="task-type-table"
            rows={all}
            head={[t('workflows.tasks.new'), t('workflows.tasks.expired'), t('workflows.tasks.completed')]}
            describe={(row) => label(row.label)}
            cells={(row) => [row.new.enabled, row.expired.enabled, row.completed.enabled]}
            onOpen={setOpen}
          />
        )}
      </Query>
      {open ? <TaskTypeForm row={open} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}

function TaskTypeForm({ row, onClose }: { row: TaskTypeWorkflows; onClose: () => void }) {
  const { t, label } = useI18n();
  const [parts, setParts] = useState({ new: row.new, expired: row.expired, completed: row.completed });
  const save = useSave(apiPath('workflows', 'task-types', row.taskType), onClose);
  const part = (key: 'new' | 'expired' | 'completed', extra?: ReactNode) => (
    <Stack gap="xs" className="workflow-part">
      <Switch
        label={t(`workflows.tasks.uses.${key}`)}
        checked={parts[key].enabled}
        onChange={(e) => {
          const enabled = e.currentTarget.checked;
          setParts((p) => ({ ...p, [key]: { ...p[key], enabled } }));
        }}
      />
      <Text size="sm" c="dimmed">
        {t(`workflows.tasks.${key}.help`)}
      </Text>
      {parts[key].enabled ? (
        <>
          <TemplatePicker
            rootType="task"
            label={t('workflows.form.template')}
            required
            value={parts[key].emailTemplateId}
            onChange={(v) => setParts((p) => ({ ...p, [key]: { ...p[key], emailTemplateId: v } }))}
          />
          {extra}
        </>
      ) : null}
    </Stack>
  );
  const body = (p: Part) => ({
    enabled: p.enabled,
    ...(p.emailTemplateId ? { emailTemplateId: p.emailTemplateId } : {}),
  });
  return (
    <WorkflowFormModal
      title={t('workflows.tasks.formTitle', { label: label(row.label) })}
      save={save}
      onClose={onClose}
      onSubmit={() =>
        save.mutate({
          new: body(parts.new),
          expired: body(parts.expired),
          completed: { ...body(parts.completed), numberOfDays: parts.completed.numberOfDays },
        })
      }
    >
      {part('expired')}
      {part(
        'completed',
        <NumberInput
          label={t('workflows.tasks.days')}
          min={0}
          max={3650}
          w={260}
          value={parts.completed.numberOfDays}
          onChange={(v) =>
            setParts((p) => ({ ...p, completed: { ...p.completed, numberOfDays: Number(v) || 0 } }))
          }
        />,
      )}
      {part('new')}
    </WorkflowFormModal>
  );
}

function IntakeMeasuresView() {
  const { t } = useI18n();
  const [open, setOpen] = useState<IntakeMeasureWorkflow | null>(null);
  const rows = useWorkflowRows<IntakeMeasureWorkflow>('intake-measures');
  return (
    <section>
      <ViewHead title={t('workflows.on.intakeMeasures')} intro={t('workflows.measures.intro')} />
      <Query query={rows}>
        {(all) => (
          <WorkflowRows
            className="intake-measure-table"
            rows={all}
            head={[t('workflows.col.active')]}
            describe={(row) => row.label}
            cells={(row) => [row.active]}
            onOpen={setOpen}
          />
        )}
      </Query>
      {open ? <IntakeMeasureForm row={open} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}

function IntakeMeasureForm({ row, onClose }: { row: IntakeMeasureWorkflow; onClose: () => void }) {
  const { t, label } = useI18n();
  const types = useDossierTypes();
  const [active, setActive] = useState(row.active);
  const [status, setStatus] = useState<string | null>(row.opportunityStatus);
  const [actionType, setActionType] = useState<string | null>(row.opportunityAction?.dossierType ?? null);
  const [actionStatus, setActionStatus] = useState<string | null>(row.opportunityAction?.status ?? null);
  const [templateId, setTemplateId] = useState<string | null>(row.emailTemplateId);
  const [missing, setMissing] = useState(false);
  const save = useSave(apiPath('workflows', 'intake-measures', row.measureCategory), onClose);
  const typeOf = (key: string | null) => (types.data ?? []).find((x) => x.key === key);
  const statusesOf = (key: string | null) =>
    (typeOf(key)?.statuses ?? []).map((s) => ({ value: s.code, label: label(s.label) }));
  return (
    <WorkflowFormModal
      title={t('workflows.form.title', { description: row.label })}
      save={save}
      onClose={onClose}
      active={{ value: active, set: setActive, offHelp: t('workflows.measures.offHelp') }}
      onSubmit={() => {
        if (active && (!status || (actionType && !actionStatus))) return setMissing(true);
        // Off and never set up: there is nothing to save.
        if (!active && !status) return onClose();
        const organisationId =
          actionType === row.opportunityAction?.dossierType ? row.opportunityAction.organisationId : null;
        save.mutate({
          active,
          opportunityStatus: status,
          opportunityAction:
            actionType && actionStatus
              ? {
                  dossierType: actionType,
                  status: actionStatus,
                  ...(organisationId ? { organisationId } : {}),
                }
              : null,
          emailTemplateId: templateId,
        });
      }}
    >
      <Select
        label={t('workflows.measures.opportunityStatus')}
        required
        value={status}
        onChange={setStatus}
        data={statusesOf('opportunity')}
        error={missing && !status ? t('workflows.measures.needStatus') : undefined}
        comboboxProps={{ withinPortal: true }}
      />
      <Select
        label={t('workflows.measures.actionType')}
        placeholder={t('workflows.measures.noAction')}
        clearable
        value={actionType}
        onChange={(v) => {
          setActionType(v);
          setActionStatus(null);
        }}
        data={ACTION_TYPES.map((key) => ({ value: key, label: label(typeOf(key)?.label, key) }))}
        comboboxProps={{ withinPortal: true }}
      />
      {actionType ? (
        <Select
          label={t('workflows.measures.actionStatus')}
          required
          value={actionStatus}
          onChange={setActionStatus}
          data={statusesOf(actionType)}
          error={missing && !actionStatus ? t('workflows.measures.needStatus') : undefined}
          comboboxProps={{ withinPortal: true }}
        />
      ) : null}
      <TemplatePicker
        rootType="opportunity"
        choices={row.emailTemplates}
        label={t('workflows.measures.template')}
        value={templateId}
        onChange={setTemplateId}
      />
    </WorkflowFormModal>
  );
}

/**
 * "Mijn acties": the to-do list (mine, overdue, failed, all) and one action with its history.
 * Execute shows the preview first (for e-mail: subject, recipients and the rendered HTML in a
 * sandboxed frame); manual actions are marked done; open ones can be rescheduled or cancelled.
 */
import { Badge, Button, Group, Modal, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { DateTimePicker } from '@mantine/dates';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import { type Action, type Page, api, apiPath, withQuery } from '../api.js';
import { ErrorAlert } from '../errors.js';
import { type I18n, fromZoned, toZoned, useFormats, useI18n } from '../i18n.js';
import { dossierTitle, useDossier, useDossierTypes } from '../dossier-types.js';
import { AppLink, BackLink, DataTable, Facts, MailFrame, PageHead, Query, RouteTabs } from '../ui.js';

type Filter = 'mine' | 'overdue' | 'failed' | 'all';
const FILTERS: Filter[] = ['mine', 'overdue', 'failed', 'all'];
const OPEN = ['waiting', 'pending', 'due'];

function query(filter: Filter): Record<string, string | boolean | undefined> {
  switch (filter) {
    case 'mine':
      return { mine: true, status: 'waiting,pending,due,running,failed' };
    case 'overdue':
      return { overdue: true, status: 'pending,due,failed' };
    case 'failed':
      return { status: 'failed' };
    case 'all':
      return {};
  }
}

type CodedReason = Action['statusReasonCoded'];

/**
 * A reason the server gives as a code with params, in the reader's language through the
 * dictionary (labels come as `{ nl, en }`); words without a code (a person's note, older rows)
 * as they are, translated when the dictionary knows them.
 */
export function reasonText(i18n: I18n, coded: CodedReason | undefined, fallback: string | null): string {
  if (!coded) return fallback ?? '';
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(coded.params)) {
    params[name] =
      value !== null && typeof value === 'object'
        ? String((value as Record<string, unknown>)[i18n.lang] ?? '')
        : String(value);
  }
  if (coded.code === 'reason.text')
    return i18n.tOr(`reason.${params.text ?? ''}`, params.text ?? fallback ?? '');
  return i18n.tOr(coded.code, coded.text, params);
}

export function statusText(
  i18n: I18n,
  a: Pick<Action, 'status' | 'statusReason'> & { statusReasonCoded?: CodedReason },
): string {
  const status = i18n.tOr(`status.${a.status}`, a.status);
  if (!a.statusReason && !a.statusReasonCoded) return status;
  return `${status} – ${reasonText(i18n, a.statusReasonCoded, a.statusReason)}`;
}

export function modeText(i18n: I18n, mode: string): string {
  return i18n.tOr(`mode.${mode}`, mode);
}

const STATUS_COLOR: Record<string, string> = {
  failed: 'red.9',
  done: 'brand.9',
  due: 'orange.9',
  cancelled: 'gray.8',
};

export function StatusBadge({ action }: { action: Action }) {
  const i18n = useI18n();
  return (
    <Badge color={STATUS_COLOR[action.status] ?? 'blue.9'} variant="outline" className="status-badge">
      {statusText(i18n, action)}
    </Badge>
  );
}

/** A link to an action's dossier, named after it once it is read. */
export function DossierLink({ type, id }: { type: string; id: string }) {
  const { label } = useI18n();
  const types = useDossierTypes();
  const dossier = useDossier(type, id);
  const def = types.data?.find((d) => d.key === type);
  return (
    <Stack gap={0}>
      <AppLink href={`/dossiers/${encodeURIComponent(type)}/${encodeURIComponent(id)}`}>
        {dossier.data ? dossierTitle(def, dossier.data) : id}
      </AppLink>
      <Text size="xs" c="dimmed">
        {def ? label(def.label) : type}
      </Text>
    </Stack>
  );
}

/** Re-reads every list and detail an action change can affect. */
function useAfterChange(): () => void {
  const client = useQueryClient();
  return () => void client.invalidateQueries({ queryKey: ['actions'] });
}

type Dialog = 'execute' | 'done' | 'reschedule' | 'cancel' | null;

/** The buttons for what a person can do with an action now, and their dialogs. */
export function ActionButtons({ action: a }: { action: Action }) {
  const { t } = useI18n();
  const [dialog, setDialog] = useState<Dialog>(null);
  const close = () => setDialog(null);
  const buttons: ReactNode[] = [];
  const add = (key: Parameters<I18n['t']>[0], open: Dialog, color?: string) =>
    buttons.push(
      <Button
        key={key}
        size="xs"
        variant={color ? 'filled' : 'default'}
        color={color}
        onClick={() => setDialog(open)}
      >
        {t(key)}
      </Button>,
    );
  if (a.executionMode !== 'manual' && ['pending', 'due'].includes(a.status))
    add('actions.execute', 'execute', 'brand');
  if (a.executionMode !== 'manual' && a.status === 'failed') add('actions.executeAgain', 'execute', 'brand');
  if (a.executionMode === 'manual' && OPEN.includes(a.status)) add('actions.markDone', 'done', 'brand');
  if (OPEN.includes(a.status)) add('actions.reschedule', 'reschedule');
  if ([...OPEN, 'failed'].includes(a.status)) add('actions.cancelAction', 'cancel');
  return (
    <>
      <Group gap={6}>{buttons}</Group>
      {dialog === 'execute' ? <ExecuteDialog action={a} onClose={close} /> : null}
      {dialog === 'done' ? <DoneDialog action={a} onClose={close} /> : null}
      {dialog === 'reschedule' ? <RescheduleDialog action={a} onClose={close} /> : null}
      {dialog === 'cancel' ? <CancelDialog action={a} onClose={close} /> : null}
    </>
  );
}

interface Preview {
  readonly effect: string;
  readonly email?: { to: string[]; cc: string[]; subject: string; html: string };
  readonly details?: unknown;
}

/** Reads the preview, shows it, and executes only when the person confirms. */
function ExecuteDialog({ action: a, onClose }: { action: Action; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const after = useAfterChange();
  const preview = useQuery({
    queryKey: ['actions', a.id, 'preview'],
    queryFn: () => api<Preview>('GET', `${apiPath('actions', a.id)}/preview`),
    gcTime: 0,
  });
  const execute = useMutation({
    mutationFn: () => api<Action>('POST', `${apiPath('actions', a.id)}/execute`),
    // A failed execution is an answer too: the list then shows the action's error.
    onSuccess: () => {
      after();
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={`${t('actions.preview.title')}: ${a.title}`} size="lg">
      <Query query={preview}>
        {(p) => (
          <Stack>
            {p.email ? (
              <>
                <Facts
                  rows={[
                    [t('actions.preview.subject'), p.email.subject],
                    [t('actions.preview.to'), p.email.to.join(', ')],
                    ...(p.email.cc.length > 0
                      ? [[t('actions.preview.cc'), p.email.cc.join(', ')] as [string, string]]
                      : []),
                  ]}
                />
                <MailFrame html={p.email.html} title={t('actions.preview.frame')} />
              </>
            ) : (
              <>
                <Facts rows={[[t('actions.preview.effect'), i18n.tOr(`effect.${p.effect}`, p.effect)]]} />
                <pre className="json">{JSON.stringify(p.details, null, 2)}</pre>
              </>
            )}
            <ErrorAlert error={execute.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                {t('cancel')}
              </Button>
              <Button onClick={() => execute.mutate()} loading={execute.isPending}>
                {t('actions.preview.confirm')}
              </Button>
            </Group>
          </Stack>
        )}
      </Query>
    </Modal>
  );
}

/** A dialog with a form; `submit` runs with the button busy and errors shown in the dialog. */
function FormDialog({
  title,
  submitText,
  danger,
  onClose,
  submit,
  children,
}: {
  title: string;
  submitText: string;
  danger?: boolean;
  onClose: () => void;
  submit: () => Promise<unknown>;
  children: ReactNode;
}) {
  const after = useAfterChange();
  const mutation = useMutation({
    mutationFn: submit,
    onSuccess: () => {
      after();
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={title}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          mutation.mutate();
        }}
      >
        <Stack>
          {children}
          <ErrorAlert error={mutation.error} />
          <Group justify="flex-end">
            <Button type="submit" color={danger ? 'red' : undefined} loading={mutation.isPending}>
              {submitText}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DoneDialog({ action: a, onClose }: { action: Action; onClose: () => void }) {
  const { t } = useI18n();
  const [note, setNote] = useState('');
  return (
    <FormDialog
      title={`${t('actions.done.title')}: ${a.title}`}
      submitText={t('actions.markDone')}
      onClose={onClose}
      submit={() =>
        api('POST', `${apiPath('actions', a.id)}/complete`, note.trim() ? { note: note.trim() } : {})
      }
    >
      <Textarea
        label={t('actions.done.note')}
        maxLength={2000}
        autosize
        minRows={3}
        value={note}
        onChange={(e) => setNote(e.currentTarget.value)}
      />
    </FormDialog>
  );
}

function RescheduleDialog({ action: a, onClose }: { action: Action; onClose: () => void }) {
  const { t } = useI18n();
  const f = useFormats();
  const [value, setValue] = useState<string | null>(
    a.dueAt ? toZoned(a.dueAt, f.timeZone).replace('T', ' ') : null,
  );
  return (
    <FormDialog
      title={`${t('actions.reschedule.title')}: ${a.title}`}
      submitText={t('actions.reschedule')}
      onClose={onClose}
      submit={() =>
        api('POST', `${apiPath('actions', a.id)}/reschedule`, {
          dueAt: (value && fromZoned(value, f.timeZone)) ?? value,
        })
      }
    >
      <DateTimePicker
        label={t('actions.reschedule.when', { zone: f.timeZone })}
        required
        value={value}
        onChange={setValue}
        valueFormat="DD-MM-YYYY HH:mm"
        popoverProps={{ withinPortal: true }}
      />
    </FormDialog>
  );
}

function CancelDialog({ action: a, onClose }: { action: Action; onClose: () => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  return (
    <FormDialog
      title={`${t('actions.cancel.title')}: ${a.title}`}
      submitText={t('actions.cancel.confirm')}
      danger
      onClose={onClose}
      submit={() =>
        api('POST', `${apiPath('actions', a.id)}/cancel`, reason.trim() ? { reason: reason.trim() } : {})
      }
    >
      <TextInput
        label={t('actions.cancel.reason')}
        maxLength={500}
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
      />
    </FormDialog>
  );
}

/** A list of actions as a table (the to-do list, a dossier's actions). */
export function ActionTable({ items, withDossier = true }: { items: Action[]; withDossier?: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const f = useFormats();
  return (
    <DataTable
      className="actions-table"
      empty={t('actions.empty')}
      head={[
        t('actions.col.title'),
        ...(withDossier ? [t('actions.col.dossier')] : []),
        t('actions.col.due'),
        t('actions.col.status'),
        t('actions.col.mode'),
        t('actions.col.do'),
      ]}
      rows={items.map((a) => [
        <AppLink key="t" href={`/actions/${encodeURIComponent(a.id)}`} strong>
          {a.title}
        </AppLink>,
        ...(withDossier ? [<DossierLink key="d" type={a.dossierType} id={a.dossierId} />] : []),
        <time key="due" dateTime={a.dueAt ?? undefined}>
          {f.dateTime(a.dueAt)}
        </time>,
        <Stack key="s" gap={2}>
          <StatusBadge action={a} />
          {a.error ? (
            <Text size="xs" c="red.9">
              {reasonText(i18n, a.errorCoded, a.error)}
            </Text>
          ) : null}
        </Stack>,
        modeText(i18n, a.executionMode),
        <ActionButtons key="b" action={a} />,
      ])}
    />
  );
}

export function ActionsPage() {
  const { t } = useI18n();
  const search = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const wanted = search.get('filter') as Filter;
  const filter: Filter = FILTERS.includes(wanted) ? wanted : 'mine';
  const list = useQuery({
    queryKey: ['actions', 'list', filter],
    queryFn: () => api<Page<Action>>('GET', withQuery('/api/actions', { ...query(filter), limit: 200 })),
  });
  return (
    <>
      <PageHead title={t('actions.title')}>
        <Button variant="subtle" onClick={() => void list.refetch()} loading={list.isFetching}>
          {t('refresh')}
        </Button>
      </PageHead>
      <RouteTabs
        value={filter}
        label={t('actions.filter')}
        tabs={FILTERS.map((x) => ({ value: x, label: t(`actions.filter.${x}`) }))}
        onChange={(value) => navigate(value === 'mine' ? '/actions' : `/actions?filter=${value}`)}
      >
        <Query query={list}>{(page) => <ActionTable items={page.items} />}</Query>
      </RouteTabs>
    </>
  );
}

export function ActionDetail({ id }: { id: string }) {
  const i18n = useI18n();
  const { t, tOr } = i18n;
  const f = useFormats();
  const action = useQuery({
    queryKey: ['actions', id],
    queryFn: () => api<Action>('GET', apiPath('actions', id)),
  });
  return (
    <>
      <BackLink href="/actions" />
      <Query query={action}>
        {(a) => (
          <>
            <PageHead title={a.title}>
              <StatusBadge action={a} />
            </PageHead>
            <Stack mb="md">
              <ActionButtons action={a} />
              {a.error ? (
                <ErrorText label={t('actions.error')} text={reasonText(i18n, a.errorCoded, a.error)} />
              ) : null}
            </Stack>
            <Facts
              rows={[
                [t('actions.col.dossier'), <DossierLink key="d" type={a.dossierType} id={a.dossierId} />],
                [t('actions.col.due'), f.dateTime(a.dueAt)],
                [t('actions.col.status'), statusText(i18n, a)],
                [t('actions.col.mode'), modeText(i18n, a.executionMode)],
                [t('actions.detail.process'), a.process ?? t('none')],
                [t('actions.detail.priority'), tOr(`priority.${a.priority}`, a.priority)],
                [t('actions.detail.attempts'), String(a.attempts)],
                [t('actions.detail.created'), f.dateTime(a.createdAt)],
                [t('actions.detail.completed'), f.dateTime(a.completedAt)],
                [
                  t('actions.detail.template'),
                  <AppLink key="t" href={`/templates/${encodeURIComponent(a.templateId)}`}>
                    {`${t('actions.detail.templateLink')} (v${a.templateVersion})`}
                  </AppLink>,
                ],
              ]}
            />
            <Title order={2} size="h3" mb="xs">
              {t('actions.detail.history')}
            </Title>
            <DataTable
              head={[
                t('actions.detail.when'),
                t('actions.detail.change'),
                t('actions.detail.who'),
                t('actions.detail.note'),
              ]}
              rows={(a.history ?? []).map((e) => [
                f.dateTime(e.at),
                `${e.from ? tOr(`status.${e.from}`, e.from) : '∅'} → ${tOr(`status.${e.to}`, e.to)}`,
                e.actor ?? t('none'),
                reasonText(i18n, e.noteCoded, e.note),
              ])}
            />
          </>
        )}
      </Query>
    </>
  );
}

function ErrorText({ label, text }: { label: string; text: string }) {
  return (
    <Text c="red.9" role="alert">
      <strong>{label}: </strong>
      {text}
    </Text>
  );
}

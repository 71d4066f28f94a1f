/**
 * "Mijn acties": the to-do list in tabs (mine, my team's, overdue, failed, in doubt, all), each
 * with its count, narrowed by process, data group, template, assignee and due date, paged with
 * the total; every row names its dossier and assignee (from the list's own answer, never a
 * request per row) and says how urgent it is in words and colour. Execute shows the preview
 * first; manual actions are marked done; open ones can be rescheduled (a date in the past only
 * when confirmed) or cancelled with a reason; the same in bulk on a selection, with what could
 * not be done named per action. And one action with its history.
 */
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import { type Action, type Page, api, apiPath, withQuery } from '../api.js';
import { ErrorAlert } from '../errors.js';
import { isInstantParam } from '../../../domain/action/reasons.js';
import { type Formats, type I18n, type Key, fromZoned, toZoned, useFormats, useI18n } from '../i18n.js';
import { actorText, useDossierTypes } from '../dossier-types.js';
import { AppLink, BackLink, DataTable, Facts, MailFrame, PageHead, Query, RouteTabs } from '../ui.js';
import { DARK_ORANGE, URGENCY_COLOR, countText, dayEnd, dayStart, urgencyOf } from '../urgency.js';
import { useTemplatesList } from './template-form.js';
import { DateField, DateTimeField } from '../date-field.js';
import { type BulkAnswer, BulkExecuteDialog, BulkResults, previewQuery } from './bulk-execute.js';
import { isExecutable } from '../../../domain/action/action.js';

/**
 * The server's "now": in the sandbox its clock is moved on by hand (+1 dag), so urgency and
 * "today" follow the sandbox clock (plus the time since it was read); elsewhere the server's
 * clock is the wall clock, which the browser's stands in for. (Lists carry the server's own.)
 */
function useNow(): number {
  const sandbox = useQuery({
    queryKey: ['sandbox'],
    queryFn: () => api<{ sandbox: boolean; now: string }>('GET', '/api/sandbox'),
    staleTime: 60_000,
  });
  const browser = new Date().getTime();
  return sandbox.data?.sandbox ? Date.parse(sandbox.data.now) + (browser - sandbox.dataUpdatedAt) : browser;
}

/** The new due time of a reschedule (one or many), and whether a time in the past was confirmed. */
function useNewDueTime(initial: string | null) {
  const f = useFormats();
  const now = useNow();
  const [value, setValue] = useState<string | null>(initial);
  const [allowPast, setAllowPast] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const dueAt = value ? fromZoned(value, f.timeZone) : null;
  const past = dueAt !== null && Date.parse(dueAt) < now;
  return {
    fields: {
      value,
      past,
      allowPast,
      problem,
      onChange: (v: string | null) => {
        setValue(v);
        setProblem(null);
      },
      onAllowPast: (v: boolean) => {
        setAllowPast(v);
        setProblem(null);
      },
    },
    /** What the API takes: the instant, and the confirmation when it lies in the past. */
    body: () => ({ dueAt: dueAt ?? value, ...(past ? { allowPast: true } : {}) }),
    /** True (and the field says why) when the time lies in the past without the confirmation. */
    refused: (message: string) => {
      if (!past || allowPast) return false;
      setProblem(message);
      return true;
    },
  };
}

const TABS = ['mine', 'team', 'overdue', 'failed', 'inDoubt', 'all'] as const;
type Tab = (typeof TABS)[number];
const OPEN = ['waiting', 'pending', 'due'];
const PAGE = 50;

/** The list's filters as they stand in the address (so a link, such as the start page's, opens them). */
const FILTER_KEYS = ['process', 'type', 'template', 'assignee', 'from', 'to', 'status'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
type Filters = Partial<Record<FilterKey, string>>;

/** The API's query for the filters (days in the organisation's zone). */
function filterQuery(filters: Filters, timeZone: string): Record<string, string | undefined> {
  const assignee = filters.assignee ?? '';
  return {
    process: filters.process,
    dossierType: filters.type,
    templateId: filters.template,
    assigneeUserId: assignee.startsWith('user:') ? assignee.slice(5) : undefined,
    assigneeTeamId: assignee.startsWith('team:') ? assignee.slice(5) : undefined,
    dueFrom: filters.from ? (dayStart(filters.from, timeZone) ?? undefined) : undefined,
    dueBefore: filters.to ? (dayEnd(filters.to, timeZone) ?? undefined) : undefined,
    status: filters.status,
  };
}

type ListPage = Page<Action> & { total: number; totalCapped: boolean; now: string };
interface Counts {
  counts: Record<Tab, number>;
  capped: string[];
}

type CodedReason = Action['statusReasonCoded'];

/**
 * A reason the server gives as a code with params, in the reader's language through the
 * dictionary (labels come as `{ nl, en }`, moments as `{ instant }`, written in the organisation's
 * zone); words without a code (a person's note, older rows) as they are, translated when the
 * dictionary knows them.
 */
export function reasonText(
  i18n: I18n,
  f: Pick<Formats, 'dateTime'>,
  coded: CodedReason | undefined,
  fallback: string | null,
): string {
  if (!coded) return fallback ?? '';
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(coded.params)) {
    params[name] = Array.isArray(value)
      ? // A list of reasons (the problems of several recipient rules): their sentences in turn.
        (value as { code: string; params: Record<string, unknown> }[])
          .map((r) => reasonText(i18n, f, { ...r, text: '' } as never, null))
          .join(' ')
      : isInstantParam(value)
        ? f.dateTime(value.instant)
        : value !== null && typeof value === 'object'
          ? String((value as Record<string, unknown>)[i18n.lang] ?? '')
          : String(value);
  }
  if (coded.code === 'reason.text')
    return i18n.tOr(`reason.${params.text ?? ''}`, params.text ?? fallback ?? '');
  return i18n.tOr(coded.code, coded.text, params);
}

export function statusText(
  i18n: I18n,
  f: Pick<Formats, 'dateTime'>,
  a: Pick<Action, 'status' | 'statusReason'> & { statusReasonCoded?: CodedReason },
): string {
  const status = i18n.tOr(`status.${a.status}`, a.status);
  if (!a.statusReason && !a.statusReasonCoded) return status;
  return `${status} – ${reasonText(i18n, f, a.statusReasonCoded, a.statusReason)}`;
}

export function modeText(i18n: I18n, mode: string): string {
  return i18n.tOr(`mode.${mode}`, mode);
}

const STATUS_COLOR: Record<string, string> = {
  failed: 'red.9',
  done: 'brand.9',
  due: DARK_ORANGE,
  cancelled: 'gray.8',
};

export function StatusBadge({ action }: { action: Action }) {
  const i18n = useI18n();
  const f = useFormats();
  return (
    <Badge color={STATUS_COLOR[action.status] ?? 'blue.9'} variant="outline" className="status-badge">
      {statusText(i18n, f, action)}
    </Badge>
  );
}

/** A link to an action's dossier, by the title the action list gave (no request per row). */
export function DossierLink({ type, id, title }: { type: string; id: string; title?: string | null }) {
  const { label } = useI18n();
  const types = useDossierTypes();
  const def = types.data?.find((d) => d.key === type);
  return (
    <Stack gap={0}>
      <AppLink href={`/dossiers/${encodeURIComponent(type)}/${encodeURIComponent(id)}`}>
        {title ?? id}
      </AppLink>
      <Text size="xs" c="dimmed">
        {def ? label(def.label) : type}
      </Text>
    </Stack>
  );
}

/** How urgent an action is: a coloured mark with the word beside it (late, today, later). */
export function UrgencyMark({ action, now }: { action: Action; now?: number }) {
  const { t } = useI18n();
  const f = useFormats();
  const clock = useNow();
  const urgency = urgencyOf(action, now ?? clock, f.timeZone);
  return (
    <Stack gap={2}>
      <time dateTime={action.dueAt ?? undefined}>{f.dateTime(action.dueAt)}</time>
      {urgency ? (
        <Badge
          color={URGENCY_COLOR[urgency]}
          variant={urgency === 'late' ? 'filled' : 'outline'}
          size="sm"
          className={`urgency urgency-${urgency}`}
        >
          {t(`actions.urgency.${urgency}`)}
        </Badge>
      ) : null}
    </Stack>
  );
}

/** Who an action is assigned to, by name. */
export function assigneeText(i18n: I18n, a: Action): string {
  if (a.assigneeUserId) return a.assigneeUserName ?? a.assigneeUserId;
  if (a.assigneeTeamId) return i18n.t('actions.team', { name: a.assigneeTeamName ?? a.assigneeTeamId });
  return i18n.t('actions.unassigned');
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
  if (a.executionMode !== 'manual' && isExecutable(a.status))
    add(a.status === 'failed' ? 'actions.executeAgain' : 'actions.execute', 'execute', 'brand');
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

/** Reads the preview, shows it, and executes only when the person confirms. */
function ExecuteDialog({ action: a, onClose }: { action: Action; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const after = useAfterChange();
  const preview = useQuery(previewQuery(a.id));
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
  /** Resolves to 'refused' when the form itself found a problem to show (the dialog stays open). */
  submit: () => Promise<unknown>;
  children: ReactNode;
}) {
  const after = useAfterChange();
  const mutation = useMutation({
    mutationFn: submit,
    onSuccess: (result) => {
      if (result === 'refused') return; // the form says what to change
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
  const due = useNewDueTime(a.dueAt ? toZoned(a.dueAt, f.timeZone) : null);
  return (
    <FormDialog
      title={`${t('actions.reschedule.title')}: ${a.title}`}
      submitText={t('actions.reschedule')}
      onClose={onClose}
      submit={async () =>
        due.refused(t('actions.reschedule.pastRefused'))
          ? 'refused'
          : api('POST', `${apiPath('actions', a.id)}/reschedule`, due.body())
      }
    >
      <RescheduleFields {...due.fields} />
    </FormDialog>
  );
}

/** The new due time, and — when it lies in the past — the warning and the confirmation it needs. */
function RescheduleFields({
  value,
  onChange,
  past,
  allowPast,
  onAllowPast,
  problem,
}: {
  value: string | null;
  onChange: (value: string | null) => void;
  past: boolean;
  allowPast: boolean;
  onAllowPast: (value: boolean) => void;
  problem: string | null;
}) {
  const { t } = useI18n();
  const f = useFormats();
  return (
    <>
      {/* Typed or picked the UI language's way, in the organisation zone's wall clock. */}
      <DateTimeField
        label={t('actions.reschedule.when', { zone: f.timeZone })}
        required
        value={value}
        onChange={onChange}
        error={problem ?? undefined}
      />
      {past ? (
        <Alert color={DARK_ORANGE} variant="light" title={t('actions.reschedule.pastTitle')}>
          <Stack gap="xs">
            <Text size="sm">{t('actions.reschedule.pastText')}</Text>
            <Checkbox
              label={t('actions.reschedule.pastConfirm')}
              checked={allowPast}
              onChange={(e) => onAllowPast(e.currentTarget.checked)}
            />
          </Stack>
        </Alert>
      ) : null}
    </>
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
      submit={() => api('POST', `${apiPath('actions', a.id)}/cancel`, { reason: reason.trim() })}
    >
      <TextInput
        label={t('actions.cancel.reason')}
        description={t('actions.cancel.reasonHelp')}
        required
        maxLength={500}
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
      />
    </FormDialog>
  );
}

/** A list of actions as a table (the to-do list, a dossier's actions); with `selection`, a checkbox per row. */
export function ActionTable({
  items,
  withDossier = true,
  selection,
  now,
}: {
  items: Action[];
  withDossier?: boolean;
  selection?: Selection;
  /** The server's time of the list (late, today, later agree with its overdue tab). */
  now?: number;
}) {
  const i18n = useI18n();
  const f = useFormats();
  const { t } = i18n;
  const all = selection !== undefined && items.length > 0 && items.every((a) => selection.ids.has(a.id));
  const some = selection !== undefined && items.some((a) => selection.ids.has(a.id));
  return (
    <DataTable
      className="actions-table"
      empty={t('actions.empty')}
      head={[
        ...(selection
          ? [
              <Checkbox
                key="all"
                aria-label={t('actions.select.page')}
                checked={all}
                indeterminate={some && !all}
                onChange={() => selection.toggle(items, !all)}
              />,
            ]
          : []),
        t('actions.col.title'),
        ...(withDossier ? [t('actions.col.dossier')] : []),
        t('actions.col.assignee'),
        t('actions.col.due'),
        t('actions.col.status'),
        t('actions.col.do'),
      ]}
      rows={items.map((a) => [
        ...(selection
          ? [
              <Checkbox
                key="sel"
                aria-label={t('actions.select.one', { title: a.title })}
                checked={selection.ids.has(a.id)}
                onChange={(e) => selection.toggle([a], e.currentTarget.checked)}
              />,
            ]
          : []),
        <Stack key="t" gap={0}>
          <AppLink href={`/actions/${encodeURIComponent(a.id)}`} strong>
            {a.title}
          </AppLink>
          <Text size="xs" c="dimmed">
            {[a.process, modeText(i18n, a.executionMode)].filter(Boolean).join(' · ')}
          </Text>
        </Stack>,
        ...(withDossier
          ? [<DossierLink key="d" type={a.dossierType} id={a.dossierId} title={a.dossierTitle} />]
          : []),
        assigneeText(i18n, a),
        <UrgencyMark key="due" action={a} now={now} />,
        <Stack key="s" gap={2}>
          <StatusBadge action={a} />
          {a.error ? (
            <Text size="xs" c="red.9">
              {reasonText(i18n, f, a.errorCoded, a.error)}
            </Text>
          ) : null}
        </Stack>,
        <ActionButtons key="b" action={a} />,
      ])}
    />
  );
}

/** The selected actions of the to-do list (kept with their titles, for the bulk report). */
interface Selection {
  readonly ids: ReadonlyMap<string, Action>;
  toggle(actions: readonly Action[], on: boolean): void;
}

function useSelection(): Selection & { clear(): void } {
  const [ids, setIds] = useState<ReadonlyMap<string, Action>>(new Map());
  return {
    ids,
    toggle: (actions, on) =>
      setIds((current) => {
        const next = new Map(current);
        for (const a of actions) {
          if (on) next.set(a.id, a);
          else next.delete(a.id);
        }
        return next;
      }),
    clear: () => setIds(new Map()),
  };
}

export function ActionsPage() {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const f = useFormats();
  const search = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const wanted = search.get('filter') as Tab;
  const tab: Tab = TABS.includes(wanted) ? wanted : 'mine';
  const filters: Filters = Object.fromEntries(
    FILTER_KEYS.flatMap((k) => (search.get(k) ? [[k, search.get(k)!]] : [])),
  );
  const query = filterQuery(filters, f.timeZone);
  const selection = useSelection();
  const go = (nextTab: Tab, next: Filters) => {
    const params = new URLSearchParams();
    if (nextTab !== 'mine') params.set('filter', nextTab);
    for (const k of FILTER_KEYS) if (next[k]) params.set(k, next[k]);
    const qs = params.toString();
    selection.clear();
    navigate(qs ? `/actions?${qs}` : '/actions');
  };
  const counts = useQuery({
    queryKey: ['actions', 'counts', query],
    queryFn: () => api<Counts>('GET', withQuery('/api/actions/counts', query)),
  });
  const list = useInfiniteQuery({
    queryKey: ['actions', 'list', tab, query],
    queryFn: ({ pageParam }) =>
      api<ListPage>(
        'GET',
        withQuery('/api/actions', { ...query, tab, limit: PAGE, cursor: pageParam ?? undefined }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const tabLabel = (x: Tab) => {
    const n = counts.data?.counts[x];
    const label = t(`actions.filter.${x}`);
    return n === undefined ? label : `${label} (${countText(n, counts.data!.capped.includes(x), locale)})`;
  };
  return (
    <>
      <PageHead title={t('actions.title')}>
        <Button
          variant="subtle"
          onClick={() => {
            void list.refetch();
            void counts.refetch();
          }}
          loading={list.isFetching}
        >
          {t('refresh')}
        </Button>
      </PageHead>
      <FilterBar filters={filters} onChange={(next) => go(tab, next)} />
      <RouteTabs
        value={tab}
        label={t('actions.filter')}
        tabs={TABS.map((x) => ({ value: x, label: tabLabel(x) }))}
        onChange={(value) => go(value, filters)}
      >
        {selection.ids.size > 0 ? <BulkBar selection={selection} /> : null}
        <Query query={list}>
          {(data) => {
            const first = data.pages[0]!;
            const items = data.pages.flatMap((p) => p.items);
            return (
              <>
                <Text size="sm" c="dimmed" mb="xs" role="status" data-testid="list-total">
                  {t('actions.shown', {
                    shown: new Intl.NumberFormat(locale).format(items.length),
                    total: countText(first.total, first.totalCapped, locale),
                  })}
                </Text>
                <ActionTable items={items} selection={selection} now={Date.parse(first.now)} />
                {list.hasNextPage ? (
                  <Group justify="center" mt="sm">
                    <Button
                      variant="default"
                      onClick={() => void list.fetchNextPage()}
                      loading={list.isFetchingNextPage}
                    >
                      {t('actions.more')}
                    </Button>
                  </Group>
                ) : null}
              </>
            );
          }}
        </Query>
      </RouteTabs>
    </>
  );
}

/** The filters above the tabs: process, data group, template, assignee, due from/to. */
function FilterBar({ filters, onChange }: { filters: Filters; onChange: (next: Filters) => void }) {
  const { t, label } = useI18n();
  // On a phone the six filters would fill the screen: folded until asked for.
  const narrow = useMediaQuery('(max-width: 48em)');
  const [unfolded, setUnfolded] = useState(false);
  const active = Object.keys(filters).length;
  const types = useDossierTypes();
  const templates = useTemplatesList();
  const assignees = useQuery({
    queryKey: ['actions', 'assignees'],
    queryFn: () =>
      api<{ users: { id: string; name: string }[]; teams: { id: string; name: string }[] }>(
        'GET',
        '/api/actions/assignees',
      ),
    staleTime: 60_000,
  });
  const set = (key: FilterKey, value: string | null) => onChange({ ...filters, [key]: value ?? undefined });
  const processes = [
    ...new Set((templates.data ?? []).flatMap((x) => (x.draft.process ? [x.draft.process] : []))),
  ].sort((a, b) => a.localeCompare(b));
  const statusText = (codes: string) =>
    codes
      .split(',')
      .map((c) => t(`status.${c}` as Key))
      .join(', ');
  if (narrow && !unfolded)
    return (
      <Group mb="sm" gap="xs">
        <Button variant="default" size="xs" onClick={() => setUnfolded(true)} aria-expanded={false}>
          {t('actions.f.show', { n: active })}
        </Button>
        {active > 0 ? (
          <Button variant="subtle" size="xs" onClick={() => onChange({})}>
            {t('actions.f.clear')}
          </Button>
        ) : null}
      </Group>
    );
  return (
    <Stack gap="xs" mb="sm">
      <SimpleGrid cols={{ base: 1, xs: 2, md: 3, lg: 6 }} spacing="xs">
        <Select
          label={t('actions.f.process')}
          placeholder={t('actions.f.any')}
          clearable
          searchable
          data={processes}
          value={filters.process ?? null}
          onChange={(v) => set('process', v)}
        />
        <Select
          label={t('actions.f.type')}
          placeholder={t('actions.f.any')}
          clearable
          data={(types.data ?? []).map((d) => ({ value: d.key, label: label(d.label, d.key) }))}
          value={filters.type ?? null}
          onChange={(v) => set('type', v)}
        />
        <Select
          label={t('actions.f.template')}
          placeholder={t('actions.f.any')}
          clearable
          searchable
          data={(templates.data ?? []).map((x) => ({ value: x.id, label: x.draft.name }))}
          value={filters.template ?? null}
          onChange={(v) => set('template', v)}
        />
        <Select
          label={t('actions.f.assignee')}
          placeholder={t('actions.f.any')}
          clearable
          searchable
          data={[
            {
              group: t('actions.f.people'),
              items: (assignees.data?.users ?? []).map((u) => ({ value: `user:${u.id}`, label: u.name })),
            },
            {
              group: t('actions.f.teams'),
              items: (assignees.data?.teams ?? []).map((x) => ({ value: `team:${x.id}`, label: x.name })),
            },
          ]}
          value={filters.assignee ?? null}
          onChange={(v) => set('assignee', v)}
        />
        <DateField
          label={t('actions.f.from')}
          value={filters.from ?? null}
          onChange={(v) => set('from', v)}
        />
        <DateField label={t('actions.f.to')} value={filters.to ?? null} onChange={(v) => set('to', v)} />
      </SimpleGrid>
      {active > 0 ? (
        <Group gap="xs">
          {filters.status ? (
            <Badge variant="light" color="gray.8">
              {t('actions.f.status', { status: statusText(filters.status) })}
            </Badge>
          ) : null}
          <Button variant="subtle" size="xs" onClick={() => onChange({})}>
            {t('actions.f.clear')}
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}

type BulkOp = 'execute' | 'complete' | 'reschedule' | 'cancel';

/** What can be done with the selection, and the dialog for it. */
function BulkBar({ selection }: { selection: Selection & { clear(): void } }) {
  const { t } = useI18n();
  const [op, setOp] = useState<BulkOp | null>(null);
  const ops: [BulkOp, Key][] = [
    ['execute', 'actions.execute'],
    ['complete', 'actions.markDone'],
    ['reschedule', 'actions.reschedule'],
    ['cancel', 'actions.cancelAction'],
  ];
  return (
    <Group
      gap="xs"
      mb="sm"
      p="xs"
      className="bulk-bar"
      role="region"
      aria-label={t('actions.bulk.label')}
      wrap="wrap"
    >
      <Text size="sm" fw={600}>
        {t('actions.bulk.selected', { n: selection.ids.size })}
      </Text>
      {ops.map(([value, key]) => (
        <Button
          key={value}
          size="xs"
          variant={value === 'cancel' ? 'default' : 'light'}
          onClick={() => setOp(value)}
        >
          {t(key)}
        </Button>
      ))}
      <Button size="xs" variant="subtle" onClick={selection.clear}>
        {t('actions.bulk.clear')}
      </Button>
      {op === 'execute' ? (
        <BulkExecuteDialog
          actions={[...selection.ids.values()]}
          onDone={(executed) =>
            selection.toggle(executed.map((id) => selection.ids.get(id)!).filter(Boolean), false)
          }
          onClose={() => setOp(null)}
        />
      ) : op ? (
        <BulkDialog op={op} selection={selection} onClose={() => setOp(null)} />
      ) : null}
    </Group>
  );
}

/** One operation on every selected action; afterwards, what was done and what not (by name, with why). */
function BulkDialog({
  op,
  selection,
  onClose,
}: {
  op: Exclude<BulkOp, 'execute'>;
  selection: Selection & { clear(): void };
  onClose: () => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const client = useQueryClient();
  const [note, setNote] = useState('');
  const due = useNewDueTime(null);
  const n = selection.ids.size;
  const run = useMutation({
    mutationFn: () =>
      api<BulkAnswer>('POST', '/api/actions/bulk', {
        ids: [...selection.ids.keys()],
        operation: op,
        ...(op === 'complete' && note.trim() ? { note: note.trim() } : {}),
        ...(op === 'cancel' ? { reason: note.trim() } : {}),
        ...(op === 'reschedule' ? due.body() : {}),
      }),
    onSuccess: (answer) => {
      void client.invalidateQueries({ queryKey: ['actions'] });
      if (answer.failed === 0) {
        selection.clear();
        onClose();
      } else {
        // Keep only what was not done selected, to try again or handle one by one.
        selection.toggle(
          answer.results
            .filter((r) => r.ok)
            .map((r) => selection.ids.get(r.id)!)
            .filter(Boolean),
          false,
        );
      }
    },
  });
  const titles: Record<Exclude<BulkOp, 'execute'>, Key> = {
    complete: 'actions.bulk.complete',
    reschedule: 'actions.bulk.reschedule',
    cancel: 'actions.bulk.cancel',
  };
  const answer = run.data;
  return (
    <Modal opened onClose={onClose} title={t(titles[op], { n })}>
      {answer ? (
        <BulkResults
          answer={answer}
          fieldLabel={(path) => (path === 'dueAt' ? t('actions.col.due') : undefined)}
          onClose={onClose}
        />
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (op === 'reschedule' && due.refused(t('actions.reschedule.pastRefused'))) return;
            run.mutate();
          }}
        >
          <Stack>
            <Text size="sm">{t('actions.bulk.intro', { n })}</Text>
            {op === 'complete' ? (
              <Textarea
                label={t('actions.done.note')}
                maxLength={2000}
                autosize
                minRows={2}
                value={note}
                onChange={(e) => setNote(e.currentTarget.value)}
              />
            ) : null}
            {op === 'cancel' ? (
              <TextInput
                label={t('actions.cancel.reason')}
                description={t('actions.cancel.reasonHelp')}
                required
                maxLength={500}
                value={note}
                onChange={(e) => setNote(e.currentTarget.value)}
              />
            ) : null}
            {op === 'reschedule' ? <RescheduleFields {...due.fields} /> : null}
            <ErrorAlert error={run.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                {t('cancel')}
              </Button>
              <Button type="submit" color={op === 'cancel' ? 'red' : undefined} loading={run.isPending}>
                {t(titles[op], { n })}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
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
                <ErrorText label={t('actions.error')} text={reasonText(i18n, f, a.errorCoded, a.error)} />
              ) : null}
            </Stack>
            <Facts
              rows={[
                [
                  t('actions.col.dossier'),
                  <DossierLink key="d" type={a.dossierType} id={a.dossierId} title={a.dossierTitle} />,
                ],
                [t('actions.col.due'), <UrgencyMark key="u" action={a} />],
                [t('actions.col.assignee'), assigneeText(i18n, a)],
                [t('actions.col.status'), statusText(i18n, f, a)],
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
                e.actorKind ? actorText(i18n, e) : (e.actor ?? t('none')),
                reasonText(i18n, f, e.noteCoded, e.note),
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

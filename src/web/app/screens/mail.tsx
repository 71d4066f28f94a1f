/**
 * Mail: the outbox and mail log (filters on status, e-mail template, mailbox, dossier and period,
 * with paging and the total), one message with what is known about it (the SMTP reply of a failed
 * message; for one in doubt: when its content went out, attempts, Message-ID, last error), and the
 * bulk resolution of failed and in-doubt messages (a selection, or everything matching the filter:
 * resend, mark delivered, dismiss) behind a confirmation that says how many and what happens.
 * The mailboxes tab (mailboxes.tsx) and the demo mode's local mail viewer are tabs of the same page.
 */
import { Alert, Badge, Button, Checkbox, Group, Modal, Select, SimpleGrid, Text } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import { api, apiPath, type GetResult, type Page, type Schemas, withQuery } from '../api.js';
import { useDossier, useDossierTypes, dossierTitle } from '../dossier-types.js';
import { ErrorAlert } from '../errors.js';
import { fromZoned, useFormats, useI18n } from '../i18n.js';
import { useCan } from '../session.js';
import {
  AppLink,
  BackLink,
  DataTable,
  Facts,
  MailFrame,
  MoreButton,
  notify,
  PageHead,
  Query,
  RouteTabs,
} from '../ui.js';
import { useEmailTemplates } from './email-templates.js';
import {
  filterFromSearch,
  type Filter,
  NO_FILTER,
  searchForFilter,
  STATUS_CHOICES,
  type StatusChoice,
} from '../mail-filter.js';
import { DossierSelect } from './fields.js';
import { Mailboxes } from './mailboxes.js';
import { reasonText } from './actions.js';
import { DateField } from '../date-field.js';

type OutboxList = GetResult<'/api/email/outbox'>;
type OutboxDetail = GetResult<'/api/email/outbox/{id}'>;
type Mailbox = Schemas['Mailbox'];

interface SinkMessage {
  readonly id: number;
  readonly from: string | null;
  readonly to: string | null;
  readonly cc: string | null;
  readonly subject: string | null;
  readonly receivedAt: string;
}

interface SinkDetail extends SinkMessage {
  readonly html: string | null;
  readonly text: string | null;
}

export type MailTab = 'outbox' | 'mailboxes' | 'viewer';

/** The mail page: outbox and log, mailboxes (with the automatic-workflow right), mail viewer. */
export function MailPage({ tab }: { tab: MailTab }) {
  const { t } = useI18n();
  const [, navigate] = useLocation();
  const manages = useCan('workflows.automatic');
  const tabs: { value: MailTab; label: string }[] = [
    { value: 'outbox', label: t('mail.tab.outbox') },
    ...(manages ? [{ value: 'mailboxes' as const, label: t('mail.tab.mailboxes') }] : []),
    { value: 'viewer', label: t('mail.tab.viewer') },
  ];
  return (
    <>
      <PageHead title={t('mail.title')} />
      <RouteTabs
        value={tab}
        tabs={tabs}
        label={t('mail.tabs')}
        onChange={(v) => navigate(v === 'outbox' ? '/mail' : `/mail/${v}`)}
      >
        {tab === 'outbox' ? <Outbox /> : tab === 'mailboxes' ? <Mailboxes /> : <MailViewer />}
      </RouteTabs>
    </>
  );
}

/** Orange dark enough for text on white and on striped rows (WCAG AA); Mantine's orange.9 is not. */
const DARK_ORANGE = '#9c3d00';

/** The statuses a person resolves. */
const RESOLVABLE = new Set(['failed', 'in_doubt']);
/** The day after a calendar date (`YYYY-MM-DD`). */
function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + 1)).toISOString().slice(0, 10);
}

/** The filter as the API's shared filter parts (outbox list and bulk resolution). */
function apiFilter(f: Filter, timeZone: string) {
  const at = (date: string) =>
    /^\d{4}-\d{2}-\d{2}$/.test(date) ? fromZoned(`${date}T00:00`, timeZone) : null;
  return {
    templateId: f.templateId ?? undefined,
    mailboxId: f.mailboxId ?? undefined,
    dossierId: f.dossierId ?? undefined,
    from: at(f.from) ?? undefined,
    to: (/^\d{4}-\d{2}-\d{2}$/.test(f.to) ? at(nextDay(f.to)) : null) ?? undefined,
  };
}

function statusQuery(status: StatusChoice): string | undefined {
  if (status === 'all') return undefined;
  return status === 'attention' ? 'failed,in_doubt' : status;
}

/** What a selection is: some messages by id, or everything matching the filter. */
type Selection = { readonly all: false; readonly ids: ReadonlySet<string> } | { readonly all: true };
type Resolution = 'resend' | 'markDelivered' | 'dismiss';

/** The outbox and mail log with filters, paging, the total and bulk resolution. */
function Outbox() {
  const i18n = useI18n();
  const { t, tOr, label } = i18n;
  const f = useFormats();
  const search = useSearch();
  const manages = useCan('workflows.automatic');
  const handles = useCan('actions.handle');
  const [, navigate] = useLocation();
  // The filter lives in the address: every change is a history entry (back/forward step through them).
  const filter = useMemo(() => filterFromSearch(search), [search]);
  const limit = new URLSearchParams(search).get('limit') ?? undefined;
  // Page size: 50, or `?limit=` (1-500) for a longer or shorter page.
  const pageSize = Math.min(500, Math.max(1, Number(limit) || 50));
  const [selection, setSelection] = useState<Selection>({ all: false, ids: new Set() });
  const [asking, setAsking] = useState<Resolution | null>(null);
  const setFilter = (next: Filter) => navigate(searchForFilter(next, { limit }));
  const set = (part: Partial<Filter>) => setFilter({ ...filter, ...part });
  const query = useMemo(
    () => ({ status: statusQuery(filter.status), ...apiFilter(filter, f.timeZone) }),
    [filter, f.timeZone],
  );
  const key = JSON.stringify(query);
  useEffect(() => setSelection({ all: false, ids: new Set() }), [key]);

  const templates = useEmailTemplates();
  const mailboxes = useQuery({
    queryKey: ['mailboxes'],
    queryFn: () => api<{ items: Mailbox[] }>('GET', '/api/mailboxes'),
    enabled: manages,
  });
  const types = useDossierTypes();
  const templateName = new Map((templates.data ?? []).map((x) => [x.id, x.name]));
  const mailboxName = new Map((mailboxes.data?.items ?? []).map((x) => [x.id, x.name]));
  const counts = useQuery({
    queryKey: ['mail', 'outbox', 'counts'],
    queryFn: () => api<Record<string, number>>('GET', '/api/email/outbox/counts'),
  });
  const list = useInfiniteQuery({
    queryKey: ['mail', 'outbox', 'list', key, pageSize],
    queryFn: ({ pageParam }) =>
      api<OutboxList>(
        'GET',
        withQuery('/api/email/outbox', { ...query, limit: pageSize, cursor: pageParam ?? undefined }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const loaded = (list.data?.pages ?? []).flatMap((p) => p.items);
  const total = list.data?.pages[0]?.total ?? 0;
  const resolvableLoaded = loaded.filter((m) => RESOLVABLE.has(m.status));
  const picked = selection.all ? total : selection.ids.size;
  const allLoadedPicked =
    selection.all || (resolvableLoaded.length > 0 && resolvableLoaded.every((m) => selection.ids.has(m.id)));
  const toggle = (id: string, on: boolean) =>
    setSelection((old) => {
      const ids = new Set(old.all ? resolvableLoaded.map((m) => m.id) : old.ids);
      if (on) ids.add(id);
      else ids.delete(id);
      return { all: false, ids };
    });
  const statusOptions = STATUS_CHOICES.map((s) => ({
    value: s,
    label:
      s === 'attention'
        ? t('mail.filter.attention', { n: (counts.data?.failed ?? 0) + (counts.data?.in_doubt ?? 0) })
        : s === 'all'
          ? t('mail.filter.all')
          : `${tOr(`mail.status.${s}`, s)} (${counts.data?.[s] ?? 0})`,
  }));
  const body = selection.all
    ? {
        filter: {
          ...apiFilter(filter, f.timeZone),
          ...(filter.status === 'failed' || filter.status === 'in_doubt' ? { status: filter.status } : {}),
        },
      }
    : { ids: [...selection.ids] };
  const canSelect = handles && resolvableLoaded.length > 0;

  return (
    <section aria-labelledby="outbox-title">
      <Text c="dimmed" mb="sm" id="outbox-title">
        {t('mail.outbox.intro')}
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm" mb="md" className="mail-filters">
        <Select
          label={t('mail.filter.status')}
          data={statusOptions}
          value={filter.status}
          allowDeselect={false}
          onChange={(v) => v && set({ status: v as StatusChoice })}
        />
        <Select
          label={t('mail.filter.template')}
          placeholder={t('mail.filter.any')}
          searchable
          clearable
          data={(templates.data ?? []).map((x) => ({ value: x.id, label: x.name }))}
          value={filter.templateId}
          onChange={(v) => set({ templateId: v })}
          nothingFoundMessage={t('empty')}
        />
        {manages ? (
          <Select
            label={t('mail.filter.mailbox')}
            placeholder={t('mail.filter.any')}
            clearable
            data={(mailboxes.data?.items ?? []).map((x) => ({ value: x.id, label: x.name }))}
            value={filter.mailboxId}
            onChange={(v) => set({ mailboxId: v })}
          />
        ) : null}
        <Select
          label={t('mail.filter.dossierType')}
          placeholder={t('mail.filter.any')}
          clearable
          searchable
          data={(types.data ?? []).map((x) => ({ value: x.key, label: label(x.label, x.key) }))}
          value={filter.dossierType}
          onChange={(v) => set({ dossierType: v, dossierId: null })}
        />
        {filter.dossierType ? (
          <DossierSelect
            type={filter.dossierType}
            label={t('mail.filter.dossier')}
            value={filter.dossierId}
            onChange={(v) => set({ dossierId: v })}
          />
        ) : null}
        <DateField
          label={t('mail.filter.from')}
          value={filter.from}
          onChange={(v) => set({ from: v ?? '' })}
        />
        <DateField label={t('mail.filter.to')} value={filter.to} onChange={(v) => set({ to: v ?? '' })} />
      </SimpleGrid>
      <Group justify="space-between" mb="xs" wrap="wrap" gap="xs">
        <Text size="sm" role="status" data-testid="outbox-total">
          {list.isPending ? t('loading') : t('mail.total', { n: total, shown: loaded.length })}
        </Text>
        <Group gap="xs">
          <Button variant="subtle" size="xs" onClick={() => setFilter(NO_FILTER)}>
            {t('mail.filter.clear')}
          </Button>
        </Group>
      </Group>
      {handles ? (
        <Group
          className="bulk-bar"
          gap="xs"
          mb="xs"
          p="xs"
          wrap="wrap"
          aria-label={t('mail.bulk.label')}
          role="group"
        >
          <Text size="sm" fw={500} data-testid="bulk-count">
            {selection.all ? t('mail.bulk.allPicked', { n: total }) : t('mail.bulk.picked', { n: picked })}
          </Text>
          {canSelect && allLoadedPicked && !selection.all && total > resolvableLoaded.length ? (
            <Button size="xs" variant="light" onClick={() => setSelection({ all: true })}>
              {t('mail.bulk.selectAll', { n: total })}
            </Button>
          ) : null}
          {picked > 0 ? (
            <Button size="xs" variant="subtle" onClick={() => setSelection({ all: false, ids: new Set() })}>
              {t('mail.bulk.clear')}
            </Button>
          ) : null}
          {(['resend', 'markDelivered', 'dismiss'] as const).map((r) => (
            <Button key={r} size="xs" variant="default" disabled={picked === 0} onClick={() => setAsking(r)}>
              {t(`mail.bulk.${r}`)}
            </Button>
          ))}
        </Group>
      ) : null}
      <Query query={list}>
        {() => (
          <>
            <DataTable
              className="outbox-table"
              empty={t('mail.outbox.empty')}
              head={[
                ...(canSelect
                  ? [
                      <Checkbox
                        key="all"
                        aria-label={t('mail.bulk.pickLoaded')}
                        checked={allLoadedPicked}
                        indeterminate={!allLoadedPicked && picked > 0}
                        onChange={(e) =>
                          setSelection(
                            e.currentTarget.checked
                              ? { all: false, ids: new Set(resolvableLoaded.map((m) => m.id)) }
                              : { all: false, ids: new Set() },
                          )
                        }
                      />,
                    ]
                  : []),
                t('mail.col.created'),
                t('mail.col.to'),
                t('mail.col.subject'),
                t('mail.col.template'),
                t('mail.col.mailbox'),
                t('mail.outbox.status'),
                t('mail.outbox.reply'),
              ]}
              rows={loaded.map((m) => [
                ...(canSelect
                  ? [
                      RESOLVABLE.has(m.status) ? (
                        <Checkbox
                          key="pick"
                          aria-label={t('mail.bulk.pick', { subject: m.subject || t('mail.noSubject') })}
                          checked={selection.all || selection.ids.has(m.id)}
                          onChange={(e) => toggle(m.id, e.currentTarget.checked)}
                        />
                      ) : null,
                    ]
                  : []),
                f.dateTime(m.createdAt),
                <span key="to" className="wrap">
                  {m.to.join(', ')}
                </span>,
                <AppLink key="s" href={`/mail/outbox/${m.id}`}>
                  {m.subject || t('mail.noSubject')}
                </AppLink>,
                (m.templateId && templateName.get(m.templateId)) ?? t('none'),
                mailboxName.get(m.mailboxId) ?? m.from,
                <StatusBadge key="st" status={m.status} attention={m.needsAttention} />,
                <Text
                  key="r"
                  size="xs"
                  className="wrap"
                  lineClamp={3}
                  title={reasonText(i18n, f, m.lastReplyCoded, m.lastReply) || undefined}
                >
                  {reasonText(i18n, f, m.lastReplyCoded, m.lastReply)}
                </Text>,
              ])}
            />
            <MoreButton query={list} />
          </>
        )}
      </Query>
      {asking ? (
        <ResolveDialog
          resolution={asking}
          body={body}
          onClose={(done) => {
            setAsking(null);
            if (done) setSelection({ all: false, ids: new Set() });
          }}
        />
      ) : null}
    </section>
  );
}

function StatusBadge({ status, attention }: { status: string; attention?: boolean }) {
  const { t, tOr } = useI18n();
  const color =
    status === 'failed'
      ? 'red.9'
      : status === 'in_doubt'
        ? DARK_ORANGE
        : status === 'sent'
          ? 'brand.9'
          : 'gray.8';
  return (
    <Group gap={4} wrap="nowrap">
      <Badge color={color} variant="outline" className="status-badge">
        {tOr(`mail.status.${status}`, status)}
      </Badge>
      {attention ? (
        <Badge color={DARK_ORANGE} className="status-badge" variant="outline">
          {t('mail.attention')}
        </Badge>
      ) : null}
    </Group>
  );
}

/**
 * Asks before a bulk resolution: first a dry run says exactly how many messages it applies to,
 * then the real one; the result is announced and the lists refresh.
 */
function ResolveDialog({
  resolution,
  body,
  onClose,
}: {
  resolution: Resolution;
  body: object;
  onClose: (done: boolean) => void;
}) {
  const { t } = useI18n();
  const client = useQueryClient();
  const dry = useQuery({
    queryKey: ['mail', 'resolve', 'dry', resolution, JSON.stringify(body)],
    queryFn: () =>
      api<{ resolved: number }>('POST', '/api/email/outbox/resolve', { ...body, resolution, dryRun: true }),
    gcTime: 0,
  });
  const run = useMutation({
    mutationFn: () => api<{ resolved: number }>('POST', '/api/email/outbox/resolve', { ...body, resolution }),
    onSuccess: (r) => {
      notify(t(`mail.bulk.done.${resolution}`, { n: r.resolved }));
      void client.invalidateQueries({ queryKey: ['mail'] });
      onClose(true);
    },
  });
  const n = dry.data?.resolved;
  return (
    <Modal opened onClose={() => onClose(false)} title={t(`mail.bulk.${resolution}`)}>
      <ErrorAlert error={dry.error ?? run.error} />
      {n === undefined ? (
        <Text role="status">{t('loading')}</Text>
      ) : n === 0 ? (
        <Alert color="gray" data-testid="resolve-explain">
          {t(`mail.bulk.none.${resolution}`)}
        </Alert>
      ) : (
        <Text data-testid="resolve-explain">{t(`mail.bulk.explain.${resolution}`, { n })}</Text>
      )}
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={() => onClose(false)}>
          {t('cancel')}
        </Button>
        <Button
          disabled={!n}
          loading={run.isPending}
          color={resolution === 'resend' ? 'brand' : DARK_ORANGE}
          onClick={() => run.mutate()}
        >
          {t(`mail.bulk.confirm.${resolution}`, { n: n ?? 0 })}
        </Button>
      </Group>
    </Modal>
  );
}

/** One outbox message: everything known about it, its content, and what a person can do. */
export function OutboxMessagePage({ id }: { id: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const f = useFormats();
  const client = useQueryClient();
  const handles = useCan('actions.handle');
  const [asking, setAsking] = useState<Resolution | null>(null);
  const message = useQuery({
    queryKey: ['mail', 'outbox', 'message', id],
    queryFn: () => api<OutboxDetail>('GET', apiPath('email', 'outbox', id)),
  });
  const templates = useEmailTemplates();
  return (
    <>
      <BackLink href="/mail" />
      <Query query={message}>
        {(m) => (
          <>
            <PageHead title={m.subject || t('mail.noSubject')} />
            {m.status === 'in_doubt' ? (
              <Alert color={DARK_ORANGE} mb="md" title={t('mail.status.in_doubt')}>
                {t('mail.inDoubt.explain')}
              </Alert>
            ) : m.status === 'failed' ? (
              <Alert color="red.9" mb="md" title={t('mail.status.failed')}>
                {t('mail.failed.explain')}
              </Alert>
            ) : null}
            <Facts
              rows={[
                [
                  t('mail.outbox.status'),
                  <StatusBadge key="s" status={m.status} attention={m.needsAttention} />,
                ],
                [t('mail.outbox.reply'), reasonText(i18n, f, m.lastReplyCoded, m.lastReply) || t('none')],
                [t('mail.col.from'), m.from],
                [t('mail.col.to'), m.to.join(', ')],
                ...(m.cc.length > 0
                  ? [[t('actions.preview.cc'), m.cc.join(', ')] as [ReactNode, ReactNode]]
                  : []),
                [
                  t('mail.col.template'),
                  (m.templateId && templates.data?.find((x) => x.id === m.templateId)?.name) ?? t('none'),
                ],
                ...(m.dossierType && m.dossierId
                  ? [
                      [t('mail.dossier'), <DossierLink key="d" type={m.dossierType} id={m.dossierId} />] as [
                        ReactNode,
                        ReactNode,
                      ],
                    ]
                  : []),
                [t('mail.col.created'), f.dateTime(m.createdAt)],
                [t('mail.attempts'), String(m.attempts)],
                [t('mail.dataSentAt'), m.dataSentAt ? f.dateTime(m.dataSentAt) : t('mail.dataSentAt.never')],
                [t('mail.sentAt'), f.dateTime(m.sentAt)],
                [t('mail.messageId'), <code key="mid">{m.messageId}</code>],
                ...(m.redirectedTo
                  ? [[t('mail.redirectedTo'), m.redirectedTo] as [ReactNode, ReactNode]]
                  : []),
                ...(m.resolution
                  ? [
                      [
                        t('mail.resolution'),
                        t(
                          m.resolution === 'resent' ? 'mail.resolution.resent' : 'mail.resolution.dismissed',
                          {
                            at: f.dateTime(m.resolvedAt),
                          },
                        ),
                      ] as [ReactNode, ReactNode],
                    ]
                  : []),
              ]}
            />
            {handles && RESOLVABLE.has(m.status) ? (
              <Group gap="xs" my="md">
                <Button onClick={() => setAsking('resend')}>{t('mail.bulk.resend')}</Button>
                {m.status === 'in_doubt' ? (
                  <Button variant="default" onClick={() => setAsking('markDelivered')}>
                    {t('mail.bulk.markDelivered')}
                  </Button>
                ) : null}
                <Button variant="default" onClick={() => setAsking('dismiss')}>
                  {t('mail.bulk.dismiss')}
                </Button>
              </Group>
            ) : null}
            <MailFrame html={m.html} title={t('mail.frame')} />
            <details>
              <summary>{t('mail.text')}</summary>
              <pre className="mail-text">{m.text}</pre>
            </details>
            {asking ? (
              <ResolveDialog
                resolution={asking}
                body={{ ids: [m.id] }}
                onClose={() => {
                  setAsking(null);
                  void client.invalidateQueries({ queryKey: ['mail'] });
                }}
              />
            ) : null}
          </>
        )}
      </Query>
    </>
  );
}

function DossierLink({ type, id }: { type: string; id: string }) {
  const types = useDossierTypes();
  const dossier = useDossier(type, id);
  const def = types.data?.find((x) => x.key === type);
  return (
    <AppLink href={`/dossiers/${type}/${id}`}>{dossier.data ? dossierTitle(def, dossier.data) : '…'}</AppLink>
  );
}

/** "Mailviewer": what the local SMTP sink received (demo and sandbox mode). */
function MailViewer() {
  const { t } = useI18n();
  const f = useFormats();
  const client = useQueryClient();
  const inbox = useInfiniteQuery({
    queryKey: ['mail', 'sink'],
    queryFn: ({ pageParam }) =>
      api<Page<SinkMessage> & { running: boolean; smtp: string | null }>(
        'GET',
        withQuery('/api/mail-viewer/messages', { limit: 50, cursor: pageParam ?? undefined }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  return (
    <>
      <Group justify="space-between" wrap="wrap">
        <Text c="dimmed" mb="sm">
          {t('mail.intro')}
        </Text>
        <Button
          variant="subtle"
          onClick={() => void client.invalidateQueries({ queryKey: ['mail', 'sink'] })}
        >
          {t('refresh')}
        </Button>
      </Group>
      <Query query={inbox}>
        {(data) => {
          const first = data.pages[0]!;
          return (
            <>
              <Text size="sm" c="dimmed" mb="xs">
                {first.running ? t('mail.running', { smtp: first.smtp ?? '' }) : t('mail.notRunning')}
              </Text>
              <DataTable
                className="mail-table"
                empty={t('mail.empty')}
                head={[t('mail.col.received'), t('mail.col.from'), t('mail.col.to'), t('mail.col.subject')]}
                rows={data.pages
                  .flatMap((p) => p.items)
                  .map((m) => [
                    f.dateTime(m.receivedAt),
                    m.from ?? '',
                    m.to ?? '',
                    <AppLink key="s" href={`/mail/viewer/${m.id}`}>
                      {m.subject || t('mail.noSubject')}
                    </AppLink>,
                  ])}
              />
              <MoreButton query={inbox} />
            </>
          );
        }}
      </Query>
    </>
  );
}

/** One message the local sink received, its HTML in a sandboxed frame. */
export function MailMessage({ id }: { id: string }) {
  const { t } = useI18n();
  const f = useFormats();
  const message = useQuery({
    queryKey: ['mail', 'sink', id],
    queryFn: () => api<SinkDetail>('GET', apiPath('mail-viewer', 'messages', id)),
  });
  return (
    <>
      <BackLink href="/mail/viewer" />
      <Query query={message}>
        {(m) => (
          <>
            <PageHead title={m.subject || t('mail.noSubject')} />
            <Facts
              rows={[
                [t('mail.col.received'), f.dateTime(m.receivedAt)],
                [t('mail.col.from'), m.from ?? ''],
                [t('mail.col.to'), m.to ?? ''],
                ...(m.cc ? [[t('actions.preview.cc'), m.cc] as [string, string]] : []),
              ]}
            />
            {m.html ? <MailFrame html={m.html} title={t('mail.frame')} /> : null}
            {m.text ? (
              <details open={!m.html}>
                <summary>{t('mail.text')}</summary>
                <pre className="mail-text">{m.text}</pre>
              </details>
            ) : null}
          </>
        )}
      </Query>
    </>
  );
}

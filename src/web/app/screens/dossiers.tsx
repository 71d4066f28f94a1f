/**
 * "Dossiers": per dossier type a list with search, a status filter, a filter on a field, sorting,
 * "Meer laden" paging with the total, and empty states that say what to do. One dossier: its
 * fields by name, its status changed with one click, edit and delete (naming what refers to it),
 * the dossiers that refer to it (a training's participants), its actions, and a timeline of its
 * changes, actions and e-mails with who did it.
 */
import { Button, Group, Modal, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import {
  type Action,
  ApiError,
  type Dossier,
  type DossierType,
  type FieldDef,
  type GetResult,
  type Page,
  api,
  apiPath,
  withQuery,
} from '../api.js';
import {
  actorText,
  dossierTitle,
  statusLabel,
  useDossier,
  useDossierTypes,
  usePeopleNames,
  valueText,
} from '../dossier-types.js';
import { ErrorAlert } from '../errors.js';
import { type Formats, lang, useFormats, useI18n } from '../i18n.js';
import { AppLink, BackLink, DataTable, Facts, PageHead, Query, notify } from '../ui.js';
import { ActionTable, reasonText } from './actions.js';
import { WORKER_WORD } from '../../../domain/actor.js';
import { ValueInput } from './fields.js';
import { ConflictAlert } from './dossier-form.js';
import { ExplainSection } from './explain-panel.js';

type DossierEvent = GetResult<'/api/dossiers/{type}/{id}/events'>['items'][number];
type RelatedGroup = GetResult<'/api/dossiers/{type}/{id}/related'>['items'][number];
type DossierList = GetResult<'/api/dossiers/{type}'>;

interface MailItem {
  readonly id: string;
  readonly to: string[];
  readonly subject: string;
  readonly status: string;
  readonly createdAt: string;
}

const listPath = (type: string) => `/dossiers/${encodeURIComponent(type)}`;
const detailPath = (type: string, id: string) => `${listPath(type)}/${encodeURIComponent(id)}`;

/** The list's state, kept in the address so it can be bookmarked and survives going back. */
interface ListState {
  readonly status: string;
  readonly q: string;
  readonly sort: string;
  /** A filter on one field: its key and the value (`f=city&v=Zwolle`). */
  readonly f: string;
  readonly v: string;
}

function useListState(): [ListState, (key: string, change: Partial<ListState>) => void] {
  const params = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const state: ListState = {
    status: params.get('status') ?? '',
    q: params.get('q') ?? '',
    sort: params.get('sort') ?? '',
    f: params.get('f') ?? '',
    v: params.get('v') ?? '',
  };
  const go = (key: string, change: Partial<ListState>) =>
    navigate(withQuery(listPath(key), { ...state, ...change }), { replace: true });
  return [state, go];
}

export function DossiersPage({ type: wanted }: { type: string | null }) {
  const i18n = useI18n();
  const { t, label } = i18n;
  const types = useDossierTypes();
  const [state, setState] = useListState();
  const [, navigate] = useLocation();
  const [search, setSearch] = useState(state.q);
  const [q] = useDebouncedValue(search, 300);
  const key = wanted ?? types.data?.[0]?.key ?? '';
  useEffect(() => {
    if (q !== state.q) setState(key, { q });
    // Only the typed words drive this; the rest of the state is read when they change.
  }, [q]);
  return (
    <>
      <Query query={types}>
        {(list) => {
          const type = list.find((x) => x.key === key);
          const sortable = (type?.fields ?? []).filter(
            (f) => !['longText', 'reference', 'user', 'team'].includes(f.kind),
          );
          const filterField = type?.fields.find((f) => f.key === state.f);
          return (
            <>
              <PageHead title={type ? label(type.pluralLabel ?? type.label) : t('dossiers.title')}>
                {type ? (
                  <Button onClick={() => navigate(`${listPath(type.key)}/new`)}>
                    {t('dossiers.new', { type: label(type.label) })}
                  </Button>
                ) : null}
              </PageHead>
              <Group mb="md" align="end" wrap="wrap" gap="sm">
                <Select
                  label={t('dossiers.type')}
                  value={key}
                  allowDeselect={false}
                  searchable
                  onChange={(v) => v && navigate(listPath(v))}
                  data={list.map((x) => ({ value: x.key, label: label(x.pluralLabel ?? x.label) }))}
                  comboboxProps={{ withinPortal: true }}
                />
                <TextInput
                  label={t('dossiers.search')}
                  type="search"
                  value={search}
                  onChange={(e) => setSearch(e.currentTarget.value)}
                  placeholder={t('dossiers.search.placeholder')}
                />
                {type && type.statuses.length > 0 ? (
                  <Select
                    label={t('dossiers.status')}
                    value={state.status}
                    allowDeselect={false}
                    onChange={(v) => setState(key, { status: v ?? '' })}
                    data={[
                      { value: '', label: t('dossiers.allStatuses') },
                      ...[...type.statuses]
                        .sort((a, b) => a.order - b.order)
                        .map((s) => ({ value: s.code, label: label(s.label) })),
                    ]}
                    comboboxProps={{ withinPortal: true }}
                  />
                ) : null}
                <Select
                  label={t('dossiers.sort')}
                  w={260}
                  value={state.sort}
                  allowDeselect={false}
                  onChange={(v) => setState(key, { sort: v ?? '' })}
                  data={[
                    { value: '', label: t('dossiers.sort.created') },
                    { value: '-id', label: t('dossiers.sort.newest') },
                    { value: '-updatedAt', label: t('dossiers.sort.changed') },
                    ...sortable.map((f) => ({ value: f.key, label: label(f.label) })),
                  ]}
                  comboboxProps={{ withinPortal: true }}
                />
                <Select
                  label={t('dossiers.filterField')}
                  w={220}
                  value={state.f}
                  allowDeselect={false}
                  onChange={(v) => setState(key, { f: v ?? '', v: '' })}
                  data={[
                    { value: '', label: t('dossiers.filterField.none') },
                    ...(type?.fields ?? [])
                      .filter((f) => f.kind !== 'longText' && f.kind !== 'status')
                      .map((f) => ({ value: f.key, label: label(f.label) })),
                  ]}
                  comboboxProps={{ withinPortal: true }}
                />
                {filterField ? (
                  <ValueInput
                    field={filterField}
                    owner={type}
                    label={t('dossiers.filterValue', { field: label(filterField.label) })}
                    value={
                      filterField.kind === 'boolean' ? (state.v === '' ? null : state.v === 'true') : state.v
                    }
                    onChange={(v) => setState(key, { v: v === null || v === undefined ? '' : String(v) })}
                  />
                ) : null}
              </Group>
              {type ? <DossierListTable type={type} state={state} /> : null}
            </>
          );
        }}
      </Query>
    </>
  );
}

function DossierListTable({ type, state }: { type: DossierType; state: ListState }) {
  const i18n = useI18n();
  const { t, label } = i18n;
  const f = useFormats();
  const [, navigate] = useLocation();
  const filters: Record<string, string> = {};
  if (state.f && state.v !== '') filters[state.f] = state.v;
  const pages = useInfiniteQuery({
    queryKey: ['dossiers', type.key, 'list', state, lang()],
    queryFn: ({ pageParam }) =>
      api<DossierList>(
        'GET',
        withQuery(apiPath('dossiers', type.key), {
          ...filters,
          status: state.status,
          q: state.q,
          sort: state.sort,
          cursor: pageParam ?? undefined,
          limit: 50,
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
  });
  const filtered = Boolean(state.status || state.q || (state.f && state.v));
  return (
    <Query query={pages}>
      {(data) => {
        const items = data.pages.flatMap((p) => p.items);
        const total = data.pages[0]?.total ?? 0;
        if (items.length === 0)
          return (
            <Stack gap="xs" py="sm" data-testid="empty">
              <Text fw={600}>
                {t(filtered ? 'dossiers.empty.filtered' : 'dossiers.empty', {
                  types: label(type.pluralLabel ?? type.label).toLowerCase(),
                })}
              </Text>
              <Group>
                {filtered ? (
                  <Button variant="default" onClick={() => navigate(listPath(type.key))}>
                    {t('dossiers.empty.clear')}
                  </Button>
                ) : null}
                <Button onClick={() => navigate(`${listPath(type.key)}/new`)}>
                  {t('dossiers.new', { type: label(type.label) })}
                </Button>
              </Group>
            </Stack>
          );
        return (
          <Stack>
            <Text role="status" aria-live="polite" data-testid="count">
              {t('dossiers.count', { shown: f.number(items.length), total: f.number(total) })}
            </Text>
            <DataTable
              head={[t('dossiers.col.title'), t('dossiers.col.status'), t('dossiers.col.updated')]}
              rows={items.map((d) => [
                <AppLink key="t" href={detailPath(type.key, d.id)} strong>
                  {dossierTitle(type, d)}
                </AppLink>,
                statusLabel(i18n, type, d.status),
                f.dateTime(d.updatedAt),
              ])}
            />
            {pages.hasNextPage ? (
              <Group>
                <Button
                  variant="default"
                  onClick={() => void pages.fetchNextPage()}
                  loading={pages.isFetchingNextPage}
                >
                  {t('more')}
                </Button>
              </Group>
            ) : null}
          </Stack>
        );
      }}
    </Query>
  );
}

/** A reference field's value: a link named after the dossier it points at. */
export function ReferenceValue({ refType, id }: { refType: string; id: string }) {
  const { t } = useI18n();
  const types = useDossierTypes();
  const dossier = useDossier(refType, id);
  const def = types.data?.find((d) => d.key === refType);
  return (
    <AppLink href={detailPath(refType, id)}>
      {dossier.data
        ? dossierTitle(def, dossier.data)
        : dossier.isError
          ? t('dossiers.missing')
          : t('loading')}
    </AppLink>
  );
}

function Section({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  return (
    <section id={id} aria-labelledby={id ? `${id}-title` : undefined}>
      <Title order={2} size="h3" mt="lg" mb="xs" id={id ? `${id}-title` : undefined}>
        {title}
      </Title>
      {children}
    </section>
  );
}

/** The statuses as buttons: one click sets the status (with the dossier's version). */
function StatusControl({ type, dossier }: { type: DossierType; dossier: Dossier }) {
  const i18n = useI18n();
  const { t, label } = i18n;
  const client = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const set = async (code: string) => {
    setBusy(code);
    setError(null);
    try {
      await api<Dossier>(
        'PATCH',
        apiPath('dossiers', type.key, dossier.id),
        { data: { status: code } },
        {
          'If-Match': `"${dossier.version}"`,
        },
      );
      await client.invalidateQueries({ queryKey: ['dossiers', type.key] });
      await client.invalidateQueries({ queryKey: ['actions'] });
      notify(t('dossiers.statusSet', { status: statusLabel(i18n, type, code) }));
    } catch (e) {
      setError(e);
      // A stale page keeps what it showed until the user loads the newest version (the conflict
      // says who changed what); any other error reloads the dossier at once.
      if (!(e instanceof ApiError && e.code === 'version_conflict'))
        await client.invalidateQueries({ queryKey: ['dossiers', type.key, dossier.id] });
    } finally {
      setBusy(null);
    }
  };
  return (
    <Stack gap="xs" mb="md">
      <Group gap="xs" role="group" aria-label={t('dossiers.statusControl')} wrap="wrap">
        <Text fw={600} size="sm">
          {t('dossiers.statusControl')}:
        </Text>
        {[...type.statuses]
          .sort((a, b) => a.order - b.order)
          .map((s) => {
            const current = s.code === dossier.status;
            return (
              <Button
                key={s.code}
                size="compact-sm"
                variant={current ? 'filled' : 'default'}
                aria-pressed={current}
                loading={busy === s.code}
                onClick={() => !current && void set(s.code)}
              >
                {label(s.label)}
              </Button>
            );
          })}
      </Group>
      {error instanceof ApiError && error.code === 'version_conflict' ? (
        <ConflictAlert
          error={error}
          type={type}
          of="status"
          onReload={() => {
            setError(null);
            void client.invalidateQueries({ queryKey: ['dossiers', type.key, dossier.id] });
          }}
        />
      ) : (
        <ErrorAlert error={error} />
      )}
    </Stack>
  );
}

/** Delete, after a confirmation that names what still refers to the dossier (and then refuses). */
function DeleteButton({
  type,
  dossier,
  related,
}: {
  type: DossierType;
  dossier: Dossier;
  related: RelatedGroup[] | undefined;
}) {
  const { t, label } = useI18n();
  const types = useDossierTypes();
  const client = useQueryClient();
  const [, navigate] = useLocation();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // Only direct references stop a delete; those reached in two steps go with their link.
  const blocking = (related ?? []).filter((g) => !g.through);
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('DELETE', apiPath('dossiers', type.key, dossier.id), undefined, {
        'If-Match': `"${dossier.version}"`,
      });
      await client.invalidateQueries({ queryKey: ['dossiers', type.key] });
      notify(t('dossiers.deleted', { title: dossierTitle(type, dossier) }));
      navigate(listPath(type.key));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button color="red.9" variant="outline" onClick={() => setOpen(true)}>
        {t('dossiers.delete')}
      </Button>
      <Modal
        opened={open}
        onClose={() => setOpen(false)}
        title={t('dossiers.delete.title', { title: dossierTitle(type, dossier) })}
        closeButtonProps={{ 'aria-label': t('close') }}
      >
        <Stack>
          {blocking.length > 0 ? (
            <>
              <Text>{t('dossiers.delete.blocked')}</Text>
              <ul data-testid="blocking">
                {blocking.map((g) => {
                  const other = types.data?.find((x) => x.key === g.type);
                  const field = other?.fields.find((x) => x.key === g.field);
                  return (
                    <li key={`${g.type}.${g.field}`}>
                      {t('dossiers.related.count', {
                        count: g.total,
                        types: label(other?.pluralLabel ?? other?.label, g.type),
                        field: label(field?.label, g.field),
                      })}
                      : {g.items.map((d) => dossierTitle(other, d)).join(', ')}
                      {g.total > g.items.length ? ' …' : ''}
                    </li>
                  );
                })}
              </ul>
            </>
          ) : (
            <Text>{t('dossiers.delete.confirm')}</Text>
          )}
          <ErrorAlert error={error} />
          <Group>
            <Button color="red.9" onClick={() => void remove()} loading={busy} disabled={blocking.length > 0}>
              {t('dossiers.delete.yes')}
            </Button>
            <Button variant="default" onClick={() => setOpen(false)}>
              {t('cancel')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

/** The dossiers that refer to this one, per type and field, with a link to add one more. */
function RelatedDossiers({ type, id, related }: { type: DossierType; id: string; related: RelatedGroup[] }) {
  const i18n = useI18n();
  const { t, label } = i18n;
  const types = useDossierTypes();
  const referring = (types.data ?? []).flatMap((other) =>
    other.fields
      .filter((field) => field.kind === 'reference' && field.refType === type.key)
      .map((field) => ({ other, field })),
  );
  const groups = referring.map(({ other, field }) => ({
    other,
    field,
    group: related.find((g) => g.type === other.key && g.field === field.key && !g.through),
  }));
  const addLink = (other: DossierType, field: FieldDef) =>
    withQuery(`${listPath(other.key)}/new`, { [field.key]: id });
  const empty = groups.filter((g) => !g.group);
  const further = related.filter((g) => g.through);
  return (
    <Stack gap="sm">
      {groups
        .filter((g) => g.group)
        .map(({ other, field, group }) => (
          <div key={`${other.key}.${field.key}`}>
            <Title order={3} size="h5" mb={4}>
              {t('dossiers.related.count', {
                count: group!.total,
                types: label(other.pluralLabel ?? other.label),
                field: label(field.label),
              })}
            </Title>
            <ul className="related-list">
              {group!.items.map((d) => (
                <li key={d.id}>
                  <AppLink href={detailPath(other.key, d.id)}>{dossierTitle(other, d)}</AppLink>
                  {d.status
                    ? ` · ${label(other.statuses.find((s) => s.code === d.status)?.label, d.status)}`
                    : ''}
                </li>
              ))}
            </ul>
            <Group gap="sm">
              {group!.total > group!.items.length ? (
                <AppLink href={withQuery(listPath(other.key), { f: field.key, v: id })}>
                  {t('dossiers.related.all', { count: group!.total })}
                </AppLink>
              ) : null}
              <AppLink href={addLink(other, field)}>
                + {t('dossiers.related.add', { type: label(other.label).toLowerCase() })}
              </AppLink>
            </Group>
          </div>
        ))}
      {further.map((g) => {
        const other = types.data?.find((x) => x.key === g.type);
        const via = types.data?.find((x) => x.key === g.through!.type);
        return (
          <div key={`${g.type}.${g.field}.${g.through!.type}`}>
            <Title order={3} size="h5" mb={4}>
              {t('dossiers.related.through', {
                count: g.total,
                types: label(other?.pluralLabel ?? other?.label, g.type),
                via: label(via?.pluralLabel ?? via?.label, g.through!.type).toLowerCase(),
              })}
            </Title>
            <ul className="related-list">
              {g.items.map((d) => (
                <li key={d.id}>
                  <AppLink href={detailPath(g.type, d.id)}>{dossierTitle(other, d)}</AppLink>
                  {d.status ? ` · ${statusLabel(i18n, other, d.status)}` : ''}
                </li>
              ))}
            </ul>
          </div>
        );
      })}
      {empty.length > 0 ? (
        <Text size="sm">
          {t('dossiers.related.none')}{' '}
          {empty.map(({ other, field }, i) => (
            <span key={`${other.key}.${field.key}`}>
              {i > 0 ? ' · ' : ''}
              <AppLink href={addLink(other, field)}>
                + {label(other.label)}
                {empty.filter((e) => e.other.key === other.key).length > 1 ? ` (${label(field.label)})` : ''}
              </AppLink>
            </span>
          ))}
        </Text>
      ) : null}
    </Stack>
  );
}

interface TimelineItem {
  readonly at: string;
  readonly what: ReactNode;
  readonly who: string;
}

type ActionStep = GetResult<'/api/dossiers/{type}/{id}/action-steps'>['items'][number];

/** How many items of each kind (changes, action steps, e-mails) one "Meer laden" reads. */
const TIMELINE_PAGE = 50;

/** One keyset-paged source of the timeline (`…/events`, `…/action-steps`, `…/emails`), newest first. */
function useTimelineSource<T>(key: readonly unknown[], path: string) {
  return useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) =>
      api<Page<T>>('GET', withQuery(path, { cursor: pageParam ?? undefined, limit: TIMELINE_PAGE })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

/**
 * Merges sources that are each paged newest first into one list, newest first, as far as it is
 * complete: down to the oldest item loaded of a source that has more pages (what lies below could
 * still be preceded by that source's next page). `limiting` are the sources to read further.
 */
function mergeTimeline(
  sources: readonly { readonly items: readonly TimelineItem[]; readonly more: boolean }[],
): { items: TimelineItem[]; limiting: number[] } {
  const oldest = (items: readonly TimelineItem[]) =>
    items.reduce((min, i) => (i.at < min ? i.at : min), items[0]?.at ?? '');
  const open = sources.map((s, i) => ({ i, at: s.more ? oldest(s.items) : null }));
  const horizon = open.reduce<string | null>(
    (h, o) => (o.at !== null && (h === null || o.at > h) ? o.at : h),
    null,
  );
  const all = sources
    .flatMap((s) => s.items)
    .filter((i) => horizon === null || i.at >= horizon)
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  return { items: all, limiting: open.filter((o) => o.at !== null && o.at === horizon).map((o) => o.i) };
}

/** What happened to an action at one step, in words: created, due, executed, failed, rescheduled, cancelled. */
function stepWord({ t, tOr }: ReturnType<typeof useI18n>, s: ActionStep): string {
  if (s.noteCoded?.code === 'reason.rescheduled') return t('dossiers.step.rescheduled');
  if (s.from === null) return t('dossiers.step.created');
  return tOr(`dossiers.step.${s.to}`, `${tOr(`status.${s.from}`, s.from)} → ${tOr(`status.${s.to}`, s.to)}`);
}

/** A step's note in the reader's language (rendered from its code), unless it only repeats the step's word. */
function stepNote(i18n: ReturnType<typeof useI18n>, f: Formats, s: ActionStep): string {
  const note = s.noteCoded ? reasonText(i18n, f, s.noteCoded, s.note) : '';
  return note && note.toLowerCase() !== stepWord(i18n, s).toLowerCase() ? ` (${note})` : '';
}

/**
 * Changes, the steps of its actions and e-mails of a dossier, newest first, each with who did it
 * and why; "Meer laden" reads the next page of whichever source the list ends at.
 */
function Timeline({ type, base, id }: { type: DossierType | undefined; base: string; id: string }) {
  const i18n = useI18n();
  const { t, tOr } = i18n;
  const label = i18n.label;
  const f = useFormats();
  const names = usePeopleNames();
  const events = useTimelineSource<DossierEvent>(['dossiers', type?.key, id, 'events'], `${base}/events`);
  const steps = useTimelineSource<ActionStep>(
    ['dossiers', type?.key, id, 'action-steps'],
    `${base}/action-steps`,
  );
  const mails = useTimelineSource<MailItem>(['dossiers', type?.key, id, 'emails'], `${base}/emails`);
  const fieldOf = (k: string): FieldDef | undefined => type?.fields.find((x) => x.key === k);
  const error = events.error ?? steps.error ?? mails.error;
  if (error) return <ErrorAlert error={error} />;
  const eventItems: TimelineItem[] = (events.data?.pages ?? [])
    .flatMap((p) => p.items)
    .map((e) => ({
      at: e.occurredAt,
      who: actorText(i18n, e),
      what: (
        <>
          <strong>{tOr(`dossiers.kind.${e.kind}`, e.kind)}</strong>
          {Object.keys(e.changes).length > 0 ? (
            <ul className="changes">
              {Object.entries(e.changes).map(([k, c]) => (
                <li key={k}>
                  {label(fieldOf(k)?.label, k)}: {valueText(i18n, f, type, fieldOf(k), c.old, names)} →{' '}
                  {valueText(i18n, f, type, fieldOf(k), c.new, names)}
                </li>
              ))}
            </ul>
          ) : null}
        </>
      ),
    }));
  const stepItems: TimelineItem[] = (steps.data?.pages ?? [])
    .flatMap((p) => p.items)
    .map((s) => ({
      at: s.at,
      who: actorText(i18n, s),
      what: (
        <>
          <strong>{t('dossiers.timeline.action')}</strong>{' '}
          <AppLink href={`/actions/${encodeURIComponent(s.actionId)}`}>{s.actionTitle}</AppLink> ·{' '}
          {stepWord(i18n, s)}
          {stepNote(i18n, f, s)}
        </>
      ),
    }));
  const mailItems: TimelineItem[] = (mails.data?.pages ?? [])
    .flatMap((p) => p.items)
    .map((m) => ({
      at: m.createdAt,
      who: WORKER_WORD,
      what: (
        <>
          <strong>{t('dossiers.timeline.mail')}</strong> «{m.subject}» → {m.to.join(', ')} ·{' '}
          {tOr(`mail.status.${m.status}`, m.status)}
        </>
      ),
    }));
  const sources = [events, steps, mails];
  const merged = mergeTimeline([
    { items: eventItems, more: events.hasNextPage },
    { items: stepItems, more: steps.hasNextPage },
    { items: mailItems, more: mails.hasNextPage },
  ]);
  const loading = sources.some((q) => q.isFetching);
  return (
    <Stack gap="xs">
      <DataTable
        className="timeline"
        empty={loading ? t('loading') : t('dossiers.timeline.empty')}
        head={[t('actions.detail.when'), t('dossiers.event.kind'), t('actions.detail.who')]}
        rows={merged.items.map((item) => [f.dateTime(item.at), item.what, item.who])}
      />
      {merged.limiting.length > 0 ? (
        <Group>
          <Button
            variant="default"
            loading={loading}
            onClick={() => merged.limiting.forEach((i) => void sources[i]!.fetchNextPage())}
          >
            {t('more')}
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}

export function DossierDetail({ type: key, id }: { type: string; id: string }) {
  const i18n = useI18n();
  const { t, label } = i18n;
  const f = useFormats();
  const types = useDossierTypes();
  const names = usePeopleNames();
  const [, navigate] = useLocation();
  const dossier = useDossier(key, id);
  const base = apiPath('dossiers', key, id);
  const related = useQuery({
    queryKey: ['dossiers', key, id, 'related', lang()],
    queryFn: () => api<{ items: RelatedGroup[] }>('GET', `${base}/related`),
  });
  const actions = useQuery({
    queryKey: ['actions', 'dossier', id],
    queryFn: () => api<Page<Action>>('GET', withQuery('/api/actions', { dossierId: id, limit: 200 })),
  });
  const type = types.data?.find((x) => x.key === key);
  // Only a type that other types refer to has linked dossiers (a visit: none; no empty heading).
  const referred = (types.data ?? []).some((other) =>
    other.fields.some((field) => field.kind === 'reference' && field.refType === key),
  );
  const show = (field: FieldDef, value: unknown): ReactNode =>
    field.kind === 'reference' && typeof value === 'string' && field.refType ? (
      <ReferenceValue refType={field.refType} id={value} />
    ) : (
      valueText(i18n, f, type, field, value, names)
    );
  return (
    <>
      <BackLink href={listPath(key)} />
      <Query query={dossier}>
        {(d) => (
          <>
            <PageHead title={dossierTitle(type, d)}>
              <Button onClick={() => navigate(`${detailPath(key, id)}/edit`)}>{t('dossiers.edit')}</Button>
              {type ? <DeleteButton type={type} dossier={d} related={related.data?.items} /> : null}
            </PageHead>
            {type && type.statuses.length > 0 ? <StatusControl type={type} dossier={d} /> : null}
            <Section title={t('dossiers.fields')} id="fields">
              <Facts
                rows={(type?.fields ?? [])
                  .filter((x) => x.kind !== 'status')
                  .map((x) => [label(x.label), show(x, d.data[x.key])])}
              />
            </Section>
            {type && referred ? (
              <Section title={t('dossiers.related')} id="related">
                <Query query={related}>
                  {(r) => <RelatedDossiers type={type} id={id} related={r.items} />}
                </Query>
              </Section>
            ) : null}
            <Section title={t('dossiers.actions')} id="actions">
              <Query query={actions}>{(r) => <ActionTable items={r.items} withDossier={false} />}</Query>
            </Section>
            <ExplainSection dossierType={key} dossierId={id} />
            <Section title={t('dossiers.timeline')} id="timeline">
              <Timeline type={type} base={base} id={id} />
            </Section>
          </>
        )}
      </Query>
    </>
  );
}

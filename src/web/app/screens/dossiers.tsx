/**
 * "Dossiers": choose a dossier type, list its dossiers (status filter, cursor paging), and one
 * dossier with its fields, its history (old → new), its actions and its e-mails.
 */
import { Button, Group, Select, Stack, Title } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useLocation, useSearch } from 'wouter';
import {
  type Action,
  type DossierType,
  type FieldDef,
  type Page,
  type Dossier,
  api,
  apiPath,
  withQuery,
} from '../api.js';
import { dossierTitle, statusLabel, useDossier, useDossierTypes, valueText } from '../dossier-types.js';
import { useFormats, useI18n } from '../i18n.js';
import { AppLink, BackLink, DataTable, Facts, PageHead, Query } from '../ui.js';
import { ActionTable } from './actions.js';
import { ExplainSection } from './explain-panel.js';

interface DossierEvent {
  readonly id: number;
  readonly kind: string;
  readonly changes: Record<string, { old: unknown; new: unknown }>;
  readonly actor: string | null;
  readonly occurredAt: string;
}

interface MailItem {
  readonly id: string;
  readonly to: string[];
  readonly subject: string;
  readonly status: string;
  readonly createdAt: string;
}

export function DossiersPage({ type: wanted }: { type: string | null }) {
  const i18n = useI18n();
  const { t, label } = i18n;
  const types = useDossierTypes();
  const status = new URLSearchParams(useSearch()).get('status') ?? '';
  const [, navigate] = useLocation();
  return (
    <>
      <PageHead title={t('dossiers.title')} />
      <Query query={types}>
        {(list) => {
          const key = wanted ?? list[0]?.key ?? '';
          const type = list.find((x) => x.key === key);
          const go = (k: string, s: string) =>
            navigate(withQuery(`/dossiers/${encodeURIComponent(k)}`, { status: s }));
          return (
            <>
              <Group mb="md" align="end">
                <Select
                  label={t('dossiers.type')}
                  value={key}
                  allowDeselect={false}
                  onChange={(v) => v && go(v, '')}
                  data={list.map((x) => ({ value: x.key, label: label(x.pluralLabel ?? x.label) }))}
                />
                <Select
                  label={t('dossiers.status')}
                  value={status}
                  disabled={!type || type.statuses.length === 0}
                  allowDeselect={false}
                  onChange={(v) => go(key, v ?? '')}
                  data={[
                    { value: '', label: t('dossiers.allStatuses') },
                    ...(type?.statuses ?? []).map((s) => ({ value: s.code, label: label(s.label) })),
                  ]}
                />
              </Group>
              {type ? <DossierList type={type} status={status} /> : null}
            </>
          );
        }}
      </Query>
    </>
  );
}

function DossierList({ type, status }: { type: DossierType; status: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const f = useFormats();
  const pages = useInfiniteQuery({
    queryKey: ['dossiers', type.key, 'list', status],
    queryFn: ({ pageParam }) =>
      api<Page<Dossier>>(
        'GET',
        withQuery(apiPath('dossiers', type.key), { status, cursor: pageParam ?? undefined, limit: 50 }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  return (
    <Query query={pages}>
      {(data) => (
        <Stack>
          <DataTable
            head={[t('dossiers.col.title'), t('dossiers.col.status'), t('dossiers.col.updated')]}
            rows={data.pages
              .flatMap((p) => p.items)
              .map((d) => [
                <AppLink
                  key="t"
                  href={`/dossiers/${encodeURIComponent(type.key)}/${encodeURIComponent(d.id)}`}
                  strong
                >
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
      )}
    </Query>
  );
}

/** A reference field's value: a link named after the dossier it points at. */
function ReferenceValue({ refType, id }: { refType: string; id: string }) {
  const types = useDossierTypes();
  const dossier = useDossier(refType, id);
  const def = types.data?.find((d) => d.key === refType);
  return (
    <AppLink href={`/dossiers/${encodeURIComponent(refType)}/${encodeURIComponent(id)}`}>
      {dossier.data ? dossierTitle(def, dossier.data) : id}
    </AppLink>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section>
      <Title order={2} size="h3" mt="lg" mb="xs">
        {title}
      </Title>
      {children}
    </section>
  );
}

export function DossierDetail({ type: key, id }: { type: string; id: string }) {
  const i18n = useI18n();
  const { t, label, tOr } = i18n;
  const f = useFormats();
  const types = useDossierTypes();
  const dossier = useDossier(key, id);
  const base = apiPath('dossiers', key, id);
  const events = useQuery({
    queryKey: ['dossiers', key, id, 'events'],
    queryFn: () => api<Page<DossierEvent>>('GET', `${base}/events`),
  });
  const actions = useQuery({
    queryKey: ['actions', 'dossier', id],
    queryFn: () => api<Page<Action>>('GET', withQuery('/api/actions', { dossierId: id, limit: 200 })),
  });
  const emails = useQuery({
    queryKey: ['dossiers', key, id, 'emails'],
    queryFn: () => api<Page<MailItem>>('GET', `${base}/emails`),
  });
  const type = types.data?.find((x) => x.key === key);
  const fieldOf = (k: string): FieldDef | undefined => type?.fields.find((x) => x.key === k);
  const show = (field: FieldDef | undefined, value: unknown): ReactNode =>
    field?.kind === 'reference' && typeof value === 'string' && field.refType ? (
      <ReferenceValue refType={field.refType} id={value} />
    ) : (
      valueText(i18n, f, type, field, value)
    );
  return (
    <>
      <BackLink href={`/dossiers/${encodeURIComponent(key)}`} />
      <Query query={dossier}>
        {(d) => (
          <>
            <PageHead title={dossierTitle(type, d)}>
              {d.status ? statusLabel(i18n, type, d.status) : null}
            </PageHead>
            <Section title={t('dossiers.fields')}>
              <Facts rows={(type?.fields ?? []).map((x) => [label(x.label), show(x, d.data[x.key])])} />
            </Section>
            <Section title={t('dossiers.actions')}>
              <Query query={actions}>{(r) => <ActionTable items={r.items} withDossier={false} />}</Query>
            </Section>
            <ExplainSection dossierType={key} dossierId={id} />
            <Section title={t('dossiers.events')}>
              <Query query={events}>
                {(r) => (
                  <DataTable
                    head={[
                      t('actions.detail.when'),
                      t('dossiers.event.kind'),
                      t('dossiers.event.changes'),
                      t('actions.detail.who'),
                    ]}
                    rows={r.items.map((e) => [
                      f.dateTime(e.occurredAt),
                      tOr(`dossiers.kind.${e.kind}`, e.kind),
                      <ul key="c" className="changes">
                        {Object.entries(e.changes).map(([k, c]) => (
                          <li key={k}>
                            <strong>{label(fieldOf(k)?.label, k)}</strong>:{' '}
                            {valueText(i18n, f, type, fieldOf(k), c.old)} →{' '}
                            {valueText(i18n, f, type, fieldOf(k), c.new)}
                          </li>
                        ))}
                      </ul>,
                      e.actor ?? t('none'),
                    ])}
                  />
                )}
              </Query>
            </Section>
            <Section title={t('dossiers.emails')}>
              <Query query={emails}>
                {(r) => (
                  <DataTable
                    head={[
                      t('mail.col.received'),
                      t('mail.col.to'),
                      t('mail.col.subject'),
                      t('mail.outbox.status'),
                    ]}
                    rows={r.items.map((m) => [
                      f.dateTime(m.createdAt),
                      m.to.join(', '),
                      m.subject,
                      tOr(`mail.status.${m.status}`, m.status),
                    ])}
                  />
                )}
              </Query>
            </Section>
          </>
        )}
      </Query>
    </>
  );
}

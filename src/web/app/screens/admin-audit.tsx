/**
 * Beheer → Auditlog: who changed what, when, as sentences ("Demo Beheerder zette workflow
 * ‘Bellen – nieuw’ aan"), newest first, filtered by who, the kind of change, the kind of object,
 * one object (its history, from a row's object button) and a date range; 50 entries a page.
 */
import { Badge, Button, CloseButton, Group, Select, Stack, Text } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { type Page, api, withQuery } from '../api.js';
import {
  AUDIT_ACTIONS,
  AUDIT_ENTITY_TYPES,
  type AuditItem,
  actorText,
  changedFields,
  describeEntry,
  nextDay,
  objectKey,
  objectName,
} from '../audit-entry.js';
import { fromZoned, useFormats, useI18n } from '../i18n.js';
import { AppLink, DataTable, Query } from '../ui.js';
import { useTokens, useRoles, useTeams, useUsers, AdminSection } from './admin-common.js';
import { DateField } from '../date-field.js';

const PAGE = 50;

/** Names of the objects the log mentions, from lists the administrator can read. */
function useObjectNames(): Map<string, string> {
  const users = useUsers();
  const teams = useTeams();
  const tokens = useTokens();
  const templates = useQuery({
    queryKey: ['templates'],
    queryFn: async () =>
      (await api<{ items: { id: string; draft: { name: string } }[] }>('GET', '/api/templates')).items,
  });
  const emailTemplates = useQuery({
    queryKey: ['admin', 'email-template-names'],
    queryFn: async () =>
      (await api<{ items: { id: string; name: string }[] }>('GET', '/api/email-templates')).items,
  });
  return useMemo(() => {
    const names = new Map<string, string>();
    for (const u of users.data ?? []) names.set(objectKey('user', u.id), u.name);
    for (const team of teams.data ?? []) names.set(objectKey('team', team.id), team.name);
    const owners = new Map((users.data ?? []).map((u) => [u.id, u.name]));
    for (const token of tokens.data ?? []) {
      names.set(objectKey('api-token', token.id), token.name);
      const owner = owners.get(token.userId);
      if (owner !== undefined) names.set(`owner:${token.id}`, owner);
    }
    for (const tpl of templates.data ?? []) names.set(objectKey('actionTemplate', tpl.id), tpl.draft.name);
    for (const tpl of emailTemplates.data ?? []) names.set(objectKey('emailTemplate', tpl.id), tpl.name);
    return names;
  }, [users.data, teams.data, tokens.data, templates.data, emailTemplates.data]);
}

interface Filters {
  actor: string | null;
  action: string | null;
  entityType: string | null;
  entity: { type: string; id: string; name: string } | null;
  from: string;
  to: string;
}

const NO_FILTERS: Filters = { actor: null, action: null, entityType: null, entity: null, from: '', to: '' };

export function AuditView() {
  const i18n = useI18n();
  const { t, label } = i18n;
  const f = useFormats();
  const users = useUsers();
  const tokens = useTokens();
  const roles = useRoles();
  const names = useObjectNames();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const set = (patch: Partial<Filters>) => setFilters((old) => ({ ...old, ...patch }));
  const query = {
    actor: filters.actor ?? undefined,
    action: filters.action ?? undefined,
    entityType: filters.entity?.type ?? filters.entityType ?? undefined,
    entityId: filters.entity?.id,
    from: filters.from ? (fromZoned(`${filters.from}T00:00`, f.timeZone) ?? undefined) : undefined,
    to: filters.to ? (fromZoned(`${nextDay(filters.to)}T00:00`, f.timeZone) ?? undefined) : undefined,
  };
  const log = useInfiniteQuery({
    queryKey: ['admin', 'audit', query],
    queryFn: ({ pageParam }) =>
      api<Page<AuditItem>>(
        'GET',
        withQuery('/api/audit-log', { ...query, limit: PAGE, cursor: pageParam ?? undefined }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const roleLabel = (key: string) => label(roles.data?.roles.find((r) => r.key === key)?.label, key);
  const actorOptions = [
    ...(users.data ?? []).map((u) => ({ value: u.id, label: u.name })),
    ...(tokens.data ?? []).map((token) => ({
      value: `token:${token.id}`,
      label: actorText(
        i18n,
        {
          id: 0,
          occurredAt: '',
          actor: `token:${token.id}`,
          actorName: null,
          action: '',
          entityType: '',
          entityId: '',
        },
        names,
      ),
    })),
    ...(['system', 'demo', 'cli'] as const).map((a) => ({ value: a, label: t(`audit.actor.${a}`) })),
  ];
  const filtered = JSON.stringify(filters) !== JSON.stringify(NO_FILTERS);
  return (
    <AdminSection id="audit-heading" title={t('admin.view.audit-log')}>
      <Text c="dimmed" size="sm" mb="sm">
        {t('audit.intro')}
      </Text>
      <Group align="end" gap="sm" mb="sm" wrap="wrap" role="search" aria-label={t('audit.filters')}>
        <Select
          label={t('audit.filter.actor')}
          data={actorOptions}
          value={filters.actor}
          onChange={(actor) => set({ actor })}
          searchable
          clearable
          placeholder={t('audit.filter.anyone')}
          nothingFoundMessage={t('empty')}
          w={220}
          maw="100%"
        />
        <Select
          label={t('audit.filter.action')}
          data={AUDIT_ACTIONS.map((a) => ({ value: a, label: t(`audit.action.${a}`) }))}
          value={filters.action}
          onChange={(action) => set({ action })}
          searchable
          clearable
          placeholder={t('audit.filter.anything')}
          nothingFoundMessage={t('empty')}
          w={260}
          maw="100%"
        />
        <Select
          label={t('audit.filter.entityType')}
          data={AUDIT_ENTITY_TYPES.map((e) => ({ value: e, label: t(`audit.kind.${e}`) }))}
          value={filters.entity?.type ?? filters.entityType}
          onChange={(entityType) => set({ entityType, entity: null })}
          clearable
          placeholder={t('audit.filter.anything')}
          w={200}
          maw="100%"
        />
        <DateField
          label={t('audit.filter.from')}
          value={filters.from}
          onChange={(v) => set({ from: v ?? '' })}
          w={170}
        />
        <DateField
          label={t('audit.filter.to')}
          value={filters.to}
          onChange={(v) => set({ to: v ?? '' })}
          w={170}
        />
        {filtered ? (
          <Button variant="subtle" onClick={() => setFilters(NO_FILTERS)}>
            {t('audit.filter.clear')}
          </Button>
        ) : null}
      </Group>
      {filters.entity ? (
        <Group gap={4} mb="sm" data-testid="object-filter">
          <Badge variant="outline" color="gray.8" size="lg" tt="none">
            {t('audit.filter.only', {
              object: `${i18n.tOr(`audit.kind.${filters.entity.type}`, filters.entity.type)} ‘${filters.entity.name}’`,
            })}
          </Badge>
          <CloseButton aria-label={t('audit.filter.clearObject')} onClick={() => set({ entity: null })} />
        </Group>
      ) : null}
      <Query query={log}>
        {(data) => {
          const items = data.pages.flatMap((p) => p.items);
          return (
            <>
              <DataTable
                className="audit-table"
                empty={t('audit.empty')}
                head={[t('audit.col.when'), t('audit.col.what'), t('audit.col.object')]}
                rows={items.map((entry) => {
                  const name = objectName(entry, names);
                  const changes = changedFields(entry);
                  return [
                    <Text key="w" size="sm">
                      {f.dateTime(entry.occurredAt)}
                    </Text>,
                    <Stack key="s" gap={2}>
                      <Text size="sm" className="audit-sentence">
                        {describeEntry(i18n, entry, names, roleLabel)}
                      </Text>
                      {changes.length > 0 ? (
                        <details className="audit-details">
                          <summary>{t('audit.details', { count: changes.length })}</summary>
                          <ul>
                            {changes.map((c) => (
                              <li key={c.field}>
                                <strong>{c.field}</strong>: {c.before} → {c.after}
                              </li>
                            ))}
                          </ul>
                        </details>
                      ) : null}
                    </Stack>,
                    <Group key="o" gap={4} wrap="wrap">
                      {entry.entityType === 'action' ? (
                        <AppLink href={`/actions/${encodeURIComponent(entry.entityId)}`}>
                          {t('audit.openAction')}
                        </AppLink>
                      ) : null}
                      {entry.entityType !== 'settings' ? (
                        <Button
                          size="compact-xs"
                          variant="subtle"
                          aria-label={t('audit.historyOfNamed', {
                            object:
                              `${i18n.tOr(`audit.kind.${entry.entityType}`, entry.entityType)} ${name ?? ''}`.trim(),
                          })}
                          onClick={() =>
                            set({
                              entity: {
                                type: entry.entityType,
                                id: entry.entityId,
                                name: name ?? entry.entityId.slice(-8),
                              },
                            })
                          }
                        >
                          {t('audit.historyOf')}
                        </Button>
                      ) : null}
                    </Group>,
                  ];
                })}
              />
              {log.hasNextPage ? (
                <Button
                  variant="default"
                  mt="sm"
                  onClick={() => void log.fetchNextPage()}
                  loading={log.isFetchingNextPage}
                >
                  {t('more')}
                </Button>
              ) : items.length > 0 ? (
                <Text size="sm" c="dimmed" mt="sm">
                  {t('audit.end', { count: items.length })}
                </Text>
              ) : null}
            </>
          );
        }}
      </Query>
    </AdminSection>
  );
}

/**
 * What the administration screens share: the lists they read (users, teams, roles, API tokens),
 * the dialog frame of their forms and the confirmation dialog of what cannot be undone.
 */
import { Button, Group, Modal, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { type GetResult, type Schemas, api } from '../api.js';
import { ErrorAlert, type FieldNamer } from '../errors.js';
import { useI18n } from '../i18n.js';
import { DataTable, notify } from '../ui.js';

export type User = Schemas['User'];
export type Team = Schemas['Team'];
export type ApiToken = Schemas['ApiToken'];
export type Roles = GetResult<'/api/roles'>;

/** The roles, the rights each holds (with nl/en labels) and the token scopes. */
export function useRoles() {
  return useQuery({
    queryKey: ['roles'],
    queryFn: () => api<Roles>('GET', '/api/roles'),
    staleTime: 10 * 60_000,
  });
}

export function useUsers(enabled = true) {
  return useQuery({
    queryKey: ['admin', 'users'],
    queryFn: async () => (await api<{ items: User[] }>('GET', '/api/users')).items,
    enabled,
  });
}

export function useTeams() {
  return useQuery({
    queryKey: ['admin', 'teams'],
    queryFn: async () => (await api<{ items: Team[] }>('GET', '/api/teams')).items,
  });
}

/** Everyone's API tokens (administrators), or with `mine` your own (every user). */
export function useTokens(mine = false) {
  return useQuery({
    queryKey: ['admin', 'tokens', mine ? 'mine' : 'all'],
    queryFn: async () =>
      (await api<{ items: ApiToken[] }>('GET', mine ? '/api/tokens' : '/api/tokens?all=true')).items,
  });
}

/** Names by id, for lists that hold ids (team members, token owners). */
export function namesById(items: readonly { id: string; name: string }[] | undefined): Map<string, string> {
  return new Map((items ?? []).map((x) => [x.id, x.name]));
}

/** One part of Beheer: its heading (named for screen readers) and content. */
export function AdminSection({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id}>
      <Title order={2} size="h3" id={id} mb="xs">
        {title}
      </Title>
      {children}
    </section>
  );
}

/** A button in a table row, named for screen readers with the row's object ("Wijzig Anja Kramer"). */
export function RowAction({
  label,
  named,
  danger,
  loading,
  onClick,
}: {
  label: string;
  named: string;
  danger?: boolean;
  loading?: boolean;
  onClick: () => void;
}) {
  return (
    <Button
      size="xs"
      variant={danger ? 'outline' : 'default'}
      color={danger ? 'red.9' : undefined}
      loading={loading}
      onClick={onClick}
      aria-label={named}
    >
      {label}
    </Button>
  );
}

/** "Resultaten: N" above a table. */
export function CountedTable(props: Parameters<typeof DataTable>[0]) {
  const { t } = useI18n();
  return (
    <>
      <Text fw={600} mb="xs" data-testid="results">
        {t('admin.results', { count: props.rows.length })}
      </Text>
      <DataTable {...props} />
    </>
  );
}

/** A form in a dialog: fields, the server's error (fields named by `name`), Cancel and Save. */
export function FormModal({
  title,
  onSubmit,
  onClose,
  busy,
  error,
  name,
  submitLabel,
  children,
}: {
  title: string;
  onSubmit: () => void;
  onClose: () => void;
  busy: boolean;
  error: unknown;
  name?: FieldNamer;
  submitLabel?: string;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <Modal opened onClose={onClose} title={title} size="lg">
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit();
        }}
      >
        <Stack>
          {children}
          <ErrorAlert error={error} name={name} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('cancel')}
            </Button>
            <Button type="submit" loading={busy}>
              {submitLabel ?? t('save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/**
 * "Are you sure?" before what cannot be undone: says what will happen, names the button after it,
 * then sends DELETE `path`, refreshes the administration lists and confirms with `done`.
 */
export function ConfirmDelete({
  path,
  method = 'DELETE',
  title,
  message,
  confirmLabel,
  done,
  onClose,
  refresh = ['admin'],
}: {
  path: string;
  /** POST for an action that is not a deletion (blocking a user). */
  method?: 'DELETE' | 'POST';
  title: string;
  message: ReactNode;
  confirmLabel: string;
  done: string;
  onClose: () => void;
  /** The query to refresh afterwards (default: the administration lists). */
  refresh?: readonly string[];
}) {
  const { t } = useI18n();
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: () => api(method, path),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: refresh });
      notify(done);
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={title}>
      <Stack>
        <Text>{message}</Text>
        <ErrorAlert error={remove.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('cancel')}
          </Button>
          <Button color="red.9" loading={remove.isPending} onClick={() => remove.mutate()}>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/**
 * A settings form of Beheer: its heading, a sentence of what it is for, the fields, the server's
 * error (fields named by `name`) and Save (left out when the reader may not change it).
 */
export function SettingsForm({
  id,
  title,
  intro,
  notice,
  save,
  name,
  canSave = true,
  maw = 720,
  children,
}: {
  id: string;
  title: string;
  intro: string;
  notice?: ReactNode;
  save: { mutate: () => void; error: unknown; isPending: boolean };
  name?: FieldNamer;
  canSave?: boolean;
  maw?: number;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <AdminSection id={id} title={title}>
      <Text c="dimmed" size="sm" mb="md" maw={720}>
        {intro}
      </Text>
      {notice}
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <Stack maw={maw}>
          {children}
          <ErrorAlert error={save.error} name={name} />
          {canSave && (
            <Group>
              <Button type="submit" loading={save.isPending}>
                {t('save')}
              </Button>
            </Group>
          )}
        </Stack>
      </form>
    </AdminSection>
  );
}

/**
 * Beheer → Gebruikers and Teams: who may use Werkflow with which role, and the teams that actions
 * can be assigned to. Users are never deleted (their name stays on history and in the audit log):
 * they are deactivated, which ends their sessions and revokes their API tokens. Blocking (after a
 * confirmation) stops log-in, ends the sessions and refuses the tokens until unblocked.
 */
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  CopyButton,
  Group,
  Modal,
  MultiSelect,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, apiPath } from '../api.js';
import { ErrorAlert, type FieldNamer, fieldErrors } from '../errors.js';
import { useFormats, useI18n } from '../i18n.js';
import { Query, notify } from '../ui.js';
import {
  ConfirmDelete,
  FormModal,
  type Roles,
  type Team,
  type User,
  namesById,
  useRoles,
  useTeams,
  useUsers,
  AdminSection,
  CountedTable,
  RowAction,
} from './admin-common.js';

/** Whether `user` matches a search text (name, e-mail address or function). */
export function matchesUser(user: Pick<User, 'name' | 'email' | 'jobTitle'>, search: string): boolean {
  const needle = search.trim().toLowerCase();
  if (needle === '') return true;
  return [user.name, user.email, user.jobTitle ?? ''].some((s) => s.toLowerCase().includes(needle));
}

function useInvalidateAdmin() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: ['admin'] });
}

export function UsersView() {
  const { t, label } = useI18n();
  const users = useUsers();
  const teams = useTeams();
  const roles = useRoles();
  const [search, setSearch] = useState('');
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const [resetFor, setResetFor] = useState<User | null>(null);
  const [deactivating, setDeactivating] = useState<User | null>(null);
  const [blocking, setBlocking] = useState<User | null>(null);
  const roleLabel = (key: string) => label(roles.data?.roles.find((r) => r.key === key)?.label, key);
  const teamsOf = (id: string) =>
    (teams.data ?? [])
      .filter((team) => team.memberIds.includes(id))
      .map((team) => team.name)
      .join(', ');
  return (
    <AdminSection id="users-heading" title={t('admin.view.users')}>
      <Group justify="space-between" align="end" mb="sm" wrap="wrap">
        <TextInput
          label={t('admin.users.search')}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          type="search"
          w={320}
          maw="100%"
        />
        <Button onClick={() => setEditing('new')}>{t('admin.users.new')}</Button>
      </Group>
      <Query query={users}>
        {(all) => {
          const shown = all.filter((u) => matchesUser(u, search));
          return (
            <>
              <CountedTable
                className="users-table"
                stack
                empty={t('admin.users.empty')}
                head={[
                  t('admin.users.name'),
                  t('admin.users.email'),
                  t('admin.users.roles'),
                  t('admin.users.teams'),
                  t('admin.users.status'),
                  t('admin.actions'),
                ]}
                rows={shown.map((u) => [
                  <Stack key="n" gap={0}>
                    <Text fw={600} size="sm">
                      {u.name}
                    </Text>
                    {u.jobTitle ? (
                      <Text size="xs" c="dimmed">
                        {u.jobTitle}
                      </Text>
                    ) : null}
                  </Stack>,
                  <Text key="e" size="sm" style={{ overflowWrap: 'anywhere' }}>
                    {u.email}
                  </Text>,
                  u.roles.map(roleLabel).join(', '),
                  teamsOf(u.id) || t('none'),
                  <Stack key="s" gap={2} align="flex-start">
                    <Badge
                      color={u.active ? 'brand.9' : 'gray.8'}
                      variant={u.active ? 'filled' : 'outline'}
                      className="status-badge"
                    >
                      {t(u.active ? 'admin.users.active' : 'admin.users.inactive')}
                    </Badge>
                    {u.blockedAt ? (
                      <Badge
                        color="red.9"
                        variant="filled"
                        className="status-badge"
                        data-testid="blocked-badge"
                      >
                        {t('admin.users.blocked')}
                      </Badge>
                    ) : null}
                    {u.active && !u.hasPassword ? (
                      <Text size="xs" c="dimmed">
                        {t('admin.users.noPassword')}
                      </Text>
                    ) : null}
                  </Stack>,
                  <Group key="a" gap={4} wrap="wrap">
                    <RowAction
                      label={t('admin.edit')}
                      named={t('admin.users.editNamed', { name: u.name })}
                      onClick={() => setEditing(u)}
                    />
                    {u.active ? (
                      <>
                        <RowAction
                          label={t('admin.users.reset')}
                          named={t('admin.users.resetNamed', { name: u.name })}
                          onClick={() => setResetFor(u)}
                        />
                        {u.blockedAt ? (
                          <ImmediateAction
                            path={apiPath('users', u.id, 'unblock')}
                            method="POST"
                            label={t('admin.users.unblock')}
                            named={t('admin.users.unblockNamed', { name: u.name })}
                            done={t('admin.users.unblocked', { name: u.name })}
                          />
                        ) : (
                          <RowAction
                            label={t('admin.users.block')}
                            named={t('admin.users.blockNamed', { name: u.name })}
                            danger
                            onClick={() => setBlocking(u)}
                          />
                        )}
                        <RowAction
                          label={t('admin.users.deactivate')}
                          named={t('admin.users.deactivateNamed', { name: u.name })}
                          danger
                          onClick={() => setDeactivating(u)}
                        />
                      </>
                    ) : (
                      <ImmediateAction
                        path={apiPath('users', u.id)}
                        method="PATCH"
                        body={{ active: true }}
                        label={t('admin.users.reactivate')}
                        named={t('admin.users.reactivateNamed', { name: u.name })}
                        done={t('admin.users.reactivated', { name: u.name })}
                      />
                    )}
                  </Group>,
                ])}
              />
            </>
          );
        }}
      </Query>
      {editing && roles.data ? (
        <UserForm
          user={editing === 'new' ? null : editing}
          roles={roles.data}
          onClose={() => setEditing(null)}
        />
      ) : null}
      {resetFor ? <PasswordResetDialog user={resetFor} onClose={() => setResetFor(null)} /> : null}
      {deactivating ? (
        <ConfirmDelete
          path={apiPath('users', deactivating.id)}
          title={t('admin.users.deactivateTitle', { name: deactivating.name })}
          message={t('admin.users.deactivateHelp', { name: deactivating.name })}
          confirmLabel={t('admin.users.deactivate')}
          done={t('admin.users.deactivated', { name: deactivating.name })}
          onClose={() => setDeactivating(null)}
        />
      ) : null}
      {blocking ? (
        <ConfirmDelete
          path={apiPath('users', blocking.id, 'block')}
          method="POST"
          title={t('admin.users.blockTitle', { name: blocking.name })}
          message={t('admin.users.blockHelp', { name: blocking.name })}
          confirmLabel={t('admin.users.block')}
          done={t('admin.users.blockDone', { name: blocking.name })}
          onClose={() => setBlocking(null)}
        />
      ) : null}
    </AdminSection>
  );
}

/** A row action that needs no confirmation (activate, unblock): sends at once, then says so. */
function ImmediateAction({
  path,
  method,
  body,
  label,
  named,
  done,
}: {
  path: string;
  method: 'PATCH' | 'POST';
  body?: unknown;
  label: string;
  named: string;
  done: string;
}) {
  const invalidate = useInvalidateAdmin();
  const run = useMutation({
    mutationFn: () => api(method, path, body),
    onSuccess: async () => {
      await invalidate();
      notify(done);
    },
  });
  return (
    <>
      <RowAction label={label} named={named} loading={run.isPending} onClick={() => run.mutate()} />
      <ErrorAlert error={run.error} />
    </>
  );
}

/** Each role with what it may do, in the reader's language (from GET /api/roles). */
function RolePicker({
  roles,
  value,
  onChange,
  error,
}: {
  roles: Roles;
  value: string[];
  onChange: (value: string[]) => void;
  error?: string;
}) {
  const { t, label } = useI18n();
  const rightLabel = (key: string) => label(roles.rights.find((r) => r.key === key)?.label, key);
  return (
    <Checkbox.Group
      label={t('admin.users.roles')}
      description={t('admin.users.rolesHelp')}
      value={value}
      onChange={onChange}
      error={error}
      withAsterisk
    >
      <Stack gap="xs" mt="xs">
        {roles.roles.map((role) => (
          <Checkbox
            key={role.key}
            value={role.key}
            label={label(role.label)}
            description={t('admin.users.mayDo', { rights: role.rights.map(rightLabel).join(', ') })}
          />
        ))}
      </Stack>
    </Checkbox.Group>
  );
}

type UserField = 'name' | 'email' | 'phone' | 'jobTitle' | 'roles';

function UserForm({ user, roles, onClose }: { user: User | null; roles: Roles; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const invalidate = useInvalidateAdmin();
  const [name, setName] = useState(user?.name ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [phone, setPhone] = useState(user?.phone ?? '');
  const [jobTitle, setJobTitle] = useState(user?.jobTitle ?? '');
  const [chosen, setChosen] = useState<string[]>(user?.roles ?? ['staff']);
  const [missingRole, setMissingRole] = useState(false);
  const fieldLabel: Record<UserField, string> = {
    name: t('admin.users.name'),
    email: t('admin.users.email'),
    phone: t('admin.users.phone'),
    jobTitle: t('admin.users.jobTitle'),
    roles: t('admin.users.roles'),
  };
  const namer: FieldNamer = (path) => fieldLabel[path.split(/[.[]/)[0] as UserField];
  const save = useMutation({
    mutationFn: async () => {
      const details = { name, email, phone: phone.trim() || null, jobTitle: jobTitle.trim() || null };
      if (user === null) return api<User>('POST', '/api/users', { ...details, roles: chosen });
      await api('PATCH', apiPath('users', user.id), details);
      const same = [...chosen].sort().join() === [...user.roles].sort().join();
      return same ? user : api<User>('PUT', apiPath('users', user.id, 'roles'), { roles: chosen });
    },
    onSuccess: async () => {
      await invalidate();
      notify(t(user ? 'admin.users.saved' : 'admin.users.created', { name }));
      onClose();
    },
  });
  const errors = fieldErrors(i18n, save.error, namer);
  return (
    <FormModal
      title={user ? t('admin.users.editTitle', { name: user.name }) : t('admin.users.new')}
      onClose={onClose}
      busy={save.isPending}
      error={save.error}
      name={namer}
      onSubmit={() => {
        setMissingRole(chosen.length === 0);
        if (chosen.length > 0) save.mutate();
      }}
    >
      <TextInput
        label={t('admin.users.name')}
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        error={errors.name}
        required
        data-autofocus
      />
      <TextInput
        label={t('admin.users.email')}
        type="email"
        value={email}
        onChange={(e) => setEmail(e.currentTarget.value)}
        error={errors.email}
        required
      />
      <Group grow wrap="wrap" align="start">
        <TextInput
          label={t('admin.users.phone')}
          type="tel"
          value={phone}
          onChange={(e) => setPhone(e.currentTarget.value)}
          error={errors.phone}
          miw={180}
        />
        <TextInput
          label={t('admin.users.jobTitle')}
          value={jobTitle}
          onChange={(e) => setJobTitle(e.currentTarget.value)}
          error={errors.jobTitle}
          miw={180}
        />
      </Group>
      <RolePicker
        roles={roles}
        value={chosen}
        onChange={setChosen}
        error={missingRole ? t('admin.users.roleRequired') : errors.roles}
      />
      {user === null ? (
        <Text size="sm" c="dimmed">
          {t('admin.users.newHelp')}
        </Text>
      ) : null}
    </FormModal>
  );
}

/** A new password: a link by e-mail to the user, or a link to hand over yourself. */
function PasswordResetDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const { t } = useI18n();
  const f = useFormats();
  const invalidate = useInvalidateAdmin();
  const byMail = useMutation({
    mutationFn: () => api('POST', '/api/auth/password-reset', { email: user.email }),
    onSuccess: () => {
      notify(t('admin.reset.mailed', { email: user.email }));
      onClose();
    },
  });
  const link = useMutation({
    mutationFn: () =>
      api<{ link: string; expiresAt: string }>('POST', apiPath('users', user.id, 'password-reset')),
    onSuccess: () => invalidate(),
  });
  return (
    <Modal opened onClose={onClose} title={t('admin.reset.title', { name: user.name })} size="lg">
      <Stack>
        {link.data ? (
          <>
            <Alert color="yellow">
              <Text fw={700} mb={4}>
                {t('admin.reset.linkTitle')}
              </Text>
              <Text>
                {t('admin.reset.linkHelp', { name: user.name, until: f.dateTime(link.data.expiresAt) })}
              </Text>
            </Alert>
            <TextInput
              label={t('admin.reset.link')}
              value={link.data.link}
              readOnly
              onFocus={(e) => e.currentTarget.select()}
            />
            <Group justify="flex-end">
              <CopyButton value={link.data.link}>
                {({ copied, copy }) => (
                  <Button variant="default" onClick={copy}>
                    {copied ? t('admin.copied') : t('admin.copy')}
                  </Button>
                )}
              </CopyButton>
              <Button onClick={onClose}>{t('admin.done')}</Button>
            </Group>
          </>
        ) : (
          <>
            <Text>{t('admin.reset.intro')}</Text>
            <ErrorAlert error={byMail.error ?? link.error} />
            <Group justify="flex-end" wrap="wrap">
              <Button variant="default" onClick={onClose}>
                {t('cancel')}
              </Button>
              <Button variant="default" loading={link.isPending} onClick={() => link.mutate()}>
                {t('admin.reset.makeLink')}
              </Button>
              <Button loading={byMail.isPending} onClick={() => byMail.mutate()}>
                {t('admin.reset.sendMail', { email: user.email })}
              </Button>
            </Group>
          </>
        )}
      </Stack>
    </Modal>
  );
}

// ----- teams --------------------------------------------------------------------------------------

export function TeamsView() {
  const { t } = useI18n();
  const teams = useTeams();
  const users = useUsers();
  const [editing, setEditing] = useState<Team | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Team | null>(null);
  const names = namesById(users.data);
  return (
    <AdminSection id="teams-heading" title={t('admin.view.teams')}>
      <Group justify="space-between" mb="sm" wrap="wrap">
        <Text c="dimmed" size="sm">
          {t('admin.teams.intro')}
        </Text>
        <Button onClick={() => setEditing('new')}>{t('admin.teams.new')}</Button>
      </Group>
      <Query query={teams}>
        {(all) => (
          <>
            <CountedTable
              className="teams-table"
              stack
              empty={t('admin.teams.empty')}
              head={[t('admin.teams.name'), t('admin.teams.members'), t('admin.actions')]}
              rows={all.map((team) => [
                <Text key="n" fw={600} size="sm">
                  {team.name}
                </Text>,
                team.memberIds.map((id) => names.get(id) ?? t('admin.unknownUser')).join(', ') ||
                  t('admin.teams.noMembers'),
                <Group key="a" gap={4} wrap="wrap">
                  <RowAction
                    label={t('admin.edit')}
                    named={t('admin.teams.editNamed', { name: team.name })}
                    onClick={() => setEditing(team)}
                  />
                  <RowAction
                    label={t('admin.delete')}
                    named={t('admin.teams.deleteNamed', { name: team.name })}
                    danger
                    onClick={() => setDeleting(team)}
                  />
                </Group>,
              ])}
            />
          </>
        )}
      </Query>
      {editing && users.data ? (
        <TeamForm
          team={editing === 'new' ? null : editing}
          users={users.data}
          onClose={() => setEditing(null)}
        />
      ) : null}
      {deleting ? (
        <ConfirmDelete
          path={apiPath('teams', deleting.id)}
          title={t('admin.teams.deleteTitle', { name: deleting.name })}
          message={t('admin.teams.deleteHelp', { name: deleting.name, count: deleting.memberIds.length })}
          confirmLabel={t('admin.delete')}
          done={t('admin.teams.deleted', { name: deleting.name })}
          onClose={() => setDeleting(null)}
        />
      ) : null}
    </AdminSection>
  );
}

function TeamForm({ team, users, onClose }: { team: Team | null; users: User[]; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const invalidate = useInvalidateAdmin();
  const [name, setName] = useState(team?.name ?? '');
  const [members, setMembers] = useState<string[]>(team?.memberIds ?? []);
  const namer: FieldNamer = (path) =>
    path === 'name'
      ? t('admin.teams.name')
      : path.startsWith('memberIds')
        ? t('admin.teams.members')
        : undefined;
  const save = useMutation({
    mutationFn: async () => {
      if (team === null) return api('POST', '/api/teams', { name, memberIds: members });
      if (name !== team.name) await api('PATCH', apiPath('teams', team.id), { name });
      if ([...members].sort().join() !== [...team.memberIds].sort().join())
        await api('PUT', apiPath('teams', team.id, 'members'), { memberIds: members });
      return undefined;
    },
    onSuccess: async () => {
      await invalidate();
      notify(t(team ? 'admin.teams.saved' : 'admin.teams.created', { name }));
      onClose();
    },
  });
  const errors = fieldErrors(i18n, save.error, namer);
  // Inactive users stay selectable only when they are members already (so saving keeps them).
  const options = users
    .filter((u) => u.active || members.includes(u.id))
    .map((u) => ({ value: u.id, label: u.active ? u.name : `${u.name} (${t('admin.users.inactive')})` }));
  return (
    <FormModal
      title={team ? t('admin.teams.editTitle', { name: team.name }) : t('admin.teams.new')}
      onClose={onClose}
      busy={save.isPending}
      error={save.error}
      name={namer}
      onSubmit={() => save.mutate()}
    >
      <TextInput
        label={t('admin.teams.name')}
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        error={errors.name}
        required
        data-autofocus
      />
      <MultiSelect
        label={t('admin.teams.members')}
        description={t('admin.teams.membersHelp')}
        data={options}
        value={members}
        onChange={setMembers}
        searchable
        clearable
        nothingFoundMessage={t('empty')}
        error={errors.memberIds}
        comboboxProps={{ withinPortal: true }}
      />
    </FormModal>
  );
}

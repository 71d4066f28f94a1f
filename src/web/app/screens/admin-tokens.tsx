/**
 * Beheer → API-tokens: tokens let another system (Econobis, a report, a script) use the API. A new
 * token's secret is shown once, in a field to copy, with a warning; the list never shows a secret,
 * only the first characters to tell tokens apart, and its owner by name. An administrator can make
 * a token for another user (picked by name). Revoking stops a token at once.
 */
import {
  Alert,
  Button,
  Checkbox,
  CopyButton,
  Group,
  Modal,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, apiPath } from '../api.js';
import { type FieldNamer, fieldErrors } from '../errors.js';
import { type Key, fromZoned, useFormats, useI18n } from '../i18n.js';
import { type Me, useMe } from '../session.js';
import { Query } from '../ui.js';
import {
  type ApiToken,
  ConfirmDelete,
  FormModal,
  type User,
  useTokens,
  useUsers,
  AdminSection,
  CountedTable,
  RowAction,
} from './admin-common.js';
import { DateField } from '../date-field.js';

/** The scopes a token can have, in the order the form offers them (GET /api/roles lists the same). */
export const TOKEN_SCOPES = ['read', 'dossiers.write', 'workflows.manage', 'all'] as const;

/** Whether a token works at `now` (the server's clock; null before it is known). */
export function tokenState(token: ApiToken, now: number | null): 'active' | 'revoked' | 'expired' {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && now !== null && Date.parse(token.expiresAt) <= now) return 'expired';
  return 'active';
}

const scopeKey = (scope: string) => `admin.scope.${scope}` as Key;

/** Everyone's tokens (Beheer), or with `mine` only your own (Mijn instellingen, every user). */
export function TokensView({ mine = false }: { mine?: boolean }) {
  const { t, tOr } = useI18n();
  const f = useFormats();
  const me = useMe();
  const tokens = useTokens(mine);
  const users = useUsers(!mine);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  // The server's clock (also the sandbox's), shared with the sandbox banner.
  const clock = useQuery({
    queryKey: ['sandbox'],
    queryFn: () => api<{ sandbox: boolean; now: string }>('GET', '/api/sandbox'),
  });
  const now = clock.data ? Date.parse(clock.data.now) : null;
  return (
    <AdminSection id="tokens-heading" title={mine ? t('settings.tokens') : t('admin.view.tokens')}>
      <Group justify="space-between" mb="sm" wrap="wrap">
        <Text c="dimmed" size="sm" maw={640}>
          {mine ? t('settings.tokens.intro') : t('admin.tokens.intro')}
        </Text>
        <Button onClick={() => setCreating(true)}>{t('admin.tokens.new')}</Button>
      </Group>
      <Query query={tokens}>
        {(all) => (
          <>
            <CountedTable
              className="tokens-table"
              stack
              empty={t('admin.tokens.empty')}
              head={[
                t('admin.tokens.name'),
                ...(mine ? [] : [t('admin.tokens.owner')]),
                t('admin.tokens.scopes'),
                t('admin.tokens.dates'),
                t('admin.users.status'),
                t('admin.actions'),
              ]}
              rows={all.map((token) => {
                const state = tokenState(token, now);
                return [
                  <Stack key="n" gap={0}>
                    <Text fw={600} size="sm">
                      {token.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {t('admin.tokens.hint')} <code>{token.hint}…</code>
                    </Text>
                  </Stack>,
                  ...(mine ? [] : [token.userName || t('admin.unknownUser')]),
                  token.scopes.map((s) => tOr(scopeKey(s), s)).join(', '),
                  <Stack key="d" gap={0}>
                    <Text size="xs">{t('admin.tokens.created', { at: f.dateTime(token.createdAt) })}</Text>
                    <Text size="xs">
                      {token.expiresAt
                        ? t('admin.tokens.expires', { at: f.dateTime(token.expiresAt) })
                        : t('admin.tokens.noExpiry')}
                    </Text>
                    <Text size="xs">
                      {token.lastUsedAt
                        ? t('admin.tokens.lastUsed', { at: f.dateTime(token.lastUsedAt) })
                        : t('admin.tokens.neverUsed')}
                    </Text>
                  </Stack>,
                  <Text key="s" size="sm" fw={600} c={state === 'active' ? 'brand.9' : 'dimmed'}>
                    {t(`admin.tokens.state.${state}`)}
                  </Text>,
                  state === 'revoked' ? (
                    t('none')
                  ) : (
                    <RowAction
                      key="r"
                      label={t('admin.tokens.revoke')}
                      named={t('admin.tokens.revokeNamed', { name: token.name })}
                      danger
                      onClick={() => setRevoking(token)}
                    />
                  ),
                ];
              })}
            />
          </>
        )}
      </Query>
      {creating && me.data ? (
        <CreateTokenDialog
          me={me.data}
          users={mine ? null : (users.data ?? []).filter((u) => u.active && !u.blockedAt)}
          onClose={() => setCreating(false)}
        />
      ) : null}
      {revoking ? (
        <ConfirmDelete
          path={apiPath('tokens', revoking.id)}
          title={t('admin.tokens.revokeTitle', { name: revoking.name })}
          message={t('admin.tokens.revokeHelp', { name: revoking.name })}
          confirmLabel={t('admin.tokens.revoke')}
          done={t('admin.tokens.revoked', { name: revoking.name })}
          onClose={() => setRevoking(null)}
        />
      ) : null}
    </AdminSection>
  );
}

/**
 * A new token: for yourself, or (Beheer, `users` given) for another user picked by name, who then
 * holds it; its secret is shown once, to hand over.
 */
function CreateTokenDialog({ me, users, onClose }: { me: Me; users: User[] | null; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const f = useFormats();
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['read']);
  const [expiry, setExpiry] = useState('');
  const [ownerId, setOwnerId] = useState(me.user.id);
  const ownerName = users?.find((u) => u.id === ownerId)?.name ?? me.user.name;
  const namer: FieldNamer = (path) =>
    path === 'name'
      ? t('admin.tokens.name')
      : path.startsWith('scopes')
        ? t('admin.tokens.scopes')
        : path === 'expiresAt'
          ? t('admin.tokens.expiry')
          : path === 'userId'
            ? t('admin.tokens.ownerPick')
            : undefined;
  const create = useMutation({
    mutationFn: () =>
      api<{ token: ApiToken; secret: string }>('POST', '/api/tokens', {
        name,
        scopes,
        // The token works through the chosen day, in the organisation's time zone.
        expiresAt: expiry ? fromZoned(`${expiry}T23:59`, f.timeZone) : null,
        ...(ownerId !== me.user.id ? { userId: ownerId } : {}),
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['admin'] }),
  });
  const errors = fieldErrors(i18n, create.error, namer);
  if (create.data) {
    const secret = create.data.secret;
    return (
      <Modal
        opened
        onClose={onClose}
        title={t('admin.tokens.madeTitle', { name: create.data.token.name })}
        size="lg"
      >
        <Stack>
          <Alert color="yellow" data-testid="token-once">
            <Text fw={700} mb={4}>
              {t('admin.tokens.onceTitle')}
            </Text>
            <Text>{t('admin.tokens.onceHelp')}</Text>
            {create.data.token.userId !== me.user.id ? (
              <Text mt={4}>{t('admin.tokens.madeFor', { name: create.data.token.userName })}</Text>
            ) : null}
          </Alert>
          <TextInput
            label={t('admin.tokens.secret')}
            value={secret}
            readOnly
            onFocus={(e) => e.currentTarget.select()}
            data-testid="token-secret"
            classNames={{ input: 'code-input' }}
          />
          <Text size="sm" c="dimmed">
            {t('admin.tokens.howToUse')}
          </Text>
          <Group justify="flex-end">
            <CopyButton value={secret}>
              {({ copied, copy }) => (
                <Button variant="default" onClick={copy}>
                  {copied ? t('admin.copied') : t('admin.copy')}
                </Button>
              )}
            </CopyButton>
            <Button onClick={onClose}>{t('admin.tokens.copiedDone')}</Button>
          </Group>
        </Stack>
      </Modal>
    );
  }
  return (
    <FormModal
      title={t('admin.tokens.new')}
      onClose={onClose}
      busy={create.isPending}
      error={create.error}
      name={namer}
      submitLabel={t('admin.tokens.create')}
      onSubmit={() => create.mutate()}
    >
      <TextInput
        label={t('admin.tokens.name')}
        description={t('admin.tokens.nameHelp')}
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        error={errors.name}
        required
        maxLength={100}
        data-autofocus
      />
      {users ? (
        <Select
          label={t('admin.tokens.ownerPick')}
          description={t('admin.tokens.ownerHelp')}
          data={users.map((u) => ({ value: u.id, label: u.name }))}
          value={ownerId}
          onChange={(v) => setOwnerId(v ?? me.user.id)}
          searchable
          allowDeselect={false}
          nothingFoundMessage={t('empty')}
          error={errors.userId}
          comboboxProps={{ withinPortal: true }}
        />
      ) : null}
      <Checkbox.Group
        label={t('admin.tokens.scopes')}
        description={t(ownerId === me.user.id ? 'admin.tokens.scopesHelp' : 'admin.tokens.scopesHelpOther', {
          name: ownerName,
        })}
        value={scopes}
        onChange={setScopes}
        error={errors.scopes}
        withAsterisk
      >
        <Stack gap="xs" mt="xs">
          {TOKEN_SCOPES.map((scope) => (
            <Checkbox
              key={scope}
              value={scope}
              label={t(scopeKey(scope))}
              description={t(`admin.scopeHelp.${scope}`)}
            />
          ))}
        </Stack>
      </Checkbox.Group>
      <DateField
        label={t('admin.tokens.expiry')}
        description={t('admin.tokens.expiryHelp')}
        value={expiry}
        onChange={(v) => setExpiry(v ?? '')}
        error={errors.expiresAt}
      />
    </FormModal>
  );
}

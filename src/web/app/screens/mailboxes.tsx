/**
 * Mailboxes: the list (sender, server, default, categories and the e-mail templates that send
 * through each), a form to create and edit one (the password is write-only), and "test
 * connection", which names the step that failed: DNS, connect, TLS, login or the SMTP greeting; delete
 * after a confirmation (refused, naming them, while templates or categories use the mailbox).
 */
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  List,
  Modal,
  NumberInput,
  PasswordInput,
  Select,
  SimpleGrid,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, apiPath, type Schemas } from '../api.js';
import { ErrorAlert, fieldErrors } from '../errors.js';
import { type Key, useI18n } from '../i18n.js';
import { AppLink, DataTable, notify, Query } from '../ui.js';
import { useEmailTemplates } from './email-templates.js';
import { ConfirmDelete, RowAction } from './admin-common.js';

type Mailbox = Schemas['Mailbox'];
type EmailTemplate = Schemas['EmailTemplate'];

interface ConnectionTest {
  readonly ok: boolean;
  readonly failedStep: 'dns' | 'connect' | 'tls' | 'auth' | 'smtp' | null;
  readonly message: string;
  readonly steps: readonly { step: string; ok: boolean; message: string }[];
}

interface Draft {
  name: string;
  fromName: string;
  fromAddress: string;
  replyTo: string;
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'none';
  username: string;
  password: string;
  isDefault: boolean;
  categories: string[];
  ratePerMinute: number | '';
  maxConnections: number;
  allowInvalidCertificates: boolean;
}

const EMPTY: Draft = {
  name: '',
  fromName: '',
  fromAddress: '',
  replyTo: '',
  host: '',
  port: 587,
  security: 'starttls',
  username: '',
  password: '',
  isDefault: false,
  categories: [],
  ratePerMinute: '',
  maxConnections: 5,
  allowInvalidCertificates: false,
};

function draftOf(m: Mailbox): Draft {
  return {
    name: m.name,
    fromName: m.fromName,
    fromAddress: m.fromAddress,
    replyTo: m.replyTo ?? '',
    host: m.host,
    port: m.port,
    security: m.security === 'tls' || m.security === 'none' ? m.security : 'starttls',
    username: m.username ?? '',
    password: '',
    isDefault: m.isDefault,
    categories: [...m.categories],
    ratePerMinute: m.ratePerMinute ?? '',
    maxConnections: m.maxConnections,
    allowInvalidCertificates: m.allowInvalidCertificates,
  };
}

/** The request body; an empty password field keeps the stored one (left out). */
function bodyOf(d: Draft) {
  return {
    name: d.name,
    fromName: d.fromName,
    fromAddress: d.fromAddress,
    replyTo: d.replyTo || null,
    host: d.host,
    port: d.port,
    security: d.security,
    username: d.username || null,
    ...(d.password ? { password: d.password } : {}),
    isDefault: d.isDefault,
    categories: d.categories,
    ratePerMinute: d.ratePerMinute === '' ? null : d.ratePerMinute,
    maxConnections: d.maxConnections,
    allowInvalidCertificates: d.allowInvalidCertificates,
  };
}

const FIELD_LABELS: Record<string, Key> = {
  name: 'mailbox.name',
  fromName: 'mailbox.fromName',
  fromAddress: 'mailbox.fromAddress',
  replyTo: 'mailbox.replyTo',
  host: 'mailbox.host',
  port: 'mailbox.port',
  security: 'mailbox.security',
  username: 'mailbox.username',
  password: 'mailbox.password',
  categories: 'mailbox.categories',
  ratePerMinute: 'mailbox.rate',
  maxConnections: 'mailbox.maxConnections',
};

export function Mailboxes() {
  const { t, tOr } = useI18n();
  const [editing, setEditingNow] = useState<Mailbox | 'new' | null>(null);
  const [tested, setTested] = useState<{ name: string; result: ConnectionTest } | null>(null);
  const [deleting, setDeleting] = useState<Mailbox | null>(null);
  const setEditing = (m: Mailbox | 'new' | null) => {
    setTested(null);
    setEditingNow(m);
  };
  const mailboxes = useQuery({
    queryKey: ['mailboxes'],
    queryFn: () => api<{ items: Mailbox[] }>('GET', '/api/mailboxes'),
  });
  const templates = useEmailTemplates();
  const test = useMutation({
    mutationFn: (m: Mailbox) => api<ConnectionTest>('POST', `${apiPath('mailboxes', m.id)}/test`),
    onMutate: () => setTested(null),
    onSuccess: (result, m) => setTested({ name: m.name, result }),
  });
  const usersOf = (m: Mailbox) =>
    (templates.data ?? []).filter((x) => x.mailboxId === m.id || (m.isDefault && x.mailboxId === null));
  return (
    <section>
      <Group justify="space-between" mb="sm" wrap="wrap">
        <Text c="dimmed">{t('mailbox.intro')}</Text>
        <Button onClick={() => setEditing('new')}>{t('mailbox.new')}</Button>
      </Group>
      <ErrorAlert error={test.error} />
      {tested ? <TestResult result={tested.result} mailbox={tested.name} /> : null}
      <Query query={mailboxes}>
        {(data) => (
          <DataTable
            className="mailbox-table"
            stack
            empty={t('mailbox.empty')}
            head={[
              t('mailbox.name'),
              t('mailbox.sender'),
              t('mailbox.server'),
              t('mailbox.categories'),
              t('mailbox.usedBy'),
              '',
            ]}
            rows={data.items.map((m) => [
              <Group key="n" gap={4} wrap="wrap">
                <Button variant="subtle" size="compact-sm" onClick={() => setEditing(m)}>
                  {m.name}
                </Button>
                {m.isDefault ? (
                  <Badge color="brand.9" variant="outline" className="status-badge">
                    {t('mailbox.default')}
                  </Badge>
                ) : null}
              </Group>,
              <span key="s" className="wrap">{`${m.fromName} <${m.fromAddress}>`}</span>,
              `${m.host}:${m.port} · ${tOr(`mailbox.security.short.${m.security}`, m.security)}`,
              m.categories.length > 0 ? m.categories.join(', ') : t('none'),
              <UsedBy key="u" mailbox={m} templates={usersOf(m)} />,
              <Group key="t" gap={4} wrap="wrap">
                <Button
                  size="xs"
                  variant="default"
                  loading={test.isPending && test.variables?.id === m.id}
                  onClick={() => test.mutate(m)}
                  aria-label={t('mailbox.testNamed', { name: m.name })}
                >
                  {t('mailbox.test')}
                </Button>
                <RowAction
                  label={t('mailbox.delete')}
                  named={t('mailbox.deleteNamed', { name: m.name })}
                  danger
                  onClick={() => setDeleting(m)}
                />
              </Group>,
            ])}
          />
        )}
      </Query>
      {deleting ? (
        <ConfirmDelete
          path={apiPath('mailboxes', deleting.id)}
          title={t('mailbox.deleteTitle', { name: deleting.name })}
          message={t('mailbox.deleteHelp', { name: deleting.name })}
          confirmLabel={t('mailbox.delete')}
          done={t('mailbox.deleted', { name: deleting.name })}
          refresh={['mailboxes']}
          onClose={() => setDeleting(null)}
        />
      ) : null}
      {editing ? (
        <MailboxForm mailbox={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />
      ) : null}
    </section>
  );
}

function UsedBy({ mailbox, templates }: { mailbox: Mailbox; templates: EmailTemplate[] }) {
  const { t } = useI18n();
  const actionTemplates = mailbox.usedByActionTemplates;
  if (templates.length === 0 && actionTemplates.length === 0) return <>{t('mailbox.usedBy.none')}</>;
  const own = templates.filter((x) => x.mailboxId === mailbox.id);
  const byDefault = templates.length - own.length;
  return (
    <span className="wrap">
      {own.map((x) => x.name).join(', ')}
      {byDefault > 0 ? (
        <Text size="xs" c="dimmed" component="span" display="block">
          {t(own.length > 0 ? 'mailbox.usedBy.default' : 'mailbox.usedBy.defaultOnly', { n: byDefault })}
        </Text>
      ) : null}
      {actionTemplates.length > 0 ? (
        <Text size="sm" component="span" display="block">
          {t('mailbox.usedBy.actionTemplates')}{' '}
          {actionTemplates.map((u, i) => (
            <span key={u.templateId}>
              {i > 0 ? ', ' : null}
              <AppLink href={`/templates/${encodeURIComponent(u.templateId)}`}>{u.name}</AppLink>
            </span>
          ))}
        </Text>
      ) : null}
    </span>
  );
}

/** What a connection test found: the step that failed in words, and the steps that passed. */
function TestResult({ result, mailbox }: { result: ConnectionTest; mailbox?: string }) {
  const { t } = useI18n();
  const failed = result.steps.find((s) => !s.ok);
  return (
    <Alert mt="xs" color={result.ok ? 'green.9' : 'red.9'} role="status" data-testid="connection-test">
      <Text fw={700} size="sm">
        {result.ok
          ? t('mailbox.test.ok')
          : t('mailbox.test.failed', { step: t(`mailbox.step.${result.failedStep ?? 'smtp'}`) })}
      </Text>
      {mailbox ? <Text size="sm">{t('mailbox.test.of', { name: mailbox })}</Text> : null}
      {failed ? <Text size="sm">{t(`mailbox.step.${result.failedStep ?? 'smtp'}.fix`)}</Text> : null}
      <List size="sm" mt={4}>
        {result.steps.map((s) => (
          <List.Item key={s.step}>
            {t(s.ok ? 'mailbox.step.passed' : 'mailbox.step.failedShort', {
              step: t(`mailbox.step.${s.step as 'dns'}`),
            })}
          </List.Item>
        ))}
      </List>
      {failed ? (
        <Text size="xs" c="dimmed" mt={4} className="wrap">
          {t('mailbox.test.detail', { detail: failed.message })}
        </Text>
      ) : null}
    </Alert>
  );
}

function MailboxForm({ mailbox, onClose }: { mailbox: Mailbox | null; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const client = useQueryClient();
  const [d, setD] = useState<Draft>(() => (mailbox ? draftOf(mailbox) : EMPTY));
  const set = (part: Partial<Draft>) => setD((old) => ({ ...old, ...part }));
  const save = useMutation({
    mutationFn: () =>
      mailbox
        ? api<Mailbox>('PUT', apiPath('mailboxes', mailbox.id), bodyOf(d))
        : api<Mailbox>('POST', '/api/mailboxes', bodyOf(d)),
    onSuccess: (m) => {
      notify(t('mailbox.saved', { name: m.name }));
      void client.invalidateQueries({ queryKey: ['mailboxes'] });
      onClose();
    },
  });
  const test = useMutation({
    mutationFn: () =>
      api<ConnectionTest>(
        'POST',
        mailbox ? `${apiPath('mailboxes', mailbox.id)}/test` : '/api/mailboxes/test',
        bodyOf(d),
      ),
  });
  const namer = (path: string) => {
    const key = FIELD_LABELS[path.replace(/^body\./, '').split('.')[0]!];
    return key ? t(key) : undefined;
  };
  const errors = fieldErrors(i18n, save.error ?? test.error, namer);
  const err = (path: string) => errors[path] ?? errors[`body.${path}`];
  return (
    <Modal
      opened
      onClose={onClose}
      title={mailbox ? t('mailbox.edit', { name: mailbox.name }) : t('mailbox.new')}
      size="lg"
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <ErrorAlert error={save.error ?? test.error} name={namer} />
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput
            label={t('mailbox.name')}
            required
            value={d.name}
            error={err('name')}
            onChange={(e) => set({ name: e.currentTarget.value })}
          />
          <TextInput
            label={t('mailbox.fromName')}
            required
            value={d.fromName}
            error={err('fromName')}
            onChange={(e) => set({ fromName: e.currentTarget.value })}
          />
          <TextInput
            label={t('mailbox.fromAddress')}
            type="email"
            required
            value={d.fromAddress}
            error={err('fromAddress')}
            onChange={(e) => set({ fromAddress: e.currentTarget.value })}
          />
          <TextInput
            label={t('mailbox.replyTo')}
            type="email"
            value={d.replyTo}
            error={err('replyTo')}
            onChange={(e) => set({ replyTo: e.currentTarget.value })}
          />
          <TextInput
            label={t('mailbox.host')}
            required
            value={d.host}
            error={err('host')}
            onChange={(e) => set({ host: e.currentTarget.value })}
          />
          <NumberInput
            label={t('mailbox.port')}
            required
            min={1}
            max={65535}
            value={d.port}
            error={err('port')}
            onChange={(v) => set({ port: typeof v === 'number' ? v : Number(v) || 0 })}
          />
          <Select
            label={t('mailbox.security')}
            description={t(`mailbox.security.${d.security}.help`)}
            allowDeselect={false}
            value={d.security}
            data={(['starttls', 'tls', 'none'] as const).map((s) => ({
              value: s,
              label: t(`mailbox.security.${s}`),
            }))}
            onChange={(v) => v && set({ security: v as Draft['security'] })}
          />
          <TextInput
            label={t('mailbox.username')}
            value={d.username}
            error={err('username')}
            onChange={(e) => set({ username: e.currentTarget.value })}
          />
          <PasswordInput
            label={t('mailbox.password')}
            description={mailbox?.hasPassword ? t('mailbox.password.keep') : undefined}
            value={d.password}
            error={err('password')}
            autoComplete="new-password"
            onChange={(e) => set({ password: e.currentTarget.value })}
          />
          <TagsInput
            label={t('mailbox.categories')}
            description={t('mailbox.categories.help')}
            value={d.categories}
            onChange={(v) => set({ categories: v })}
          />
          <NumberInput
            label={t('mailbox.rate')}
            description={t('mailbox.rate.help')}
            min={1}
            value={d.ratePerMinute}
            error={err('ratePerMinute')}
            onChange={(v) => set({ ratePerMinute: typeof v === 'number' ? v : '' })}
          />
          <NumberInput
            label={t('mailbox.maxConnections')}
            min={1}
            max={50}
            value={d.maxConnections}
            error={err('maxConnections')}
            onChange={(v) => set({ maxConnections: typeof v === 'number' ? v : 1 })}
          />
        </SimpleGrid>
        <Checkbox
          mt="sm"
          label={t('mailbox.isDefault')}
          checked={d.isDefault}
          onChange={(e) => set({ isDefault: e.currentTarget.checked })}
        />
        <Checkbox
          mt="xs"
          label={t('mailbox.allowInvalid')}
          checked={d.allowInvalidCertificates}
          onChange={(e) => set({ allowInvalidCertificates: e.currentTarget.checked })}
        />
        {test.data ? <TestResult result={test.data} /> : null}
        <Group justify="space-between" mt="md" wrap="wrap">
          <Button variant="default" loading={test.isPending} onClick={() => test.mutate()}>
            {t('mailbox.test')}
          </Button>
          <Group gap="xs">
            <Button variant="default" onClick={onClose}>
              {t('cancel')}
            </Button>
            <Button type="submit" loading={save.isPending}>
              {t('save')}
            </Button>
          </Group>
        </Group>
      </form>
    </Modal>
  );
}

/**
 * "E-mailtemplates": the list, and one template to create or edit: subject, HTML body (a code
 * editor), plain text, a merge-field picker per dossier type (following references), live
 * validation with part, line and column, a preview rendered against a chosen dossier, the import
 * of an Econobis template with its report, and where the template is used (deletion is refused
 * while it is, naming the action templates).
 */
import {
  Alert,
  Badge,
  Button,
  Grid,
  Group,
  List,
  Modal,
  Paper,
  Select,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { type Schemas, api, apiPath, withQuery } from '../api.js';
import { useDossierTypes } from '../dossier-types.js';
import { DossierSelect, useDossierOptions } from './fields.js';
import { ErrorAlert } from '../errors.js';
import { type I18n, useI18n } from '../i18n.js';
import { useCan } from '../session.js';
import { AppLink, BackLink, DataTable, MailFrame, PageHead, Query, notify } from '../ui.js';

export type EmailTemplate = Schemas['EmailTemplate'];

interface Problem {
  readonly part: string;
  readonly line: number | null;
  readonly column: number | null;
  readonly field: string | null;
  readonly message: string;
  /** What is wrong (`merge_field_invalid`, …), rendered through the dictionary with `params`. */
  readonly code: string;
  readonly params: Record<string, string | number>;
}

interface Draft {
  name: string;
  rootType: string;
  language: 'nl' | 'en';
  subject: string;
  htmlBody: string;
  textBody: string;
}

export function useEmailTemplates() {
  return useQuery({
    queryKey: ['email-templates'],
    queryFn: async () => (await api<{ items: EmailTemplate[] }>('GET', '/api/email-templates')).items,
  });
}

export function EmailTemplatesPage() {
  const { t, label } = useI18n();
  const types = useDossierTypes();
  const list = useEmailTemplates();
  const canEdit = useCan('workflows.automatic');
  return (
    <>
      <PageHead title={t('email.title')}>
        {canEdit ? (
          <Button component={Link} href="/email-templates/new">
            {t('email.new')}
          </Button>
        ) : null}
      </PageHead>
      <Text c="dimmed" mb="md">
        {t('email.intro')}
      </Text>
      <Query query={list}>
        {(items) => (
          <DataTable
            className="email-templates-table"
            head={[t('email.col.name'), t('email.col.type'), t('email.col.subject'), t('email.col.language')]}
            rows={items.map((x) => [
              <AppLink key="n" href={`/email-templates/${encodeURIComponent(x.id)}`} strong>
                {x.name}
              </AppLink>,
              label(types.data?.find((d) => d.key === x.rootType)?.label, x.rootType),
              x.subject,
              x.language.toUpperCase(),
            ])}
          />
        )}
      </Query>
    </>
  );
}

/** "Onderwerp, regel 3, kolom 7: …" for one problem. */
export function problemText(i18n: I18n, p: Problem): string {
  const where = [
    i18n.tOr(`email.part.${p.part}`, p.part),
    p.line !== null ? i18n.t('email.line', { line: p.line }) : null,
    p.column !== null ? i18n.t('email.column', { column: p.column }) : null,
  ]
    .filter(Boolean)
    .join(', ');
  // The server's code and params through the dictionary; a code it does not know yet falls back
  // to the general sentence (English readers get the server's own words).
  const general = p.field
    ? i18n.t('email.problem.field', { field: p.field })
    : i18n.t('email.problem.syntax');
  const what = i18n.tOr(`email.problem.${p.code}`, general, {
    ...p.params,
    field: p.field ?? p.params.field ?? '',
  });
  return `${where}: ${i18n.lang === 'en' ? p.message : what}`;
}

export function EmailTemplateEditor({ id }: { id: string | null }) {
  const { t } = useI18n();
  const [, navigate] = useLocation();
  const template = useQuery({
    queryKey: ['email-templates', id],
    queryFn: () => api<EmailTemplate>('GET', apiPath('email-templates', id!)),
    enabled: id !== null,
  });
  return (
    <>
      <BackLink href="/email-templates" />
      {id === null ? (
        <>
          <PageHead title={t('email.newTitle')} />
          <EmailTemplateForm
            template={null}
            onSaved={(saved) =>
              navigate(`/email-templates/${encodeURIComponent(saved.id)}`, { replace: true })
            }
          />
        </>
      ) : (
        <Query query={template}>
          {(x) => (
            <>
              <PageHead title={x.name} />
              <EmailTemplateForm key={x.version} template={x} onSaved={() => undefined} />
              <UsedBy id={x.id} />
            </>
          )}
        </Query>
      )}
    </>
  );
}

/** Where an e-mail template is used, and deletion (refused while it is used). */
function UsedBy({ id }: { id: string }) {
  const { t } = useI18n();
  const [, navigate] = useLocation();
  const client = useQueryClient();
  const canEdit = useCan('workflows.automatic');
  const users = useQuery({
    queryKey: ['email-templates', id, 'used-by'],
    queryFn: () =>
      api<{ items: { templateId: string; name: string; active: boolean }[] }>(
        'GET',
        `${apiPath('email-templates', id)}/used-by`,
      ),
  });
  const remove = useMutation({
    mutationFn: () => api('DELETE', apiPath('email-templates', id)),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['email-templates'] });
      navigate('/email-templates', { replace: true });
    },
  });
  return (
    <section>
      <Title order={2} size="h3" mt="xl" mb="xs">
        {t('email.usedBy')}
      </Title>
      <Query query={users}>
        {(r) => (
          <Stack gap="xs">
            {r.items.length === 0 ? (
              <Text c="dimmed">{t('email.usedBy.none')}</Text>
            ) : (
              <List>
                {r.items.map((u) => (
                  <List.Item key={u.templateId}>
                    <AppLink href={`/templates/${encodeURIComponent(u.templateId)}`}>{u.name}</AppLink>{' '}
                    {u.active ? <Badge size="xs">{t('templates.isActive')}</Badge> : null}
                  </List.Item>
                ))}
              </List>
            )}
            {canEdit ? (
              <Group>
                <Button
                  color="red"
                  variant="outline"
                  disabled={r.items.length > 0}
                  onClick={() => remove.mutate()}
                  loading={remove.isPending}
                >
                  {t('email.delete')}
                </Button>
                {r.items.length > 0 ? (
                  <Text size="sm" c="dimmed">
                    {t('email.delete.used', { names: r.items.map((u) => u.name).join(', ') })}
                  </Text>
                ) : null}
              </Group>
            ) : null}
            <ErrorAlert error={remove.error} />
          </Stack>
        )}
      </Query>
    </section>
  );
}

function draftOf(x: EmailTemplate | null, rootType: string): Draft {
  return {
    name: x?.name ?? '',
    rootType: x?.rootType ?? rootType,
    language: x?.language === 'en' ? 'en' : 'nl',
    subject: x?.subject ?? '',
    htmlBody: x?.htmlBody ?? '<p>Beste {{ contact.firstName }},</p>\n<p></p>',
    textBody: x?.textBody ?? '',
  };
}

function inputOf(d: Draft) {
  return { ...d, textBody: d.textBody.trim() === '' ? null : d.textBody };
}

/**
 * The e-mail template form, on its own page or inside a dialog (the Workflows screen creates a
 * template in place; then `rootType` is fixed to the row's dossier type).
 */
export function EmailTemplateForm({
  template,
  rootType: fixedType,
  onSaved,
}: {
  template: EmailTemplate | null;
  rootType?: string;
  onSaved: (saved: EmailTemplate) => void;
}) {
  const i18n = useI18n();
  const { t, label } = i18n;
  const client = useQueryClient();
  const types = useDossierTypes();
  const canEdit = useCan('workflows.automatic');
  const [draft, setDraft] = useState<Draft>(() => draftOf(template, fixedType ?? 'quotationRequest'));
  const [importing, setImporting] = useState(false);
  const focused = useRef<'subject' | 'htmlBody' | 'textBody'>('htmlBody');
  const refs = {
    subject: useRef<HTMLInputElement>(null),
    htmlBody: useRef<HTMLTextAreaElement>(null),
    textBody: useRef<HTMLTextAreaElement>(null),
  };
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const [checked] = useDebouncedValue(draft, 400);
  const validation = useQuery({
    queryKey: ['email-templates', 'validate', checked],
    queryFn: () =>
      api<{ valid: boolean; problems: Problem[] }>('POST', '/api/email-templates/validate', inputOf(checked)),
    enabled: canEdit && checked.subject !== '' && checked.name !== '',
    placeholderData: (previous) => previous,
  });
  const mergeFields = useQuery({
    queryKey: ['merge-fields', draft.rootType],
    queryFn: () =>
      api<{ items: { path: string; label: { nl: string; en: string }; kind: string }[] }>(
        'GET',
        withQuery('/api/email-templates/merge-fields', { rootType: draft.rootType }),
      ),
  });
  const save = useMutation({
    mutationFn: () =>
      template
        ? api<EmailTemplate>('PUT', apiPath('email-templates', template.id), inputOf(draft))
        : api<EmailTemplate>('POST', '/api/email-templates', inputOf(draft)),
    onSuccess: (saved) => {
      client.setQueryData(['email-templates', saved.id], saved);
      // Pickers that list the templates show the new one at once, before the list is read again.
      client.setQueryData<EmailTemplate[]>(['email-templates'], (list) =>
        list ? [...list.filter((x) => x.id !== saved.id), saved] : list,
      );
      void client.invalidateQueries({ queryKey: ['email-templates'] });
      notify(t('email.saved', { name: saved.name }));
      onSaved(saved);
    },
  });
  /** Puts `{{ path }}` where the cursor was in the field last used. */
  const insert = (path: string) => {
    const key = focused.current;
    const el = refs[key].current;
    const tag = `{{ ${path} }}`;
    const value = draft[key];
    const at = el?.selectionStart ?? value.length;
    const end = el?.selectionEnd ?? at;
    set({ [key]: value.slice(0, at) + tag + value.slice(end) });
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(at + tag.length, at + tag.length);
    });
  };
  const problems = validation.data?.problems ?? [];
  const problemOf = (part: string) => {
    const found = problems.filter((p) => p.part === part);
    return found.length > 0 ? found.map((p) => problemText(i18n, p)).join(' · ') : undefined;
  };
  const fieldName = (path: string) =>
    ({
      name: t('email.name'),
      subject: t('email.subject'),
      htmlBody: t('email.html'),
      textBody: t('email.text'),
    })[path];
  return (
    <Grid gutter="lg">
      <Grid.Col span={{ base: 12, md: 7 }}>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            save.mutate();
          }}
        >
          <fieldset disabled={!canEdit} className="plain-fieldset">
            <Stack>
              {!canEdit ? <Alert color="gray">{t('workflows.readOnly')}</Alert> : null}
              <Group grow align="start">
                <TextInput
                  label={t('email.name')}
                  required
                  maxLength={200}
                  value={draft.name}
                  onChange={(e) => set({ name: e.currentTarget.value })}
                />
                <Select
                  label={t('email.rootType')}
                  description={t('email.rootType.help')}
                  value={draft.rootType}
                  disabled={Boolean(fixedType) || !canEdit}
                  allowDeselect={false}
                  onChange={(v) => v && set({ rootType: v })}
                  data={(types.data ?? []).map((d) => ({ value: d.key, label: label(d.label) }))}
                />
              </Group>
              <Select
                label={t('email.language')}
                value={draft.language}
                allowDeselect={false}
                w={160}
                onChange={(v) => set({ language: v === 'en' ? 'en' : 'nl' })}
                data={[
                  { value: 'nl', label: t('lang.nl') },
                  { value: 'en', label: t('lang.en') },
                ]}
              />
              <TextInput
                ref={refs.subject}
                label={t('email.subject')}
                required
                value={draft.subject}
                error={problemOf('subject')}
                onFocus={() => (focused.current = 'subject')}
                onChange={(e) => set({ subject: e.currentTarget.value })}
              />
              <Select
                label={t('email.mergeField')}
                description={t('email.mergeField.help')}
                placeholder={t('email.mergeField.placeholder')}
                searchable
                value={null}
                onChange={(v) => v && insert(v)}
                data={(mergeFields.data?.items ?? []).map((m) => ({
                  value: m.path,
                  label: `${label(m.label)} — ${m.path}`,
                }))}
                nothingFoundMessage={t('empty')}
                comboboxProps={{ withinPortal: true }}
              />
              <Textarea
                ref={refs.htmlBody}
                label={t('email.html')}
                description={t('email.html.help')}
                required
                autosize
                minRows={10}
                maxRows={30}
                spellCheck={false}
                classNames={{ input: 'code-input' }}
                value={draft.htmlBody}
                error={problemOf('htmlBody')}
                onFocus={() => (focused.current = 'htmlBody')}
                onChange={(e) => set({ htmlBody: e.currentTarget.value })}
              />
              <Textarea
                ref={refs.textBody}
                label={t('email.text')}
                description={t('email.text.help')}
                autosize
                minRows={3}
                maxRows={12}
                value={draft.textBody}
                error={problemOf('textBody')}
                onFocus={() => (focused.current = 'textBody')}
                onChange={(e) => set({ textBody: e.currentTarget.value })}
              />
              {problems.length > 0 ? (
                <Alert color="orange" title={t('email.problems')} data-testid="email-problems">
                  <List size="sm">
                    {problems.map((p, i) => (
                      <List.Item key={i}>{problemText(i18n, p)}</List.Item>
                    ))}
                  </List>
                </Alert>
              ) : validation.data?.valid ? (
                <Text size="sm" c="brand.9" role="status">
                  {t('email.valid')}
                </Text>
              ) : null}
              <ErrorAlert error={save.error} name={fieldName} />
              {canEdit ? (
                <Group>
                  <Button type="submit" loading={save.isPending}>
                    {t('save')}
                  </Button>
                  <Button variant="default" onClick={() => setImporting(true)}>
                    {t('email.import')}
                  </Button>
                </Group>
              ) : null}
            </Stack>
          </fieldset>
        </form>
        {importing ? (
          <ImportDialog
            rootType={draft.rootType}
            onClose={() => setImporting(false)}
            onUse={(x) => {
              set({ subject: x.subject, htmlBody: x.htmlBody, name: draft.name || x.name });
              setImporting(false);
            }}
          />
        ) : null}
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 5 }}>
        <Preview draft={draft} />
      </Grid.Col>
    </Grid>
  );
}

/** The draft rendered against a chosen dossier of its type. */
function Preview({ draft }: { draft: Draft }) {
  const { t } = useI18n();
  const canEdit = useCan('workflows.automatic');
  const [dossierId, setDossierId] = useState<string | null>(null);
  const options = useDossierOptions(draft.rootType);
  const chosen = dossierId ?? options[0]?.value ?? null;
  const [debounced] = useDebouncedValue(draft, 500);
  const rendered = useQuery({
    queryKey: ['email-templates', 'preview', debounced, chosen],
    queryFn: () =>
      api<{ subject: string; html: string; problems: Problem[] }>('POST', '/api/email-templates/preview', {
        template: inputOf(debounced),
        dossierId: chosen,
      }),
    enabled: canEdit && chosen !== null && debounced.subject !== '' && debounced.name !== '',
    placeholderData: (previous) => previous,
    retry: false,
  });
  return (
    <Paper withBorder p="md" className="preview-panel">
      <Title order={2} size="h4" mb="xs">
        {t('email.preview')}
      </Title>
      <DossierSelect
        type={draft.rootType}
        label={t('email.preview.dossier')}
        value={chosen}
        onChange={setDossierId}
        mb="sm"
      />
      {rendered.data ? (
        <Stack gap="xs">
          <Text size="sm">
            <strong>{t('actions.preview.subject')}:</strong> {rendered.data.subject}
          </Text>
          <MailFrame html={rendered.data.html} title={t('actions.preview.frame')} />
        </Stack>
      ) : rendered.error ? (
        <ErrorAlert error={rendered.error} />
      ) : (
        <Text c="dimmed" size="sm">
          {t('email.preview.none')}
        </Text>
      )}
    </Paper>
  );
}

interface Imported {
  readonly template: { name: string; subject: string; htmlBody: string };
  readonly converted: number;
  readonly notes: {
    part: string;
    line: number;
    column: number;
    original: string;
    converted: string | null;
    message: string;
  }[];
  readonly problems: Problem[];
}

/** Converts an Econobis template ({kans_naam}, @als{…}…als@) to Liquid and shows its report. */
function ImportDialog({
  rootType,
  onClose,
  onUse,
}: {
  rootType: string;
  onClose: () => void;
  onUse: (x: Imported['template']) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const [subject, setSubject] = useState('');
  const [htmlBody, setHtmlBody] = useState('');
  const convert = useMutation({
    mutationFn: () =>
      api<Imported>('POST', '/api/email-templates/import-econobis', { rootType, subject, htmlBody }),
  });
  const r = convert.data;
  return (
    <Modal opened onClose={onClose} title={t('email.import')} size="lg">
      <Stack>
        <Text size="sm" c="dimmed">
          {t('email.import.help')}
        </Text>
        <TextInput
          label={t('email.subject')}
          value={subject}
          onChange={(e) => setSubject(e.currentTarget.value)}
        />
        <Textarea
          label={t('email.import.body')}
          autosize
          minRows={6}
          classNames={{ input: 'code-input' }}
          value={htmlBody}
          onChange={(e) => setHtmlBody(e.currentTarget.value)}
        />
        <ErrorAlert error={convert.error} />
        <Group>
          <Button
            onClick={() => convert.mutate()}
            loading={convert.isPending}
            disabled={!htmlBody && !subject}
          >
            {t('email.import.convert')}
          </Button>
        </Group>
        {r ? (
          <Stack gap="xs" role="status">
            <Text fw={600}>
              {t('email.import.report', { converted: r.converted, notes: r.notes.length })}
            </Text>
            {r.notes.length > 0 ? (
              <List size="sm">
                {r.notes.map((n, i) => (
                  <List.Item key={i}>
                    {i18n.tOr(`email.part.${n.part}`, n.part)}, {t('email.line', { line: n.line })},{' '}
                    {t('email.column', { column: n.column })}: <code>{n.original}</code>
                    {n.converted ? (
                      <>
                        {' → '}
                        <code>{n.converted}</code>
                      </>
                    ) : (
                      ` — ${t('email.import.notConverted')}`
                    )}
                  </List.Item>
                ))}
              </List>
            ) : null}
            {r.problems.length > 0 ? (
              <List size="sm" c="orange.9">
                {r.problems.map((p, i) => (
                  <List.Item key={i}>{problemText(i18n, p)}</List.Item>
                ))}
              </List>
            ) : null}
            <pre className="json">{r.template.htmlBody}</pre>
            <Group>
              <Button onClick={() => onUse(r.template)}>{t('email.import.use')}</Button>
            </Group>
          </Stack>
        ) : null}
      </Stack>
    </Modal>
  );
}

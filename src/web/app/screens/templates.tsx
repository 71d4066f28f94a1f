/**
 * "Actie-templates": the list, and one template edited with the form (template-form.tsx): save
 * the draft, publish, activate/deactivate, the live simulation of the draft (which dossiers it
 * would stamp now, when, and the first e-mails rendered), the versions with a readable diff, and
 * a read-only JSON view for power users. Problems the server finds are shown on their field.
 */
import { Alert, Badge, Button, Grid, Group, Paper, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { type Simulation, type Template, type TemplateDefinition, api, apiPath } from '../api.js';
import { dossierTitle, statusLabel, useDossierTypes } from '../dossier-types.js';
import { ErrorAlert, fieldErrors } from '../errors.js';
import { type I18n, useFormats, useI18n } from '../i18n.js';
import { useCan } from '../session.js';
import { AppLink, BackLink, DataTable, MailFrame, PageHead, Query, ScrollBox, YesNo, notify } from '../ui.js';
import { ExplainPanel } from './explain-panel.js';
import { ImpactDialog, type ImpactReport, type Pending } from './impact-dialog.js';
import { DossierSelect } from './fields.js';
import { sectionOf, starter, TemplateForm, useTemplatesList } from './template-form.js';
import { describeTiming } from '../../../domain/timing/timing.js';

export function TemplatesPage() {
  const i18n = useI18n();
  const { t, label, tOr } = i18n;
  const types = useDossierTypes();
  const list = useTemplatesList();
  return (
    <>
      <PageHead title={t('templates.title')}>
        <Button component={Link} href="/templates/new">
          {t('templates.new')}
        </Button>
      </PageHead>
      <Query query={list}>
        {(items) => (
          <DataTable
            className="templates-table"
            head={[
              t('templates.col.name'),
              t('templates.col.process'),
              t('templates.col.type'),
              t('templates.col.event'),
              t('templates.col.timing'),
              t('templates.col.mode'),
              t('templates.col.active'),
              t('templates.col.version'),
            ]}
            rows={items.map((x) => {
              const type = types.data?.find((d) => d.key === x.draft.dossierType);
              // Field labels, not keys, in the timing sentence ("1 dag na Geplande einddatum").
              const fieldLabels = Object.fromEntries(
                (type?.fields ?? []).map((f) => [f.key, label(f.label)]),
              );
              return [
                <AppLink key="n" href={`/templates/${encodeURIComponent(x.id)}`} strong>
                  {x.draft.name || x.id}
                </AppLink>,
                x.draft.process ?? '',
                label(type?.label, x.draft.dossierType),
                tOr(`event.${x.draft.event.type}`, x.draft.event.type),
                describeTiming(x.draft.timing, i18n.lang, fieldLabels),
                tOr(`mode.${x.draft.executionMode}`, x.draft.executionMode),
                <YesNo key="a" value={x.active} />,
                x.publishedVersion === null ? t('templates.unpublished') : `v${x.publishedVersion}`,
              ];
            })}
          />
        )}
      </Query>
    </>
  );
}

/** Names a request path of a definition by its form section ("effect.templateId" → "E-mailtemplate"). */
function pathNamer(i18n: I18n) {
  return (path: string) => {
    const section = sectionOf(path);
    return section ? i18n.t(section[1]) : undefined;
  };
}

export function TemplateEditor({ id }: { id: string | null }) {
  const { t } = useI18n();
  const template = useQuery({
    queryKey: ['templates', id],
    queryFn: () => api<Template>('GET', apiPath('templates', id!)),
    enabled: id !== null,
  });
  const types = useDossierTypes();
  return (
    <>
      <BackLink href="/templates" />
      {id === null ? (
        <Query query={types}>
          {(list) => (
            <Editor
              template={null}
              initial={starter(list.find((x) => x.key === 'training')?.key ?? list[0]?.key ?? '')}
            />
          )}
        </Query>
      ) : (
        <Query query={template}>{(x) => <Editor key={x.updatedAt} template={x} initial={x.draft} />}</Query>
      )}
      {id === null ? null : (
        <Text size="xs" c="dimmed" mt="md">
          {t('templates.idNote', { id })}
        </Text>
      )}
    </>
  );
}

function Editor({ template, initial }: { template: Template | null; initial: TemplateDefinition }) {
  const i18n = useI18n();
  const { t } = i18n;
  const client = useQueryClient();
  const [, navigate] = useLocation();
  const [draft, setDraft] = useState<TemplateDefinition>(initial);
  const [showJson, setShowJson] = useState(false);
  const list = useTemplatesList();
  const canManual = useCan('templates.manual');
  const canAutomatic = useCan('workflows.automatic');
  const mayEdit = draft.executionMode === 'manual' ? canManual : canAutomatic;
  const dirty = JSON.stringify(draft) !== JSON.stringify(template?.draft ?? initial);
  const processes = useMemo(
    () => [...new Set((list.data ?? []).map((x) => x.draft.process).filter((p): p is string => Boolean(p)))],
    [list.data],
  );
  const namer = pathNamer(i18n);
  const refresh = (saved?: Template) => {
    if (saved) client.setQueryData(['templates', saved.id], saved);
    void client.invalidateQueries({ queryKey: ['templates'] });
  };
  const save = useMutation({
    mutationFn: () =>
      template
        ? api<Template>('PUT', `${apiPath('templates', template.id)}/draft`, draft)
        : api<Template>('POST', '/api/templates', draft),
    onSuccess: (saved) => {
      refresh(saved);
      setWarnings((saved as Template & { warnings?: SaveWarning[] }).warnings ?? []);
      notify(t('templates.saved'));
      if (!template) navigate(`/templates/${encodeURIComponent(saved.id)}`, { replace: true });
    },
  });
  const [warnings, setWarnings] = useState<SaveWarning[]>([]);
  const [publishing, setPublishing] = useState(false);
  const [relinking, setRelinking] = useState(false);
  // Publishing first saves the draft, then shows what it would change (a dry run) in a dialog.
  const prepare = useMutation({
    mutationFn: async () => {
      if (dirty) refresh(await api<Template>('PUT', `${apiPath('templates', template!.id)}/draft`, draft));
    },
    onSuccess: () => setPublishing(true),
  });
  // Switching on or off first shows what it would change (a dry run), as publishing does.
  const [switching, setSwitching] = useState(false);
  // Live: the draft is simulated (and so validated) a moment after each change.
  const [debounced] = useDebouncedValue(draft, 600);
  const simulation = useQuery({
    queryKey: ['templates', template?.id, 'simulate', debounced],
    queryFn: () =>
      api<Simulation>('POST', `${apiPath('templates', template!.id)}/simulate`, {
        draft: debounced,
        limit: 50,
      }),
    enabled: template !== null,
    retry: false,
    placeholderData: (previous) => previous,
  });
  const problem = save.error ?? prepare.error ?? (simulation.isError ? simulation.error : null);
  const errors = fieldErrors(i18n, problem, namer);
  return (
    <>
      <PageHead title={draft.name || t('templates.newTitle')}>
        {template ? (
          <>
            <Badge
              color={template.active ? 'brand.9' : 'gray.8'}
              variant={template.active ? 'filled' : 'outline'}
            >
              {t(template.active ? 'templates.isActive' : 'templates.isInactive')}
            </Badge>
            <Badge color="gray.8" variant="outline">
              {template.publishedVersion === null
                ? t('templates.unpublished')
                : `v${template.publishedVersion}`}
            </Badge>
          </>
        ) : null}
      </PageHead>
      {!mayEdit ? (
        <Alert color="gray" mb="md">
          {t(draft.executionMode === 'manual' ? 'templates.noRightManual' : 'workflows.readOnly')}
        </Alert>
      ) : null}
      <Grid gutter="lg">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <TemplateForm
            value={draft}
            onChange={setDraft}
            errors={errors}
            processes={processes}
            example={<TimingExample simulation={simulation.data} isNew={template === null} />}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Stack className="sticky-panel">
            <Paper withBorder p="md">
              <Stack gap="sm">
                <ErrorAlert error={problem} name={namer} />
                <SaveWarnings warnings={warnings} />
                <Group gap="xs">
                  <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!mayEdit}>
                    {template ? t('templates.saveDraft') : t('templates.create')}
                  </Button>
                  {template ? (
                    <>
                      <Button
                        variant="default"
                        onClick={() => prepare.mutate()}
                        loading={prepare.isPending}
                        disabled={!mayEdit}
                      >
                        {t('templates.publish')}
                      </Button>
                      <Button
                        variant="default"
                        onClick={() => setSwitching(true)}
                        disabled={!mayEdit || template.publishedVersion === null}
                      >
                        {t(template.active ? 'templates.deactivate' : 'templates.activate')}
                      </Button>
                      {template.publishedVersion !== null && template.draft.categories.length > 0 ? (
                        <Button variant="default" onClick={() => setRelinking(true)} disabled={!mayEdit}>
                          {t('templates.relink')}
                        </Button>
                      ) : null}
                    </>
                  ) : null}
                </Group>
                {dirty ? (
                  <Text size="sm" c="dimmed">
                    {t('templates.unsaved')}
                  </Text>
                ) : null}
              </Stack>
            </Paper>
            {template ? (
              <SimulationPanel
                simulation={simulation.data}
                loading={simulation.isFetching}
                rootType={draft.dossierType}
              />
            ) : null}
            {template?.publishedVersion ? (
              <WhyNot templateId={template.id} rootType={template.draft.dossierType} />
            ) : null}
            {template?.versions?.length ? <Versions template={template} draft={draft} /> : null}
            <Switch
              label={t('templates.json')}
              checked={showJson}
              onChange={(e) => setShowJson(e.currentTarget.checked)}
            />
            {showJson ? (
              <pre className="json" aria-label={t('templates.json')}>
                {JSON.stringify(draft, null, 2)}
              </pre>
            ) : null}
          </Stack>
        </Grid.Col>
      </Grid>
      {switching && template ? (
        <ActiveDialog
          template={template}
          onClose={() => setSwitching(false)}
          onDone={(saved) => {
            setSwitching(false);
            refresh(saved);
            notify(t(saved.active ? 'templates.active.doneOn' : 'templates.active.doneOff'));
          }}
        />
      ) : null}
      {relinking && template ? (
        <RelinkDialog
          template={template}
          onClose={() => setRelinking(false)}
          onDone={() => {
            setRelinking(false);
            refresh();
            notify(t('templates.relink.done'));
          }}
        />
      ) : null}
      {publishing && template ? (
        <PublishDialog
          template={template}
          onClose={() => setPublishing(false)}
          onPublished={(version) => {
            setPublishing(false);
            refresh();
            notify(t('templates.published', { version }));
          }}
        />
      ) : null}
    </>
  );
}

/** Publishing: the dry run of `POST …/publish` for each choice, then publish. */
function PublishDialog({
  template,
  onClose,
  onPublished,
}: {
  template: Template;
  onClose: () => void;
  onPublished: (version: number) => void;
}) {
  const { t } = useI18n();
  const path = `${apiPath('templates', template.id)}/publish`;
  return (
    <ImpactDialog
      title={t('templates.publish.title')}
      dossierType={template.draft.dossierType}
      queryKey={['templates', template.id, 'publish-impact']}
      initial="keep"
      choiceLabel={(p) => t(`templates.publish.${p}`)}
      summary="templates.publish.impact"
      confirm={t('templates.publish.confirm')}
      dryRun={async (pending) =>
        (await api<{ impact?: ImpactReport }>('POST', `${path}?dryRun=true`, { pending })).impact
      }
      apply={(pending) => api<{ version: number }>('POST', path, { pending })}
      onClose={onClose}
      onDone={(r) => onPublished((r as { version: number }).version)}
    />
  );
}

interface SaveWarning {
  code: string;
  message: string;
  params: { templateIds?: string[]; dossierType?: string; field?: string };
}

/** Saved, but worth a look: other active templates set the same field on the same event. */
function SaveWarnings({ warnings }: { warnings: readonly SaveWarning[] }) {
  const { t, label, lang } = useI18n();
  const list = useTemplatesList();
  const types = useDossierTypes();
  if (warnings.length === 0) return null;
  const nameOf = (id: string) => list.data?.find((x) => x.id === id)?.draft.name ?? id;
  return (
    <Alert color="yellow" role="status" data-testid="save-warnings">
      {warnings.map((w, i) => {
        const type = types.data?.find((x) => x.key === w.params.dossierType);
        const field = type?.fields.find((x) => x.key === w.params.field);
        return (
          <Text size="sm" key={i}>
            {w.code === 'template.fieldConflict'
              ? t('templates.warning.fieldConflict', {
                  templates: (w.params.templateIds ?? []).map(nameOf).join(', '),
                  field: field ? label(field.label) : (w.params.field ?? ''),
                })
              : // A warning this UI does not know yet: by its code, in the reader's language (the
                // server's sentence is English only).
                lang === 'en' && w.message
                ? w.message
                : t('templates.warning.other', { code: w.code })}
          </Text>
        );
      })}
    </Alert>
  );
}

/** Switching a template on or off: the dry run of `POST …/active` for keep or cancel, then the switch. */
function ActiveDialog({
  template,
  onClose,
  onDone,
}: {
  template: Template;
  onClose: () => void;
  onDone: (saved: Template) => void;
}) {
  const { t } = useI18n();
  const path = `${apiPath('templates', template.id)}/active`;
  const active = !template.active;
  const word = active ? 'on' : 'off';
  return (
    <ImpactDialog
      title={t(`templates.active.title.${word}`)}
      dossierType={template.draft.dossierType}
      queryKey={['templates', template.id, 'active-impact', active]}
      initial="keep"
      choices={['keep', 'cancel']}
      choiceLabel={(p) => t(p === 'cancel' ? 'templates.publish.cancel' : 'templates.active.keep')}
      summary="templates.publish.impact"
      confirm={t(`templates.active.confirm.${word}`)}
      dryRun={async (pending) =>
        (await api<{ impact?: ImpactReport }>('POST', `${path}?dryRun=true`, { active, pending })).impact
      }
      apply={(pending) => api<Template>('POST', path, { active, pending })}
      onClose={onClose}
      onDone={(r) => onDone(r as Template)}
    />
  );
}

/** Relinking categories: the dry run of `POST …/apply-categories` for each choice, then apply. */
function RelinkDialog({
  template,
  onClose,
  onDone,
}: {
  template: Template;
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const path = `${apiPath('templates', template.id)}/apply-categories`;
  const run = (dryRun: boolean, pending: Pending) =>
    api<{ impact: ImpactReport }>('POST', path, { dryRun, pending });
  return (
    <ImpactDialog
      title={t('templates.relink.title')}
      intro={t('templates.relink.intro')}
      dossierType={template.draft.dossierType}
      queryKey={['templates', template.id, 'relink-impact']}
      initial="cancel"
      choiceLabel={(p) => t(`templates.relink.${p}`)}
      summary="templates.relink.impact"
      confirm={t('templates.relink.confirm')}
      dryRun={async (pending) => (await run(true, pending)).impact}
      apply={(pending) => run(false, pending)}
      onClose={onClose}
      onDone={onDone}
    />
  );
}

/** "Voorbeeld: …" for the timing, from the first dossier the simulation would stamp. */
function TimingExample({ simulation, isNew }: { simulation: Simulation | undefined; isNew: boolean }) {
  const { t } = useI18n();
  const f = useFormats();
  const types = useDossierTypes();
  if (isNew)
    return (
      <Text size="sm" c="dimmed">
        {t('templates.example.new')}
      </Text>
    );
  const first = simulation?.items.find((i) => i.dueAt);
  if (!first)
    return (
      <Text size="sm" c="dimmed">
        {t('templates.example.none')}
      </Text>
    );
  const type = types.data?.find((x) => x.key === first.dossier.type);
  return (
    <Text size="sm" data-testid="timing-example">
      {t('templates.example', { dossier: dossierTitle(type, first.dossier), due: f.dateTime(first.dueAt) })}
    </Text>
  );
}

interface RenderedEmail {
  readonly subject?: string;
  readonly html?: string;
  readonly to?: string[];
  readonly error?: string;
}

function SimulationPanel({
  simulation,
  loading,
  rootType,
}: {
  simulation: Simulation | undefined;
  loading: boolean;
  rootType: string;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const f = useFormats();
  const types = useDossierTypes();
  const type = types.data?.find((x) => x.key === rootType);
  const emails = (simulation?.items ?? [])
    .map((i) => ({ dossier: i.dossier, email: i.effect as RenderedEmail }))
    .filter((x) => x.email && typeof x.email === 'object' && 'html' in x.email)
    .slice(0, 3);
  return (
    <Paper withBorder p="md" aria-busy={loading}>
      <Title order={2} size="h4" mb="xs">
        {t('templates.simulation.title')}
      </Title>
      {!simulation ? (
        <Text size="sm" c="dimmed">
          {t('loading')}
        </Text>
      ) : (
        <Stack gap="xs">
          <Text fw={600} data-testid="simulation-count" role="status">
            {t('templates.simulation', { total: simulation.total })}
          </Text>
          <DataTable
            head={[t('templates.sim.dossier'), t('templates.sim.status'), t('templates.sim.due')]}
            rows={simulation.items.slice(0, 10).map((i) => [
              <AppLink
                key="d"
                href={`/dossiers/${encodeURIComponent(i.dossier.type)}/${encodeURIComponent(i.dossier.id)}`}
              >
                {dossierTitle(types.data?.find((x) => x.key === i.dossier.type) ?? type, i.dossier)}
              </AppLink>,
              statusLabel(
                i18n,
                types.data?.find((x) => x.key === i.dossier.type),
                i.dossier.status,
              ),
              f.dateTime(i.dueAt),
            ])}
          />
          {emails.map(({ dossier, email }) => (
            <details key={dossier.id}>
              <summary>
                {t('templates.sim.email', {
                  subject: email.subject ?? '',
                  dossier: dossierTitle(type, dossier),
                })}
              </summary>
              <MailFrame html={email.html ?? ''} title={t('actions.preview.frame')} />
            </details>
          ))}
        </Stack>
      )}
    </Paper>
  );
}

/** Flattens a definition into `path → JSON text` for a readable diff. */
function flatten(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) out[prefix] = JSON.stringify(value);
  return out;
}

/** What changed between two definitions: one row per part, with its old and new value. */
export function diffDefinitions(
  before: unknown,
  after: unknown,
): { path: string; before?: string; after?: string }[] {
  const a = flatten(before);
  const b = flatten(after);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => a[k] !== b[k])
    .sort()
    .map((path) => ({ path, before: a[path], after: b[path] }));
}

function Versions({ template, draft }: { template: Template; draft: TemplateDefinition }) {
  const i18n = useI18n();
  const { t } = i18n;
  const f = useFormats();
  const versions = [...(template.versions ?? [])].sort((x, y) => y.version - x.version);
  const [shown, setShown] = useState<number | 'draft'>('draft');
  const newest = versions[0];
  const index = shown === 'draft' ? -1 : versions.findIndex((v) => v.version === shown);
  const after = shown === 'draft' ? draft : versions[index]?.definition;
  const before = shown === 'draft' ? newest?.definition : versions[index + 1]?.definition;
  const rows = diffDefinitions(before ?? {}, after ?? {});
  const namer = pathNamer(i18n);
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="xs">
        {t('templates.versions')}
      </Title>
      <Group gap={6} mb="sm">
        <Button
          size="xs"
          variant={shown === 'draft' ? 'filled' : 'default'}
          onClick={() => setShown('draft')}
        >
          {t('templates.versions.draft')}
        </Button>
        {versions.map((v) => (
          <Button
            key={v.version}
            size="xs"
            variant={shown === v.version ? 'filled' : 'default'}
            onClick={() => setShown(v.version)}
            title={f.dateTime(v.publishedAt)}
          >
            v{v.version}
          </Button>
        ))}
      </Group>
      <Text size="sm" mb="xs">
        {shown === 'draft'
          ? t('templates.versions.draftVs', { version: newest?.version ?? 0 })
          : t('templates.versions.vs', { version: shown, previous: versions[index + 1]?.version ?? 0 })}
      </Text>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('templates.versions.same')}
        </Text>
      ) : (
        <ScrollBox minWidth={320}>
          <Table className="diff-table" verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('templates.diff.part')}</Table.Th>
                <Table.Th>{t('templates.diff.before')}</Table.Th>
                <Table.Th>{t('templates.diff.after')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.path}>
                  <Table.Td>
                    {namer(r.path) ?? r.path}{' '}
                    <Text span size="xs" c="dimmed">
                      ({r.path})
                    </Text>
                  </Table.Td>
                  <Table.Td className={r.before !== undefined ? 'diff-removed' : undefined}>
                    {r.before ?? '—'}
                  </Table.Td>
                  <Table.Td className={r.after !== undefined ? 'diff-added' : undefined}>
                    {r.after ?? '—'}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollBox>
      )}
    </Paper>
  );
}

/** "Waarom niet?": for one chosen dossier, why the published template did or did not act on it. */
function WhyNot({ templateId, rootType }: { templateId: string; rootType: string }) {
  const { t } = useI18n();
  const [dossierId, setDossierId] = useState<string | null>(null);
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="xs">
        {t('templates.whyNot')}
      </Title>
      <DossierSelect
        type={rootType}
        label={t('templates.whyNot.dossier')}
        value={dossierId}
        onChange={setDossierId}
      />
      <ExplainPanel dossierType={rootType} dossierId={dossierId} templateId={templateId} />
    </Paper>
  );
}

/**
 * "Waarom (niet)?": why each action template did or did not make an action for one dossier, in
 * the server's plain words (the explain API answers in the reader's language): the event, each
 * condition with its value and whether it held at the event and now, the timing step by step,
 * the reasons no action was made (with a link to the action a reason names) and what happens
 * next. One component, used on the dossier page (every template of the dossier's data group, or
 * one chosen) and in the template form (one template, for a dossier chosen there).
 */
import { Badge, Group, List, Paper, Select, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { type GetResult, api, apiPath, withQuery } from '../api.js';
import { ErrorAlert } from '../errors.js';
import { dossierTitle, useDossier, useDossierTypes, valueText } from '../dossier-types.js';
import { useFormats, useI18n } from '../i18n.js';
import { AppLink, Loading } from '../ui.js';
import { useFieldPaths } from './fields.js';

export type DossierExplanation = GetResult<'/api/dossiers/{type}/{id}/explain'>;
export type TemplateExplanation = DossierExplanation['templates'][number];
type Explained = TemplateExplanation['next'];

/** The explanation of one dossier, for all templates or the one given. */
export function useExplanation(type: string, id: string | null, templateId?: string) {
  const { lang } = useI18n();
  return useQuery({
    queryKey: ['explain', type, id, templateId ?? null, lang],
    queryFn: () =>
      api<DossierExplanation>(
        'GET',
        withQuery(`${apiPath('dossiers', type, id!)}/explain`, { template: templateId }),
      ),
    enabled: id !== null,
    retry: false,
  });
}

/** A sentence of the API, with a link to the action it names (e.g. the earlier action of "once"). */
function Sentence({ item, strong }: { item: Explained; strong?: boolean }) {
  const { t } = useI18n();
  const actionId = typeof item.params.actionId === 'string' ? item.params.actionId : null;
  return (
    <Text size="sm" fw={strong ? 600 : undefined}>
      {item.text}
      {actionId ? (
        <>
          {' '}
          <AppLink href={`/actions/${encodeURIComponent(actionId)}`}>{t('explain.openAction')}</AppLink>
        </>
      ) : null}
    </Text>
  );
}

/** ✓ held, ✗ did not hold, – not known (no event yet), as words for screen readers too. */
function Held({ value }: { value: boolean | null }) {
  const { t } = useI18n();
  const [mark, word, color] =
    value === null
      ? ['–', t('explain.held.unknown'), 'gray.8']
      : value
        ? ['✓', t('explain.held.yes'), 'brand.9']
        : ['✗', t('explain.held.no'), 'red.9'];
  return (
    <Badge variant="outline" color={color} size="sm" radius="sm" tt="none">
      <span aria-hidden="true">{mark} </span>
      {word}
    </Badge>
  );
}

/** The value a condition reads, as the dossier page shows it: labels, dates, referenced dossiers by title. */
function ConditionValue({ root, path, value }: { root: string; path: string; value: unknown }) {
  const i18n = useI18n();
  const f = useFormats();
  const at = useFieldPaths(root).find((p) => p.path === path);
  const refType = at?.field.kind === 'reference' ? at.field.refType : undefined;
  if (refType && typeof value === 'string') return <ReferenceTitle type={refType} id={value} />;
  return <>{valueText(i18n, f, at?.owner, at?.field, value)}</>;
}

/** A dossier by its title (its id while it loads). */
export function ReferenceTitle({ type, id }: { type: string; id: string }) {
  const types = useDossierTypes();
  const dossier = useDossier(type, id);
  return (
    <>
      {dossier.data
        ? dossierTitle(
            types.data?.find((d) => d.key === type),
            dossier.data,
          )
        : id}
    </>
  );
}

/** One part of an answer (event, conditions, …): a region named by its heading. */
function Part({ title, children, ...rest }: { title: string; children: ReactNode; 'data-testid'?: string }) {
  return (
    <section aria-label={title} {...rest}>
      <Text size="sm" fw={600}>
        {title}
      </Text>
      {children}
    </section>
  );
}

/** One template's answer: a heading that says whether it acted, then each part in a list. */
export function ExplanationView({
  x,
  dossierType,
  headingLevel = 3,
}: {
  x: TemplateExplanation;
  dossierType: string;
  headingLevel?: 3 | 4;
}) {
  const { t, tOr } = useI18n();
  const f = useFormats();
  const acted = x.reasons.length === 0 && x.actions.length > 0;
  return (
    <Stack gap={6} data-testid="explanation" data-template={x.templateId}>
      <Group gap="xs" wrap="wrap">
        <Title order={headingLevel} size="h5">
          {x.name}
        </Title>
        <Badge variant="outline" color={acted ? 'brand.9' : x.reasons.length > 0 ? 'red.9' : 'gray.8'}>
          {acted ? t('explain.acted') : x.reasons.length > 0 ? t('explain.notActed') : t('explain.noAction')}
        </Badge>
      </Group>
      <Part title={t('explain.event')}>
        <Sentence item={x.event} />
      </Part>
      <Part title={t('explain.conditions')}>
        {x.conditions.items.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('explain.conditions.none')}
          </Text>
        ) : (
          <List size="sm" spacing={4} listStyleType="none" pl={0}>
            {x.conditions.items.map((c, i) => (
              <List.Item key={i}>
                <Text size="sm" span>
                  {c.description}
                  {c.field ? (
                    <>
                      {' '}
                      ({t('explain.valueNow')}{' '}
                      <ConditionValue root={dossierType} path={c.field} value={c.value} />)
                    </>
                  ) : null}
                </Text>{' '}
                <Text size="xs" span c="dimmed">
                  {t('explain.atEvent')}
                </Text>{' '}
                <Held value={c.heldAtEvent} />{' '}
                <Text size="xs" span c="dimmed">
                  {t('explain.now')}
                </Text>{' '}
                <Held value={c.holdsNow} />
              </List.Item>
            ))}
          </List>
        )}
      </Part>
      {x.timing.steps.length > 0 ? (
        <Part title={t('explain.timing')}>
          <List size="sm" type="ordered" spacing={2}>
            {x.timing.steps.map((s, i) => (
              <List.Item key={i}>{s.text}</List.Item>
            ))}
          </List>
        </Part>
      ) : null}
      {x.actions.length > 0 ? (
        <Part title={t('explain.actions')}>
          <List size="sm" spacing={2}>
            {x.actions.map((a) => (
              <List.Item key={a.id}>
                <AppLink href={`/actions/${encodeURIComponent(a.id)}`}>
                  {tOr(`status.${a.status}`, a.status)}
                </AppLink>
                {a.dueAt ? ` · ${f.dateTime(a.dueAt)}` : ''}
                {a.kind === 'reminder' ? ` · ${t('explain.reminder')}` : ''}
              </List.Item>
            ))}
          </List>
        </Part>
      ) : null}
      {x.reasons.length > 0 ? (
        <Part title={t('explain.reasons')} data-testid="explain-reasons">
          {x.reasons.map((r, i) => (
            <Sentence key={i} item={r} strong />
          ))}
        </Part>
      ) : null}
      <Part title={t('explain.next')}>
        <Sentence item={x.next} />
      </Part>
    </Stack>
  );
}

/**
 * The panel: for `templateId`, that one template; otherwise every template of the dossier's data
 * group with a choice to show one. `dossierId` null shows nothing yet (the template form's
 * dossier is still to be chosen).
 */
export function ExplainPanel({
  dossierType,
  dossierId,
  templateId,
}: {
  dossierType: string;
  dossierId: string | null;
  templateId?: string;
}) {
  const { t } = useI18n();
  const explanation = useExplanation(dossierType, dossierId, templateId);
  const [chosen, setChosen] = useState<string | null>(null);
  if (dossierId === null) return null;
  if (explanation.isError) return <ErrorAlert error={explanation.error} />;
  if (!explanation.data) return <Loading />;
  const all = explanation.data.templates;
  const items = chosen ? all.filter((x) => x.templateId === chosen) : all;
  return (
    <Stack gap="sm" mt="sm" data-testid="why-not">
      {templateId === undefined && all.length > 1 ? (
        <Select
          label={t('explain.template')}
          placeholder={t('explain.template.all')}
          clearable
          searchable
          value={chosen}
          onChange={setChosen}
          data={all.map((x) => ({ value: x.templateId, label: x.name }))}
          maw={420}
        />
      ) : null}
      {all.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('explain.noTemplates')}
        </Text>
      ) : null}
      {items.map((x) =>
        items.length === 1 ? (
          <ExplanationView key={x.templateId} x={x} dossierType={dossierType} />
        ) : (
          <Paper key={x.templateId} withBorder p="sm">
            <ExplanationView x={x} dossierType={dossierType} />
          </Paper>
        ),
      )}
    </Stack>
  );
}

/** The section of the dossier page: a heading, a line saying what it is, and the panel. */
export function ExplainSection({ dossierType, dossierId }: { dossierType: string; dossierId: string }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="explain-title">
      <Title id="explain-title" order={2} size="h3" mt="lg" mb="xs">
        {t('explain.title')}
      </Title>
      <Text size="sm" c="dimmed">
        {t('explain.intro')}
      </Text>
      <ExplainPanel dossierType={dossierType} dossierId={dossierId} />
    </section>
  );
}

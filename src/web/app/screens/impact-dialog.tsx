/**
 * "What changes?" before publishing a template or relinking its categories: the server's dry run
 * for the chosen treatment of actions already planned (keep, move, cancel) — counts, and a sample
 * of each group with the dossier, its due time (old → new) and the reason in the reader's
 * language — then the change itself. One
 * dialog for both, so they read and work the same.
 */
import { Group, Button, List, Modal, Radio, Stack, Text } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { paths } from '../api-schema.js';
import { ErrorAlert } from '../errors.js';
import { type Key, useFormats, useI18n } from '../i18n.js';
import { AppLink } from '../ui.js';
import { reasonText } from './actions.js';
import { ReferenceTitle } from './explain-panel.js';

export type ImpactReport = NonNullable<
  paths['/api/templates/{id}/publish']['post']['responses'][200]['content']['application/json']['impact']
>;
export type Pending = ImpactReport['pending'];
type Sample = ImpactReport['samples']['kept'][number];

const GROUPS = ['cancelled', 'kept', 'retimed', 'newDossiers'] as const;

function Samples({ dossierType, items }: { dossierType: string; items: readonly Sample[] }) {
  const f = useFormats();
  const i18n = useI18n();
  return (
    <List size="sm" spacing={2}>
      {items.map((s, i) => (
        <List.Item key={s.actionId ?? `${s.dossierId}-${i}`}>
          <AppLink href={`/dossiers/${encodeURIComponent(dossierType)}/${encodeURIComponent(s.dossierId)}`}>
            <ReferenceTitle type={dossierType} id={s.dossierId} />
          </AppLink>
          {s.dueAt ? ` · ${f.dateTime(s.dueAt)}` : ''}
          {s.newDueAt !== undefined && s.newDueAt !== s.dueAt ? ` → ${f.dateTime(s.newDueAt)}` : ''}
          {` — ${reasonText(i18n, f, { ...s.reasonCoded, text: s.reason }, s.reason)}`}
        </List.Item>
      ))}
    </List>
  );
}

export function ImpactDialog({
  title,
  intro,
  dossierType,
  queryKey,
  initial,
  choices = ['keep', 'move', 'cancel'],
  choiceLabel,
  summary,
  confirm,
  dryRun,
  apply,
  onClose,
  onDone,
}: {
  title: string;
  intro?: string;
  dossierType: string;
  queryKey: readonly unknown[];
  initial: Pending;
  /** The choices offered for actions already planned (switching on or off: keep or cancel). */
  choices?: readonly Pending[];
  /** The words of each choice (they differ a little between publishing and relinking). */
  choiceLabel: (p: Pending) => string;
  summary: Key;
  confirm: string;
  dryRun: (pending: Pending) => Promise<ImpactReport | undefined>;
  apply: (pending: Pending) => Promise<unknown>;
  onClose: () => void;
  onDone: (result: unknown) => void;
}) {
  const { t } = useI18n();
  const [pending, setPending] = useState<Pending>(initial);
  const impact = useQuery({
    queryKey: [...queryKey, pending],
    queryFn: () => dryRun(pending),
    gcTime: 0,
    retry: false,
  });
  const change = useMutation({ mutationFn: () => apply(pending), onSuccess: onDone });
  const x = impact.data;
  return (
    <Modal opened onClose={onClose} title={title} size="lg">
      <Stack>
        {intro ? <Text size="sm">{intro}</Text> : null}
        <Radio.Group
          label={t('templates.publish.pending')}
          value={pending}
          onChange={(v) => setPending(v as Pending)}
        >
          <Stack gap={6} mt={4}>
            {choices.map((p) => (
              <Radio key={p} value={p} label={choiceLabel(p)} />
            ))}
          </Stack>
        </Radio.Group>
        {impact.isError ? <ErrorAlert error={impact.error} /> : null}
        {x ? (
          <>
            <Text role="status" data-testid="publish-impact">
              {t(summary, {
                open: x.openActions,
                kept: x.kept,
                cancelled: x.cancelled,
                retimed: x.retimed,
                fresh: x.newDossiers,
              })}
            </Text>
            {GROUPS.filter((g) => x.samples[g].length > 0).map((g) => (
              <details key={g} data-testid={`impact-${g}`}>
                <summary>{t(`impact.sample.${g}`, { n: x[g] })}</summary>
                <Samples dossierType={dossierType} items={x.samples[g]} />
              </details>
            ))}
          </>
        ) : null}
        <ErrorAlert error={change.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('cancel')}
          </Button>
          <Button onClick={() => change.mutate()} loading={change.isPending} disabled={!x}>
            {confirm}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

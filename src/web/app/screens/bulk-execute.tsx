/**
 * Executing a selection of the to-do list (Mijn acties → select → Uitvoeren): first a preview per
 * action of what it will do — the e-mail to whom with its subject, the task, the field or status
 * it sets, the webhook it calls — read with the single-action preview (`GET /api/actions/{id}/preview`,
 * one request per selected action that can be executed now), each row with a tick to leave it out; then only the ticked
 * ones go to `POST /api/actions/bulk`, and the dialog shows the result per action.
 */
import { Alert, Button, Checkbox, Group, List, Modal, Stack, Text } from '@mantine/core';
import { useMutation, useQueries, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { type Action, ApiError, type PostResult, type Schemas, api, apiPath } from '../api.js';
import { isExecutable } from '../../../domain/action/action.js';
import { statusLabel, useDossierTypes, valueText } from '../dossier-types.js';
import { errorTexts } from '../errors.js';
import { type I18n, type Formats, useFormats, useI18n } from '../i18n.js';
import { DARK_ORANGE } from '../urgency.js';
import type { DossierType } from '../api.js';

/** What the preview API answers: a rendered e-mail, or the effect with its settings. */
export interface Preview {
  readonly effect: string;
  readonly email?: { to: string[]; cc: string[]; subject: string; html: string };
  readonly details?: unknown;
  readonly dossier?: { id: string; type: string };
}

/** What `POST /api/actions/bulk` answers: per action whether it was done and, if not, why. */
export type BulkAnswer = PostResult<'/api/actions/bulk'>;

/** A bulk answer's per-action error as the error the UI renders in the reader's language. */
function bulkError(body: Schemas['ErrorBody']): ApiError {
  const e = body.error;
  return new ApiError(e.message, 422, e.code, e.path, e.params ?? {}, e.details ?? []);
}

/**
 * The preview of one action, kept out of the `['actions']` key: executing invalidates the lists,
 * not the previews (an executed action has nothing left to preview), and a preview is dropped as
 * soon as its dialog closes.
 */
export function previewQuery(id: string) {
  return {
    queryKey: ['action-preview', id],
    queryFn: () => api<Preview>('GET', `${apiPath('actions', id)}/preview`),
    gcTime: 0,
  };
}

/**
 * What a bulk operation did: the count, then per action by name what happened (`all`), or only
 * those that were not done and why.
 */
export function BulkResults({
  answer,
  all = false,
  fieldLabel,
  onClose,
}: {
  answer: BulkAnswer;
  all?: boolean;
  /** The name of a request field a refusal points at (e.g. the new due time). */
  fieldLabel?: (path: string) => string | undefined;
  onClose: () => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const rows = all ? answer.results : answer.results.filter((r) => !r.ok);
  const why = (r: BulkAnswer['results'][number]): string => {
    if (!r.error) return '';
    const e = r.error.error;
    // Refused for the action's status (done, cancelled, …): which status, in the reader's language.
    if (e.code === 'invalid_state' && e.path === 'status' && r.status)
      return t('actions.bulk.notInStatus', { status: i18n.tOr(`status.${r.status}`, r.status) });
    return errorTexts(i18n, bulkError(r.error), fieldLabel).join(' ');
  };
  return (
    <Stack>
      <Alert color={answer.failed === 0 ? 'brand' : DARK_ORANGE} role="status">
        {t('actions.bulk.result', { done: answer.done, failed: answer.failed })}
      </Alert>
      {rows.length > 0 ? (
        <List size="sm" data-testid={all ? 'bulk-results' : 'bulk-failures'} spacing="xs">
          {rows.map((r) => (
            <List.Item key={r.id}>
              <strong>{r.title ?? r.id}</strong>
              {r.dossierTitle ? ` (${r.dossierTitle})` : ''}:{' '}
              {!r.ok
                ? all
                  ? `${t('bulkExec.result.failed')} ${why(r)}`
                  : why(r)
                : r.status === 'done'
                  ? t('bulkExec.result.done')
                  : t('bulkExec.result.status', { status: i18n.tOr(`status.${r.status}`, String(r.status)) })}
            </List.Item>
          ))}
        </List>
      ) : null}
      <Group justify="flex-end">
        <Button onClick={onClose}>{t('close')}</Button>
      </Group>
    </Stack>
  );
}

/** What executing will do, in one sentence of the reader's language. */
function effectSentence(
  i18n: I18n,
  f: Formats,
  p: Preview,
  types: readonly DossierType[] | undefined,
): string {
  const { t } = i18n;
  if (p.email)
    return t('bulkExec.email', {
      to: p.email.to.join(', ') || t('none'),
      subject: p.email.subject,
      cc: p.email.cc.length > 0 ? t('bulkExec.cc', { cc: p.email.cc.join(', ') }) : '',
    });
  const d = (p.details ?? {}) as Record<string, unknown>;
  const type = types?.find((x) => x.key === p.dossier?.type);
  switch (p.effect) {
    case 'createTask':
      return t('bulkExec.task', {
        description: String(d.description ?? ''),
        days: Number(d.plannedInDays ?? 0),
      });
    case 'createDossier': {
      const made = types?.find((x) => x.key === d.dossierType);
      return t('bulkExec.dossier', { type: i18n.label(made?.label, String(d.dossierType ?? '')) });
    }
    case 'setField': {
      const field = type?.fields.find((x) => x.key === d.field);
      return t('bulkExec.field', {
        field: i18n.label(field?.label, String(d.field ?? '')),
        value: valueText(i18n, f, type, field, d.value),
      });
    }
    case 'setStatus':
      return t('bulkExec.status', { status: statusLabel(i18n, type, String(d.status ?? '')) });
    case 'webhook':
      return t('bulkExec.webhook', { url: String(d.url ?? '') });
    case 'none':
      return t('bulkExec.none');
    default:
      return i18n.tOr(`effect.${p.effect}`, p.effect);
  }
}

export function BulkExecuteDialog({
  actions: selected,
  onDone,
  onClose,
}: {
  actions: readonly Action[];
  /** The ids that were executed (to leave the selection). */
  onDone: (executed: readonly string[]) => void;
  onClose: () => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const f = useFormats();
  const client = useQueryClient();
  const types = useDossierTypes();
  // The selection as it was when the dialog opened (what was executed leaves the selection).
  const [actions] = useState(selected);
  // Only what can be executed is previewed (the server refuses the rest; the row says why).
  const previews = useQueries({
    queries: actions.map((a) => ({
      ...previewQuery(a.id),
      enabled: a.executionMode !== 'manual' && isExecutable(a.status),
      retry: false,
    })),
  });
  const [left, setLeft] = useState<ReadonlySet<string>>(new Set());
  const why = (a: Action, i: number): string | null => {
    if (a.executionMode === 'manual') return t('bulkExec.manual');
    if (!isExecutable(a.status))
      return t('bulkExec.notNow', { status: i18n.tOr(`status.${a.status}`, a.status) });
    const q = previews[i]!;
    return q.error ? errorTexts(i18n, q.error).join(' ') : null;
  };
  const ticked = actions.filter((a, i) => why(a, i) === null && previews[i]!.data && !left.has(a.id));
  const loading = previews.some((q) => q.isLoading);
  const run = useMutation({
    mutationFn: () =>
      api<BulkAnswer>('POST', '/api/actions/bulk', { ids: ticked.map((a) => a.id), operation: 'execute' }),
    onSuccess: (answer) => {
      void client.invalidateQueries({ queryKey: ['actions'] });
      onDone(answer.results.filter((r) => r.ok).map((r) => r.id));
    },
  });
  const answer = run.data;
  return (
    <Modal opened onClose={onClose} title={t('bulkExec.title', { n: actions.length })} size="lg">
      {answer ? (
        <BulkResults answer={answer} all onClose={onClose} />
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (ticked.length > 0) run.mutate();
          }}
        >
          <Stack>
            <Text size="sm">{t('bulkExec.intro')}</Text>
            <Stack gap="sm" data-testid="bulk-preview" role="list" aria-label={t('bulkExec.list')}>
              {actions.map((a, i) => {
                const q = previews[i]!;
                const problem = why(a, i);
                const sentence = q.data ? effectSentence(i18n, f, q.data, types.data) : null;
                return (
                  <div role="listitem" key={a.id} className="bulk-preview-row">
                    <Checkbox
                      label={
                        <>
                          <Text span fw={600} size="sm">
                            {a.title}
                          </Text>
                          {a.dossierTitle ? (
                            <Text span size="sm">
                              {' '}
                              – {a.dossierTitle}
                            </Text>
                          ) : null}
                        </>
                      }
                      description={problem ?? (q.isLoading ? t('loading') : (sentence ?? ''))}
                      checked={problem === null && !!q.data && !left.has(a.id)}
                      disabled={problem !== null || !q.data}
                      onChange={(e) => {
                        const on = e.currentTarget.checked;
                        setLeft((old) => {
                          const next = new Set(old);
                          if (on) next.delete(a.id);
                          else next.add(a.id);
                          return next;
                        });
                      }}
                      styles={{ description: { overflowWrap: 'anywhere' } }}
                    />
                  </div>
                );
              })}
            </Stack>
            {run.error ? <Text c="red.9">{errorTexts(i18n, run.error).join(' ')}</Text> : null}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                {t('cancel')}
              </Button>
              <Button type="submit" loading={run.isPending} disabled={loading || ticked.length === 0}>
                {t('bulkExec.confirm', { n: ticked.length })}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

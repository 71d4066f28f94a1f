/**
 * "Mailviewer": what the local SMTP sink received (demo and sandbox mode), one message with its
 * HTML in a sandboxed frame (`sandbox=""`: no scripts, no forms), and the outbox messages that
 * need a person (failed, in doubt) with Resend and Dismiss.
 */
import { Button, Group, Text, Title } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiPath, type Page, withQuery } from '../api.js';
import { ErrorAlert } from '../errors.js';
import { useFormats, useI18n } from '../i18n.js';
import { AppLink, BackLink, DataTable, Facts, MailFrame, PageHead, Query } from '../ui.js';

interface SinkMessage {
  readonly id: number;
  readonly from: string | null;
  readonly to: string | null;
  readonly cc: string | null;
  readonly subject: string | null;
  readonly receivedAt: string;
}

interface SinkDetail extends SinkMessage {
  readonly html: string | null;
  readonly text: string | null;
}

interface OutboxMessage {
  readonly id: string;
  readonly to: string[];
  readonly subject: string;
  readonly status: string;
  readonly attempts: number;
  readonly lastReply: string | null;
  readonly createdAt: string;
}

export function MailViewer() {
  const { t } = useI18n();
  const f = useFormats();
  const client = useQueryClient();
  const inbox = useInfiniteQuery({
    queryKey: ['mail', 'sink'],
    queryFn: ({ pageParam }) =>
      api<Page<SinkMessage> & { running: boolean; smtp: string | null }>(
        'GET',
        withQuery('/api/mail-viewer/messages', { limit: 50, cursor: pageParam ?? undefined }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  return (
    <>
      <PageHead title={t('mail.title')}>
        <Button variant="subtle" onClick={() => void client.invalidateQueries({ queryKey: ['mail'] })}>
          {t('refresh')}
        </Button>
      </PageHead>
      <Text c="dimmed" mb="sm">
        {t('mail.intro')}
      </Text>
      <Query query={inbox}>
        {(data) => {
          const first = data.pages[0]!;
          return (
            <>
              <Text size="sm" c="dimmed" mb="xs">
                {first.running ? t('mail.running', { smtp: first.smtp ?? '' }) : t('mail.notRunning')}
              </Text>
              <DataTable
                className="mail-table"
                empty={t('mail.empty')}
                head={[t('mail.col.received'), t('mail.col.from'), t('mail.col.to'), t('mail.col.subject')]}
                rows={data.pages
                  .flatMap((p) => p.items)
                  .map((m) => [
                    f.dateTime(m.receivedAt),
                    m.from ?? '',
                    m.to ?? '',
                    <AppLink key="s" href={`/mail/${m.id}`}>
                      {m.subject || t('mail.noSubject')}
                    </AppLink>,
                  ])}
              />
              {inbox.hasNextPage ? (
                <Button
                  variant="default"
                  mt="sm"
                  onClick={() => void inbox.fetchNextPage()}
                  loading={inbox.isFetchingNextPage}
                >
                  {t('more')}
                </Button>
              ) : null}
            </>
          );
        }}
      </Query>
      <Outbox />
    </>
  );
}

/** Outgoing mail that needs a person: failed and in-doubt messages. */
function Outbox() {
  const { t, tOr } = useI18n();
  const f = useFormats();
  const client = useQueryClient();
  const outbox = useQuery({
    queryKey: ['mail', 'outbox'],
    queryFn: () =>
      api<Page<OutboxMessage>>(
        'GET',
        withQuery('/api/email/outbox', { status: 'failed,in_doubt', limit: 100 }),
      ),
  });
  const act = useMutation({
    mutationFn: ({ id, what }: { id: string; what: 'resend' | 'dismiss' }) =>
      api('POST', `${apiPath('email', 'outbox', id)}/${what}`),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['mail'] }),
  });
  return (
    <section>
      <Title order={2} size="h3" mt="xl" mb="xs">
        {t('mail.outbox')}
      </Title>
      <Text c="dimmed" mb="sm">
        {t('mail.outbox.intro')}
      </Text>
      <ErrorAlert error={act.error} />
      <Query query={outbox}>
        {(page) => (
          <DataTable
            empty={t('mail.outbox.empty')}
            head={[
              t('mail.col.received'),
              t('mail.col.to'),
              t('mail.col.subject'),
              t('mail.outbox.status'),
              t('mail.outbox.reply'),
              '',
            ]}
            rows={page.items.map((m) => [
              f.dateTime(m.createdAt),
              m.to.join(', '),
              m.subject,
              tOr(`mail.status.${m.status}`, m.status),
              m.lastReply ?? '',
              <Group key="b" gap={6}>
                <Button size="xs" variant="default" onClick={() => act.mutate({ id: m.id, what: 'resend' })}>
                  {t('mail.outbox.resend')}
                </Button>
                <Button size="xs" variant="default" onClick={() => act.mutate({ id: m.id, what: 'dismiss' })}>
                  {t('mail.outbox.dismiss')}
                </Button>
              </Group>,
            ])}
          />
        )}
      </Query>
    </section>
  );
}

export function MailMessage({ id }: { id: string }) {
  const { t } = useI18n();
  const f = useFormats();
  const message = useQuery({
    queryKey: ['mail', 'sink', id],
    queryFn: () => api<SinkDetail>('GET', apiPath('mail-viewer', 'messages', id)),
  });
  return (
    <>
      <BackLink href="/mail" />
      <Query query={message}>
        {(m) => (
          <>
            <PageHead title={m.subject || t('mail.noSubject')} />
            <Facts
              rows={[
                [t('mail.col.received'), f.dateTime(m.receivedAt)],
                [t('mail.col.from'), m.from ?? ''],
                [t('mail.col.to'), m.to ?? ''],
                ...(m.cc ? [[t('actions.preview.cc'), m.cc] as [string, string]] : []),
              ]}
            />
            {m.html ? <MailFrame html={m.html} title={t('mail.frame')} /> : null}
            {m.text ? (
              <details open={!m.html}>
                <summary>{t('mail.text')}</summary>
                <pre className="mail-text">{m.text}</pre>
              </details>
            ) : null}
          </>
        )}
      </Query>
    </>
  );
}

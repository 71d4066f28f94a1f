/**
 * "Overzicht", the start page: due today, overdue, failed, in doubt, the e-mails sent this week,
 * and the same per process. Every figure is a link to the to-do list with the filter that shows
 * exactly those actions (the server counts with the list's own selection).
 */
import { Card, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, withQuery } from '../api.js';
import { type Key, useFormats, useI18n } from '../i18n.js';
import { AppLink, DataTable, PageHead, Query } from '../ui.js';
import { DARK_ORANGE, countText, today } from '../urgency.js';

interface Count {
  count: number;
  capped: boolean;
}
interface Dashboard {
  timeZone: string;
  dayStart: string;
  dayEnd: string;
  weekStart: string;
  dueToday: Count;
  overdue: Count;
  failed: Count;
  inDoubt: Count;
  mailsSentThisWeek: Count;
  processes: { process: string | null; dueToday: number; overdue: number; failed: number }[];
}

type Figure = 'dueToday' | 'overdue' | 'failed' | 'inDoubt';

/** The to-do list's address for a figure, optionally of one process. */
function listHref(figure: Figure, dayStart: string, timeZone: string, process?: string): string {
  const day = today(Date.parse(dayStart), timeZone);
  const query: Record<string, string | undefined> =
    figure === 'dueToday' ? { filter: 'all', status: 'pending,due', from: day, to: day } : { filter: figure };
  return withQuery('/actions', { ...query, process });
}

export function DashboardPage() {
  const { t, locale } = useI18n();
  const f = useFormats();
  const dashboard = useQuery({
    queryKey: ['actions', 'dashboard'],
    queryFn: () => api<Dashboard>('GET', '/api/actions/dashboard'),
  });
  const figures: [Figure | 'mailsSentThisWeek', Key, string][] = [
    ['dueToday', 'dash.dueToday', DARK_ORANGE],
    ['overdue', 'dash.overdue', 'red.9'],
    ['failed', 'dash.failed', 'red.9'],
    ['inDoubt', 'dash.inDoubt', 'grape.9'],
    ['mailsSentThisWeek', 'dash.mailsSent', 'brand.9'],
  ];
  return (
    <>
      <PageHead title={t('dash.title')} />
      <Query query={dashboard}>
        {(d) => (
          <Stack>
            <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="sm">
              {figures.map(([key, label, color]) => {
                const value = d[key];
                const href = key === 'mailsSentThisWeek' ? '/mail' : listHref(key, d.dayStart, d.timeZone);
                return (
                  <Card key={key} withBorder padding="sm" className={`figure figure-${key}`}>
                    <Text size="sm" c="dimmed">
                      {t(label)}
                    </Text>
                    <Text
                      fz={32}
                      fw={700}
                      c={value.count > 0 ? color : 'dimmed'}
                      data-testid={`figure-${key}`}
                    >
                      {countText(value.count, value.capped, locale)}
                    </Text>
                    {key === 'mailsSentThisWeek' ? (
                      <Text size="xs" c="dimmed">
                        {t('dash.since', { date: f.date(d.weekStart) })}
                      </Text>
                    ) : null}
                    <AppLink href={href}>
                      {t('dash.open')}
                      <span className="visually-hidden">: {t(label)}</span>
                    </AppLink>
                  </Card>
                );
              })}
            </SimpleGrid>
            <Title order={2} size="h3">
              {t('dash.perProcess')}
            </Title>
            <DataTable
              className="dashboard-processes"
              empty={t('dash.noWork')}
              head={[t('dash.col.process'), t('dash.dueToday'), t('dash.overdue'), t('dash.failed')]}
              rows={d.processes.map((p) => {
                const name = p.process ?? t('dash.noProcess');
                const cell = (figure: Figure, n: number) =>
                  n > 0 && p.process !== null ? (
                    <AppLink key={figure} href={listHref(figure, d.dayStart, d.timeZone, p.process)}>
                      {new Intl.NumberFormat(locale).format(n)}
                      <span className="visually-hidden">
                        {' '}
                        {t(`dash.${figure}`)} – {name}
                      </span>
                    </AppLink>
                  ) : (
                    new Intl.NumberFormat(locale).format(n)
                  );
                return [
                  name,
                  cell('dueToday', p.dueToday),
                  cell('overdue', p.overdue),
                  cell('failed', p.failed),
                ];
              })}
            />
          </Stack>
        )}
      </Query>
    </>
  );
}

/** Small pieces every screen uses: headings, links, loading and error states, facts, mail frames. */
import {
  Anchor,
  Badge,
  Button,
  Center,
  Tabs,
  Group,
  Loader,
  SegmentedControl,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'wouter';
import { ErrorAlert } from './errors.js';
import { type Lang, lang, setLang, translate, useI18n } from './i18n.js';

/** A link inside the app (no page reload). */
export function AppLink({ href, children, strong }: { href: string; children: ReactNode; strong?: boolean }) {
  return (
    <Anchor component={Link} href={href} fw={strong ? 600 : undefined}>
      {children}
    </Anchor>
  );
}

export function BackLink({ href }: { href: string }) {
  const { t } = useI18n();
  return (
    <Text mb="xs">
      <AppLink href={href}>← {t('back')}</AppLink>
    </Text>
  );
}

/** The page title with what can be done on the page beside it. */
export function PageHead({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <Group justify="space-between" align="center" mb="md" wrap="wrap" gap="sm">
      <Title order={1} size="h2" style={{ overflowWrap: 'anywhere' }}>
        {title}
      </Title>
      {children ? <Group gap="xs">{children}</Group> : null}
    </Group>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <Center p="lg" role="status">
      <Loader size="sm" aria-label={t('loading')} />
    </Center>
  );
}

/** Shows a query's spinner, its error, or its data. */
export function Query<T>({
  query,
  children,
}: {
  query: Pick<UseQueryResult<T>, 'isPending' | 'isError' | 'error' | 'data'>;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorAlert error={query.error} />;
  return <>{children(query.data as T)}</>;
}

export function YesNo({ value }: { value: boolean }) {
  const { t } = useI18n();
  return (
    <Badge color={value ? 'brand.9' : 'gray.8'} variant={value ? 'filled' : 'outline'}>
      {t(value ? 'yes' : 'no')}
    </Badge>
  );
}

/** Label/value pairs, as a two-column table. */
export function Facts({ rows }: { rows: [ReactNode, ReactNode][] }) {
  return (
    <Table variant="vertical" withTableBorder layout="fixed" mb="md">
      <Table.Tbody>
        {rows.map(([label, value], i) => (
          <Table.Tr key={i}>
            {/* A long label (Verantwoordelijke) wraps inside its column instead of running into the value. */}
            <Table.Th w="35%" style={{ overflowWrap: 'anywhere', hyphens: 'auto' }}>
              {label}
            </Table.Th>
            <Table.Td style={{ overflowWrap: 'anywhere' }}>{value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** A table that scrolls sideways inside itself on a narrow screen instead of widening the page. */
export function DataTable({
  head,
  rows,
  className,
  empty,
  stack = false,
}: {
  head: ReactNode[];
  rows: ReactNode[][];
  className?: string;
  empty?: string;
  /**
   * On a phone, show each row as a card (every cell under its column's name) instead of a table
   * that scrolls sideways: for lists whose last column holds the row's buttons. (The table roles
   * are explicit, so a screen reader keeps them when CSS lays the rows out as blocks.)
   */
  stack?: boolean;
}) {
  const { t } = useI18n();
  if (rows.length === 0)
    return (
      <Text c="dimmed" fs="italic" py="sm">
        {empty ?? t('empty')}
      </Text>
    );
  return (
    <ScrollBox minWidth={Math.min(640, head.length * 110)} stack={stack}>
      <Table
        className={[className, stack ? 'stack-narrow' : undefined].filter(Boolean).join(' ') || undefined}
        role="table"
        striped
        highlightOnHover
        verticalSpacing="xs"
      >
        <Table.Thead role="rowgroup">
          <Table.Tr role="row">
            {head.map((h, i) => (
              <Table.Th key={i} scope="col" role="columnheader">
                {h}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody role="rowgroup">
          {rows.map((row, i) => (
            <Table.Tr key={i} role="row">
              {row.map((cell, j) => (
                <Table.Td key={j} role="cell" data-label={typeof head[j] === 'string' ? head[j] : undefined}>
                  {cell}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollBox>
  );
}

/**
 * A box that scrolls sideways inside itself on a narrow screen (so the page never gets wider
 * than the window); focusable, so it can be scrolled with the keyboard.
 */
export function ScrollBox({
  minWidth,
  stack = false,
  children,
}: {
  minWidth: number;
  /** The content lays itself out for a phone (see DataTable's `stack`): no minimum width there. */
  stack?: boolean;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <div className="scroll-box" tabIndex={0} role="region" aria-label={t('table.scroll')}>
      <div className={stack ? 'stack-narrow-box' : undefined} style={{ minWidth }}>
        {children}
      </div>
    </div>
  );
}

/**
 * E-mail HTML, only ever inside `sandbox=""`: no scripts, no forms, no same-origin access; the
 * page's Content-Security-Policy also stops it loading anything from elsewhere.
 */
export function MailFrame({ html, title }: { html: string; title: string }) {
  return <iframe className="mail-frame" sandbox="" srcDoc={html} title={title} />;
}

export function NotFound() {
  const { t } = useI18n();
  return (
    <>
      <PageHead title={t('notFound.title')} />
      <Text>{t('error.notFound')}</Text>
    </>
  );
}

/** The NL / EN switch: the choice is remembered in localStorage; `onChoose` (signed in) also saves it on the user. */
export function LanguageSwitch({ onChoose = setLang }: { onChoose?: (next: Lang) => void }) {
  const { t, lang } = useI18n();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('lang.switch')}
      value={lang}
      onChange={(value) => onChoose(value === 'en' ? 'en' : 'nl')}
      data={[
        { value: 'nl', label: 'NL' },
        { value: 'en', label: 'EN' },
      ]}
    />
  );
}

/**
 * Tabs that are routes (`/actions?filter=overdue`, `/workflows/task-types`): one panel per tab, so
 * every tab's `aria-controls` points at an element; the current tab's panel holds the content.
 */
export function RouteTabs<V extends string>({
  value,
  tabs,
  label,
  onChange,
  children,
}: {
  value: V;
  tabs: { value: V; label: string }[];
  label: string;
  onChange: (value: V) => void;
  children: ReactNode;
}) {
  return (
    <Tabs value={value} onChange={(v) => v && onChange(v as V)} mb="md" keepMounted={false}>
      <Tabs.List aria-label={label}>
        {tabs.map((tab) => (
          <Tabs.Tab key={tab.value} value={tab.value}>
            {tab.label}
          </Tabs.Tab>
        ))}
      </Tabs.List>
      {tabs.map((tab) => (
        <Tabs.Panel key={tab.value} value={tab.value} pt="md">
          {tab.value === value ? children : null}
        </Tabs.Panel>
      ))}
    </Tabs>
  );
}

/** "Meer laden" under a paged list (an infinite query), while there is a next page. */
export function MoreButton({
  query,
}: {
  query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
}) {
  const { t } = useI18n();
  if (!query.hasNextPage) return null;
  return (
    <Button
      variant="default"
      mt="sm"
      onClick={() => void query.fetchNextPage()}
      loading={query.isFetchingNextPage}
    >
      {t('more')}
    </Button>
  );
}

/** A short confirmation in the corner ("Concept opgeslagen."), closable by keyboard and by name. */
export function notify(message: string): void {
  notifications.show({
    color: 'brand',
    message,
    closeButtonProps: { 'aria-label': translate(lang(), 'close') },
  });
}

/**
 * Beheer: users, teams, API tokens, the audit log, the organisation's details, its calendar and
 * the daily digest, one tab each
 * (`/admin/users`, `/admin/teams`, …). Only for holders of the right `admin`; anyone else sees
 * why not and whom to ask (the API refuses them too), except the calendar (read-only, with the
 * reason) and their own digest preference.
 */
import { Alert, Text } from '@mantine/core';
import { useLocation } from 'wouter';
import { useI18n } from '../i18n.js';
import { useCan, useMe } from '../session.js';
import { PageHead, RouteTabs } from '../ui.js';
import { AuditView } from './admin-audit.js';
import { CalendarView, DigestView } from './admin-calendar.js';
import { OrganisationView } from './admin-organisation.js';
import { TokensView } from './admin-tokens.js';
import { TeamsView, UsersView } from './admin-users.js';

export const ADMIN_VIEWS = [
  'users',
  'teams',
  'tokens',
  'audit-log',
  'organisation',
  'calendar',
  'digest',
] as const;
/** What users without the right `admin` may open: the calendar read-only, their own digest. */
const OPEN_VIEWS: readonly View[] = ['calendar', 'digest'];
type View = (typeof ADMIN_VIEWS)[number];

export function AdminPage({ params }: { params?: { view?: string } }) {
  const { t } = useI18n();
  const [, navigate] = useLocation();
  const isAdmin = useCan('admin');
  const me = useMe();
  const view: View = ADMIN_VIEWS.includes(params?.view as View) ? (params!.view as View) : 'users';
  if (!isAdmin && OPEN_VIEWS.includes(view))
    return (
      <>
        <PageHead title={t('admin.title')} />
        <RouteTabs
          value={view}
          label={t('admin.views')}
          tabs={OPEN_VIEWS.map((v) => ({ value: v, label: t(`admin.view.${v}`) }))}
          onChange={(v) => navigate(`/admin/${v}`)}
        >
          {view === 'calendar' ? <CalendarView /> : <DigestView />}
        </RouteTabs>
      </>
    );
  if (!isAdmin)
    return (
      <>
        <PageHead title={t('admin.title')} />
        <Alert color="gray" data-testid="no-right">
          <Text fw={700} mb={4}>
            {t('admin.noRight.title')}
          </Text>
          <Text>{t('admin.noRight', { name: me.data?.user.name ?? '' })}</Text>
        </Alert>
      </>
    );
  return (
    <>
      <PageHead title={t('admin.title')} />
      <Text c="dimmed" mb="sm">
        {t('admin.intro')}
      </Text>
      <RouteTabs
        value={view}
        label={t('admin.views')}
        tabs={ADMIN_VIEWS.map((v) => ({ value: v, label: t(`admin.view.${v}`) }))}
        onChange={(v) => navigate(`/admin/${v}`)}
      >
        {view === 'users' ? (
          <UsersView />
        ) : view === 'teams' ? (
          <TeamsView />
        ) : view === 'tokens' ? (
          <TokensView />
        ) : view === 'audit-log' ? (
          <AuditView />
        ) : view === 'organisation' ? (
          <OrganisationView />
        ) : view === 'calendar' ? (
          <CalendarView />
        ) : (
          <DigestView />
        )}
      </RouteTabs>
    </>
  );
}

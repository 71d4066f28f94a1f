/** The frame around every screen once logged in: header, menu, user, language, sandbox banner. */
import { AppShell, Burger, Button, Group, NavLink, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { api } from './api.js';
import { type Key, useI18n } from './i18n.js';
import { useChooseLanguage, useSavedLanguage } from './language.js';
import { SandboxBanner } from './screens/sandbox.js';
import { type Me, useSetMe } from './session.js';
import { LanguageSwitch } from './ui.js';

const MENU: [string, Key][] = [
  ['/', 'nav.dashboard'],
  ['/actions', 'nav.actions'],
  ['/workflows', 'nav.workflows'],
  ['/templates', 'nav.templates'],
  ['/processes', 'nav.processes'],
  ['/email-templates', 'nav.emailTemplates'],
  ['/dossiers', 'nav.dossiers'],
  ['/mail', 'nav.mail'],
  ['/admin', 'nav.admin'],
  ['/settings', 'settings.title'],
];

export function Shell({ me, children }: { me: Me; children: ReactNode }) {
  const { t } = useI18n();
  const [location] = useLocation();
  const [opened, { toggle, close }] = useDisclosure(false);
  const setMe = useSetMe();
  useSavedLanguage();
  const language = useChooseLanguage();
  const logout = useMutation({
    mutationFn: () => api('POST', '/api/auth/logout'),
    onSettled: () => setMe(null),
  });
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <a className="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.label')} />
            <Text component={Link} href="/" fw={700} size="lg" c="brand.9" td="none">
              {t('app.title')}
            </Text>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Button
              component={Link}
              href="/settings"
              variant="subtle"
              size="xs"
              maw={240}
              visibleFrom="xs"
              title={t('user.signedInAs', { name: me.user.name })}
              aria-label={t('user.menu', { name: me.user.name })}
              classNames={{ label: 'user-name' }}
            >
              {me.user.name}
            </Button>
            <LanguageSwitch onChoose={language.choose} />
            <Button variant="subtle" size="xs" loading={logout.isPending} onClick={() => logout.mutate()}>
              {t('user.logout')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label={t('nav.label')}>
        {MENU.filter(([href]) => href !== '/admin' || me.permissions.includes('admin')).map(([href, key]) => {
          const current = location === href || (href !== '/' && location.startsWith(`${href}/`));
          return (
            <NavLink
              key={href}
              component={Link}
              href={href}
              label={t(key)}
              active={current}
              aria-current={current ? 'page' : undefined}
              onClick={close}
            />
          );
        })}
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <SandboxBanner />
        {children}
      </AppShell.Main>
    </AppShell>
  );
}

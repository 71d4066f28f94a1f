/** The frame around every screen once logged in: header, menu, user, language, sandbox banner. */
import { api, setCsrfToken } from './api-client.js';
import type { Me } from './api-types.js';
import { busy, h } from './dom.js';
import { t, type Key } from './i18n.js';
import { languageSwitch } from './language-switch.js';
import { onNavigate, start, stop } from './router.js';
import { renderSandboxBanner } from './sandbox-banner.js';

const MENU: [string, Key][] = [
  ['/actions', 'nav.actions'],
  ['/workflows', 'nav.workflows'],
  ['/templates', 'nav.templates'],
  ['/dossiers', 'nav.dossiers'],
  ['/mail', 'nav.mail'],
];

let currentPath = '/actions';
onNavigate((path) => {
  currentPath = path;
  markCurrent();
});

function markCurrent(): void {
  for (const link of document.querySelectorAll<HTMLAnchorElement>('.menu a')) {
    const href = link.getAttribute('href') ?? '';
    if (currentPath === href || currentPath.startsWith(`${href}/`)) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

export function renderShell(root: HTMLElement, me: Me, onLoggedOut: () => void): void {
  const logout: HTMLButtonElement = h(
    'button',
    {
      type: 'button',
      class: 'ghost',
      onclick: () =>
        void busy(logout, null, async () => {
          try {
            await api('POST', '/api/auth/logout');
          } finally {
            setCsrfToken(null);
            stop();
            onLoggedOut();
          }
        }),
    },
    t('user.logout'),
  );
  const banner = h('div', { class: 'banner-slot' });
  const outlet = h('main', { id: 'main', tabindex: '-1' });
  root.replaceChildren(
    h('a', { class: 'skip-link', href: '#main' }, t('app.skip')),
    h(
      'header',
      { class: 'topbar' },
      h('a', { class: 'brand', href: '/actions' }, t('app.title')),
      h(
        'nav',
        { class: 'menu', 'aria-label': t('nav.label') },
        h(
          'ul',
          {},
          MENU.map(([href, key]) => h('li', {}, h('a', { href }, t(key)))),
        ),
      ),
      h(
        'div',
        { class: 'user' },
        h('span', { class: 'user-name', title: t('user.signedInAs', { name: me.user.name }) }, me.user.name),
        languageSwitch(),
        logout,
      ),
    ),
    banner,
    outlet,
  );
  markCurrent();
  void renderSandboxBanner(banner);
  start(outlet);
}

/** The log-in screen: e-mail and password; the session lives in an httpOnly cookie. */
import { api, setCsrfToken } from './api-client.js';
import type { Me } from './api-types.js';
import { busy, h, messageSlot } from './dom.js';
import { t } from './i18n.js';
import { languageSwitch } from './language-switch.js';

export function renderLogin(root: HTMLElement, onLoggedIn: (me: Me) => void): void {
  const slot = messageSlot();
  const email = h('input', {
    id: 'login-email',
    name: 'email',
    type: 'email',
    autocomplete: 'username',
    required: true,
  });
  const password = h('input', {
    id: 'login-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('login.submit'));
  const form = h(
    'form',
    { class: 'login-form', novalidate: false },
    h('div', { class: 'field' }, h('label', { for: 'login-email' }, t('login.email')), email),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, t('login.password')), password),
    slot,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, slot, async () => {
      const me = await api<Me>('POST', '/api/auth/login', { email: email.value, password: password.value });
      setCsrfToken(me.csrfToken);
      onLoggedIn(me);
    });
  });
  root.replaceChildren(
    h(
      'main',
      { class: 'login', id: 'main' },
      h(
        'section',
        { class: 'card login-card', 'aria-labelledby': 'login-title' },
        h('div', { class: 'login-head' }, h('span', { class: 'brand' }, t('app.title')), languageSwitch()),
        h('h1', { id: 'login-title' }, t('login.title')),
        h('p', { class: 'muted' }, t('login.intro')),
        form,
      ),
    ),
  );
  email.focus();
}

/** The page a reset link opens (/reset-password?token=…): choose a new password, then log in. */
import { api } from './api-client.js';
import { busy, h, messageSlot } from './dom.js';
import { t } from './i18n.js';
import { languageSwitch } from './language-switch.js';

export function renderResetPassword(root: HTMLElement, token: string, onDone: () => void): void {
  const slot = messageSlot();
  const password = h('input', {
    id: 'reset-password',
    name: 'password',
    type: 'password',
    autocomplete: 'new-password',
    required: true,
    minlength: '12',
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('reset.submit'));
  const form = h(
    'form',
    { class: 'login-form' },
    h('div', { class: 'field' }, h('label', { for: 'reset-password' }, t('reset.password')), password),
    slot,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, slot, async () => {
      await api('POST', '/api/auth/password-reset/confirm', { token, password: password.value });
      history.replaceState(null, '', '/login');
      onDone();
    });
  });
  root.replaceChildren(
    h(
      'main',
      { class: 'login', id: 'main' },
      h(
        'section',
        { class: 'card login-card', 'aria-labelledby': 'reset-title' },
        h('div', { class: 'login-head' }, h('span', { class: 'brand' }, t('app.title')), languageSwitch()),
        h('h1', { id: 'reset-title' }, t('reset.title')),
        h('p', { class: 'muted' }, t('reset.intro')),
        form,
      ),
    ),
  );
  password.focus();
}

/** The NL / EN switch; the choice is remembered in localStorage (see i18n.ts). */
import { h } from './dom.js';
import { lang, setLang, t, type Lang } from './i18n.js';

export function languageSwitch(): HTMLElement {
  const button = (code: Lang, text: string, name: string) =>
    h(
      'button',
      {
        type: 'button',
        class: 'lang-button',
        lang: code,
        'aria-pressed': String(lang() === code),
        title: name,
        onclick: () => setLang(code),
      },
      text,
    );
  return h(
    'div',
    { class: 'lang-switch', role: 'group', 'aria-label': t('lang.switch') },
    button('nl', 'NL', t('lang.nl')),
    button('en', 'EN', t('lang.en')),
  );
}

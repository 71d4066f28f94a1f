/**
 * Building the DOM without innerHTML: every piece of data goes in as a text node or an
 * attribute, so nothing the API returns can inject markup. Plus the shared bits every screen
 * uses: busy buttons, error boxes, dialogs.
 */
import { ApiError, messageOf } from './api-client.js';
import { t } from './i18n.js';

export type Child = Node | string | number | null | undefined | false | Child[];
type AttrValue = string | number | boolean | null | undefined | ((event: Event) => void);
export type Attrs = Record<string, AttrValue>;

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(parent, c);
    return;
  }
  parent.appendChild(
    typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child,
  );
}

/** `h('button', { class: 'primary', onclick: go }, 'Opslaan')` */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children) append(el, child);
  return el;
}

/** Replaces the children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  for (const child of children) append(el, child);
}

/** A spinner with "Bezig…" for places that load. */
export function spinner(text = t('loading')): HTMLElement {
  return h(
    'p',
    { class: 'loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    text,
  );
}

/** The API's message for people, with the path of the wrong part when there is one. */
export function errorBox(error: unknown): HTMLElement {
  const box = h('div', { class: 'error', role: 'alert' });
  if (error instanceof ApiError && error.details.length > 1) {
    box.append(
      h(
        'ul',
        {},
        error.details.map((d) => h('li', {}, detailLine(d.path, d.message))),
      ),
    );
  } else if (error instanceof ApiError && error.path) {
    box.append(detailLine(error.path, error.message));
  } else {
    box.append(messageOf(error));
  }
  return box;
}

function detailLine(path: string, message: string): Node {
  const frag = document.createDocumentFragment();
  if (path) frag.append(h('code', { class: 'path' }, path), ' ');
  frag.append(message);
  return frag;
}

/** A place next to a control where its error or success message appears. */
export function messageSlot(): HTMLElement {
  return h('div', { class: 'message-slot', 'aria-live': 'polite' });
}

/**
 * Runs `work` while `button` shows "Bezig…" and is disabled; an error goes into `slot` (the
 * API's message), success clears it. Returns whether it succeeded.
 */
export async function busy(
  button: HTMLButtonElement,
  slot: HTMLElement | null,
  work: () => Promise<void>,
): Promise<boolean> {
  const text = [...button.childNodes];
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('busy'));
  slot?.replaceChildren();
  try {
    await work();
    return true;
  } catch (error) {
    slot?.replaceChildren(errorBox(error));
    return false;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.replaceChildren(...text);
  }
}

/** Loads data into `target` with a spinner meanwhile and the API's message on failure. */
export async function load<T>(
  target: Element,
  fetcher: () => Promise<T>,
  render: (data: T) => void,
): Promise<void> {
  replace(target, spinner());
  let data: T;
  try {
    data = await fetcher();
  } catch (error) {
    replace(target, errorBox(error));
    return;
  }
  target.replaceChildren();
  render(data);
}

/** A modal dialog (native <dialog>: focus trapping and Escape for free); removed when closed. */
export function openDialog(
  title: string,
  ...content: Child[]
): { dialog: HTMLDialogElement; close: () => void } {
  const heading = h('h2', { id: `dialog-${Math.random().toString(36).slice(2)}` }, title);
  const dialog = h(
    'dialog',
    { class: 'dialog', 'aria-labelledby': heading.id },
    h(
      'div',
      { class: 'dialog-head' },
      heading,
      h(
        'button',
        { type: 'button', class: 'ghost', onclick: () => dialog.close(), 'aria-label': t('close') },
        '×',
      ),
    ),
    h('div', { class: 'dialog-body' }, ...content),
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, close: () => dialog.close() };
}

/** A sandboxed frame for e-mail HTML: no scripts, no forms, no same-origin access. */
export function mailFrame(html: string, title: string): HTMLIFrameElement {
  const frame = h('iframe', { class: 'mail-frame', sandbox: '', title, referrerpolicy: 'no-referrer' });
  frame.srcdoc = html;
  return frame;
}

/** A definition list of label/value pairs. */
export function facts(rows: [string, Child][]): HTMLDListElement {
  return h(
    'dl',
    { class: 'facts' },
    rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? t('none'))]),
  );
}

/** A table with a caption-less header row; rows are arrays of cells. */
export function table(headers: string[], rows: Child[][], attrs: Attrs = {}): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      attrs,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((x) => h('th', { scope: 'col' }, x)),
        ),
      ),
      // data-label: on narrow screens each row becomes a card that names its cells (app.css).
      h(
        'tbody',
        {},
        rows.map((r) =>
          h(
            'tr',
            {},
            r.map((c, i) => h('td', { 'data-label': headers[i] || undefined }, c)),
          ),
        ),
      ),
    ),
  );
}

/** Appends children (strings become text; null, undefined and false are skipped). */
export function add(el: Element, ...children: Child[]): void {
  for (const child of children) append(el, child);
}

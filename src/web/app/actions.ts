/**
 * "Mijn acties": the to-do list (mine, overdue, failed, all) and one action with its history.
 * Execute shows the preview first (for e-mail: subject, recipients and the rendered HTML in a
 * sandboxed frame); manual actions are marked done; open ones can be rescheduled or cancelled.
 */
import { api, withQuery } from './api-client.js';
import {
  type Action,
  type ActionPreview,
  type Dossier,
  type Page,
  dossierTitle,
  dossierType,
  typeLabel,
} from './api-types.js';
import {
  add,
  busy,
  type Child,
  errorBox,
  facts,
  h,
  load,
  mailFrame,
  messageSlot,
  openDialog,
  spinner,
  table,
} from './dom.js';
import { formatDateTime, fromZonedInput, t, toZonedInput, tOr, type Key } from './i18n.js';

type Filter = 'mine' | 'overdue' | 'failed' | 'all';
const FILTERS: Filter[] = ['mine', 'overdue', 'failed', 'all'];
const OPEN = ['waiting', 'pending', 'due'];

function query(filter: Filter): Record<string, string | boolean | undefined> {
  switch (filter) {
    case 'mine':
      return { mine: true, status: 'waiting,pending,due,running,failed' };
    case 'overdue':
      return { overdue: true, status: 'pending,due,failed' };
    case 'failed':
      return { status: 'failed' };
    case 'all':
      return {};
  }
}

export function statusText(a: Pick<Action, 'status' | 'statusReason'>): string {
  const status = tOr(`status.${a.status}`, a.status);
  if (!a.statusReason) return status;
  return `${status} – ${tOr(`reason.${a.statusReason}`, a.statusReason)}`;
}

export function modeText(mode: string): string {
  return tOr(`mode.${mode}`, mode);
}

/** A link to the dossier; its title is filled in once the dossier is read. */
function dossierLink(a: Action, titles: Map<string, Promise<string>>): HTMLElement {
  const href = `/dossiers/${encodeURIComponent(a.dossierType)}/${encodeURIComponent(a.dossierId)}`;
  const link = h('a', { href }, a.dossierId);
  const typeText = h('span', { class: 'muted small' }, a.dossierType);
  void dossierType(a.dossierType).then((type) => {
    typeText.textContent = typeLabel(type, a.dossierType);
    let title = titles.get(a.dossierId);
    if (!title) {
      title = api<Dossier>('GET', href.replace('/dossiers/', '/api/dossiers/'))
        .then((d) => dossierTitle(type, d))
        .catch(() => a.dossierId);
      titles.set(a.dossierId, title);
    }
    void title.then((text) => (link.textContent = text));
  });
  return h('span', { class: 'stack' }, link, typeText);
}

function statusBadge(a: Action): HTMLElement {
  return h('span', { class: `badge status-${a.status}` }, statusText(a));
}

/** The buttons for what a person can do with an action now. */
function actionButtons(a: Action, slot: HTMLElement, after: () => void): HTMLElement {
  const buttons: HTMLButtonElement[] = [];
  const add = (key: Key, onclick: (button: HTMLButtonElement) => void, cls = '') => {
    const button: HTMLButtonElement = h(
      'button',
      { type: 'button', class: `small ${cls}`, onclick: () => onclick(button) },
      t(key),
    );
    buttons.push(button);
  };
  if (a.executionMode !== 'manual' && ['pending', 'due'].includes(a.status))
    add('actions.execute', (b) => executeWithPreview(a, b, slot, after), 'primary');
  if (a.executionMode !== 'manual' && a.status === 'failed')
    add('actions.executeAgain', (b) => executeWithPreview(a, b, slot, after), 'primary');
  if (a.executionMode === 'manual' && OPEN.includes(a.status))
    add('actions.markDone', () => markDone(a, after), 'primary');
  if (OPEN.includes(a.status)) add('actions.reschedule', () => reschedule(a, after));
  if ([...OPEN, 'failed'].includes(a.status)) add('actions.cancelAction', () => cancel(a, after), 'danger');
  return h('div', { class: 'button-row' }, buttons);
}

/** Reads the preview, shows it, and executes only when the person confirms. */
function executeWithPreview(
  a: Action,
  button: HTMLButtonElement,
  slot: HTMLElement,
  after: () => void,
): void {
  let preview: ActionPreview;
  void busy(button, slot, async () => {
    preview = await api<ActionPreview>('GET', `/api/actions/${encodeURIComponent(a.id)}/preview`);
  }).then((ok) => {
    if (!ok) return;
    const dialogSlot = messageSlot();
    const confirm: HTMLButtonElement = h(
      'button',
      {
        type: 'button',
        class: 'primary',
        onclick: () =>
          void busy(confirm, dialogSlot, async () => {
            // A failed execution is an answer too: the list then shows the action's error.
            await api<Action>('POST', `/api/actions/${encodeURIComponent(a.id)}/execute`);
            close();
            after();
          }),
      },
      t('actions.preview.confirm'),
    );
    const email = preview.email;
    const body: Child[] = email
      ? [
          facts([
            [t('actions.preview.subject'), email.subject],
            [t('actions.preview.to'), email.to.join(', ')],
            ...(email.cc.length > 0
              ? ([[t('actions.preview.cc'), email.cc.join(', ')]] as [string, Child][])
              : []),
          ]),
          mailFrame(email.html, t('actions.preview.frame')),
        ]
      : [
          facts([[t('actions.preview.effect'), preview.effect]]),
          h('pre', { class: 'json' }, JSON.stringify(preview.details, null, 2)),
        ];
    const { close } = openDialog(
      `${t('actions.preview.title')}: ${a.title}`,
      ...body,
      dialogSlot,
      h(
        'div',
        { class: 'button-row' },
        confirm,
        h('button', { type: 'button', onclick: () => close() }, t('cancel')),
      ),
    );
  });
}

/** A dialog with a form; `submit` runs with the button busy and errors shown in the dialog. */
function formDialog(
  title: string,
  fields: Child[],
  submitText: string,
  submit: () => Promise<void>,
  danger = false,
): void {
  const slot = messageSlot();
  const button = h('button', { type: 'submit', class: danger ? 'danger' : 'primary' }, submitText);
  const form = h('form', { class: 'dialog-form' }, fields, slot, h('div', { class: 'button-row' }, button));
  const { close } = openDialog(title, form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(button, slot, async () => {
      await submit();
      close();
    });
  });
}

function markDone(a: Action, after: () => void): void {
  const note = h('textarea', { id: 'done-note', rows: 3, maxlength: 2000 });
  formDialog(
    `${t('actions.done.title')}: ${a.title}`,
    [h('div', { class: 'field' }, h('label', { for: 'done-note' }, t('actions.done.note')), note)],
    t('actions.markDone'),
    async () => {
      await api(
        'POST',
        `/api/actions/${encodeURIComponent(a.id)}/complete`,
        note.value.trim() ? { note: note.value.trim() } : {},
      );
      after();
    },
  );
}

function reschedule(a: Action, after: () => void): void {
  const input = h('input', { id: 'reschedule-at', type: 'datetime-local', required: true });
  if (a.dueAt) input.value = toZonedInput(a.dueAt);
  formDialog(
    `${t('actions.reschedule.title')}: ${a.title}`,
    [h('div', { class: 'field' }, h('label', { for: 'reschedule-at' }, t('actions.reschedule.when')), input)],
    t('actions.reschedule'),
    async () => {
      const dueAt = fromZonedInput(input.value);
      await api('POST', `/api/actions/${encodeURIComponent(a.id)}/reschedule`, {
        dueAt: dueAt ?? input.value,
      });
      after();
    },
  );
}

function cancel(a: Action, after: () => void): void {
  const reason = h('input', { id: 'cancel-reason', type: 'text', maxlength: 500 });
  formDialog(
    `${t('actions.cancel.title')}: ${a.title}`,
    [h('div', { class: 'field' }, h('label', { for: 'cancel-reason' }, t('actions.cancel.reason')), reason)],
    t('actions.cancel.confirm'),
    async () => {
      await api(
        'POST',
        `/api/actions/${encodeURIComponent(a.id)}/cancel`,
        reason.value.trim() ? { reason: reason.value.trim() } : {},
      );
      after();
    },
    true,
  );
}

export function renderActions(outlet: HTMLElement, _params: unknown, search: URLSearchParams): void {
  const filter: Filter = FILTERS.includes(search.get('filter') as Filter)
    ? (search.get('filter') as Filter)
    : 'mine';
  const list = h('div', { class: 'list' });
  const refresh: HTMLButtonElement = h(
    'button',
    { type: 'button', class: 'ghost', onclick: () => void busy(refresh, null, () => fill()) },
    t('refresh'),
  );
  add(
    outlet,
    h('div', { class: 'page-head' }, h('h1', {}, t('actions.title')), refresh),
    h(
      'nav',
      { class: 'tabs', 'aria-label': t('actions.filter') },
      FILTERS.map((f) =>
        h(
          'a',
          {
            href: f === 'mine' ? '/actions' : `/actions?filter=${f}`,
            'aria-current': f === filter ? 'page' : undefined,
          },
          t(`actions.filter.${f}`),
        ),
      ),
    ),
    list,
  );
  const titles = new Map<string, Promise<string>>();
  const fill = async (): Promise<void> => {
    const slot = messageSlot();
    await load(
      list,
      () => api<Page<Action>>('GET', withQuery('/api/actions', { ...query(filter), limit: 200 })),
      (page) => {
        if (page.items.length === 0) {
          add(list, h('p', { class: 'empty' }, t('actions.empty')));
          return;
        }
        add(
          list,
          slot,
          table(
            [
              t('actions.col.title'),
              t('actions.col.dossier'),
              t('actions.col.due'),
              t('actions.col.status'),
              t('actions.col.mode'),
              t('actions.col.do'),
            ],
            page.items.map((a) => [
              h('a', { href: `/actions/${encodeURIComponent(a.id)}`, class: 'strong' }, a.title),
              dossierLink(a, titles),
              h('time', { datetime: a.dueAt ?? undefined }, formatDateTime(a.dueAt)),
              h(
                'span',
                { class: 'stack' },
                statusBadge(a),
                a.error ? h('span', { class: 'error-text' }, a.error) : null,
              ),
              modeText(a.executionMode),
              actionButtons(a, slot, () => void fill()),
            ]),
            { class: 'actions-table' },
          ),
        );
      },
    );
  };
  void fill();
}

export function renderActionDetail(outlet: HTMLElement, params: Record<string, string>): void {
  const id = params.id!;
  const body = h('div', {}, spinner());
  add(outlet, h('p', {}, h('a', { href: '/actions', class: 'back' }, `← ${t('back')}`)), body);
  const fill = () =>
    load(
      body,
      () => api<Action>('GET', `/api/actions/${encodeURIComponent(id)}`),
      (a) => {
        const slot = messageSlot();
        add(
          body,
          h('div', { class: 'page-head' }, h('h1', {}, a.title), statusBadge(a)),
          slot,
          actionButtons(a, slot, () => void fill()),
          a.error
            ? h('div', { class: 'error', role: 'alert' }, h('strong', {}, `${t('actions.error')}: `), a.error)
            : null,
          facts([
            [t('actions.col.dossier'), dossierLink(a, new Map())],
            [t('actions.col.due'), formatDateTime(a.dueAt)],
            [t('actions.col.status'), statusText(a)],
            [t('actions.col.mode'), modeText(a.executionMode)],
            [t('actions.detail.process'), a.process ?? t('none')],
            [t('actions.detail.priority'), a.priority],
            [t('actions.detail.attempts'), String(a.attempts)],
            [t('actions.detail.created'), formatDateTime(a.createdAt)],
            [t('actions.detail.completed'), formatDateTime(a.completedAt)],
            [
              t('actions.detail.template'),
              h(
                'a',
                { href: `/templates/${encodeURIComponent(a.templateId)}` },
                `${a.templateId} (v${a.templateVersion})`,
              ),
            ],
          ]),
          h('h2', {}, t('actions.detail.history')),
          table(
            [
              t('actions.detail.when'),
              t('actions.detail.change'),
              t('actions.detail.who'),
              t('actions.detail.note'),
            ],
            (a.history ?? []).map((e) => [
              formatDateTime(e.at),
              `${e.from ? tOr(`status.${e.from}`, e.from) : '∅'} → ${tOr(`status.${e.to}`, e.to)}`,
              e.actor ?? t('none'),
              e.note ?? '',
            ]),
          ),
        );
      },
    ).catch((error: unknown) => body.replaceChildren(errorBox(error)));
  void fill();
}

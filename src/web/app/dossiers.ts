/**
 * "Dossiers": choose a dossier type, list its dossiers (status filter, cursor paging), and one
 * dossier with its fields, its history (old → new), its actions and its e-mails.
 */
import { api, withQuery } from './api-client.js';
import {
  type Action,
  type Dossier,
  type DossierType,
  type FieldDef,
  type Page,
  dossierTitle,
  dossierType,
  dossierTypes,
  statusLabel,
} from './api-types.js';
import { modeText, statusText } from './actions.js';
import { add, busy, type Child, facts, h, load, spinner, table } from './dom.js';
import { formatDateTime, label, lang, t, tOr } from './i18n.js';
import { navigate } from './router.js';

interface DossierEvent {
  readonly id: number;
  readonly kind: string;
  readonly changes: Record<string, { old: unknown; new: unknown }>;
  readonly actor: string | null;
  readonly occurredAt: string;
}

interface MailItem {
  readonly id: string;
  readonly to: string[];
  readonly subject: string;
  readonly status: string;
  readonly createdAt: string;
}

/** A field value in words: enum and status labels, yes/no, dates in Amsterdam time. */
function valueText(type: DossierType | undefined, field: FieldDef | undefined, value: unknown): string {
  if (value === null || value === undefined || value === '') return t('none');
  if (field?.kind === 'boolean') return t(value ? 'yes' : 'no');
  if (field?.kind === 'status' && typeof value === 'string') return statusLabel(type, value);
  if (field?.kind === 'enum')
    return label(field.options?.find((o) => o.code === value)?.label, String(value));
  if (field?.kind === 'datetime' && typeof value === 'string') return formatDateTime(value);
  if (field?.kind === 'money' && typeof value === 'number')
    return new Intl.NumberFormat(lang() === 'nl' ? 'nl-NL' : 'en-GB', {
      style: 'currency',
      currency: 'EUR',
    }).format(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function fieldValue(type: DossierType | undefined, field: FieldDef, value: unknown): Child {
  if (field.kind === 'reference' && typeof value === 'string' && field.refType) {
    const refType = field.refType;
    const path = `/dossiers/${encodeURIComponent(refType)}/${encodeURIComponent(value)}`;
    const link = h('a', { href: path }, value);
    // The id first, the referenced dossier's title once it is read.
    void Promise.all([api<Dossier>('GET', `/api${path}`), dossierType(refType)])
      .then(([d, refTypeDef]) => (link.textContent = dossierTitle(refTypeDef, d)))
      .catch(() => undefined);
    return link;
  }
  return valueText(type, field, value);
}

export function renderDossiers(
  outlet: HTMLElement,
  params: Record<string, string>,
  search: URLSearchParams,
): void {
  const body = h('div', {}, spinner());
  add(outlet, h('h1', {}, t('dossiers.title')), body);
  void load(body, dossierTypes, (types) => {
    const key = params.type ?? types[0]?.key;
    const type = types.find((x) => x.key === key);
    const status = search.get('status') ?? '';
    const typeSelect = h(
      'select',
      { id: 'dossier-type' },
      types.map((x) =>
        h('option', { value: x.key, selected: x.key === key }, label(x.pluralLabel ?? x.label)),
      ),
    );
    const statusSelect = h(
      'select',
      { id: 'dossier-status', disabled: !type || type.statuses.length === 0 },
      h('option', { value: '' }, t('dossiers.allStatuses')),
      (type?.statuses ?? []).map((s) =>
        h('option', { value: s.code, selected: s.code === status }, label(s.label)),
      ),
    );
    const go = () =>
      navigate(
        withQuery(`/dossiers/${encodeURIComponent(typeSelect.value)}`, {
          status: statusSelect.value || undefined,
        }),
      );
    typeSelect.addEventListener('change', () => {
      statusSelect.value = '';
      go();
    });
    statusSelect.addEventListener('change', go);
    const list = h('div', {});
    add(
      body,
      h(
        'div',
        { class: 'filters' },
        h('div', { class: 'field' }, h('label', { for: 'dossier-type' }, t('dossiers.type')), typeSelect),
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'dossier-status' }, t('dossiers.status')),
          statusSelect,
        ),
      ),
      list,
    );
    if (!key) return;
    const rows = h('tbody', {});
    const more = h('div', {});
    add(
      list,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              [t('dossiers.col.title'), t('dossiers.col.status'), t('dossiers.col.updated')].map((x) =>
                h('th', { scope: 'col' }, x),
              ),
            ),
          ),
          rows,
        ),
      ),
      more,
    );
    const page = async (cursor?: string) => {
      const r = await api<Page<Dossier>>(
        'GET',
        withQuery(`/api/dossiers/${encodeURIComponent(key)}`, {
          status: status || undefined,
          cursor,
          limit: 50,
        }),
      );
      for (const d of r.items)
        add(
          rows,
          h(
            'tr',
            {},
            h(
              'td',
              { 'data-label': t('dossiers.col.title') },
              h(
                'a',
                { href: `/dossiers/${encodeURIComponent(key)}/${encodeURIComponent(d.id)}`, class: 'strong' },
                dossierTitle(type, d),
              ),
            ),
            h('td', { 'data-label': t('dossiers.col.status') }, statusLabel(type, d.status)),
            h('td', { 'data-label': t('dossiers.col.updated') }, formatDateTime(d.updatedAt)),
          ),
        );
      if (cursor === undefined && r.items.length === 0)
        more.replaceChildren(h('p', { class: 'empty' }, t('empty')));
      else if (r.nextCursor) {
        const next = r.nextCursor;
        const button: HTMLButtonElement = h(
          'button',
          { type: 'button', onclick: () => void busy(button, more, () => page(next)) },
          t('more'),
        );
        more.replaceChildren(button);
      } else more.replaceChildren();
    };
    void load(
      more,
      () => page(),
      () => undefined,
    );
  });
}

export function renderDossierDetail(outlet: HTMLElement, params: Record<string, string>): void {
  const key = params.type!;
  const id = params.id!;
  const base = `/api/dossiers/${encodeURIComponent(key)}/${encodeURIComponent(id)}`;
  const body = h('div', {}, spinner());
  add(
    outlet,
    h('p', {}, h('a', { href: `/dossiers/${encodeURIComponent(key)}`, class: 'back' }, `← ${t('back')}`)),
    body,
  );
  void load(
    body,
    async () => ({ dossier: await api<Dossier>('GET', base), type: await dossierType(key) }),
    ({ dossier, type }) => {
      const events = h('div', {}, spinner());
      const actions = h('div', {}, spinner());
      const emails = h('div', {}, spinner());
      const section = (id2: string, title: string, content: HTMLElement) =>
        h('section', { 'aria-labelledby': id2 }, h('h2', { id: id2 }, title), content);
      add(
        body,
        h(
          'div',
          { class: 'page-head' },
          h('h1', {}, dossierTitle(type, dossier)),
          dossier.status ? h('span', { class: 'badge' }, statusLabel(type, dossier.status)) : null,
        ),
        section(
          'dossier-fields',
          t('dossiers.fields'),
          facts((type?.fields ?? []).map((f) => [label(f.label), fieldValue(type, f, dossier.data[f.key])])),
        ),
        section('dossier-actions', t('dossiers.actions'), actions),
        section('dossier-events', t('dossiers.events'), events),
        section('dossier-emails', t('dossiers.emails'), emails),
      );
      const fieldOf = (k: string) => type?.fields.find((f) => f.key === k);
      void load(
        events,
        () => api<Page<DossierEvent>>('GET', `${base}/events`),
        (r) => {
          add(
            events,
            table(
              [
                t('actions.detail.when'),
                t('dossiers.event.kind'),
                t('dossiers.event.changes'),
                t('actions.detail.who'),
              ],
              r.items.map((e) => [
                formatDateTime(e.occurredAt),
                tOr(`dossiers.kind.${e.kind}`, e.kind),
                h(
                  'ul',
                  { class: 'changes' },
                  Object.entries(e.changes).map(([k, c]) =>
                    h(
                      'li',
                      {},
                      h('strong', {}, label(fieldOf(k)?.label, k)),
                      `: ${valueText(type, fieldOf(k), c.old)} → ${valueText(type, fieldOf(k), c.new)}`,
                    ),
                  ),
                ),
                e.actor ?? t('none'),
              ]),
            ),
          );
        },
      );
      void load(
        actions,
        () => api<Page<Action>>('GET', withQuery('/api/actions', { dossierId: id, limit: 200 })),
        (r) => {
          if (r.items.length === 0) return void add(actions, h('p', { class: 'empty' }, t('actions.empty')));
          add(
            actions,
            table(
              [t('actions.col.title'), t('actions.col.due'), t('actions.col.status'), t('actions.col.mode')],
              r.items.map((a) => [
                h('a', { href: `/actions/${encodeURIComponent(a.id)}` }, a.title),
                formatDateTime(a.dueAt),
                statusText(a),
                modeText(a.executionMode),
              ]),
            ),
          );
        },
      );
      void load(
        emails,
        () => api<Page<MailItem>>('GET', `${base}/emails`),
        (r) => {
          if (r.items.length === 0) return void add(emails, h('p', { class: 'empty' }, t('empty')));
          add(
            emails,
            table(
              [t('mail.col.received'), t('mail.col.to'), t('mail.col.subject'), t('mail.outbox.status')],
              r.items.map((m) => [
                formatDateTime(m.createdAt),
                m.to.join(', '),
                m.subject,
                tOr(`mail.status.${m.status}`, m.status),
              ]),
            ),
          );
        },
      );
    },
  );
}

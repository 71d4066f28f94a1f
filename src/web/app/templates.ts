/**
 * "Actie-templates": the list, one template with its draft as a JSON editor (save, publish,
 * activate, simulate) and a new template from a starter definition. Validation problems are
 * shown next to the editor with the path of the part that is wrong.
 */
import { ApiError, api } from './api-client.js';
import { type Dossier, dossierTitle, dossierTypes, statusLabel, typeLabel } from './api-types.js';
import { add, busy, errorBox, facts, h, load, messageSlot, spinner, table } from './dom.js';
import { formatDateTime, t, tOr } from './i18n.js';
import { navigate } from './router.js';

interface Definition {
  readonly name?: string;
  readonly process?: string;
  readonly dossierType?: string;
  readonly event?: { type?: string };
  readonly executionMode?: string;
}

interface Template {
  readonly id: string;
  readonly active: boolean;
  readonly publishedVersion: number | null;
  readonly draft: Definition;
  readonly updatedAt: string;
}

interface Simulation {
  readonly total: number;
  readonly items: { dossier: Dossier; dueAt: string | null }[];
}

export function renderTemplates(outlet: HTMLElement): void {
  const list = h('div', {}, spinner());
  add(
    outlet,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, t('templates.title')),
      h('a', { href: '/templates/new', class: 'button primary' }, t('templates.new')),
    ),
    list,
  );
  void load(
    list,
    async () => ({
      items: (await api<{ items: Template[] }>('GET', '/api/templates')).items,
      types: await dossierTypes(),
    }),
    ({ items, types }) => {
      if (items.length === 0) {
        add(list, h('p', { class: 'empty' }, t('empty')));
        return;
      }
      add(
        list,
        table(
          [
            t('templates.col.name'),
            t('templates.col.process'),
            t('templates.col.type'),
            t('templates.col.event'),
            t('templates.col.mode'),
            t('templates.col.active'),
            t('templates.col.version'),
          ],
          items.map((x) => [
            h('a', { href: `/templates/${encodeURIComponent(x.id)}`, class: 'strong' }, x.draft.name ?? x.id),
            x.draft.process ?? '',
            typeLabel(
              types.find((d) => d.key === x.draft.dossierType),
              x.draft.dossierType ?? '',
            ),
            tOr(`event.${x.draft.event?.type ?? ''}`, x.draft.event?.type ?? ''),
            tOr(`mode.${x.draft.executionMode ?? ''}`, x.draft.executionMode ?? ''),
            h('span', { class: `badge ${x.active ? 'yes' : 'no'}` }, t(x.active ? 'yes' : 'no')),
            x.publishedVersion === null
              ? h('span', { class: 'muted' }, t('templates.unpublished'))
              : `v${x.publishedVersion}`,
          ]),
        ),
      );
    },
  );
}

/** The JSON editor with its problems panel beside it. */
function editor(json: string): {
  el: HTMLElement;
  textarea: HTMLTextAreaElement;
  problems: HTMLElement;
  read: () => unknown;
} {
  const textarea = h('textarea', {
    id: 'template-json',
    class: 'json-editor',
    spellcheck: 'false',
    rows: 24,
    'aria-describedby': 'template-problems template-help',
  });
  textarea.value = json;
  const problems = h('div', { id: 'template-problems', class: 'problems', 'aria-live': 'polite' });
  const el = h(
    'div',
    { class: 'editor-grid' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'template-json' }, t('templates.draft')),
      h('p', { id: 'template-help', class: 'help' }, t('templates.draft.help')),
      textarea,
    ),
    problems,
  );
  /** The parsed JSON; a syntax error is shown in the problems panel and thrown. */
  const read = (): unknown => {
    try {
      return JSON.parse(textarea.value);
    } catch (error) {
      const message = t('templates.invalidJson', { message: (error as Error).message });
      throw new ApiError(message, 0, 'json', '', []);
    }
  };
  return { el, textarea, problems, read };
}

/** Shows what the API said about the draft beside the editor: every problem with its path. */
function showProblems(panel: HTMLElement, error: unknown): void {
  panel.replaceChildren(h('p', { class: 'problems-title' }, t('templates.problems')), errorBox(error));
  panel.querySelector('.error')?.setAttribute('data-testid', 'template-errors');
}

function starter(dossierType: string): string {
  return JSON.stringify(
    {
      name: t('templates.newTitle'),
      process: 'Algemeen',
      dossierType,
      event: { type: 'created' },
      conditions: { type: 'all', conditions: [] },
      timing: { anchor: { type: 'event' }, offset: 1, unit: 'days' },
      executionMode: 'manual',
      effect: { type: 'none' },
      assignee: { type: 'none' },
      priority: 'normal',
    },
    null,
    2,
  );
}

export function renderNewTemplate(outlet: HTMLElement): void {
  const body = h('div', {}, spinner());
  add(
    outlet,
    h('p', {}, h('a', { href: '/templates', class: 'back' }, `← ${t('back')}`)),
    h('h1', {}, t('templates.newTitle')),
    body,
  );
  void load(body, dossierTypes, (types) => {
    const ed = editor(starter(types[0]?.key ?? 'contact'));
    const create: HTMLButtonElement = h(
      'button',
      {
        type: 'button',
        class: 'primary',
        onclick: () =>
          void busy(create, null, async () => {
            ed.problems.replaceChildren();
            try {
              const created = await api<Template>('POST', '/api/templates', ed.read());
              navigate(`/templates/${encodeURIComponent(created.id)}`, { replace: true });
            } catch (error) {
              showProblems(ed.problems, error);
            }
          }),
      },
      t('templates.create'),
    );
    add(body, ed.el, h('div', { class: 'button-row' }, create));
  });
}

export function renderTemplateDetail(outlet: HTMLElement, params: Record<string, string>): void {
  const id = params.id!;
  const base = `/api/templates/${encodeURIComponent(id)}`;
  const body = h('div', {}, spinner());
  add(outlet, h('p', {}, h('a', { href: '/templates', class: 'back' }, `← ${t('back')}`)), body);
  const fill = (): Promise<void> =>
    load(
      body,
      async () => ({ template: await api<Template>('GET', base), types: await dossierTypes() }),
      ({ template, types }) => {
        const slot = messageSlot();
        const simulation = h('div', { class: 'simulation', 'aria-live': 'polite' });
        const ed = editor(JSON.stringify(template.draft, null, 2));
        const button = (text: string, cls: string, work: (b: HTMLButtonElement) => Promise<void>) => {
          const b: HTMLButtonElement = h(
            'button',
            { type: 'button', class: cls, onclick: () => void busy(b, slot, () => work(b)) },
            text,
          );
          return b;
        };
        const save = button(t('templates.saveDraft'), 'primary', async () => {
          ed.problems.replaceChildren();
          try {
            await api('PUT', `${base}/draft`, ed.read());
          } catch (error) {
            showProblems(ed.problems, error);
            return;
          }
          ed.problems.replaceChildren(h('p', { class: 'ok', role: 'status' }, t('templates.saved')));
        });
        const publish = button(t('templates.publish'), '', async () => {
          const r = await api<{ version: number }>('POST', `${base}/publish`);
          await fill();
          body
            .querySelector('.message-slot')
            ?.replaceChildren(
              h('p', { class: 'ok', role: 'status' }, t('templates.published', { version: r.version })),
            );
        });
        const toggle = button(
          t(template.active ? 'templates.deactivate' : 'templates.activate'),
          '',
          async () => {
            await api('POST', `${base}/active`, { active: !template.active });
            await fill();
          },
        );
        const simulate = button(t('templates.simulate'), '', async () => {
          let draft: unknown;
          try {
            draft = ed.read();
          } catch {
            draft = undefined;
          }
          const r = await api<Simulation>(
            'POST',
            `${base}/simulate`,
            draft === undefined ? { limit: 100 } : { draft, limit: 100 },
          );
          const type = types.find((d) => d.key === template.draft.dossierType);
          simulation.replaceChildren(
            h('h2', {}, t('templates.simulation', { total: r.total })),
            table(
              [t('templates.sim.dossier'), t('templates.sim.status'), t('templates.sim.due')],
              r.items.map((i) => [
                h(
                  'a',
                  {
                    href: `/dossiers/${encodeURIComponent(i.dossier.type)}/${encodeURIComponent(i.dossier.id)}`,
                  },
                  dossierTitle(type, i.dossier),
                ),
                statusLabel(type, i.dossier.status),
                formatDateTime(i.dueAt),
              ]),
            ),
          );
        });
        add(
          body,
          h(
            'div',
            { class: 'page-head' },
            h('h1', {}, template.draft.name ?? template.id),
            h(
              'span',
              { class: `badge ${template.active ? 'yes' : 'no'}` },
              t(template.active ? 'templates.isActive' : 'templates.isInactive'),
            ),
          ),
          facts([
            [
              t('templates.col.type'),
              typeLabel(
                types.find((d) => d.key === template.draft.dossierType),
                template.draft.dossierType ?? '',
              ),
            ],
            [
              t('templates.col.mode'),
              tOr(`mode.${template.draft.executionMode ?? ''}`, template.draft.executionMode ?? ''),
            ],
            [
              t('templates.col.version'),
              template.publishedVersion === null
                ? t('templates.unpublished')
                : `v${template.publishedVersion}`,
            ],
          ]),
          h('div', { class: 'button-row' }, save, publish, toggle, simulate),
          slot,
          ed.el,
          simulation,
        );
      },
    );
  void fill();
}

/**
 * "Mailviewer": what the local SMTP sink received (demo and sandbox mode), one message with its
 * HTML in a sandboxed frame (`sandbox=""`: no scripts, no forms), and the outbox messages that
 * need a person (failed, in doubt) with Resend and Dismiss.
 */
import { api, withQuery } from './api-client.js';
import type { Page } from './api-types.js';
import { add, busy, facts, h, load, mailFrame, messageSlot, spinner, table } from './dom.js';
import { formatDateTime, t, tOr } from './i18n.js';

interface SinkMessage {
  readonly id: number;
  readonly from: string | null;
  readonly to: string | null;
  readonly cc: string | null;
  readonly subject: string | null;
  readonly receivedAt: string;
}

interface SinkDetail extends SinkMessage {
  readonly html: string | null;
  readonly text: string | null;
}

interface OutboxMessage {
  readonly id: string;
  readonly to: string[];
  readonly subject: string;
  readonly status: string;
  readonly attempts: number;
  readonly lastReply: string | null;
  readonly createdAt: string;
}

export function renderMailViewer(outlet: HTMLElement): void {
  const inbox = h('div', {}, spinner());
  const outbox = h('div', {}, spinner());
  const refresh: HTMLButtonElement = h(
    'button',
    {
      type: 'button',
      class: 'ghost',
      onclick: () =>
        void busy(refresh, null, async () => void (await Promise.all([fillInbox(), fillOutbox()]))),
    },
    t('refresh'),
  );
  add(
    outlet,
    h('div', { class: 'page-head' }, h('h1', {}, t('mail.title')), refresh),
    h('p', { class: 'muted' }, t('mail.intro')),
    inbox,
    h(
      'section',
      { 'aria-labelledby': 'outbox-title' },
      h('h2', { id: 'outbox-title' }, t('mail.outbox')),
      h('p', { class: 'muted' }, t('mail.outbox.intro')),
      outbox,
    ),
  );
  const fillInbox = (cursor?: string): Promise<void> =>
    load(
      inbox,
      () =>
        api<Page<SinkMessage> & { running: boolean; smtp: string | null }>(
          'GET',
          withQuery('/api/mail-viewer/messages', { limit: 50, cursor }),
        ),
      (page) => {
        add(
          inbox,
          h(
            'p',
            { class: 'small muted' },
            page.running ? t('mail.running', { smtp: page.smtp ?? '' }) : t('mail.notRunning'),
          ),
        );
        if (page.items.length === 0) {
          add(inbox, h('p', { class: 'empty' }, t('mail.empty')));
          return;
        }
        add(
          inbox,
          table(
            [t('mail.col.received'), t('mail.col.from'), t('mail.col.to'), t('mail.col.subject')],
            page.items.map((m) => [
              formatDateTime(m.receivedAt),
              m.from ?? '',
              m.to ?? '',
              h('a', { href: `/mail/${m.id}` }, m.subject || t('mail.noSubject')),
            ]),
            { class: 'mail-table' },
          ),
          page.nextCursor
            ? h(
                'button',
                { type: 'button', onclick: () => void fillInbox(page.nextCursor ?? undefined) },
                t('more'),
              )
            : null,
        );
      },
    );
  const fillOutbox = (): Promise<void> =>
    load(
      outbox,
      () =>
        api<Page<OutboxMessage>>(
          'GET',
          withQuery('/api/email/outbox', { status: 'failed,in_doubt', limit: 100 }),
        ),
      (page) => {
        if (page.items.length === 0) {
          add(outbox, h('p', { class: 'empty' }, t('mail.outbox.empty')));
          return;
        }
        const slot = messageSlot();
        const button = (text: string, path: string) => {
          const b: HTMLButtonElement = h(
            'button',
            {
              type: 'button',
              class: 'small',
              onclick: () =>
                void busy(b, slot, async () => {
                  await api('POST', path);
                  await fillOutbox();
                }),
            },
            text,
          );
          return b;
        };
        add(
          outbox,
          slot,
          table(
            [
              t('mail.col.received'),
              t('mail.col.to'),
              t('mail.col.subject'),
              t('mail.outbox.status'),
              t('mail.outbox.reply'),
              '',
            ],
            page.items.map((m) => [
              formatDateTime(m.createdAt),
              m.to.join(', '),
              m.subject,
              h('span', { class: `badge mail-${m.status}` }, tOr(`mail.status.${m.status}`, m.status)),
              m.lastReply ?? '',
              h(
                'div',
                { class: 'button-row' },
                button(t('mail.outbox.resend'), `/api/email/outbox/${encodeURIComponent(m.id)}/resend`),
                button(t('mail.outbox.dismiss'), `/api/email/outbox/${encodeURIComponent(m.id)}/dismiss`),
              ),
            ]),
          ),
        );
      },
    );
  void fillInbox();
  void fillOutbox();
}

export function renderMailMessage(outlet: HTMLElement, params: Record<string, string>): void {
  const body = h('div', {}, spinner());
  add(outlet, h('p', {}, h('a', { href: '/mail', class: 'back' }, `← ${t('back')}`)), body);
  void load(
    body,
    () => api<SinkDetail>('GET', `/api/mail-viewer/messages/${encodeURIComponent(params.id!)}`),
    (m) => {
      add(
        body,
        h('h1', {}, m.subject || t('mail.noSubject')),
        facts([
          [t('mail.col.received'), formatDateTime(m.receivedAt)],
          [t('mail.col.from'), m.from ?? ''],
          [t('mail.col.to'), m.to ?? ''],
          ...(m.cc ? ([[t('actions.preview.cc'), m.cc]] as [string, string][]) : []),
        ]),
        m.html ? mailFrame(m.html, t('mail.frame')) : null,
        m.text
          ? h(
              'details',
              { open: m.html ? undefined : true },
              h('summary', {}, t('mail.text')),
              h('pre', { class: 'mail-text' }, m.text),
            )
          : null,
      );
    },
  );
}

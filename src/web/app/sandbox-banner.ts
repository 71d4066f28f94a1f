/** In sandbox mode: "Sandbox: klok staat op …" with buttons that move the clock forward. */
import { api } from './api-client.js';
import { busy, h, messageSlot } from './dom.js';
import { formatDateTime, t } from './i18n.js';
import { render } from './router.js';

interface SandboxState {
  readonly sandbox: boolean;
  readonly now: string;
}

export async function renderSandboxBanner(slot: HTMLElement): Promise<void> {
  let state: SandboxState;
  try {
    state = await api<SandboxState>('GET', '/api/sandbox');
  } catch {
    slot.replaceChildren();
    return;
  }
  if (!state.sandbox) {
    slot.replaceChildren();
    return;
  }
  const message = messageSlot();
  const advance = (duration: string, text: string) => {
    const button: HTMLButtonElement = h(
      'button',
      {
        type: 'button',
        class: 'small',
        onclick: () =>
          void busy(button, message, async () => {
            const r = await api<{ now: string; executed: number; markedDue: number }>(
              'POST',
              '/api/sandbox/clock/advance',
              { duration },
            );
            await renderSandboxBanner(slot);
            slot
              .querySelector('.message-slot')
              ?.replaceChildren(
                h('span', { class: 'ok' }, t('sandbox.done', { executed: r.executed, due: r.markedDue })),
              );
            void render();
          }),
      },
      text,
    );
    return button;
  };
  slot.replaceChildren(
    h(
      'div',
      { class: 'sandbox-banner', role: 'region', 'aria-label': 'Sandbox' },
      h('strong', {}, t('sandbox.banner', { time: formatDateTime(state.now) })),
      advance('1d', t('sandbox.day')),
      advance('1w', t('sandbox.week')),
      message,
    ),
  );
}

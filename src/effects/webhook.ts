import type { Effect } from '../domain/template/action-template.js';
import type { EffectHandler } from './effect.js';

/**
 * A webhook is called before the transaction that completes its action (a network call must not
 * hold the write lock; see ActionExecutor.callWebhooks and webhook.client.ts); completing it
 * does nothing more.
 */
export const webhookEffect: EffectHandler<Extract<Effect, { readonly type: 'webhook' }>> = {
  safe: false,
  apply: async () => ({ stored: null }), // called before the transaction (see run)
};

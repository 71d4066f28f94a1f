/** The effect ports live with the effects (src/effects/ports.ts); re-exported for the engine. */
export type { EmailPort, WebhookPort } from '../effects/ports.js';

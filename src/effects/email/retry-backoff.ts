/** The mailer's back-off is Werkflow's one back-off function (src/domain/backoff.ts). */
export { type BackoffPolicy, retryDelay } from '../../domain/backoff.js';

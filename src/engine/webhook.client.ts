import { createHmac } from 'node:crypto';
import { WerkflowError } from '../domain/errors.js';
import type { WebhookPort } from './effect-ports.js';

/**
 * Calls webhooks: POST JSON, signed with HMAC-SHA256 over the body (header
 * `X-Werkflow-Signature: sha256=<hex>`), with the action id as `Idempotency-Key` so a receiver
 * can drop the second delivery if a crash makes us call twice. 2xx is success; anything else
 * throws, and the scheduler retries with back-off.
 */
export const fetchWebhookPort: WebhookPort = {
  async post({ url, secret, actionId, body }) {
    const payload = JSON.stringify(body);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': actionId,
      'user-agent': 'Werkflow',
    };
    if (secret)
      headers['x-werkflow-signature'] =
        `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers,
        body: payload,
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new WerkflowError(
        'invalid_state',
        `The webhook ${url} could not be reached: ${(error as Error).message}. It will be retried.`,
        { cause: error },
      );
    }
    if (response.status < 200 || response.status >= 300) {
      const text = (await response.text().catch(() => '')).slice(0, 300);
      throw new WerkflowError(
        'invalid_state',
        `The webhook ${url} answered ${response.status}${text ? `: ${text}` : ''}. It will be retried.`,
      );
    }
    return { status: response.status };
  },
};

import type { TemplateDefinition } from '../domain/template/action-template.js';
import { WerkflowError } from '../domain/errors.js';

/**
 * Webhook signing secrets are stored sealed (AES-256-GCM with WERKFLOW_SECRET_KEY, like mailbox
 * passwords) inside the template definition, and never shown: every API answer carries
 * `SECRET_MASK` in their place. A client that sends the mask back keeps the stored secret; one
 * that sends a new secret rotates it (it takes effect when the draft is published).
 */
export const SECRET_MASK = '********';

/** What the secret box writes: `v1.<key id>.<iv>.<tag>.<ciphertext>`. */
export function isSealed(value: string): boolean {
  return /^v1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]*$/.test(value);
}

/**
 * The definition to store: a new secret sealed, the mask replaced by the secret stored before
 * (`previous`, the current draft), no secret left out.
 */
export function sealWebhookSecret(
  def: TemplateDefinition,
  previous: TemplateDefinition | undefined,
  seal: (plain: string) => string,
): TemplateDefinition {
  const effect = def.effect;
  if (effect.type !== 'webhook' || effect.secret === undefined) return def;
  if (effect.secret === '') {
    const { secret: _removed, ...unsigned } = effect;
    return { ...def, effect: unsigned };
  }
  if (effect.secret === SECRET_MASK) {
    const before = previous?.effect.type === 'webhook' ? previous.effect.secret : undefined;
    if (before === undefined)
      throw new WerkflowError(
        'validation_failed',
        'There is no stored webhook secret to keep: enter the secret (or leave it out to send unsigned calls).',
        { path: 'effect.secret' },
      );
    return { ...def, effect: { ...effect, secret: before } };
  }
  return { ...def, effect: { ...effect, secret: seal(effect.secret) } };
}

/** The secret to sign with: sealed ones opened; one stored before sealing existed is used as it is. */
export function openWebhookSecret(stored: string, open: (sealed: string) => string): string {
  return isSealed(stored) ? open(stored) : stored;
}

/**
 * A copy of an API answer with every webhook effect's secret replaced by the mask (template
 * drafts and versions, Econobis views, anything else that carries a definition).
 */
export function maskWebhookSecrets(value: unknown, depth = 0): unknown {
  if (depth > 32 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const masked = maskWebhookSecrets(item, depth + 1);
      if (masked !== item) (copy ??= [...value])[i] = masked;
    });
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  if (record.type === 'webhook' && typeof record.secret === 'string')
    copy = { ...record, secret: SECRET_MASK };
  for (const [key, item] of Object.entries(record)) {
    const masked = maskWebhookSecrets(item, depth + 1);
    if (masked !== item) (copy ??= { ...record })[key] = masked;
  }
  return copy ?? value;
}

import { isIP } from 'node:net';
import { WerkflowError } from '../domain/errors.js';
import type { Db, Store } from '../store/database.js';
import { SettingsRepository } from '../store/settings.repository.js';
import type { AuditService } from './audit.service.js';

export interface WebhookSettings {
  /**
   * Hosts (names or IP addresses) webhooks may call even though they resolve to an internal
   * address (loopback, private, link-local); everything else internal is refused.
   */
  readonly allowedHosts: readonly string[];
}

const KEY = 'webhooks';
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** The administrator's webhook settings (the allow-list of internal hosts). */
export class WebhookSettingsService {
  private readonly repo: SettingsRepository;

  constructor(
    private readonly store: Store,
    private readonly audit: AuditService,
  ) {
    this.repo = new SettingsRepository(store);
  }

  async get(db: Db = this.store.db): Promise<WebhookSettings> {
    const stored = await this.repo.get<Partial<WebhookSettings>>(KEY, db);
    const hosts = Array.isArray(stored?.allowedHosts) ? stored.allowedHosts : [];
    return { allowedHosts: hosts.filter((h): h is string => typeof h === 'string') };
  }

  async save(input: WebhookSettings, actor: string): Promise<WebhookSettings> {
    const allowedHosts = [...new Set(input.allowedHosts.map((h) => h.trim().toLowerCase()))];
    allowedHosts.forEach((host, i) => {
      if (!HOST_NAME.test(host) && isIP(host.replace(/^\[|\]$/g, '')) === 0)
        throw new WerkflowError(
          'validation_failed',
          `"${host}" is not a host name or IP address (give only the host: no scheme, port or path).`,
          { path: `allowedHosts.${i}` },
        );
    });
    const next = { allowedHosts };
    await this.store.db.transaction().execute(async (trx) => {
      const before = await this.get(trx);
      await this.repo.set(KEY, next, trx);
      await this.audit.record(trx, {
        actor,
        action: 'webhookSettings.updated',
        entityType: 'settings',
        entityId: KEY,
        before,
        after: next,
      });
    });
    return next;
  }
}

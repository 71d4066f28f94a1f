import { type ErrorDetail, throwIfProblems } from '../../domain/errors.js';
import {
  type EmailSettings,
  ORGANISATION_FIELDS,
  type OrganisationSettings,
} from '../../store/email-settings.repository.js';
import { isEmailAddress } from '../../effects/email/recipients.js';

import type { EmailContext } from './common.js';

/** The organisation details used in mails and the delivery settings (test mode, blocked domains). */
export class EmailSettingsService {
  constructor(private readonly ctx: EmailContext) {}

  async getSettings(): Promise<{
    organisation: OrganisationSettings;
    email: EmailSettings;
    testModeFromEnvironment: string | null;
  }> {
    return {
      organisation: await this.ctx.settings.getOrganisation(),
      email: await this.ctx.settings.getEmailSettings(),
      testModeFromEnvironment: this.ctx.mailer.config.redirectAllTo,
    };
  }

  async updateSettings(
    input: {
      organisation?: Partial<OrganisationSettings>;
      email?: Partial<EmailSettings>;
    },
    actor: string | null = null,
  ): Promise<void> {
    const problems: ErrorDetail[] = [];
    if (input.email?.redirectAllTo && !isEmailAddress(input.email.redirectAllTo)) {
      problems.push({
        path: 'email.redirectAllTo',
        message: `"${input.email.redirectAllTo}" is not an e-mail address.`,
      });
    }
    for (const [i, d] of (input.email?.blockedDomains ?? []).entries()) {
      if (!/^@?[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(d.trim())) {
        problems.push({
          path: `email.blockedDomains[${i}]`,
          message: `"${d}" is not a domain such as example.com.`,
        });
      }
    }
    if (input.organisation?.email && !isEmailAddress(input.organisation.email)) {
      problems.push({
        path: 'organisation.email',
        message: `"${input.organisation.email}" is not an e-mail address.`,
      });
    }
    throwIfProblems(problems);
    // Only a change that was accepted is audited, in the transaction that makes it.
    await this.ctx.store.db.transaction().execute(async (trx) => {
      const before: Record<string, unknown> = {};
      const after: Record<string, unknown> = {};
      if (input.organisation) {
        const current = await this.ctx.settings.getOrganisation(trx);
        const next = { ...current } as Record<string, string | null>;
        for (const f of ORGANISATION_FIELDS) {
          const v = input.organisation[f];
          if (v !== undefined) next[f] = v === null || v === '' ? null : String(v);
        }
        await this.ctx.settings.setOrganisation(next as unknown as OrganisationSettings, trx);
        before.organisation = current;
        after.organisation = next;
      }
      if (input.email) {
        const current = await this.ctx.settings.getEmailSettings(trx);
        const next: EmailSettings = {
          blockedDomains: (input.email.blockedDomains ?? current.blockedDomains).map((d) =>
            d.trim().replace(/^@/, '').toLowerCase(),
          ),
          redirectAllTo:
            input.email.redirectAllTo === undefined
              ? current.redirectAllTo
              : input.email.redirectAllTo || null,
        };
        await this.ctx.settings.setEmailSettings(next, trx);
        before.email = current;
        after.email = next;
      }
      await this.ctx.audit(trx, {
        actor,
        action: 'emailSettings.update',
        entityType: 'settings',
        entityId: 'email',
        before,
        after,
      });
    });
  }
}

import type { Store } from '../store/database.js';
import { SettingsRepository } from '../store/settings.repository.js';
import type { AuditService } from './audit.service.js';

/** The languages of the UI. */
export const UI_LANGUAGES = ['nl', 'en'] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];

/** What a person chose for themselves in "Mijn instellingen" (the digest has its own preference). */
export interface UserPreferences {
  /** The UI's language, or null while the person never chose one (the browser's choice holds). */
  readonly language: UiLanguage | null;
}

const KEY = (userId: string) => `user.${userId}.preferences`;

/**
 * A person's own settings, kept on the user (one settings row per user, no migration), so the UI
 * opens in their language in every browser. A small service of its own beside the
 * auth services (src/services/auth/). A change of language is written to the audit log
 * (`user.language_changed`).
 */
export class UserPreferencesService {
  private readonly settings: SettingsRepository;

  constructor(
    private readonly store: Store,
    private readonly audit: AuditService,
  ) {
    this.settings = new SettingsRepository(store);
  }

  async get(userId: string): Promise<UserPreferences> {
    const stored = await this.settings.get<Partial<UserPreferences>>(KEY(userId));
    const language = stored?.language;
    return { language: language === 'nl' || language === 'en' ? language : null };
  }

  /** Saves `input` for `userId`; `actor` is who asked (the user, or `token:<id>`), for the audit log. */
  async save(
    userId: string,
    input: UserPreferences,
    actor: string | null = userId,
  ): Promise<UserPreferences> {
    const next: UserPreferences = { language: input.language };
    await this.store.db.transaction().execute(async (trx) => {
      const stored = await this.settings.get<Partial<UserPreferences>>(KEY(userId), trx);
      const before = stored?.language ?? null;
      await this.settings.set(KEY(userId), next, trx);
      if (before !== next.language)
        await this.audit.record(trx, {
          actor,
          action: 'user.language_changed',
          entityType: 'user',
          entityId: userId,
          before: { language: before },
          after: { language: next.language },
        });
    });
    return next;
  }
}

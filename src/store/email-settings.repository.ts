import type { Db, Store } from './database.js';
import { SettingsRepository } from './settings.repository.js';

/**
 * The organisation that sends the mail: the `{{ organisation.* }}` merge fields. Kept in the
 * `settings` table under the key `organisation`. (Its time zone is the calendar's, key `calendar`.)
 */
export interface OrganisationSettings {
  readonly name: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly website: string | null;
  readonly street: string | null;
  readonly houseNumber: string | null;
  readonly postalCode: string | null;
  readonly city: string | null;
  readonly country: string | null;
  readonly chamberOfCommerce: string | null;
  readonly vatNumber: string | null;
  readonly iban: string | null;
}

export const ORGANISATION_FIELDS = [
  'name',
  'email',
  'phone',
  'website',
  'street',
  'houseNumber',
  'postalCode',
  'city',
  'country',
  'chamberOfCommerce',
  'vatNumber',
  'iban',
] as const satisfies readonly (keyof OrganisationSettings)[];

/** E-mail settings under the key `email`: blocked domains and test mode. */
export interface EmailSettings {
  /** Mail to these domains (and their subdomains) is refused: the action fails with the reason. */
  readonly blockedDomains: readonly string[];
  /** Test mode: when set, every message goes to this one address instead of its recipients. */
  readonly redirectAllTo: string | null;
}

export const ORGANISATION_KEY = 'organisation';
/** The calendar settings (services/calendar.service.ts) hold the organisation's time zone. */
export const CALENDAR_KEY = 'calendar';
export const EMAIL_SETTINGS_KEY = 'email';

function emptyOrganisation(): OrganisationSettings {
  return Object.fromEntries(ORGANISATION_FIELDS.map((f) => [f, null])) as unknown as OrganisationSettings;
}

/** Reads and writes the `organisation` and `email` rows of the `settings` table. */
export class EmailSettingsRepository {
  constructor(private readonly store: Store) {
    this.settings = new SettingsRepository(store);
  }

  private readonly settings: SettingsRepository;

  private read<T>(key: string, db: Db): Promise<T | undefined> {
    return this.settings.get<T>(key, db);
  }

  private write(key: string, value: unknown, db: Db): Promise<void> {
    return this.settings.set(key, value, db);
  }

  async getOrganisation(db: Db = this.store.db): Promise<OrganisationSettings> {
    const stored = (await this.read<Partial<OrganisationSettings>>(ORGANISATION_KEY, db)) ?? {};
    const out: Record<string, string | null> = { ...emptyOrganisation() };
    for (const f of ORGANISATION_FIELDS) {
      const v = stored[f];
      if (typeof v === 'string' && v.length > 0) out[f] = v;
    }
    return out as unknown as OrganisationSettings;
  }

  async setOrganisation(value: OrganisationSettings, db: Db = this.store.db): Promise<void> {
    await this.write(ORGANISATION_KEY, value, db);
  }

  /** The organisation's IANA time zone (calendar settings), or null when not set. */
  async getTimeZone(db: Db = this.store.db): Promise<string | null> {
    const calendar = await this.read<{ timeZone?: unknown }>(CALENDAR_KEY, db);
    return typeof calendar?.timeZone === 'string' && calendar.timeZone !== '' ? calendar.timeZone : null;
  }

  async getEmailSettings(db: Db = this.store.db): Promise<EmailSettings> {
    const stored = (await this.read<Partial<EmailSettings>>(EMAIL_SETTINGS_KEY, db)) ?? {};
    return {
      blockedDomains: Array.isArray(stored.blockedDomains)
        ? stored.blockedDomains.filter((d): d is string => typeof d === 'string')
        : [],
      redirectAllTo: typeof stored.redirectAllTo === 'string' ? stored.redirectAllTo : null,
    };
  }

  async setEmailSettings(value: EmailSettings, db: Db = this.store.db): Promise<void> {
    await this.write(EMAIL_SETTINGS_KEY, value, db);
  }
}

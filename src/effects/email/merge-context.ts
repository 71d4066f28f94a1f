import { Drop } from 'liquidjs';
import type { Dossier } from '../../domain/dossier.js';
import type { DossierType, DossierTypeCatalog } from '../../domain/dossier-type.js';
import { DEFAULT_TIME_ZONE } from '../../domain/timing/index.js';
import type { Db } from '../../store/database.js';
import type { DossierRepository } from '../../store/dossier.repository.js';
import type { EmailLanguage } from '../../store/email-template.repository.js';
import type { OrganisationSettings } from '../../store/email-settings.repository.js';
import { ORGANISATION_FIELDS } from '../../store/email-settings.repository.js';
import type { Team, User, UserRepository } from '../../store/user.repository.js';
import type { FilterSettings } from './email-filters.js';
import { RENDER_SETTINGS } from './liquid-engine.js';
import { type DOSSIER_META, RESERVED_ROOTS, responsibleUserField } from './merge-fields.js';

/**
 * Loads what a render needs, through the caller's transaction, each dossier, user and team at
 * most once per render however many paths lead to it. It remembers every dossier it loaded: a
 * sent message is linked to all of them (mail history per dossier).
 */
export class MergeLoader {
  private readonly dossierCache = new Map<string, Promise<Dossier | undefined>>();
  private readonly userCache = new Map<string, Promise<User | undefined>>();
  private readonly teamCache = new Map<string, Promise<Team | undefined>>();
  private readonly loaded = new Set<string>();

  constructor(
    private readonly repos: { readonly dossiers: DossierRepository; readonly users: UserRepository },
    private readonly db: Db,
    readonly catalog: DossierTypeCatalog,
  ) {}

  /** Registers a dossier the caller has already (the root). */
  seed(dossier: Dossier): void {
    this.dossierCache.set(dossier.id, Promise.resolve(dossier));
    this.loaded.add(dossier.id);
  }

  dossier(id: string): Promise<Dossier | undefined> {
    let hit = this.dossierCache.get(id);
    if (!hit) {
      hit = this.repos.dossiers.get(id, this.db).then((d) => {
        if (d) this.loaded.add(d.id);
        return d;
      });
      this.dossierCache.set(id, hit);
    }
    return hit;
  }

  user(id: string): Promise<User | undefined> {
    let hit = this.userCache.get(id);
    if (!hit) {
      hit = this.repos.users.get(id, this.db);
      this.userCache.set(id, hit);
    }
    return hit;
  }

  team(id: string): Promise<Team | undefined> {
    let hit = this.teamCache.get(id);
    if (!hit) {
      hit = this.repos.users.getTeam(id, this.db);
      this.teamCache.set(id, hit);
    }
    return hit;
  }

  /** The ids of every dossier this loader has handed out. */
  loadedDossierIds(): string[] {
    return [...this.loaded];
  }
}

/**
 * An enum or status value: prints its label in the template's language, and compares equal to
 * its code and to its label, so `{% if opportunity.status == "actief" %}` works as it reads.
 */
export class OptionValue extends Drop {
  constructor(
    readonly code: string,
    readonly label: string,
  ) {
    super();
  }
  override valueOf(): string {
    return this.label;
  }
  override toString(): string {
    return this.label;
  }
  equals(other: unknown): boolean {
    const v = other instanceof OptionValue ? other.code : other;
    return v === this.code || v === this.label;
  }
  gt(): boolean {
    return false;
  }
  geq(other: unknown): boolean {
    return this.equals(other);
  }
  lt(): boolean {
    return false;
  }
  leq(other: unknown): boolean {
    return this.equals(other);
  }
  override liquidMethodMissing(): undefined {
    return undefined;
  }
}

/** The title of a dossier, as lists and messages show it. */
export function dossierTitle(dossier: Dossier, type: DossierType | undefined): string {
  const value = type?.titleField ? dossier.data[type.titleField] : undefined;
  if (typeof value === 'string' && value.trim() !== '') return value;
  return `${type?.label.en ?? dossier.type} ${dossier.id}`;
}

/** An object without a prototype: templates see its own fields and nothing else. */
function bare(title: string): Record<string, unknown> {
  const o = Object.create(null) as Record<string, unknown>;
  Object.defineProperty(o, 'toString', { value: () => title, enumerable: false });
  return o;
}

function lazy(o: Record<string, unknown>, key: string, load: () => Promise<unknown>): void {
  let cached: Promise<unknown> | undefined;
  Object.defineProperty(o, key, { enumerable: true, get: () => (cached ??= load()) });
}

function splitName(name: string): { firstName: string; lastName: string } {
  const parts = name.trim().split(/\s+/);
  return { firstName: parts[0] ?? '', lastName: parts.slice(1).join(' ') };
}

/** A user as templates see it (`me.*`, `responsibleUser.*`, user fields). */
export function userObject(user: User): Record<string, unknown> {
  const o = bare(user.name);
  const { firstName, lastName } = splitName(user.name);
  Object.assign(o, {
    id: user.id,
    name: user.name,
    firstName,
    lastName,
    email: user.email,
    phone: user.phone,
    jobTitle: user.jobTitle,
  });
  return o;
}

function teamObject(team: Team): Record<string, unknown> {
  const o = bare(team.name);
  Object.assign(o, { id: team.id, name: team.name });
  return o;
}

/** A dossier as templates see it: its fields, with references, users and teams loaded on first use. */
export function dossierObject(
  dossier: Dossier,
  loader: MergeLoader,
  language: EmailLanguage,
): Record<string, unknown> {
  const type = loader.catalog.get(dossier.type);
  const o = bare(dossierTitle(dossier, type));
  const meta: Record<(typeof DOSSIER_META)[number], unknown> = {
    id: dossier.id,
    externalId: dossier.externalId,
    title: dossierTitle(dossier, type),
  };
  for (const [k, v] of Object.entries(meta)) o[k] = v;
  for (const field of type?.fields ?? []) {
    const raw = dossier.data[field.key];
    const value = raw === undefined ? null : raw;
    switch (field.kind) {
      case 'reference':
        lazy(o, field.key, async () => {
          if (typeof value !== 'string') return null;
          const target = await loader.dossier(value);
          return target ? dossierObject(target, loader, language) : null;
        });
        break;
      case 'user':
        lazy(o, field.key, async () => {
          if (typeof value !== 'string') return null;
          const user = await loader.user(value);
          return user ? userObject(user) : null;
        });
        break;
      case 'team':
        lazy(o, field.key, async () => {
          if (typeof value !== 'string') return null;
          const team = await loader.team(value);
          return team ? teamObject(team) : null;
        });
        break;
      case 'enum': {
        const option = field.options.find((opt) => opt.code === value);
        o[field.key] = option ? new OptionValue(option.code, option.label[language]) : value;
        break;
      }
      case 'status': {
        const status = type?.statuses.find((s) => s.code === value);
        o[field.key] = status ? new OptionValue(status.code, status.label[language]) : value;
        break;
      }
      default:
        o[field.key] = value;
    }
  }
  return o;
}

/** `{{ organisation.* }}`: the settings, and the address as one line. */
export function organisationObject(org: OrganisationSettings): Record<string, unknown> {
  const o = bare(org.name ?? '');
  for (const f of ORGANISATION_FIELDS) o[f] = org[f];
  const street = [org.street, org.houseNumber].filter(Boolean).join(' ');
  const place = [org.postalCode, org.city].filter(Boolean).join(' ');
  o['address'] = [street, place].filter(Boolean).join(', ') || null;
  return o;
}

export interface MergeScopeInput {
  readonly dossier: Dossier;
  readonly loader: MergeLoader;
  readonly language: EmailLanguage;
  readonly organisation: OrganisationSettings;
  /** The organisation's time zone (calendar settings); Europe/Amsterdam when null. */
  readonly timeZone: string | null;
  readonly extra?: Record<string, unknown>;
  readonly now: number;
}

/**
 * The variables of one render (see merge-fields.ts for the names): the dossier under its type
 * key and as `dossier`, `me`/`responsibleUser`, `organisation`, `extra`, and — under a symbol
 * no template can name — the settings the date and money filters use.
 */
export function buildMergeScope(input: MergeScopeInput): Record<string | symbol, unknown> {
  const { dossier, loader, language } = input;
  loader.seed(dossier);
  const type = loader.catalog.get(dossier.type);
  const root = dossierObject(dossier, loader, language);
  const scope: Record<string | symbol, unknown> = Object.create(null) as Record<string | symbol, unknown>;
  if (!(RESERVED_ROOTS as readonly string[]).includes(dossier.type)) scope[dossier.type] = root;
  scope['dossier'] = root;
  const userField = type ? responsibleUserField(type) : undefined;
  if (userField) {
    // Read through the root's lazy field: the user is loaded only when a template uses it.
    for (const name of ['me', 'responsibleUser']) {
      Object.defineProperty(scope, name, { enumerable: true, get: () => root[userField.key] });
    }
  }
  scope['organisation'] = organisationObject(input.organisation);
  const extra = Object.create(null) as Record<string, unknown>;
  Object.assign(extra, input.extra ?? {});
  scope['extra'] = extra;
  const settings: FilterSettings = {
    language,
    timeZone: input.timeZone ?? DEFAULT_TIME_ZONE,
    now: input.now,
  };
  scope[RENDER_SETTINGS] = settings;
  return scope;
}

import type { Clock } from '../../domain/clock.js';
import { WerkflowError } from '../../domain/errors.js';
import {
  ACCOUNT_POLICY,
  ADDRESS_POLICY,
  RESET_POLICY,
  type Right,
  type ThrottlePolicy,
  type ThrottleState,
  afterFailure,
  lockedUntil,
} from '../../domain/auth/index.js';
import type { Db, Store } from '../../store/database.js';
import { type ApiToken, ApiTokenRepository } from '../../store/api-token.repository.js';
import { CredentialRepository } from '../../store/credential.repository.js';
import { type Session, SessionRepository } from '../../store/session.repository.js';
import { type User, UserRepository } from '../../store/user.repository.js';
import type { AuditService } from '../audit.service.js';

/**
 * Who makes a request, once authenticated: a person in a browser session, or a machine with an
 * API token made by a person. `rights` are what this credential may do; a token may hold fewer
 * than its user (`userRights`).
 */
export type Principal = SessionPrincipal | TokenPrincipal;

interface PrincipalBase {
  readonly user: User;
  readonly roles: readonly string[];
  readonly rights: ReadonlySet<Right>;
  readonly userRights: ReadonlySet<Right>;
  /** What events, action history and the audit log record as the actor. */
  readonly actor: string;
}

export interface SessionPrincipal extends PrincipalBase {
  readonly kind: 'session';
  readonly session: Session;
}

export interface TokenPrincipal extends PrincipalBase {
  readonly kind: 'token';
  readonly token: ApiToken;
}

/** A user with the roles they hold, as the API shows them. */
export interface UserWithRoles extends User {
  readonly roles: string[];
  readonly hasPassword: boolean;
}

export interface NewUser {
  readonly name: string;
  readonly email: string;
  readonly phone?: string | null;
  readonly jobTitle?: string | null;
  readonly roles: readonly string[];
  /** Optional: without one the user sets it through a password reset. */
  readonly password?: string;
}

export type UserChanges = Partial<Pick<User, 'name' | 'email' | 'phone' | 'jobTitle' | 'active'>>;

/** Raised while an account or address is locked; carries when the lock ends (for Retry-After). */
export class LoginLockedError extends WerkflowError {
  constructor(
    message: string,
    readonly lockedUntil: number,
  ) {
    super('rate_limited', message);
  }
}

export interface AuthOptions {
  /** A session ends after this long without requests. */
  readonly sessionIdleMs?: number;
  /** A session ends this long after log-in, however busy. */
  readonly sessionMaxMs?: number;
  /** How long a password reset token stays valid. */
  readonly passwordResetMs?: number;
  readonly accountPolicy?: ThrottlePolicy;
  readonly addressPolicy?: ThrottlePolicy;
  /** Password reset requests per e-mail address. */
  readonly resetPolicy?: ThrottlePolicy;
}

const HOUR = 3_600_000;
export const MINUTE = 60_000;
/** Writing `last_seen_at`/`last_used_at` on every request would turn every read into a write. */
export const TOUCH_INTERVAL_MS = MINUTE;

/** Lower-cased and trimmed: e-mail addresses are compared without regard to case. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Options with their defaults filled in. */
export function authOptions(options: AuthOptions = {}): Required<AuthOptions> {
  return {
    sessionIdleMs: options.sessionIdleMs ?? 12 * HOUR,
    sessionMaxMs: options.sessionMaxMs ?? 7 * 24 * HOUR,
    passwordResetMs: options.passwordResetMs ?? HOUR,
    accountPolicy: options.accountPolicy ?? ACCOUNT_POLICY,
    addressPolicy: options.addressPolicy ?? ADDRESS_POLICY,
    resetPolicy: options.resetPolicy ?? RESET_POLICY,
  };
}

/**
 * What the four auth services share: the store, the clock, the audit log, the options and the
 * repositories. Every change is written with its audit entry in one transaction. Secrets
 * (session cookies, tokens, reset tokens) are returned once and stored only as SHA-256;
 * passwords as argon2id.
 */
export class AuthContext {
  readonly users: UserRepository;
  readonly credentials: CredentialRepository;
  readonly sessions: SessionRepository;
  readonly tokens: ApiTokenRepository;
  readonly options: Required<AuthOptions>;

  constructor(
    readonly store: Store,
    readonly clock: Clock,
    readonly audit: AuditService,
    options: AuthOptions = {},
  ) {
    this.users = new UserRepository(store);
    this.credentials = new CredentialRepository(store);
    this.sessions = new SessionRepository(store);
    this.tokens = new ApiTokenRepository(store);
    this.options = authOptions(options);
  }
  // ----- internals ----------------------------------------------------------------------------

  /**
   * Counts one wrong password against each of `keys` in one transaction, the rows locked (where
   * the dialect locks rows), and records a new lock of the account in the audit log.
   *
   * @returns when the account's lock, set by this very attempt, ends; null when it set none
   * @throws LoginLockedError when a key was already locked: once locked, right and wrong
   *   passwords get the same answer
   */
  async countWrongPassword(
    keys: readonly string[],
    accountKey: string,
    now: number,
    userId: string | null,
    address: string | null,
  ): Promise<number | null> {
    const { accountLocked, before } = await this.store.db.transaction().execute(async (trx) => {
      let accountLocked: number | null = null;
      const before = new Map<string, ThrottleState>();
      for (const key of keys) {
        const policy = key === accountKey ? this.options.accountPolicy : this.options.addressPolicy;
        const state = await this.credentials.throttleForUpdate(key, trx, { createAt: now });
        if (state) before.set(key, state);
        const after = afterFailure(state, now, policy);
        await this.credentials.saveThrottle(key, after, trx);
        const newlyLocked = lockedUntil(after, now) !== null && lockedUntil(state, now) === null;
        if (key === accountKey && newlyLocked) accountLocked = after.lockedUntil;
      }
      if (accountLocked !== null && userId !== null)
        await this.audit.record(trx, {
          actor: null,
          action: 'user.locked',
          entityType: 'user',
          entityId: userId,
          after: { lockedUntil: new Date(accountLocked).toISOString(), address },
        });
      return { accountLocked, before };
    });
    this.refuseIfLocked(before, accountKey, now);
    return accountLocked;
  }

  /** Re-reads the throttle rows inside `trx`, locking them, and refuses while one is locked. */
  async refuseIfLockedNow(keys: readonly string[], accountKey: string, now: number, trx: Db): Promise<void> {
    const states = new Map<string, ThrottleState>();
    for (const key of keys) {
      const state = await this.credentials.throttleForUpdate(key, trx);
      if (state) states.set(key, state);
    }
    this.refuseIfLocked(states, accountKey, now);
  }

  refuseIfLocked(states: ReadonlyMap<string, ThrottleState>, accountKey: string, now: number): void {
    for (const [key, state] of states) {
      const until = lockedUntil(state, now);
      if (until === null) continue;
      const what = key === accountKey ? 'this account' : 'your address';
      throw new LoginLockedError(
        `Log-in is locked for ${what} after too many wrong passwords; try again in ${minutes(until - now)} minutes, ` +
          'or reset the password with a reset link (that lifts the lock of the account).',
        until,
      );
    }
  }

  async storePassword(
    user: User,
    hash: string,
    actor: string | null,
    trx: Db,
    keepSessionId?: string,
  ): Promise<void> {
    const now = this.clock.now();
    await this.credentials.setPasswordHash(user.id, hash, now, trx);
    await this.credentials.voidPasswordResets(user.id, now, trx);
    // Whoever knew the old password may hold a session: end them all (but the one changing it).
    await this.sessions.deleteForUser(user.id, trx, keepSessionId);
    await this.audit.record(trx, {
      actor,
      action: 'user.password_changed',
      entityType: 'user',
      entityId: user.id,
    });
  }
}

/** A user as recorded in the audit log (no secrets). */
export function userBody(user: User): Record<string, unknown> {
  return {
    name: user.name,
    email: user.email,
    phone: user.phone,
    jobTitle: user.jobTitle,
    active: user.active,
  };
}

export function tokenBody(token: ApiToken): Record<string, unknown> {
  return {
    userId: token.userId,
    name: token.name,
    hint: token.hint,
    scopes: token.scopes,
    expiresAt: token.expiresAt === null ? null : new Date(token.expiresAt).toISOString(),
    revokedAt: token.revokedAt === null ? null : new Date(token.revokedAt).toISOString(),
  };
}

export function minutes(ms: number): number {
  return Math.max(1, Math.ceil(ms / MINUTE));
}

export function userNotFound(id: string): WerkflowError {
  return new WerkflowError('not_found', `There is no user with id "${id}".`, { path: 'id' });
}

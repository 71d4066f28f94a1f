import type { Clock } from '../domain/clock.js';
import { type ErrorDetail, WerkflowError, invalid, throwIfProblems } from '../domain/errors.js';
import { newId } from '../domain/id.js';
import {
  ACCOUNT_POLICY,
  ADDRESS_POLICY,
  API_TOKEN_PREFIX,
  RESET_POLICY,
  type Right,
  ROLES,
  type ThrottlePolicy,
  type ThrottleState,
  type TokenScope,
  TOKEN_SCOPES,
  afterFailure,
  checkPassword,
  decoyHash,
  generatePassword,
  hashPassword,
  hashSecret,
  isRole,
  isTokenScope,
  lockedUntil,
  newSecret,
  rightsOfRoles,
  rightsOfToken,
  verifyPassword,
} from '../domain/auth/index.js';
import type { Db, Store } from '../store/database.js';
import { type ApiToken, ApiTokenRepository } from '../store/api-token.repository.js';
import { CredentialRepository } from '../store/credential.repository.js';
import { type Session, SessionRepository } from '../store/session.repository.js';
import { type Team, type User, UserRepository } from '../store/user.repository.js';
import type { AuditService } from './audit.service.js';

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
const MINUTE = 60_000;
/** Writing `last_seen_at`/`last_used_at` on every request would turn every read into a write. */
const TOUCH_INTERVAL_MS = MINUTE;

/** Lower-cased and trimmed: e-mail addresses are compared without regard to case. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Users, teams, roles, passwords, sessions, password resets and API tokens. Every change is
 * written with its audit entry in one transaction. Secrets (session cookies, tokens, reset
 * tokens) are returned once and stored only as SHA-256; passwords as argon2id.
 */
export class AuthService {
  readonly users: UserRepository;
  readonly credentials: CredentialRepository;
  readonly sessions: SessionRepository;
  readonly tokens: ApiTokenRepository;
  private readonly options: Required<AuthOptions>;
  private readonly resetListeners: ((reset: { user: User; token: string; expiresAt: number }) => void)[] = [];
  /** Password reset requests still being handled after their answer went out. */
  private readonly pendingResets = new Set<Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    options: AuthOptions = {},
  ) {
    this.users = new UserRepository(store);
    this.credentials = new CredentialRepository(store);
    this.sessions = new SessionRepository(store);
    this.tokens = new ApiTokenRepository(store);
    this.options = {
      sessionIdleMs: options.sessionIdleMs ?? 12 * HOUR,
      sessionMaxMs: options.sessionMaxMs ?? 7 * 24 * HOUR,
      passwordResetMs: options.passwordResetMs ?? HOUR,
      accountPolicy: options.accountPolicy ?? ACCOUNT_POLICY,
      addressPolicy: options.addressPolicy ?? ADDRESS_POLICY,
      resetPolicy: options.resetPolicy ?? RESET_POLICY,
    };
  }

  get sessionMaxMs(): number {
    return this.options.sessionMaxMs;
  }

  // ----- users --------------------------------------------------------------------------------

  async listUsers(): Promise<UserWithRoles[]> {
    const users = await this.users.list();
    return this.withRoles(users);
  }

  async getUser(id: string): Promise<UserWithRoles> {
    const user = await this.users.get(id);
    if (!user) throw userNotFound(id);
    return (await this.withRoles([user]))[0]!;
  }

  async getUserByEmail(email: string): Promise<UserWithRoles | undefined> {
    const user = await this.users.getByEmail(normalizeEmail(email));
    return user ? (await this.withRoles([user]))[0]! : undefined;
  }

  /**
   * Creates a user with roles (and a password, when given).
   *
   * @example await auth.createUser({ name: 'Anna de Vries', email: 'anna@example.nl', roles: ['staff'] }, actor)
   */
  async createUser(input: NewUser, actor: string | null): Promise<UserWithRoles> {
    const email = normalizeEmail(input.email);
    const problems: ErrorDetail[] = [
      ...checkName(input.name),
      ...checkEmail(email),
      ...checkRoles(input.roles),
      ...(input.password === undefined ? [] : checkPassword(input.password, { email, name: input.name })),
    ];
    throwIfProblems(problems);
    const hash = input.password === undefined ? undefined : await hashPassword(input.password);
    const now = this.clock.now();
    const user: User = {
      id: newId(now),
      name: input.name.trim(),
      email,
      phone: input.phone ?? null,
      jobTitle: input.jobTitle ?? null,
      active: true,
      createdAt: now,
    };
    await this.store.db.transaction().execute(async (trx) => {
      if (await this.users.getByEmail(email, trx)) throw emailTaken(email);
      await this.users.insert(user, trx);
      await this.users.setRoles(user.id, input.roles, trx);
      if (hash !== undefined) await this.credentials.setPasswordHash(user.id, hash, now, trx);
      await this.audit.record(trx, {
        actor,
        action: 'user.created',
        entityType: 'user',
        entityId: user.id,
        after: { ...userBody(user), roles: [...input.roles].sort() },
      });
    });
    return this.getUser(user.id);
  }

  /** Changes a user's name, e-mail, phone, function or active flag. */
  async updateUser(id: string, changes: UserChanges, actor: string | null): Promise<UserWithRoles> {
    const email = changes.email === undefined ? undefined : normalizeEmail(changes.email);
    throwIfProblems([
      ...(changes.name === undefined ? [] : checkName(changes.name)),
      ...(email === undefined ? [] : checkEmail(email)),
    ]);
    await this.store.db.transaction().execute(async (trx) => {
      const before = await this.users.get(id, trx);
      if (!before) throw userNotFound(id);
      if (email !== undefined && email !== before.email && (await this.users.getByEmail(email, trx)))
        throw emailTaken(email);
      if (changes.active === false && before.active)
        await this.refuseLastAdministrator(id, trx, 'deactivate');
      await this.users.update(
        id,
        { ...changes, ...(email === undefined ? {} : { email }), name: changes.name?.trim() },
        trx,
      );
      const after = (await this.users.get(id, trx))!;
      if (!after.active && before.active) await this.endAccess(id, actor, trx);
      await this.audit.record(trx, {
        actor,
        action: !after.active && before.active ? 'user.deactivated' : 'user.updated',
        entityType: 'user',
        entityId: id,
        before: userBody(before),
        after: userBody(after),
      });
    });
    return this.getUser(id);
  }

  /** Users are never deleted (their name stays on history and in the audit log): this deactivates. */
  async deactivateUser(id: string, actor: string | null): Promise<UserWithRoles> {
    return this.updateUser(id, { active: false }, actor);
  }

  /** Replaces a user's roles. The last active administrator cannot lose the role. */
  async setRoles(id: string, roles: readonly string[], actor: string | null): Promise<UserWithRoles> {
    throwIfProblems(checkRoles(roles));
    await this.store.db.transaction().execute(async (trx) => {
      const user = await this.users.get(id, trx);
      if (!user) throw userNotFound(id);
      const before = await this.users.rolesOf(id, trx);
      if (before.includes('administrator') && !roles.includes('administrator'))
        await this.refuseLastAdministrator(id, trx, 'demote');
      await this.users.setRoles(id, roles, trx);
      await this.audit.record(trx, {
        actor,
        action: 'user.roles_changed',
        entityType: 'user',
        entityId: id,
        before: { roles: before },
        after: { roles: [...new Set(roles)].sort() },
      });
    });
    return this.getUser(id);
  }

  /** Sets a user's password (an administrator or the CLI; users change their own with `changePassword`). */
  async setPassword(id: string, password: string, actor: string | null): Promise<void> {
    const user = await this.users.get(id);
    if (!user) throw userNotFound(id);
    throwIfProblems(checkPassword(password, { email: user.email, name: user.name }));
    const hash = await hashPassword(password);
    await this.store.db.transaction().execute(async (trx) => {
      await this.storePassword(user, hash, actor, trx);
    });
  }

  /**
   * A user changes their own password, proving they know the current one. Only in a session: an
   * API token must not be able to take over its user's account. Wrong current passwords count
   * against the account like wrong log-ins, and while the account is locked even the right one
   * is refused (LoginLockedError).
   */
  async changePassword(principal: Principal, current: string, next: string): Promise<void> {
    if (principal.kind !== 'session')
      throw new WerkflowError(
        'forbidden',
        'Change your password in a signed-in session, not with an API token.',
      );
    const accountKey = `account:${principal.user.email}`;
    this.refuseIfLocked(await this.credentials.throttles([accountKey]), accountKey, this.clock.now());
    const hash = await this.credentials.passwordHash(principal.user.id);
    const matches = await verifyPassword(current, hash ?? (await decoyHash()));
    const now = this.clock.now();
    if (!matches || hash === undefined) {
      const locked = await this.countWrongPassword([accountKey], accountKey, now, principal.user.id, null);
      throw invalid(
        'currentPassword',
        'The current password is wrong.' +
          (locked === null
            ? ''
            : ` After too many wrong passwords this account is locked for ${minutes(locked - now)} minutes.`),
      );
    }
    throwIfProblems(
      checkPassword(next, { email: principal.user.email, name: principal.user.name }, 'newPassword'),
    );
    const nextHash = await hashPassword(next);
    await this.store.db.transaction().execute(async (trx) => {
      await this.refuseIfLockedNow([accountKey], accountKey, now, trx);
      await this.credentials.clearThrottle(accountKey, trx);
      await this.storePassword(principal.user, nextHash, principal.actor, trx, principal.session.id);
    });
  }

  // ----- teams --------------------------------------------------------------------------------

  async listTeams(): Promise<Team[]> {
    return this.users.listTeams();
  }

  async getTeam(id: string): Promise<Team> {
    const team = await this.users.getTeam(id);
    if (!team) throw teamNotFound(id);
    return team;
  }

  async createTeam(
    input: { name: string; memberIds?: readonly string[] },
    actor: string | null,
  ): Promise<Team> {
    const name = input.name.trim();
    if (name.length === 0) throw invalid('name', 'Give the team a name.');
    const now = this.clock.now();
    const id = newId(now);
    await this.store.db.transaction().execute(async (trx) => {
      if (await this.users.getTeamByName(name, trx))
        throw new WerkflowError(
          'already_exists',
          `A team named "${name}" already exists; choose another name.`,
          {
            path: 'name',
          },
        );
      await this.users.insertTeam({ id, name, createdAt: now }, trx);
      const members = await this.checkMembers(input.memberIds ?? [], trx);
      await this.users.setMembers(id, members, trx);
      await this.audit.record(trx, {
        actor,
        action: 'team.created',
        entityType: 'team',
        entityId: id,
        after: { name, memberIds: members },
      });
    });
    return this.getTeam(id);
  }

  async renameTeam(id: string, name: string, actor: string | null): Promise<Team> {
    const trimmed = name.trim();
    if (trimmed.length === 0) throw invalid('name', 'Give the team a name.');
    await this.store.db.transaction().execute(async (trx) => {
      const before = await this.users.getTeam(id, trx);
      if (!before) throw teamNotFound(id);
      const other = await this.users.getTeamByName(trimmed, trx);
      if (other && other.id !== id)
        throw new WerkflowError(
          'already_exists',
          `A team named "${trimmed}" already exists; choose another name.`,
          {
            path: 'name',
          },
        );
      await this.users.renameTeam(id, trimmed, trx);
      await this.audit.record(trx, {
        actor,
        action: 'team.updated',
        entityType: 'team',
        entityId: id,
        before: { name: before.name },
        after: { name: trimmed },
      });
    });
    return this.getTeam(id);
  }

  async setTeamMembers(id: string, memberIds: readonly string[], actor: string | null): Promise<Team> {
    await this.store.db.transaction().execute(async (trx) => {
      const before = await this.users.getTeam(id, trx);
      if (!before) throw teamNotFound(id);
      const members = await this.checkMembers(memberIds, trx);
      await this.users.setMembers(id, members, trx);
      await this.audit.record(trx, {
        actor,
        action: 'team.members_changed',
        entityType: 'team',
        entityId: id,
        before: { memberIds: [...before.memberIds].sort() },
        after: { memberIds: [...members].sort() },
      });
    });
    return this.getTeam(id);
  }

  async deleteTeam(id: string, actor: string | null): Promise<void> {
    await this.store.db.transaction().execute(async (trx) => {
      const before = await this.users.getTeam(id, trx);
      if (!before) throw teamNotFound(id);
      await this.users.deleteTeam(id, trx);
      await this.audit.record(trx, {
        actor,
        action: 'team.deleted',
        entityType: 'team',
        entityId: id,
        before: { name: before.name, memberIds: before.memberIds },
      });
    });
  }

  // ----- log-in and sessions ------------------------------------------------------------------

  /**
   * Checks an e-mail address and password and opens a session. Wrong passwords count against
   * the account and the address (see src/domain/auth/login-throttle.ts); while either is locked
   * even the right password is refused with a LoginLockedError.
   *
   * @returns the session and the secret for its cookie (shown once, stored as SHA-256)
   */
  async login(input: {
    email: string;
    password: string;
    address: string | null;
    userAgent: string | null;
  }): Promise<{ session: Session; secret: string; principal: SessionPrincipal }> {
    const email = normalizeEmail(input.email);
    const accountKey = `account:${email}`;
    const addressKey = input.address === null ? null : `address:${input.address}`;
    const keys = addressKey === null ? [accountKey] : [accountKey, addressKey];
    this.refuseIfLocked(await this.credentials.throttles(keys), accountKey, this.clock.now());

    const user = await this.users.getByEmail(email);
    const hash = user?.active ? await this.credentials.passwordHash(user.id) : undefined;
    // Verify against a decoy when there is no hash, so unknown addresses take as long as known ones.
    const matches = await verifyPassword(input.password, hash ?? (await decoyHash()));
    const now = this.clock.now();
    if (!matches || hash === undefined || !user) {
      const locked = await this.countWrongPassword(keys, accountKey, now, user?.id ?? null, input.address);
      throw new WerkflowError(
        'unauthenticated',
        'The e-mail address or password is wrong. Forgot your password? Request a reset link.' +
          (locked === null
            ? ''
            : ` After too many wrong passwords this account is locked for ${minutes(locked - now)} minutes.`),
        { path: 'password' },
      );
    }

    const secret = newSecret();
    const session: Session = {
      id: newId(now),
      userId: user.id,
      csrfToken: newSecret(),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.options.sessionIdleMs,
      address: input.address,
      userAgent: input.userAgent?.slice(0, 500) ?? null,
    };
    await this.store.db.transaction().execute(async (trx) => {
      // The lock was read before the (slow) password check; concurrent wrong guesses may have
      // locked the account since. Re-read it, locking the rows, before clearing it.
      await this.refuseIfLockedNow(keys, accountKey, now, trx);
      await this.credentials.clearThrottle(accountKey, trx);
      await this.sessions.insert(session, hashSecret(secret), trx);
    });
    const roles = await this.users.rolesOf(user.id);
    const rights = rightsOfRoles(roles);
    return {
      session,
      secret,
      principal: { kind: 'session', user, roles, rights, userRights: rights, actor: user.id, session },
    };
  }

  /** Ends a session (log out). */
  async logout(sessionId: string): Promise<void> {
    await this.sessions.delete(sessionId);
  }

  /**
   * The principal of a session cookie's secret, sliding its expiry forward.
   *
   * @throws unauthenticated when the session is unknown, expired or its user deactivated
   */
  async authenticateSession(secret: string): Promise<SessionPrincipal> {
    const now = this.clock.now();
    const session = await this.sessions.getByTokenHash(hashSecret(secret));
    if (!session || session.expiresAt <= now || session.createdAt + this.options.sessionMaxMs <= now)
      throw new WerkflowError('unauthenticated', 'Your session has ended; log in again.');
    const user = await this.users.get(session.userId);
    if (!user?.active)
      throw new WerkflowError('unauthenticated', 'Your account is deactivated; ask an administrator.');
    let current = session;
    if (now - session.lastSeenAt >= TOUCH_INTERVAL_MS) {
      const expiresAt = Math.min(
        now + this.options.sessionIdleMs,
        session.createdAt + this.options.sessionMaxMs,
      );
      await this.sessions.touch(session.id, now, expiresAt);
      current = { ...session, lastSeenAt: now, expiresAt };
    }
    const roles = await this.users.rolesOf(user.id);
    const rights = rightsOfRoles(roles);
    return { kind: 'session', user, roles, rights, userRights: rights, actor: user.id, session: current };
  }

  /**
   * The principal of an API token's secret, recording its use. Revocation takes effect at once:
   * every request looks the token up.
   *
   * @throws unauthenticated when the token is unknown, revoked, expired or its user deactivated
   */
  async authenticateToken(secret: string): Promise<TokenPrincipal> {
    const now = this.clock.now();
    const token = await this.tokens.getByTokenHash(hashSecret(secret));
    if (!token)
      throw new WerkflowError(
        'unauthenticated',
        'This API token is not known. Check that you copied it whole, or create a new one.',
      );
    if (token.revokedAt !== null)
      throw new WerkflowError(
        'unauthenticated',
        `The API token "${token.name}" was revoked on ${new Date(token.revokedAt).toISOString()}; create a new one.`,
      );
    if (token.expiresAt !== null && token.expiresAt <= now)
      throw new WerkflowError(
        'unauthenticated',
        `The API token "${token.name}" expired on ${new Date(token.expiresAt).toISOString()}; create a new one.`,
      );
    const user = await this.users.get(token.userId);
    if (!user?.active)
      throw new WerkflowError(
        'unauthenticated',
        `The API token "${token.name}" belongs to a deactivated user; create a token as an active user.`,
      );
    let current = token;
    if (token.lastUsedAt === null || now - token.lastUsedAt >= TOUCH_INTERVAL_MS) {
      await this.tokens.touch(token.id, now);
      current = { ...token, lastUsedAt: now };
    }
    const roles = await this.users.rolesOf(user.id);
    const userRights = rightsOfRoles(roles);
    return {
      kind: 'token',
      user,
      roles,
      rights: rightsOfToken(token.scopes, userRights),
      userRights,
      actor: `token:${token.id}`,
      token: current,
    };
  }

  // ----- password reset -----------------------------------------------------------------------

  /**
   * Registers who delivers reset tokens (the mailer, once a mailbox exists; the server log or
   * console otherwise). Without listeners, a requested reset is only stored.
   */
  onPasswordResetRequested(
    listener: (reset: { user: User; token: string; expiresAt: number }) => void,
  ): void {
    this.resetListeners.push(listener);
  }

  /**
   * Someone asks for a reset link for `email`. Returns at once, before any work is done, so the
   * answer (and its timing) cannot tell which addresses have accounts: the work runs afterwards
   * (setImmediate). It counts the request against `reset:<e-mail>` (RESET_POLICY: beyond 5 an
   * hour nothing happens), then, for an active account, issues a token (voiding older ones) and
   * hands it to the registered listeners. `whenIdle()` waits for it; failures are logged.
   */
  requestPasswordReset(email: string): void {
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.handlePasswordResetRequest(email))
      .catch((error: unknown) => {
        console.error('werkflow: handling a password reset request failed', error);
      })
      .finally(() => this.pendingResets.delete(work));
    this.pendingResets.add(work);
  }

  /** Resolves once the password reset requests made so far have been handled. */
  async whenIdle(): Promise<void> {
    while (this.pendingResets.size > 0) await Promise.all([...this.pendingResets]);
  }

  private async handlePasswordResetRequest(email: string): Promise<void> {
    const normalized = normalizeEmail(email);
    const key = `reset:${normalized}`;
    const now = this.clock.now();
    const allowed = await this.store.db.transaction().execute(async (trx) => {
      const before = await this.credentials.throttleForUpdate(key, trx, { createAt: now });
      if (lockedUntil(before, now) !== null) return false;
      await this.credentials.saveThrottle(key, afterFailure(before, now, this.options.resetPolicy), trx);
      return true;
    });
    const user = await this.users.getByEmail(normalized);
    if (!allowed || !user?.active) return;
    const { token, expiresAt } = await this.issuePasswordReset(user.id, null, this.options.passwordResetMs);
    for (const listener of this.resetListeners) listener({ user, token, expiresAt });
  }

  /**
   * Issues a one-time reset token for a user (an administrator, or `werkflow user reset-password`).
   * A user has at most one live reset token: issuing one voids the older ones.
   *
   * @returns the token (shown once) and when it expires
   */
  async issuePasswordReset(
    userId: string,
    actor: string | null,
    validForMs = this.options.passwordResetMs,
  ): Promise<{ token: string; expiresAt: number; user: User }> {
    const user = await this.users.get(userId);
    if (!user) throw userNotFound(userId);
    if (!user.active)
      throw new WerkflowError(
        'invalid_state',
        `${user.name} is deactivated; activate the account before resetting its password.`,
      );
    const now = this.clock.now();
    const token = newSecret();
    const expiresAt = now + validForMs;
    await this.store.db.transaction().execute(async (trx) => {
      // One live link per user, also when several requests arrive at once.
      await this.credentials.lockUser(userId, trx);
      await this.credentials.voidPasswordResets(userId, now, trx);
      await this.credentials.insertPasswordReset(
        { tokenHash: hashSecret(token), userId, createdAt: now, expiresAt, usedAt: null },
        trx,
      );
      await this.audit.record(trx, {
        actor,
        action: 'user.password_reset_issued',
        entityType: 'user',
        entityId: userId,
        after: { expiresAt: new Date(expiresAt).toISOString() },
      });
    });
    return { token, expiresAt, user };
  }

  /**
   * Sets a new password with a reset token. The token is used up, the account's lock is lifted
   * and every session of the user ends.
   */
  async confirmPasswordReset(token: string, password: string): Promise<void> {
    const now = this.clock.now();
    const found = await this.credentials.passwordReset(hashSecret(token));
    if (!found || found.usedAt !== null || found.expiresAt <= now)
      throw invalid(
        'token',
        'This reset link is unknown, already used or expired. Request a new one (links are valid for an hour).',
      );
    const user = await this.users.get(found.userId);
    if (!user?.active) throw invalid('token', 'This account is deactivated; ask an administrator.');
    throwIfProblems(checkPassword(password, { email: user.email, name: user.name }));
    const hash = await hashPassword(password);
    await this.store.db.transaction().execute(async (trx) => {
      const consumed = await this.credentials.consumePasswordReset(hashSecret(token), now, trx);
      if (!consumed) throw invalid('token', 'This reset link was used a moment ago; request a new one.');
      await this.credentials.clearThrottle(`account:${user.email}`, trx);
      await this.storePassword(user, hash, user.id, trx);
    });
  }

  // ----- API tokens ---------------------------------------------------------------------------

  /**
   * Creates an API token for the principal's user. The secret is returned once; only its SHA-256
   * is kept. Only a signed-in session may create tokens: a token that could mint tokens could
   * outlive its own revocation or expiry through them. A credential cannot create a token that
   * could do more than itself.
   */
  async createToken(
    principal: Principal,
    input: { name: string; scopes: readonly string[]; expiresAt?: number | null },
  ): Promise<{ token: ApiToken; secret: string }> {
    if (principal.kind !== 'session')
      throw new WerkflowError(
        'forbidden',
        'An API token cannot create API tokens. Sign in (POST /api/auth/login, or the web app) and create it in your session.',
      );
    const name = input.name.trim();
    const problems: ErrorDetail[] = [];
    if (name.length === 0 || name.length > 100)
      problems.push({
        path: 'name',
        message: 'Give the token a name of 1 to 100 characters, such as "Econobis sync".',
      });
    if (input.scopes.length === 0)
      problems.push({ path: 'scopes', message: `Choose at least one scope: ${TOKEN_SCOPES.join(', ')}.` });
    input.scopes.forEach((s, i) => {
      if (!isTokenScope(s))
        problems.push({
          path: `scopes[${i}]`,
          message: `Unknown scope "${s}"; choose from ${TOKEN_SCOPES.join(', ')}.`,
        });
    });
    const now = this.clock.now();
    if (input.expiresAt != null && input.expiresAt <= now)
      problems.push({
        path: 'expiresAt',
        message: 'The expiry time is in the past; choose a time in the future.',
      });
    throwIfProblems(problems);
    const wouldHold = rightsOfToken(input.scopes, principal.userRights);
    const beyond = [...wouldHold].filter((r) => !principal.rights.has(r));
    if (beyond.length > 0)
      throw new WerkflowError(
        'forbidden',
        `A token cannot do more than the credential that creates it, and yours lacks ${beyond.join(', ')}. ` +
          'Log in to create it, or choose narrower scopes.',
        { path: 'scopes' },
      );
    const secret = newSecret(API_TOKEN_PREFIX);
    const token: ApiToken = {
      id: newId(now),
      userId: principal.user.id,
      name,
      hint: secret.slice(0, API_TOKEN_PREFIX.length + 6),
      scopes: [...new Set(input.scopes)] as TokenScope[],
      createdAt: now,
      expiresAt: input.expiresAt ?? null,
      lastUsedAt: null,
      revokedAt: null,
      revokedBy: null,
    };
    await this.store.db.transaction().execute(async (trx) => {
      await this.tokens.insert(token, hashSecret(secret), trx);
      await this.audit.record(trx, {
        actor: principal.actor,
        action: 'api-token.created',
        entityType: 'api-token',
        entityId: token.id,
        after: tokenBody(token),
      });
    });
    return { token, secret };
  }

  /**
   * Creates a token for a user without a principal at hand (tests, the CLI). Same checks on the
   * scopes; the token holds at most the user's rights.
   */
  async createTokenForUser(
    userId: string,
    input: { name: string; scopes: readonly string[]; expiresAt?: number | null },
    actor: string | null = 'cli',
  ): Promise<{ token: ApiToken; secret: string }> {
    const user = await this.users.get(userId);
    if (!user) throw userNotFound(userId);
    const roles = await this.users.rolesOf(userId);
    const rights = rightsOfRoles(roles);
    const principal: Principal = {
      kind: 'session',
      user,
      roles,
      rights,
      userRights: rights,
      actor: actor ?? userId,
      session: {
        id: '',
        userId,
        csrfToken: '',
        createdAt: 0,
        lastSeenAt: 0,
        expiresAt: 0,
        address: null,
        userAgent: null,
      },
    };
    return this.createToken(principal, input);
  }

  /** The principal's own tokens; administrators may ask for everyone's. */
  async listTokens(principal: Principal, options: { all?: boolean } = {}): Promise<ApiToken[]> {
    if (options.all) {
      if (!principal.rights.has('admin'))
        throw new WerkflowError(
          'forbidden',
          "You need the right admin (Beheer) to see other people's tokens; leave out all=true to see yours.",
        );
      return this.tokens.list({});
    }
    return this.tokens.list({ userId: principal.user.id });
  }

  /** Revokes a token at once. Users revoke their own; administrators anyone's. */
  async revokeToken(principal: Principal, id: string): Promise<ApiToken> {
    await this.store.db.transaction().execute(async (trx) => {
      const token = await this.tokens.get(id, trx);
      if (!token || (token.userId !== principal.user.id && !principal.rights.has('admin')))
        throw new WerkflowError('not_found', `You have no API token with id "${id}".`, { path: 'id' });
      if (token.revokedAt !== null) return; // revoking twice is not an error
      const now = this.clock.now();
      await this.tokens.revoke(id, now, principal.actor, trx);
      await this.audit.record(trx, {
        actor: principal.actor,
        action: 'api-token.revoked',
        entityType: 'api-token',
        entityId: id,
        before: tokenBody(token),
        after: tokenBody({ ...token, revokedAt: now, revokedBy: principal.actor }),
      });
    });
    return (await this.tokens.get(id))!;
  }

  // ----- first start and demo -----------------------------------------------------------------

  /**
   * The demo administrator of `serve --demo`: created when missing, given a fresh random password
   * at every start (the demo prints it), and unlocked.
   */
  async ensureDemoAdministrator(
    email = 'admin@werkflow.local',
  ): Promise<{ email: string; password: string; created: boolean }> {
    const password = generatePassword();
    const existing = await this.users.getByEmail(normalizeEmail(email));
    if (!existing) {
      await this.createUser(
        { name: 'Demo Beheerder', email, roles: ['administrator'], password, jobTitle: 'Beheerder' },
        'demo',
      );
      return { email: normalizeEmail(email), password, created: true };
    }
    if (!existing.active) await this.updateUser(existing.id, { active: true }, 'demo');
    if (!(await this.users.rolesOf(existing.id)).includes('administrator'))
      await this.setRoles(existing.id, ['administrator'], 'demo');
    await this.setPassword(existing.id, password, 'demo');
    await this.credentials.clearThrottle(`account:${existing.email}`);
    return { email: existing.email, password, created: false };
  }

  /** Whether any active administrator exists (a fresh installation needs `werkflow user create --admin`). */
  async hasAdministrator(): Promise<boolean> {
    return (await this.users.activeUserIdsWithRole('administrator')).length > 0;
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
  private async countWrongPassword(
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
  private async refuseIfLockedNow(
    keys: readonly string[],
    accountKey: string,
    now: number,
    trx: Db,
  ): Promise<void> {
    const states = new Map<string, ThrottleState>();
    for (const key of keys) {
      const state = await this.credentials.throttleForUpdate(key, trx);
      if (state) states.set(key, state);
    }
    this.refuseIfLocked(states, accountKey, now);
  }

  private refuseIfLocked(states: ReadonlyMap<string, ThrottleState>, accountKey: string, now: number): void {
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

  private async storePassword(
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

  /** Ends the sessions and revokes the tokens of a deactivated user. */
  private async endAccess(userId: string, actor: string | null, trx: Db): Promise<void> {
    await this.sessions.deleteForUser(userId, trx);
    await this.tokens.revokeForUser(userId, this.clock.now(), actor, trx);
  }

  private async refuseLastAdministrator(
    userId: string,
    trx: Db,
    what: 'deactivate' | 'demote',
  ): Promise<void> {
    const admins = await this.users.activeUserIdsWithRole('administrator', trx);
    if (admins.length === 1 && admins[0] === userId)
      throw new WerkflowError(
        'invalid_state',
        `This is the last active administrator; make someone else administrator before you ${what} this one.`,
      );
  }

  private async checkMembers(memberIds: readonly string[], trx: Db): Promise<string[]> {
    const unique = [...new Set(memberIds)];
    const known = await this.users.existingIds(unique, trx);
    throwIfProblems(
      unique
        .map((id, i) => ({ id, i }))
        .filter(({ id }) => !known.has(id))
        .map(({ id, i }) => ({ path: `memberIds[${i}]`, message: `There is no user with id "${id}".` })),
    );
    return unique;
  }

  private async withRoles(users: readonly User[]): Promise<UserWithRoles[]> {
    const roles = await this.users.rolesOfMany(users.map((u) => u.id));
    const withPassword = await this.credentials.userIdsWithPassword(users.map((u) => u.id));
    return users.map((u) => ({ ...u, roles: roles.get(u.id) ?? [], hasPassword: withPassword.has(u.id) }));
  }
}

/** A user as recorded in the audit log (no secrets). */
function userBody(user: User): Record<string, unknown> {
  return {
    name: user.name,
    email: user.email,
    phone: user.phone,
    jobTitle: user.jobTitle,
    active: user.active,
  };
}

function tokenBody(token: ApiToken): Record<string, unknown> {
  return {
    userId: token.userId,
    name: token.name,
    hint: token.hint,
    scopes: token.scopes,
    expiresAt: token.expiresAt === null ? null : new Date(token.expiresAt).toISOString(),
    revokedAt: token.revokedAt === null ? null : new Date(token.revokedAt).toISOString(),
  };
}

function minutes(ms: number): number {
  return Math.max(1, Math.ceil(ms / MINUTE));
}

function checkName(name: string): ErrorDetail[] {
  const trimmed = name.trim();
  return trimmed.length === 0 || trimmed.length > 200
    ? [{ path: 'name', message: 'Give the user a name of 1 to 200 characters.' }]
    : [];
}

function checkEmail(email: string): ErrorDetail[] {
  return EMAIL.test(email) && email.length <= 320
    ? []
    : [{ path: 'email', message: `"${email}" is not an e-mail address; write it as name@example.nl.` }];
}

function checkRoles(roles: readonly string[]): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (roles.length === 0)
    problems.push({ path: 'roles', message: `Give the user at least one role: ${ROLES.join(', ')}.` });
  roles.forEach((role, i) => {
    if (!isRole(role))
      problems.push({
        path: `roles[${i}]`,
        message: `Unknown role "${role}"; choose from ${ROLES.join(', ')}.`,
      });
  });
  return problems;
}

function userNotFound(id: string): WerkflowError {
  return new WerkflowError('not_found', `There is no user with id "${id}".`, { path: 'id' });
}

function teamNotFound(id: string): WerkflowError {
  return new WerkflowError('not_found', `There is no team with id "${id}".`, { path: 'id' });
}

function emailTaken(email: string): WerkflowError {
  return new WerkflowError('already_exists', `A user with e-mail address ${email} already exists.`, {
    path: 'email',
  });
}

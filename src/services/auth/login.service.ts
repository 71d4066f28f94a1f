import { WerkflowError, invalid, throwIfProblems } from '../../domain/errors.js';
import { newId } from '../../domain/id.js';
import {
  checkPassword,
  decoyHash,
  hashPassword,
  hashSecret,
  newSecret,
  rightsOfRoles,
  verifyPassword,
} from '../../domain/auth/index.js';
import type { Session } from '../../store/session.repository.js';
import {
  type AuthContext,
  type Principal,
  type SessionPrincipal,
  TOUCH_INTERVAL_MS,
  minutes,
  normalizeEmail,
} from './common.js';

/** Log-in, sessions and a user changing their own password. */
export class LoginService {
  constructor(private readonly ctx: AuthContext) {}

  get sessionMaxMs(): number {
    return this.ctx.options.sessionMaxMs;
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
    this.ctx.refuseIfLocked(
      await this.ctx.credentials.throttles([accountKey]),
      accountKey,
      this.ctx.clock.now(),
    );
    const hash = await this.ctx.credentials.passwordHash(principal.user.id);
    const matches = await verifyPassword(current, hash ?? (await decoyHash()));
    const now = this.ctx.clock.now();
    if (!matches || hash === undefined) {
      const locked = await this.ctx.countWrongPassword(
        [accountKey],
        accountKey,
        now,
        principal.user.id,
        null,
      );
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
    await this.ctx.store.db.transaction().execute(async (trx) => {
      await this.ctx.refuseIfLockedNow([accountKey], accountKey, now, trx);
      await this.ctx.credentials.clearThrottle(accountKey, trx);
      await this.ctx.storePassword(principal.user, nextHash, principal.actor, trx, principal.session.id);
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
    this.ctx.refuseIfLocked(await this.ctx.credentials.throttles(keys), accountKey, this.ctx.clock.now());

    const user = await this.ctx.users.getByEmail(email);
    const hash = user?.active ? await this.ctx.credentials.passwordHash(user.id) : undefined;
    // Verify against a decoy when there is no hash, so unknown addresses take as long as known ones.
    const matches = await verifyPassword(input.password, hash ?? (await decoyHash()));
    const now = this.ctx.clock.now();
    if (!matches || hash === undefined || !user) {
      const locked = await this.ctx.countWrongPassword(
        keys,
        accountKey,
        now,
        user?.id ?? null,
        input.address,
      );
      throw new WerkflowError(
        'unauthenticated',
        'The e-mail address or password is wrong. Forgot your password? Request a reset link.' +
          (locked === null
            ? ''
            : ` After too many wrong passwords this account is locked for ${minutes(locked - now)} minutes.`),
        { path: 'password' },
      );
    }

    // Told only to whoever knows the password: it does not reveal which addresses have accounts.
    if ((user.blockedAt ?? null) !== null)
      throw new WerkflowError(
        'account_blocked',
        'This account is blocked by an administrator; ask an administrator to unblock it.',
        { path: 'email' },
      );
    const secret = newSecret();
    const session: Session = {
      id: newId(now),
      userId: user.id,
      csrfToken: newSecret(),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.ctx.options.sessionIdleMs,
      address: input.address,
      userAgent: input.userAgent?.slice(0, 500) ?? null,
    };
    await this.ctx.store.db.transaction().execute(async (trx) => {
      // The lock was read before the (slow) password check; concurrent wrong guesses may have
      // locked the account since. Re-read it, locking the rows, before clearing it.
      await this.ctx.refuseIfLockedNow(keys, accountKey, now, trx);
      await this.ctx.credentials.clearThrottle(accountKey, trx);
      await this.ctx.sessions.insert(session, hashSecret(secret), trx);
    });
    const roles = await this.ctx.users.rolesOf(user.id);
    const rights = rightsOfRoles(roles);
    return {
      session,
      secret,
      principal: { kind: 'session', user, roles, rights, userRights: rights, actor: user.id, session },
    };
  }

  /** Ends a session (log out). */
  async logout(sessionId: string): Promise<void> {
    await this.ctx.sessions.delete(sessionId);
  }

  /**
   * The principal of a session cookie's secret, sliding its expiry forward.
   *
   * @throws unauthenticated when the session is unknown, expired or its user deactivated
   */
  async authenticateSession(secret: string): Promise<SessionPrincipal> {
    const now = this.ctx.clock.now();
    const session = await this.ctx.sessions.getByTokenHash(hashSecret(secret));
    if (!session || session.expiresAt <= now || session.createdAt + this.ctx.options.sessionMaxMs <= now)
      throw new WerkflowError('unauthenticated', 'Your session has ended; log in again.');
    const user = await this.ctx.users.get(session.userId);
    if (!user?.active)
      throw new WerkflowError('unauthenticated', 'Your account is deactivated; ask an administrator.');
    if ((user.blockedAt ?? null) !== null)
      throw new WerkflowError(
        'account_blocked',
        'Your account is blocked by an administrator; ask an administrator to unblock it.',
      );
    let current = session;
    if (now - session.lastSeenAt >= TOUCH_INTERVAL_MS) {
      const expiresAt = Math.min(
        now + this.ctx.options.sessionIdleMs,
        session.createdAt + this.ctx.options.sessionMaxMs,
      );
      await this.ctx.sessions.touch(session.id, now, expiresAt);
      current = { ...session, lastSeenAt: now, expiresAt };
    }
    const roles = await this.ctx.users.rolesOf(user.id);
    const rights = rightsOfRoles(roles);
    return { kind: 'session', user, roles, rights, userRights: rights, actor: user.id, session: current };
  }
}

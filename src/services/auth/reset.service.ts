import { WerkflowError, invalid, throwIfProblems } from '../../domain/errors.js';
import {
  afterFailure,
  checkPassword,
  hashPassword,
  hashSecret,
  lockedUntil,
  newSecret,
} from '../../domain/auth/index.js';
import type { User } from '../../store/user.repository.js';
import { type AuthContext, normalizeEmail, userNotFound } from './common.js';

/** Password reset links: requested by a user, or issued by an administrator or the CLI. */
export class PasswordResetService {
  private readonly resetListeners: ((reset: { user: User; token: string; expiresAt: number }) => void)[] = [];
  /** Password reset requests still being handled after their answer went out. */
  private readonly pendingResets = new Set<Promise<void>>();

  constructor(private readonly ctx: AuthContext) {}

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
    const now = this.ctx.clock.now();
    const allowed = await this.ctx.store.db.transaction().execute(async (trx) => {
      const before = await this.ctx.credentials.throttleForUpdate(key, trx, { createAt: now });
      if (lockedUntil(before, now) !== null) return false;
      await this.ctx.credentials.saveThrottle(
        key,
        afterFailure(before, now, this.ctx.options.resetPolicy),
        trx,
      );
      return true;
    });
    const user = await this.ctx.users.getByEmail(normalized);
    if (!allowed || !user?.active) return;
    const { token, expiresAt } = await this.issuePasswordReset(
      user.id,
      null,
      this.ctx.options.passwordResetMs,
    );
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
    validForMs = this.ctx.options.passwordResetMs,
  ): Promise<{ token: string; expiresAt: number; user: User }> {
    const user = await this.ctx.users.get(userId);
    if (!user) throw userNotFound(userId);
    if (!user.active)
      throw new WerkflowError(
        'invalid_state',
        `${user.name} is deactivated; activate the account before resetting its password.`,
      );
    const now = this.ctx.clock.now();
    const token = newSecret();
    const expiresAt = now + validForMs;
    await this.ctx.store.db.transaction().execute(async (trx) => {
      // One live link per user, also when several requests arrive at once.
      await this.ctx.credentials.lockUser(userId, trx);
      await this.ctx.credentials.voidPasswordResets(userId, now, trx);
      await this.ctx.credentials.insertPasswordReset(
        { tokenHash: hashSecret(token), userId, createdAt: now, expiresAt, usedAt: null },
        trx,
      );
      await this.ctx.audit.record(trx, {
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
    const now = this.ctx.clock.now();
    const found = await this.ctx.credentials.passwordReset(hashSecret(token));
    if (!found || found.usedAt !== null || found.expiresAt <= now)
      throw invalid(
        'token',
        'This reset link is unknown, already used or expired. Request a new one (links are valid for an hour).',
      );
    const user = await this.ctx.users.get(found.userId);
    if (!user?.active) throw invalid('token', 'This account is deactivated; ask an administrator.');
    throwIfProblems(checkPassword(password, { email: user.email, name: user.name }));
    const hash = await hashPassword(password);
    await this.ctx.store.db.transaction().execute(async (trx) => {
      const consumed = await this.ctx.credentials.consumePasswordReset(hashSecret(token), now, trx);
      if (!consumed) throw invalid('token', 'This reset link was used a moment ago; request a new one.');
      await this.ctx.credentials.clearThrottle(`account:${user.email}`, trx);
      await this.ctx.storePassword(user, hash, user.id, trx);
    });
  }
}

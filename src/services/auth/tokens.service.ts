import { type ErrorDetail, WerkflowError, throwIfProblems } from '../../domain/errors.js';
import { newId } from '../../domain/id.js';
import {
  API_TOKEN_PREFIX,
  TOKEN_SCOPES,
  type TokenScope,
  hashSecret,
  isTokenScope,
  newSecret,
  rightsOfRoles,
  rightsOfToken,
} from '../../domain/auth/index.js';
import type { ApiToken, ApiTokenRepository } from '../../store/api-token.repository.js';
import {
  type AuthContext,
  type Principal,
  type TokenPrincipal,
  TOUCH_INTERVAL_MS,
  tokenBody,
  userNotFound,
} from './common.js';

/** API tokens: created (shown once), listed, revoked, and checked on every request. */
export class ApiTokenService {
  constructor(private readonly ctx: AuthContext) {}

  /** The token rows themselves (tests, the CLI). */
  get repository(): ApiTokenRepository {
    return this.ctx.tokens;
  }

  /**
   * The principal of an API token's secret, recording its use. Revocation takes effect at once:
   * every request looks the token up.
   *
   * @throws unauthenticated when the token is unknown, revoked, expired or its user deactivated
   */
  async authenticateToken(secret: string): Promise<TokenPrincipal> {
    const now = this.ctx.clock.now();
    const token = await this.ctx.tokens.getByTokenHash(hashSecret(secret));
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
    const user = await this.ctx.users.get(token.userId);
    if (!user?.active)
      throw new WerkflowError(
        'unauthenticated',
        `The API token "${token.name}" belongs to a deactivated user; create a token as an active user.`,
      );
    if ((user.blockedAt ?? null) !== null)
      throw new WerkflowError(
        'account_blocked',
        `The API token "${token.name}" belongs to a user an administrator blocked; it works again once they are unblocked.`,
      );
    let current = token;
    if (token.lastUsedAt === null || now - token.lastUsedAt >= TOUCH_INTERVAL_MS) {
      await this.ctx.tokens.touch(token.id, now);
      current = { ...token, lastUsedAt: now };
    }
    const roles = await this.ctx.users.rolesOf(user.id);
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

  // ----- API tokens ---------------------------------------------------------------------------

  /**
   * Creates an API token for the principal's user. The secret is returned once; only its SHA-256
   * is kept. Only a signed-in session may create tokens: a token that could mint tokens could
   * outlive its own revocation or expiry through them. A credential cannot create a token that
   * could do more than itself.
   */
  async createToken(
    principal: Principal,
    input: { name: string; scopes: readonly string[]; expiresAt?: number | null; userId?: string },
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
    const now = this.ctx.clock.now();
    if (input.expiresAt != null && input.expiresAt <= now)
      problems.push({
        path: 'expiresAt',
        message: 'The expiry time is in the past; choose a time in the future.',
      });
    throwIfProblems(problems);
    // An administrator may make a token for someone else (an integration account): it holds at
    // most that user's rights, and is theirs (listed, revoked and audited as theirs).
    let owner = principal.user;
    let ownerRights = principal.userRights;
    if (input.userId !== undefined && input.userId !== principal.user.id) {
      if (!principal.rights.has('admin'))
        throw new WerkflowError('forbidden', 'Only an administrator can create a token for another user.', {
          path: 'userId',
        });
      const other = await this.ctx.users.get(input.userId);
      if (!other) throw userNotFound(input.userId);
      if (!other.active || (other.blockedAt ?? null) !== null)
        throw new WerkflowError(
          'invalid_state',
          `${other.name} is deactivated or blocked; a token for them would not work.`,
          { path: 'userId' },
        );
      owner = other;
      ownerRights = rightsOfRoles(await this.ctx.users.rolesOf(other.id));
    }
    const wouldHold = rightsOfToken(input.scopes, ownerRights);
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
      userId: owner.id,
      name,
      hint: secret.slice(0, API_TOKEN_PREFIX.length + 6),
      scopes: [...new Set(input.scopes)] as TokenScope[],
      createdAt: now,
      expiresAt: input.expiresAt ?? null,
      lastUsedAt: null,
      revokedAt: null,
      revokedBy: null,
    };
    await this.ctx.store.db.transaction().execute(async (trx) => {
      await this.ctx.tokens.insert(token, hashSecret(secret), trx);
      await this.ctx.audit.record(trx, {
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
    const user = await this.ctx.users.get(userId);
    if (!user) throw userNotFound(userId);
    const roles = await this.ctx.users.rolesOf(userId);
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
      return this.ctx.tokens.list({});
    }
    return this.ctx.tokens.list({ userId: principal.user.id });
  }

  /** Revokes a token at once. Users revoke their own; administrators anyone's. */
  async revokeToken(principal: Principal, id: string): Promise<ApiToken> {
    await this.ctx.store.db.transaction().execute(async (trx) => {
      const token = await this.ctx.tokens.get(id, trx);
      if (!token || (token.userId !== principal.user.id && !principal.rights.has('admin')))
        throw new WerkflowError('not_found', `You have no API token with id "${id}".`, { path: 'id' });
      if (token.revokedAt !== null) return; // revoking twice is not an error
      const now = this.ctx.clock.now();
      await this.ctx.tokens.revoke(id, now, principal.actor, trx);
      await this.ctx.audit.record(trx, {
        actor: principal.actor,
        action: 'api-token.revoked',
        entityType: 'api-token',
        entityId: id,
        before: tokenBody(token),
        after: tokenBody({ ...token, revokedAt: now, revokedBy: principal.actor }),
      });
    });
    return (await this.ctx.tokens.get(id))!;
  }
}

import { type ErrorDetail, WerkflowError, invalid, throwIfProblems } from '../../domain/errors.js';
import { newId } from '../../domain/id.js';
import { ROLES, checkPassword, generatePassword, hashPassword, isRole } from '../../domain/auth/index.js';
import type { Db } from '../../store/database.js';
import type { Team, User } from '../../store/user.repository.js';
import {
  type AuthContext,
  EMAIL,
  type NewUser,
  type UserChanges,
  type UserWithRoles,
  normalizeEmail,
  userBody,
  userNotFound,
} from './common.js';

/** Users, roles and teams; the demo administrator. */
export class UserService {
  constructor(private readonly ctx: AuthContext) {}

  // ----- users --------------------------------------------------------------------------------

  async listUsers(): Promise<UserWithRoles[]> {
    const users = await this.ctx.users.list();
    return this.withRoles(users);
  }

  async getUser(id: string): Promise<UserWithRoles> {
    const user = await this.ctx.users.get(id);
    if (!user) throw userNotFound(id);
    return (await this.withRoles([user]))[0]!;
  }

  async getUserByEmail(email: string): Promise<UserWithRoles | undefined> {
    const user = await this.ctx.users.getByEmail(normalizeEmail(email));
    return user ? (await this.withRoles([user]))[0]! : undefined;
  }

  /**
   * Creates a user with roles (and a password, when given).
   *
   * @example await auth.users.createUser({ name: 'Anna de Vries', email: 'anna@example.nl', roles: ['staff'] }, actor)
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
    const now = this.ctx.clock.now();
    const user: User = {
      id: newId(now),
      name: input.name.trim(),
      email,
      phone: input.phone ?? null,
      jobTitle: input.jobTitle ?? null,
      active: true,
      createdAt: now,
    };
    await this.ctx.store.db.transaction().execute(async (trx) => {
      if (await this.ctx.users.getByEmail(email, trx)) throw emailTaken(email);
      await this.ctx.users.insert(user, trx);
      await this.ctx.users.setRoles(user.id, input.roles, trx);
      if (hash !== undefined) await this.ctx.credentials.setPasswordHash(user.id, hash, now, trx);
      await this.ctx.audit.record(trx, {
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
    await this.ctx.store.db.transaction().execute(async (trx) => {
      const before = await this.ctx.users.get(id, trx);
      if (!before) throw userNotFound(id);
      if (email !== undefined && email !== before.email && (await this.ctx.users.getByEmail(email, trx)))
        throw emailTaken(email);
      if (changes.active === false && before.active)
        await this.refuseLastAdministrator(id, trx, 'deactivate');
      await this.ctx.users.update(
        id,
        { ...changes, ...(email === undefined ? {} : { email }), name: changes.name?.trim() },
        trx,
      );
      const after = (await this.ctx.users.get(id, trx))!;
      if (!after.active && before.active) await this.endAccess(id, actor, trx);
      await this.ctx.audit.record(trx, {
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

  /**
   * Blocks a user: log-in is refused (`account_blocked`), their sessions end at once and their
   * API tokens are refused while blocked (not revoked: unblocking restores them). The last
   * active administrator cannot be blocked. Blocking twice is not an error.
   */
  async blockUser(id: string, actor: string | null, byUserId: string | null = null): Promise<UserWithRoles> {
    if (byUserId === id) {
      const message = 'You cannot block your own account; ask another administrator.';
      throw new WerkflowError('invalid_state', message, {
        details: [{ path: '', code: 'user.block_self', message }],
      });
    }
    return this.setBlocked(id, true, actor);
  }

  /** Lifts a block; the user's API tokens work again, and they can log in. */
  async unblockUser(id: string, actor: string | null): Promise<UserWithRoles> {
    return this.setBlocked(id, false, actor);
  }

  private async setBlocked(id: string, blocked: boolean, actor: string | null): Promise<UserWithRoles> {
    await this.ctx.store.db.transaction().execute(async (trx) => {
      const before = await this.ctx.users.get(id, trx);
      if (!before) throw userNotFound(id);
      const wasBlocked = (before.blockedAt ?? null) !== null;
      if (wasBlocked === blocked) return;
      if (blocked && (await this.ctx.users.rolesOf(id, trx)).includes('administrator'))
        await this.refuseLastAdministrator(id, trx, 'block');
      const now = this.ctx.clock.now();
      await this.ctx.users.setBlocked(id, blocked ? now : null, trx);
      if (blocked) await this.ctx.sessions.deleteForUser(id, trx);
      await this.ctx.audit.record(trx, {
        actor,
        action: blocked ? 'user.blocked' : 'user.unblocked',
        entityType: 'user',
        entityId: id,
        before: { blockedAt: wasBlocked ? new Date(before.blockedAt!).toISOString() : null },
        after: { blockedAt: blocked ? new Date(now).toISOString() : null },
      });
    });
    return this.getUser(id);
  }

  /** Replaces a user's roles. The last active administrator cannot lose the role. */
  async setRoles(id: string, roles: readonly string[], actor: string | null): Promise<UserWithRoles> {
    throwIfProblems(checkRoles(roles));
    await this.ctx.store.db.transaction().execute(async (trx) => {
      const user = await this.ctx.users.get(id, trx);
      if (!user) throw userNotFound(id);
      const before = await this.ctx.users.rolesOf(id, trx);
      if (before.includes('administrator') && !roles.includes('administrator'))
        await this.refuseLastAdministrator(id, trx, 'demote');
      await this.ctx.users.setRoles(id, roles, trx);
      await this.ctx.audit.record(trx, {
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
    const user = await this.ctx.users.get(id);
    if (!user) throw userNotFound(id);
    throwIfProblems(checkPassword(password, { email: user.email, name: user.name }));
    const hash = await hashPassword(password);
    await this.ctx.store.db.transaction().execute(async (trx) => {
      await this.ctx.storePassword(user, hash, actor, trx);
    });
  }

  // ----- teams --------------------------------------------------------------------------------

  async listTeams(): Promise<Team[]> {
    return this.ctx.users.listTeams();
  }

  async getTeam(id: string): Promise<Team> {
    const team = await this.ctx.users.getTeam(id);
    if (!team) throw teamNotFound(id);
    return team;
  }

  async createTeam(
    input: { name: string; memberIds?: readonly string[] },
    actor: string | null,
  ): Promise<Team> {
    const name = teamName(input.name);
    const now = this.ctx.clock.now();
    const id = newId(now);
    await this.ctx.store.db.transaction().execute(async (trx) => {
      await this.checkTeamNameFree(name, null, trx);
      await this.ctx.users.insertTeam({ id, name, createdAt: now }, trx);
      const members = await this.checkMembers(input.memberIds ?? [], trx);
      await this.ctx.users.setMembers(id, members, trx);
      await this.ctx.audit.record(trx, {
        actor,
        action: 'team.created',
        entityType: 'team',
        entityId: id,
        after: { name, memberIds: members },
      });
    });
    return this.getTeam(id);
  }

  /** Refuses a team name another team (not `self`) has already. */
  private async checkTeamNameFree(name: string, self: string | null, trx: Db): Promise<void> {
    const other = await this.ctx.users.getTeamByName(name, trx);
    if (other && other.id !== self)
      throw new WerkflowError(
        'already_exists',
        `A team named "${name}" already exists; choose another name.`,
        {
          path: 'name',
        },
      );
  }

  async renameTeam(id: string, name: string, actor: string | null): Promise<Team> {
    const trimmed = teamName(name);
    await this.ctx.store.db.transaction().execute(async (trx) => {
      const before = await this.ctx.users.getTeam(id, trx);
      if (!before) throw teamNotFound(id);
      await this.checkTeamNameFree(trimmed, id, trx);
      await this.ctx.users.renameTeam(id, trimmed, trx);
      await this.ctx.audit.record(trx, {
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
    await this.ctx.store.db.transaction().execute(async (trx) => {
      const before = await this.ctx.users.getTeam(id, trx);
      if (!before) throw teamNotFound(id);
      const members = await this.checkMembers(memberIds, trx);
      await this.ctx.users.setMembers(id, members, trx);
      await this.ctx.audit.record(trx, {
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
    await this.ctx.store.db.transaction().execute(async (trx) => {
      const before = await this.ctx.users.getTeam(id, trx);
      if (!before) throw teamNotFound(id);
      await this.ctx.users.deleteTeam(id, trx);
      await this.ctx.audit.record(trx, {
        actor,
        action: 'team.deleted',
        entityType: 'team',
        entityId: id,
        before: { name: before.name, memberIds: before.memberIds },
      });
    });
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
    const existing = await this.ctx.users.getByEmail(normalizeEmail(email));
    if (!existing) {
      await this.createUser(
        { name: 'Demo Beheerder', email, roles: ['administrator'], password, jobTitle: 'Beheerder' },
        'demo',
      );
      return { email: normalizeEmail(email), password, created: true };
    }
    if (!existing.active) await this.updateUser(existing.id, { active: true }, 'demo');
    if (!(await this.ctx.users.rolesOf(existing.id)).includes('administrator'))
      await this.setRoles(existing.id, ['administrator'], 'demo');
    await this.setPassword(existing.id, password, 'demo');
    await this.ctx.credentials.clearThrottle(`account:${existing.email}`);
    return { email: existing.email, password, created: false };
  }

  /** Whether any active administrator exists (a fresh installation needs `werkflow user create --admin`). */
  async hasAdministrator(): Promise<boolean> {
    return (await this.ctx.users.activeUserIdsWithRole('administrator')).length > 0;
  }

  /** Ends the sessions and revokes the tokens of a deactivated user. */
  private async endAccess(userId: string, actor: string | null, trx: Db): Promise<void> {
    await this.ctx.sessions.deleteForUser(userId, trx);
    await this.ctx.tokens.revokeForUser(userId, this.ctx.clock.now(), actor, trx);
  }

  private async refuseLastAdministrator(
    userId: string,
    trx: Db,
    what: 'deactivate' | 'demote' | 'block',
  ): Promise<void> {
    const admins = await this.ctx.users.activeUserIdsWithRole('administrator', trx);
    if (admins.length === 1 && admins[0] === userId) {
      const message = `This is the last active administrator; make someone else administrator before you ${what} this one.`;
      // The code lets a client say it in its reader's language.
      throw new WerkflowError('invalid_state', message, {
        details: [{ path: '', code: 'user.last_administrator', message }],
      });
    }
  }

  private async checkMembers(memberIds: readonly string[], trx: Db): Promise<string[]> {
    const unique = [...new Set(memberIds)];
    const known = await this.ctx.users.existingIds(unique, trx);
    throwIfProblems(
      unique
        .map((id, i) => ({ id, i }))
        .filter(({ id }) => !known.has(id))
        .map(({ id, i }) => ({ path: `memberIds[${i}]`, message: `There is no user with id "${id}".` })),
    );
    return unique;
  }

  private async withRoles(users: readonly User[]): Promise<UserWithRoles[]> {
    const roles = await this.ctx.users.rolesOfMany(users.map((u) => u.id));
    const withPassword = await this.ctx.credentials.userIdsWithPassword(users.map((u) => u.id));
    return users.map((u) => ({ ...u, roles: roles.get(u.id) ?? [], hasPassword: withPassword.has(u.id) }));
  }
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

function teamNotFound(id: string): WerkflowError {
  return new WerkflowError('not_found', `There is no team with id "${id}".`, { path: 'id' });
}

function emailTaken(email: string): WerkflowError {
  return new WerkflowError('already_exists', `A user with e-mail address ${email} already exists.`, {
    path: 'email',
  });
}

/** A team's name as given, trimmed; refused when empty. */
function teamName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0) throw invalid('name', 'Give the team a name.');
  return name;
}

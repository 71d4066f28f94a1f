import type { Db, Store } from './database.js';

/** A person actions are assigned to and e-mails are sent to. */
export interface User {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly phone: string | null;
  readonly jobTitle: string | null;
  readonly active: boolean;
  readonly createdAt: number;
  /** When an administrator blocked the account; null (or absent on a new user) when not blocked. */
  readonly blockedAt?: number | null;
}

export interface Team {
  readonly id: string;
  readonly name: string;
  readonly memberIds: readonly string[];
}

/** Users and teams (the people side); log-in data lives with the auth repositories. */
export class UserRepository {
  constructor(private readonly store: Store) {}

  async insert(user: User, db: Db = this.store.db): Promise<void> {
    await db
      .insertInto('users')
      .values({
        id: user.id,
        name: user.name,
        email: user.email,
        phone: user.phone,
        job_title: user.jobTitle,
        active: user.active ? 1 : 0,
        created_at: user.createdAt,
      })
      .execute();
  }

  async get(id: string, db: Db = this.store.db): Promise<User | undefined> {
    const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async getByEmail(email: string, db: Db = this.store.db): Promise<User | undefined> {
    const row = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async list(db: Db = this.store.db): Promise<User[]> {
    return (await db.selectFrom('users').selectAll().orderBy('name').execute()).map(toUser);
  }

  async existingIds(ids: readonly string[], db: Db = this.store.db): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await db
      .selectFrom('users')
      .select('id')
      .where('id', 'in', [...ids])
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  async insertTeam(
    team: { id: string; name: string; createdAt: number },
    db: Db = this.store.db,
  ): Promise<void> {
    await db
      .insertInto('teams')
      .values({ id: team.id, name: team.name, created_at: team.createdAt })
      .execute();
  }

  async addMember(teamId: string, userId: string, db: Db = this.store.db): Promise<void> {
    await db
      .insertInto('team_members')
      .values({ team_id: teamId, user_id: userId })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async getTeam(id: string, db: Db = this.store.db): Promise<Team | undefined> {
    const row = await db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const members = await db.selectFrom('team_members').select('user_id').where('team_id', '=', id).execute();
    return { id: row.id, name: row.name, memberIds: members.map((m) => m.user_id) };
  }

  async listTeams(db: Db = this.store.db): Promise<Team[]> {
    const teams = await db.selectFrom('teams').selectAll().orderBy('name').execute();
    const members = await db.selectFrom('team_members').selectAll().execute();
    return teams.map((t) => ({
      id: t.id,
      name: t.name,
      memberIds: members.filter((m) => m.team_id === t.id).map((m) => m.user_id),
    }));
  }

  async existingTeamIds(ids: readonly string[], db: Db = this.store.db): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await db
      .selectFrom('teams')
      .select('id')
      .where('id', 'in', [...ids])
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  // --- Added by the auth work: changes to people, roles and team membership. ---

  /** Changes a user's fields; returns false when there is no such user. */
  async update(
    id: string,
    changes: Partial<Pick<User, 'name' | 'email' | 'phone' | 'jobTitle' | 'active'>>,
    db: Db = this.store.db,
  ): Promise<boolean> {
    const set: Partial<{
      name: string;
      email: string;
      phone: string | null;
      job_title: string | null;
      active: number;
    }> = {};
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.email !== undefined) set.email = changes.email;
    if (changes.phone !== undefined) set.phone = changes.phone;
    if (changes.jobTitle !== undefined) set.job_title = changes.jobTitle;
    if (changes.active !== undefined) set.active = changes.active ? 1 : 0;
    if (Object.keys(set).length === 0) return (await this.get(id, db)) !== undefined;
    const result = await db.updateTable('users').set(set).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Blocks (`at`) or unblocks (null) a user. */
  async setBlocked(id: string, at: number | null, db: Db = this.store.db): Promise<void> {
    await db.updateTable('users').set({ blocked_at: at }).where('id', '=', id).execute();
  }

  async rolesOf(userId: string, db: Db = this.store.db): Promise<string[]> {
    const rows = await db
      .selectFrom('user_roles')
      .select('role')
      .where('user_id', '=', userId)
      .orderBy('role')
      .execute();
    return rows.map((r) => r.role);
  }

  /** Roles of many users at once, by user id. */
  async rolesOfMany(userIds: readonly string[], db: Db = this.store.db): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return result;
    const rows = await db
      .selectFrom('user_roles')
      .selectAll()
      .where('user_id', 'in', [...userIds])
      .orderBy('role')
      .execute();
    for (const r of rows) result.get(r.user_id)?.push(r.role);
    return result;
  }

  /** Replaces a user's roles. */
  async setRoles(userId: string, roles: readonly string[], db: Db = this.store.db): Promise<void> {
    await db.deleteFrom('user_roles').where('user_id', '=', userId).execute();
    if (roles.length > 0)
      await db
        .insertInto('user_roles')
        .values([...new Set(roles)].map((role) => ({ user_id: userId, role })))
        .execute();
  }

  /** Active, unblocked users holding `role`. */
  async activeUserIdsWithRole(role: string, db: Db = this.store.db): Promise<string[]> {
    const rows = await db
      .selectFrom('user_roles')
      .innerJoin('users', 'users.id', 'user_roles.user_id')
      .select('users.id')
      .where('user_roles.role', '=', role)
      .where('users.active', '=', 1)
      .where('users.blocked_at', 'is', null)
      .execute();
    return rows.map((r) => r.id);
  }

  async getMany(ids: readonly string[], db: Db = this.store.db): Promise<User[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .selectFrom('users')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
    return rows.map(toUser);
  }

  async getTeamByName(name: string, db: Db = this.store.db): Promise<Team | undefined> {
    const row = await db.selectFrom('teams').select('id').where('name', '=', name).executeTakeFirst();
    return row ? this.getTeam(row.id, db) : undefined;
  }

  async renameTeam(id: string, name: string, db: Db = this.store.db): Promise<boolean> {
    const result = await db.updateTable('teams').set({ name }).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Deletes a team and its memberships (not its members). */
  async deleteTeam(id: string, db: Db = this.store.db): Promise<boolean> {
    await db.deleteFrom('team_members').where('team_id', '=', id).execute();
    const result = await db.deleteFrom('teams').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /** Replaces a team's members. */
  async setMembers(teamId: string, userIds: readonly string[], db: Db = this.store.db): Promise<void> {
    await db.deleteFrom('team_members').where('team_id', '=', teamId).execute();
    if (userIds.length > 0)
      await db
        .insertInto('team_members')
        .values([...new Set(userIds)].map((user_id) => ({ team_id: teamId, user_id })))
        .execute();
  }
}

function toUser(row: {
  id: string;
  name: string;
  email: string;
  phone: string | null;
  job_title: string | null;
  active: number;
  created_at: number;
  blocked_at: number | null;
}): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    jobTitle: row.job_title,
    active: Number(row.active) === 1,
    createdAt: Number(row.created_at),
    blockedAt: row.blocked_at === null ? null : Number(row.blocked_at),
  };
}

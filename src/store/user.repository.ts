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
}

function toUser(row: {
  id: string;
  name: string;
  email: string;
  phone: string | null;
  job_title: string | null;
  active: number;
  created_at: number;
}): User {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    jobTitle: row.job_title,
    active: Number(row.active) === 1,
    createdAt: Number(row.created_at),
  };
}

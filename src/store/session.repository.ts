import type { Db, Store } from './database.js';

export interface Session {
  readonly id: string;
  readonly userId: string;
  readonly csrfToken: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
  readonly address: string | null;
  readonly userAgent: string | null;
}

type SessionRow = {
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  address: string | null;
  user_agent: string | null;
};

/** Browser sessions, found by the SHA-256 of the cookie's secret (the secret itself is never stored). */
export class SessionRepository {
  constructor(private readonly store: Store) {}

  async insert(session: Session, tokenHash: string, db: Db = this.store.db): Promise<void> {
    await db
      .insertInto('sessions')
      .values({
        id: session.id,
        token_hash: tokenHash,
        user_id: session.userId,
        csrf_token: session.csrfToken,
        created_at: session.createdAt,
        last_seen_at: session.lastSeenAt,
        expires_at: session.expiresAt,
        address: session.address,
        user_agent: session.userAgent,
      })
      .execute();
  }

  async getByTokenHash(tokenHash: string, db: Db = this.store.db): Promise<Session | undefined> {
    const row = await db
      .selectFrom('sessions')
      .select([
        'id',
        'user_id',
        'csrf_token',
        'created_at',
        'last_seen_at',
        'expires_at',
        'address',
        'user_agent',
      ])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row ? toSession(row) : undefined;
  }

  /** Slides a session's expiry forward (the session stays alive while it is used). */
  async touch(id: string, lastSeenAt: number, expiresAt: number, db: Db = this.store.db): Promise<void> {
    await db
      .updateTable('sessions')
      .set({ last_seen_at: lastSeenAt, expires_at: expiresAt })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string, db: Db = this.store.db): Promise<void> {
    await db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  /** Ends every session of a user (password change, deactivation), but `exceptId`; returns how many. */
  async deleteForUser(userId: string, db: Db = this.store.db, exceptId?: string): Promise<number> {
    let query = db.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptId !== undefined) query = query.where('id', '<>', exceptId);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Removes expired sessions; run now and then, they are refused anyway. */
  async deleteExpired(now: number, db: Db = this.store.db): Promise<number> {
    const result = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.user_id,
    csrfToken: row.csrf_token,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
    address: row.address,
    userAgent: row.user_agent,
  };
}

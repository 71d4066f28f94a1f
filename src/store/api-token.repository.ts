import type { DialectAdapter } from './dialect-adapter.js';
import type { Db, Store } from './database.js';

/** An API token as stored: everything but the secret, which only its creator ever sees. */
export interface ApiToken {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly hint: string;
  readonly scopes: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
  readonly revokedBy: string | null;
}

type ApiTokenRow = {
  id: string;
  user_id: string;
  name: string;
  hint: string;
  scopes: unknown;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  revoked_by: string | null;
};

const COLUMNS = [
  'id',
  'user_id',
  'name',
  'hint',
  'scopes',
  'created_at',
  'expires_at',
  'last_used_at',
  'revoked_at',
  'revoked_by',
] as const;

/** API tokens for machines, found by the SHA-256 of their secret. */
export class ApiTokenRepository {
  private readonly adapter: DialectAdapter;

  constructor(private readonly store: Store) {
    this.adapter = store.adapter;
  }

  async insert(token: ApiToken, tokenHash: string, db: Db = this.store.db): Promise<void> {
    await db
      .insertInto('api_tokens')
      .values({
        id: token.id,
        user_id: token.userId,
        name: token.name,
        token_hash: tokenHash,
        hint: token.hint,
        scopes: this.adapter.toJson(token.scopes) as string,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        last_used_at: token.lastUsedAt,
        revoked_at: token.revokedAt,
        revoked_by: token.revokedBy,
      })
      .execute();
  }

  async getByTokenHash(tokenHash: string, db: Db = this.store.db): Promise<ApiToken | undefined> {
    const row = await db
      .selectFrom('api_tokens')
      .select(COLUMNS)
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row ? this.toToken(row) : undefined;
  }

  async get(id: string, db: Db = this.store.db): Promise<ApiToken | undefined> {
    const row = await db.selectFrom('api_tokens').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    return row ? this.toToken(row) : undefined;
  }

  /** Tokens of one user (or of everyone), newest first. */
  async list(filter: { userId?: string }, db: Db = this.store.db): Promise<ApiToken[]> {
    let query = db.selectFrom('api_tokens').select(COLUMNS).orderBy('id', 'desc');
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    return (await query.execute()).map((r) => this.toToken(r));
  }

  async getMany(ids: readonly string[], db: Db = this.store.db): Promise<ApiToken[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .selectFrom('api_tokens')
      .select(COLUMNS)
      .where('id', 'in', [...ids])
      .execute();
    return rows.map((r) => this.toToken(r));
  }

  /** Records a use; callers throttle this to once a minute per token to spare the database. */
  async touch(id: string, now: number, db: Db = this.store.db): Promise<void> {
    await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  /** Revokes a token; false when it was already revoked (or does not exist). */
  async revoke(id: string, now: number, by: string | null, db: Db = this.store.db): Promise<boolean> {
    const result = await db
      .updateTable('api_tokens')
      .set({ revoked_at: now, revoked_by: by })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Revokes every live token of a user (deactivation); returns the ids revoked. */
  async revokeForUser(
    userId: string,
    now: number,
    by: string | null,
    db: Db = this.store.db,
  ): Promise<string[]> {
    const rows = await db
      .selectFrom('api_tokens')
      .select('id')
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
    if (rows.length === 0) return [];
    await db
      .updateTable('api_tokens')
      .set({ revoked_at: now, revoked_by: by })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
    return rows.map((r) => r.id);
  }

  private toToken(row: ApiTokenRow): ApiToken {
    return {
      id: row.id,
      userId: row.user_id,
      name: row.name,
      hint: row.hint,
      scopes: this.adapter.fromJson<string[]>(row.scopes),
      createdAt: Number(row.created_at),
      expiresAt: row.expires_at === null ? null : Number(row.expires_at),
      lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
      revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
      revokedBy: row.revoked_by,
    };
  }
}

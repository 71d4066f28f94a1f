import type { ThrottleState } from '../domain/auth/login-throttle.js';
import type { DialectAdapter } from './dialect-adapter.js';
import type { Db, Store } from './database.js';

export interface PasswordReset {
  readonly tokenHash: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt: number | null;
}

/**
 * What proves who someone is: password hashes, one-time password reset tokens, and the counters
 * of wrong passwords that lock an account or address for a while.
 */
export class CredentialRepository {
  private readonly adapter: DialectAdapter;

  constructor(private readonly store: Store) {
    this.adapter = store.adapter;
  }

  async passwordHash(userId: string, db: Db = this.store.db): Promise<string | undefined> {
    const row = await db
      .selectFrom('user_credentials')
      .select('password_hash')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.password_hash;
  }

  async setPasswordHash(userId: string, hash: string, now: number, db: Db = this.store.db): Promise<void> {
    await db
      .insertInto('user_credentials')
      .values({ user_id: userId, password_hash: hash, password_changed_at: now })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ password_hash: hash, password_changed_at: now }))
      .execute();
  }

  /** The ids among `userIds` that have a password. */
  async userIdsWithPassword(userIds: readonly string[], db: Db = this.store.db): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await db
      .selectFrom('user_credentials')
      .select('user_id')
      .where('user_id', 'in', [...userIds])
      .execute();
    return new Set(rows.map((r) => r.user_id));
  }

  /**
   * Reads a throttle key's state, locking its row against concurrent log-ins on PostgreSQL (call
   * inside a transaction; SQLite's transactions already serialise writers).
   *
   * With `createAt`, a missing row is first created empty (no failures, window starting then), so
   * there is a row to lock: otherwise concurrent first failures would each read "no row" and
   * overwrite one another's count.
   */
  async throttleForUpdate(
    key: string,
    db: Db,
    options: { createAt?: number } = {},
  ): Promise<ThrottleState | undefined> {
    if (options.createAt !== undefined && this.adapter.rowLocking)
      await db
        .insertInto('login_throttles')
        .values({ key, failures: 0, window_started_at: options.createAt, locked_until: null })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    let query = db.selectFrom('login_throttles').selectAll().where('key', '=', key);
    if (this.adapter.rowLocking) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row
      ? {
          failures: Number(row.failures),
          windowStartedAt: Number(row.window_started_at),
          lockedUntil: row.locked_until === null ? null : Number(row.locked_until),
        }
      : undefined;
  }

  async throttles(keys: readonly string[], db: Db = this.store.db): Promise<Map<string, ThrottleState>> {
    if (keys.length === 0) return new Map();
    const rows = await db
      .selectFrom('login_throttles')
      .selectAll()
      .where('key', 'in', [...keys])
      .execute();
    return new Map(
      rows.map((row) => [
        row.key,
        {
          failures: Number(row.failures),
          windowStartedAt: Number(row.window_started_at),
          lockedUntil: row.locked_until === null ? null : Number(row.locked_until),
        },
      ]),
    );
  }

  async saveThrottle(key: string, state: ThrottleState, db: Db): Promise<void> {
    const values = {
      failures: state.failures,
      window_started_at: state.windowStartedAt,
      locked_until: state.lockedUntil,
    };
    await db
      .insertInto('login_throttles')
      .values({ key, ...values })
      .onConflict((oc) => oc.column('key').doUpdateSet(values))
      .execute();
  }

  async clearThrottle(key: string, db: Db = this.store.db): Promise<void> {
    await db.deleteFrom('login_throttles').where('key', '=', key).execute();
  }

  async insertPasswordReset(reset: PasswordReset, db: Db = this.store.db): Promise<void> {
    await db
      .insertInto('password_resets')
      .values({
        token_hash: reset.tokenHash,
        user_id: reset.userId,
        created_at: reset.createdAt,
        expires_at: reset.expiresAt,
        used_at: reset.usedAt,
      })
      .execute();
  }

  async passwordReset(tokenHash: string, db: Db = this.store.db): Promise<PasswordReset | undefined> {
    const row = await db
      .selectFrom('password_resets')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row ? toReset(row) : undefined;
  }

  /**
   * Marks an unused, unexpired reset token used and returns it; undefined when there is no such
   * token. The update is the check, so two concurrent uses cannot both succeed.
   */
  async consumePasswordReset(tokenHash: string, now: number, db: Db): Promise<PasswordReset | undefined> {
    const result = await db
      .updateTable('password_resets')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return undefined;
    const row = await db
      .selectFrom('password_resets')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirstOrThrow();
    return toReset(row);
  }

  /**
   * Locks the user's row for the rest of the transaction (PostgreSQL), so that concurrent
   * password changes or reset requests for one user happen one after the other. SQLite's
   * BEGIN IMMEDIATE already serialises writers.
   */
  async lockUser(userId: string, db: Db): Promise<void> {
    if (!this.store.adapter.rowLocking) return;
    await db.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
  }

  /** Voids a user's outstanding reset tokens (after a password change). */
  async voidPasswordResets(userId: string, now: number, db: Db = this.store.db): Promise<void> {
    await db
      .updateTable('password_resets')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .execute();
  }
}

function toReset(row: {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}): PasswordReset {
  return {
    tokenHash: row.token_hash,
    userId: row.user_id,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    usedAt: row.used_at === null ? null : Number(row.used_at),
  };
}

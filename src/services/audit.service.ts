/**
 * The audit log: who changed which template, e-mail template, mailbox, status list, user or
 * right, and who executed, completed, rescheduled or cancelled which action — when, and with the
 * values before and after. Append-only for everyone: there is no update or delete path in the
 * code, and database triggers refuse UPDATE and DELETE on the table (migration 004-auth).
 *
 * ## Contract for the services that write it
 *
 * Call `werkflow.audit.record(trx, entry)` **inside the transaction that makes the change**, with
 * that transaction as `db`, so the change and its entry commit together or neither does:
 *
 * ```ts
 * await store.db.transaction().execute(async (trx) => {
 *   await templates.update(next, trx);
 *   await audit.record(trx, {
 *     actor,                       // actorOf(request) in the API; 'cli', 'engine', 'demo' otherwise
 *     action: 'template.published', // `<entity type>.<past-tense verb>`
 *     entityType: 'template',       // the glossary word: template, email-template, mailbox,
 *                                   // dossier-type, user, team, api-token, action, …
 *     entityId: next.id,
 *     before: toApiBody(previous),  // as the API shows it; omit (or null) when created
 *     after: toApiBody(next),       // omit (or null) when deleted
 *   });
 * });
 * ```
 *
 * - `record` never reads through the outer connection, so it is safe on SQLite's single
 *   connection inside a transaction.
 * - Never put secrets in `before`/`after`. As a safety net, properties whose name contains
 *   "password" or "secret" (at any depth) are replaced by "***" before they are stored.
 * - Action names in use: user.created, user.updated, user.roles_changed, user.deactivated,
 *   user.password_changed, user.password_reset_issued, user.locked, team.created, team.updated,
 *   team.members_changed, team.deleted, api-token.created, api-token.revoked. Actions (by the
 *   engine work): action.executed, action.completed, action.rescheduled, action.cancelled.
 */
import type { Clock } from '../domain/clock.js';
import type { Db, Store } from '../store/database.js';
import { ApiTokenRepository } from '../store/api-token.repository.js';
import { type AuditEntry, type AuditFilter, AuditLogRepository } from '../store/audit-log.repository.js';
import { UserRepository } from '../store/user.repository.js';

/** One change to record. */
export interface AuditRecord {
  /** Who: a user id, `token:<id>`, or a word for the system (`cli`, `engine`, `demo`); null if unknown. */
  readonly actor: string | null;
  /** `<entity type>.<past-tense verb>`, e.g. `template.published`. */
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly before?: unknown;
  readonly after?: unknown;
  /** When; defaults to the service's clock. */
  readonly at?: number;
}

/**
 * Writes an audit entry in the caller's transaction: how the services that record changes
 * (templates, actions, e-mail) reach `AuditService.record`, set by the composition root.
 */
export type AuditHook = (db: Db, entry: AuditRecord) => Promise<void>;

/** An entry as the API shows it: with a readable name for the actor. */
export interface AuditView extends AuditEntry {
  readonly actorName: string | null;
}

export interface AuditPage {
  readonly items: AuditView[];
  /** The id to pass as `beforeId` for the next (older) page, or null at the end. */
  readonly nextBeforeId: number | null;
}

const SECRET_KEY = /password|secret/i;

/** A copy of `value` with secret-looking properties masked. */
function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 20) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      SECRET_KEY.test(k) && v !== null && v !== undefined ? '***' : redact(v, depth + 1),
    ]),
  );
}

/** Writes and reads the append-only audit log. */
export class AuditService {
  private readonly log: AuditLogRepository;
  private readonly users: UserRepository;
  private readonly tokens: ApiTokenRepository;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {
    this.log = new AuditLogRepository(store);
    this.users = new UserRepository(store);
    this.tokens = new ApiTokenRepository(store);
  }

  /**
   * Appends one entry, in the caller's transaction `db` (see the contract at the top of this file).
   *
   * @example await werkflow.audit.record(trx, { actor, action: 'mailbox.created', entityType: 'mailbox', entityId: id, after })
   */
  async record(db: Db, entry: AuditRecord): Promise<void> {
    await this.recordMany(db, [entry]);
  }

  /** Appends several entries in one statement, in the caller's transaction `db`. */
  async recordMany(db: Db, entries: readonly AuditRecord[]): Promise<void> {
    const now = this.clock.now();
    await this.log.append(
      entries.map((e) => ({
        occurredAt: e.at ?? now,
        actor: e.actor,
        action: e.action,
        entityType: e.entityType,
        entityId: e.entityId,
        before: e.before === undefined ? null : redact(e.before),
        after: e.after === undefined ? null : redact(e.after),
      })),
      db,
    );
  }

  /**
   * Entries matching the filter, newest first, with readable actor names.
   *
   * @example await werkflow.audit.query({ entityType: 'template', entityId: id, limit: 50 })
   */
  async query(filter: AuditFilter): Promise<AuditPage> {
    const rows = await this.log.query({ ...filter, limit: filter.limit + 1 });
    const page = rows.slice(0, filter.limit);
    const names = await this.actorNames(page.map((e) => e.actor));
    return {
      items: page.map((e) => ({ ...e, actorName: e.actor === null ? null : (names.get(e.actor) ?? null) })),
      nextBeforeId: rows.length > filter.limit ? page[page.length - 1]!.id : null,
    };
  }

  /** Readable names for actors: "Anna de Vries", "API token “Econobis sync” of Anna de Vries". */
  async actorNames(actors: readonly (string | null)[]): Promise<Map<string, string>> {
    const distinct = [...new Set(actors.filter((a): a is string => a !== null))];
    const tokenIds = distinct.filter((a) => a.startsWith('token:')).map((a) => a.slice('token:'.length));
    const tokens = await this.tokens.getMany(tokenIds);
    const userIds = [...distinct.filter((a) => !a.startsWith('token:')), ...tokens.map((t) => t.userId)];
    const users = new Map((await this.users.getMany(userIds)).map((u) => [u.id, u.name]));
    const names = new Map<string, string>();
    for (const a of distinct) {
      const name = users.get(a);
      if (name !== undefined) names.set(a, name);
    }
    for (const t of tokens) {
      const owner = users.get(t.userId);
      names.set(`token:${t.id}`, `API token “${t.name}”${owner ? ` of ${owner}` : ''}`);
    }
    return names;
  }
}

import type { DialectAdapter } from './dialect-adapter.js';
import type { Db, Store } from './database.js';

export interface AuditEntry {
  readonly id: number;
  readonly occurredAt: number;
  readonly actor: string | null;
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly before: unknown;
  readonly after: unknown;
}

export type NewAuditRow = Omit<AuditEntry, 'id'>;

export interface AuditFilter {
  readonly entityType?: string;
  readonly entityId?: string;
  readonly actor?: string;
  readonly action?: string;
  /** Inclusive lower bound on the time, epoch ms. */
  readonly from?: number;
  /** Exclusive upper bound on the time, epoch ms. */
  readonly to?: number;
  /** Only entries with an id below this (the cursor of the previous page). */
  readonly beforeId?: number;
  readonly limit: number;
}

/**
 * The audit log. Deliberately only `append` and `query`: there is no update or delete path, and
 * the migration adds triggers that refuse UPDATE and DELETE on the table.
 */
export class AuditLogRepository {
  private readonly adapter: DialectAdapter;

  constructor(private readonly store: Store) {
    this.adapter = store.adapter;
  }

  async append(entries: readonly NewAuditRow[], db: Db = this.store.db): Promise<void> {
    if (entries.length === 0) return;
    await db
      .insertInto('audit_log')
      .values(
        entries.map((e) => ({
          occurred_at: e.occurredAt,
          actor: e.actor,
          action: e.action,
          entity_type: e.entityType,
          entity_id: e.entityId,
          before: e.before === undefined ? null : (this.adapter.toJson(e.before) as string),
          after: e.after === undefined ? null : (this.adapter.toJson(e.after) as string),
        })),
      )
      .execute();
  }

  /** Entries matching `filter`, newest first. */
  async query(filter: AuditFilter, db: Db = this.store.db): Promise<AuditEntry[]> {
    let query = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(filter.limit);
    if (filter.entityType !== undefined) query = query.where('entity_type', '=', filter.entityType);
    if (filter.entityId !== undefined) query = query.where('entity_id', '=', filter.entityId);
    if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
    if (filter.action !== undefined) query = query.where('action', '=', filter.action);
    if (filter.from !== undefined) query = query.where('occurred_at', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('occurred_at', '<', filter.to);
    if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
    const rows = await query.execute();
    return rows.map((row) => ({
      id: Number(row.id),
      occurredAt: Number(row.occurred_at),
      actor: row.actor,
      action: row.action,
      entityType: row.entity_type,
      entityId: row.entity_id,
      before: row.before === null ? null : this.adapter.fromJson(row.before),
      after: row.after === null ? null : this.adapter.fromJson(row.after),
    }));
  }
}

import type { DossierData } from '../domain/dossier.js';
import type { Db, Store } from './database.js';

export type DossierEventKind = 'created' | 'updated' | 'deleted';

export interface DossierEvent {
  readonly id: number;
  readonly dossierId: string;
  readonly dossierType: string;
  readonly kind: DossierEventKind;
  readonly changes: Record<string, { old: unknown; new: unknown }>;
  readonly data: DossierData;
  readonly status: string | null;
  readonly actor: string | null;
  readonly occurredAt: number;
}

export type NewDossierEvent = Omit<DossierEvent, 'id'>;

/** Event rows: written in the transaction of the dossier write that causes them. */
export class EventRepository {
  constructor(private readonly store: Store) {}

  /** Appends events; call with the transaction that writes the dossiers. Returns them with their ids. */
  async append(db: Db, events: readonly NewDossierEvent[]): Promise<DossierEvent[]> {
    const { adapter } = this.store;
    const perRow = 8;
    const chunk = Math.floor(adapter.maxParameters / perRow);
    const out: DossierEvent[] = [];
    for (let i = 0; i < events.length; i += chunk) {
      const part = events.slice(i, i + chunk);
      const rows = await db
        .insertInto('events')
        .values(
          part.map((e) => ({
            dossier_id: e.dossierId,
            dossier_type: e.dossierType,
            kind: e.kind,
            changes: adapter.toJson(e.changes) as string,
            data: adapter.toJson(e.data) as string,
            status: e.status,
            actor: e.actor,
            occurred_at: e.occurredAt,
          })),
        )
        .returning('id')
        .execute();
      // Ids are assigned ascending in VALUES order; RETURNING's row order is not promised, so sort.
      const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
      part.forEach((e, j) => out.push({ ...e, id: ids[j]! }));
    }
    return out;
  }

  /** Events of one dossier, newest first, paged by event id. */
  async listForDossier(
    dossierId: string,
    options: { limit: number; before?: number },
  ): Promise<DossierEvent[]> {
    let q = this.store.db.selectFrom('events').selectAll().where('dossier_id', '=', dossierId);
    if (options.before !== undefined) q = q.where('id', '<', options.before);
    const rows = await q.orderBy('id', 'desc').limit(options.limit).execute();
    return rows.map((r) => this.toDomain(r));
  }

  /** Events after a given id, oldest first: the matcher's feed. */
  async listAfter(afterId: number, limit: number, db: Db = this.store.db): Promise<DossierEvent[]> {
    const rows = await db
      .selectFrom('events')
      .selectAll()
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => this.toDomain(r));
  }

  async lastId(db: Db = this.store.db): Promise<number> {
    const row = await db
      .selectFrom('events')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    return Number(row?.id ?? 0);
  }

  private toDomain(r: {
    id: number;
    dossier_id: string;
    dossier_type: string;
    kind: string;
    changes: unknown;
    data: unknown;
    status: string | null;
    actor: string | null;
    occurred_at: number;
  }): DossierEvent {
    const { adapter } = this.store;
    return {
      id: Number(r.id),
      dossierId: r.dossier_id,
      dossierType: r.dossier_type,
      kind: r.kind as DossierEventKind,
      changes: adapter.fromJson(r.changes),
      data: adapter.fromJson(r.data),
      status: r.status,
      actor: r.actor,
      occurredAt: Number(r.occurred_at),
    };
  }
}

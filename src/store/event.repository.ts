import type { DossierData } from '../domain/dossier.js';
import { type InsertQueryBuilder, sql } from 'kysely';
import type { Database, Db, Store } from './database.js';
import { bulkChunks, bulkInsert } from './bulk-insert.js';
import type { BulkColumn } from './dialect-adapter.js';

/** An event's row as `append` sends it. */
const EVENT_COLUMNS: readonly BulkColumn[] = [
  { name: 'dossier_id', type: 'text' },
  { name: 'dossier_type', type: 'text' },
  { name: 'kind', type: 'text' },
  { name: 'changes', type: 'json' },
  { name: 'data', type: 'json' },
  { name: 'status', type: 'text' },
  { name: 'actor', type: 'text' },
  { name: 'occurred_at', type: 'bigint' },
];
import { finalStatement } from './transaction-hooks.js';

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

/**
 * The id an event has while it is not written yet: a create on PostgreSQL stamps its actions
 * before the statement that writes the dossier, its event and the actions together, which puts
 * the event's real id where this one stands (ActionRepository.insertWithCreated).
 */
export const PLANNED_EVENT_ID = -1;

/** The events with the ids their insert returned. */
function withIds(
  events: readonly NewDossierEvent[],
  rows: readonly { id: number | string }[],
): DossierEvent[] {
  // Ids are assigned ascending in VALUES order; RETURNING's row order is not promised, so sort.
  const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
  return events.map((e, j) => ({ ...e, id: ids[j]! }));
}

/** Event rows: written in the transaction of the dossier write that causes them. */
export class EventRepository {
  constructor(private readonly store: Store) {}

  /** Appends events; call with the transaction that writes the dossiers. Returns them with their ids. */
  async append(db: Db, events: readonly NewDossierEvent[]): Promise<DossierEvent[]> {
    const { adapter } = this.store;
    const out: DossierEvent[] = [];
    for (const part of bulkChunks(this.store, events)) {
      const rows = part.map((e) => [
        e.dossierId,
        e.dossierType,
        e.kind,
        adapter.toJson(e.changes),
        adapter.toJson(e.data),
        e.status,
        e.actor,
        e.occurredAt,
      ]);
      const ids = await bulkInsert(this.store, db, 'events', EVENT_COLUMNS, rows).returning('id').execute();
      out.push(...withIds(part, ids));
    }
    return out;
  }

  /**
   * Appends a few events (one statement's worth, at least one) in the same statement as `write`,
   * an insert of dossiers returning their ids (`DossierRepository.insertStatement`): PostgreSQL's data-modifying
   * WITH, one round trip for both. Returns the events and how many rows `write` inserted.
   * Only where the adapter has writable CTEs (`writableCte`).
   */
  async appendWith(
    db: Db,
    events: readonly NewDossierEvent[],
    write: InsertQueryBuilder<Database, 'dossiers', { id: string }>,
    final = false,
  ): Promise<{ events: DossierEvent[]; written: number }> {
    const compiled = db
      .with('written', () => write)
      .insertInto('events')
      .values(this.rows(events))
      .returning(['id', sql<number | string>`(select count(*) from written)`.as('written')])
      .compile();
    // final: the caller's transaction has nothing else to write (see finalStatement).
    const { rows } = await db.executeQuery(final ? finalStatement(compiled) : compiled);
    return { events: withIds(events, rows), written: Number(rows[0]?.written ?? 0) };
  }

  private rows(events: readonly NewDossierEvent[]) {
    const { adapter } = this.store;
    return events.map((e) => ({
      dossier_id: e.dossierId,
      dossier_type: e.dossierType,
      kind: e.kind,
      changes: adapter.toJson(e.changes) as string,
      data: adapter.toJson(e.data) as string,
      status: e.status,
      actor: e.actor,
      occurred_at: e.occurredAt,
    }));
  }

  /** The insert of `events` returning their ids (to put in a statement of its caller). */
  insertStatement(db: Db, events: readonly NewDossierEvent[]) {
    return db.insertInto('events').values(this.rows(events)).returning('id');
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

import type { DossierData } from '../domain/dossier.js';
import { type Insertable, sql } from 'kysely';
import type { Db, EventTable, Store } from './database.js';
import { bulkChunks, bulkInsert, rowObjects } from './bulk-insert.js';
import { insertDossierRows } from './dossier.repository.js';
import { preparedStatement } from './prepared-statements.js';
import { ShapedStatements } from './shaped-statements.js';
import { finalStatement } from './transaction-hooks.js';
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
const EVENT_COLUMN_NAMES = EVENT_COLUMNS.map((c) => c.name);

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

/**
 * The insert of event rows (`EventRepository.rowsOf`) returning their ids: for putting in a
 * statement of its caller (`ActionRepository.insertWithCreated`).
 */
export function insertEventRows(db: Db, rows: readonly (readonly unknown[])[]) {
  return db.insertInto('events').values(eventRowObjects(rows)).returning('id');
}

function eventRowObjects(rows: readonly (readonly unknown[])[]) {
  return rowObjects(EVENT_COLUMN_NAMES, rows) as Insertable<EventTable>[];
}

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
  /** The dossier and event statements of single creates (appendWith), per shape. */
  readonly #created = new ShapedStatements();

  constructor(private readonly store: Store) {}

  /** Appends events; call with the transaction that writes the dossiers. Returns them with their ids. */
  async append(db: Db, events: readonly NewDossierEvent[]): Promise<DossierEvent[]> {
    const out: DossierEvent[] = [];
    for (const part of bulkChunks(this.store, events)) {
      const ids = await bulkInsert(this.store, db, 'events', EVENT_COLUMNS, this.rowsOf(part))
        .returning('id')
        .execute();
      out.push(...withIds(part, ids));
    }
    return out;
  }

  /**
   * Appends a few events (one statement's worth, at least one) in the same statement as the
   * insert of `dossierRows` (`DossierRepository.rowsOf`, see `insertDossierRows`): PostgreSQL's
   * data-modifying WITH, one round trip for both, its SQL built once per shape (ShapedStatements)
   * and run as a prepared statement. Returns the events and how many dossiers were inserted.
   * Only where the adapter has writable CTEs (`writableCte`).
   */
  async appendWith(
    db: Db,
    events: readonly NewDossierEvent[],
    dossierRows: readonly (readonly unknown[])[],
    final = false,
  ): Promise<{ events: DossierEvent[]; written: number }> {
    const compiled = preparedStatement(
      this.#created.compile(db, '', [dossierRows, this.rowsOf(events)], ([dossiers, rows]) =>
        db
          .with('written', () => insertDossierRows(db, dossiers as unknown[][]))
          .insertInto('events')
          .values(eventRowObjects(rows as unknown[][]))
          .returning(['id', sql<number | string>`(select count(*) from written)`.as('written')]),
      ),
    );
    // final: the caller's transaction has nothing else to write (see finalStatement).
    const { rows } = await db.executeQuery(final ? finalStatement(compiled) : compiled);
    return { events: withIds(events, rows), written: Number(rows[0]?.written ?? 0) };
  }

  /** Events as rows of EVENT_COLUMNS: the one mapping of an event to its row. */
  rowsOf(events: readonly NewDossierEvent[]): unknown[][] {
    const { adapter } = this.store;
    return events.map((e) => [
      e.dossierId,
      e.dossierType,
      e.kind,
      adapter.toJson(e.changes),
      adapter.toJson(e.data),
      e.status,
      e.actor,
      e.occurredAt,
    ]);
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

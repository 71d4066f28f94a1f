import { type Insertable, type RawBuilder, type Selectable, sql } from 'kysely';
import type { ExpressionBuilder, SelectQueryBuilder } from 'kysely';
import type { Action, ActionHistoryEntry, ActionStatus, Delivery } from '../domain/action/action.js';
import { WerkflowError } from '../domain/errors.js';
import type { ExecutionMode } from '../domain/template/action-template.js';
import type { Database, Db, Store } from './database.js';
import type { BulkColumn, DialectAdapter, TextKeys } from './dialect-adapter.js';
import { bulkChunks, bulkInsert, rowObjects } from './bulk-insert.js';
import type { ActionTable } from './engine.tables.js';
import { historyEntryOf } from './action-history.rows.js';
import { finalStatement } from './transaction-hooks.js';
import { preparedStatement } from './prepared-statements.js';
import { PLANNED_EVENT_ID, insertEventRows } from './event.repository.js';
import { insertDossierRows } from './dossier.repository.js';
import { Part, ShapedStatements } from './shaped-statements.js';
import { type Reason, reason, reasonText, storedReason, textReason } from '../domain/action/reasons.js';

/**
 * What stamping for an event not written yet leaves to its caller (DossierService.create on
 * PostgreSQL): the actions, written in the statement that writes the event, and writes that must
 * follow that statement in the same transaction.
 */
export interface DeferredStamp {
  readonly actions: Action[];
  readonly then: ((db: Db) => Promise<void>)[];
  /** The channel the actions are announced on when they commit (insertMany's `announce`). */
  announce?: string;
}

export interface ActionFilter {
  readonly statuses?: readonly ActionStatus[];
  readonly assigneeUserId?: string;
  readonly assigneeTeamIds?: readonly string[];
  /** Open actions whose due time lies before this moment. */
  readonly overdueAt?: number;
  readonly process?: string;
  readonly dossierId?: string;
  readonly templateId?: string;
  /** Actions stamped by one of these events (at most a few hundred ids). */
  readonly triggerEventIds?: readonly number[];
  readonly executionMode?: ExecutionMode;
  /** The data group (dossier type) of the actions' dossiers. */
  readonly dossierType?: string;
  /** Due at or after this moment (milliseconds). */
  readonly dueFrom?: number;
  /** Due before this moment (milliseconds). */
  readonly dueBefore?: number;
  /** Only actions whose e-mail is in doubt (the mailer stopped while sending it). */
  readonly inDoubt?: boolean;
  readonly after?: string;
  readonly limit: number;
}

/** A list's selection without its page: what `count` counts. */
export type ActionCountFilter = Omit<ActionFilter, 'after' | 'limit'>;

/** An open action moved to another version of its template, re-timed (see moveToVersion). */
export interface VersionMove {
  readonly id: string;
  /** The status read; the move happens only while the action is still in it. */
  readonly from: ActionStatus;
  /** The status after the move (a manual action already due on the new version is `due`). */
  readonly status: ActionStatus;
  readonly version: number;
  readonly dueAt: number | null;
  readonly expiresAt: number | null;
  readonly idempotencyKey: string;
  /** What the new version says the action is: how it runs, its title, priority and process. */
  readonly executionMode: ExecutionMode;
  readonly title: string;
  readonly priority: Action['priority'];
  readonly process: string | null;
  readonly note: string | Reason;
}

export interface Transition {
  readonly id: string;
  readonly from: ActionStatus;
  readonly to: ActionStatus;
  /** Why: a coded reason, or words that have no code (a person's note). */
  readonly note?: string | Reason | null;
}

/** A reason as its three columns: the English text, the code and the params (JSON). */
function reasonColumns(
  r: string | Reason | null | undefined,
  adapter: Store['adapter'],
): { text: string | null; code: string | null; params: string | null } {
  if (r === null || r === undefined) return { text: null, code: null, params: null };
  const coded = typeof r === 'string' ? textReason(r) : r;
  // toJson gives JSON text on both databases; PostgreSQL casts it to jsonb on insert.
  return { text: reasonText(coded, 'en'), code: coded.code, params: adapter.toJson(coded.params) as string };
}

/** A note as a history entry's `note` (words) or `noteCoded` (a reason). */
function noteFields(note: string | Reason | undefined): { note: string | null; noteCoded: Reason | null } {
  if (note === undefined) return { note: null, noteCoded: null };
  return typeof note === 'string' ? { note, noteCoded: null } : { note: null, noteCoded: note };
}

const CHUNK = 500;
/** Ids per statement where they are bound as one parameter (`DialectAdapter.textIn`, `textRows`). */
const ID_CHUNK = 5000;

/** A new action's row as `insertMany` sends it (the columns it leaves empty are not named). */
const ACTION_COLUMNS: readonly BulkColumn[] = [
  { name: 'id', type: 'text' },
  { name: 'template_id', type: 'text' },
  { name: 'template_version', type: 'integer' },
  { name: 'dossier_id', type: 'text' },
  { name: 'dossier_type', type: 'text' },
  { name: 'kind', type: 'text' },
  { name: 'title', type: 'text' },
  { name: 'process', type: 'text' },
  { name: 'idempotency_key', type: 'text' },
  { name: 'status', type: 'text' },
  { name: 'execution_mode', type: 'text' },
  { name: 'priority', type: 'text' },
  { name: 'due_at', type: 'bigint' },
  { name: 'expires_at', type: 'bigint' },
  { name: 'assignee_user_id', type: 'text' },
  { name: 'assignee_team_id', type: 'text' },
  { name: 'attempts', type: 'integer' },
  { name: 'next_attempt_at', type: 'bigint' },
  { name: 'status_reason', type: 'text' },
  { name: 'status_reason_code', type: 'text' },
  { name: 'status_reason_params', type: 'json' },
  { name: 'trigger_event_id', type: 'bigint' },
  { name: 'chain_depth', type: 'integer' },
  { name: 'created_at', type: 'bigint' },
  { name: 'updated_at', type: 'bigint' },
];
const ACTION_COLUMN_NAMES = ACTION_COLUMNS.map((c) => c.name);
const TRIGGER_EVENT_ID = ACTION_COLUMN_NAMES.indexOf('trigger_event_id');
const IDEMPOTENCY_KEY = ACTION_COLUMN_NAMES.indexOf('idempotency_key');
/** Where a planned event's id stands in an idempotency key (`idempotencyKey`'s `|e<id>`). */
const PLANNED_MARKER = `|e${PLANNED_EVENT_ID}`;
/** The id of the event written by the same statement, in a row of `insertWithCreated`. */
const EVENT_ID = new Part('e');

/** What a stamped action's insert returns for its first history entry and the notification (`firstHistoryOf`, `announcedBy`). */
const STAMPED_RETURNING = [
  'id',
  'created_at',
  'status',
  'status_reason',
  'status_reason_code',
  'status_reason_params',
  'due_at',
] as const;

/** A history entry's row as `appendHistory` sends it. */
const HISTORY_COLUMNS: readonly BulkColumn[] = [
  { name: 'action_id', type: 'text' },
  { name: 'at', type: 'bigint' },
  { name: 'actor', type: 'text' },
  { name: 'from_status', type: 'text' },
  { name: 'to_status', type: 'text' },
  { name: 'note', type: 'text' },
  { name: 'note_code', type: 'text' },
  { name: 'note_params', type: 'json' },
];

/** The first history entry of a stamped action (what PostgreSQL's insert writes in SQL). */
function stampedEntry(a: Action, actor: string | null): Omit<ActionHistoryEntry, 'id'> {
  return {
    actionId: a.id,
    at: a.createdAt,
    actor,
    fromStatus: null,
    toStatus: a.status,
    note: a.statusReason ?? 'stamped',
    noteCoded: a.statusReasonCoded ?? (a.statusReason === null ? reason('reason.stamped') : null),
  };
}

/** What a scheduler tick would find (`ActionRepository.workProbe`). */
export interface WorkProbe {
  readonly sweep: boolean;
  readonly waiting: boolean;
  readonly fallingDue: boolean;
  readonly expiring: boolean;
  readonly due: boolean;
}

/**
 * A due action as the scheduler picks it (`pickDue`): only what decides how it runs (its template
 * version, whether it is a reminder, its due time and chain depth, whether its dossier still
 * exists). Most of a backlog is completed from these alone; the rest is read in full
 * (`readPicked`).
 */
export type PickedAction = Pick<
  Action,
  'id' | 'templateId' | 'templateVersion' | 'kind' | 'dueAt' | 'chainDepth'
> & { readonly dossierExists: boolean };

/**
 * What `pickDue` reads of an action, in this order: the select list on both databases and, on
 * SQLite, the order of each row's JSON array (`PICK`), so the two cannot disagree.
 */
const PICK_COLUMNS = [
  'id',
  'template_id',
  'template_version',
  'kind',
  'due_at',
  'chain_depth',
  'dossier_exists',
] as const;

/** The position of each picked column in a SQLite pick row. */
const PICK = Object.fromEntries(PICK_COLUMNS.map((c, i) => [c, i])) as {
  readonly [C in (typeof PICK_COLUMNS)[number]]: number;
};

/** A picked action from its columns as read (either database). */
function pickedAction(
  id: unknown,
  templateId: unknown,
  templateVersion: unknown,
  kind: unknown,
  dueAt: unknown,
  chainDepth: unknown,
  dossierExists: unknown,
): PickedAction {
  return {
    id: id as string,
    templateId: templateId as string,
    templateVersion: Number(templateVersion),
    kind: kind as Action['kind'],
    dueAt: dueAt === null ? null : Number(dueAt),
    chainDepth: Number(chainDepth ?? 0),
    dossierExists: Boolean(dossierExists),
  };
}

/**
 * The status is one of these, written as literals in the given order (`DialectAdapter.literalIn`:
 * SQLite a CASE of equalities, PostgreSQL `in`). A partial index (migrations 006, 018) serves only a
 * query naming its condition in the same words: SQLite plans before it sees bound parameters.
 * Statuses come from code, never from a request.
 */
function statusIn(adapter: DialectAdapter, statuses: readonly ActionStatus[]) {
  return sql<boolean>`${sql.raw(adapter.literalIn(adapter.notIndexed('status'), statuses))}`;
}

/**
 * The earliest `column` (at or before `now`) of the actions `narrow` selects: the first entry of
 * an index in its order ("order by … limit 1", the limit a literal so a generic plan knows it).
 */
function head(
  selectFrom: ExpressionBuilder<Database, never>['selectFrom'],
  column: 'due_at' | 'expires_at',
  now: number,
  narrow: (
    q: SelectQueryBuilder<Database, 'actions', object>,
  ) => SelectQueryBuilder<Database, 'actions', object>,
) {
  return narrow(selectFrom('actions').select(column))
    .where(column, '<=', now)
    .orderBy(column)
    .limit(sql.lit(1));
}

/** The keyset position after an action: its id, or due time and id in the overdue list. */
function cursorOf(a: Action, byDue: boolean): string {
  return byDue ? `${a.dueAt ?? 0}~${a.id}` : a.id;
}

function parseCursor(cursor: string, byDue: boolean): { dueAt?: number; id: string } {
  if (!byDue) return { id: cursor };
  const m = /^(\d{1,16})~(.+)$/.exec(cursor);
  if (!m) {
    throw new WerkflowError('validation_failed', 'This cursor is not valid: start again without it.', {
      path: 'query.cursor',
    });
  }
  return { dueAt: Number(m[1]), id: m[2]! };
}

/** The guard of a batch written by id: still in `status` (read as a filter, never as an index). */
function stillIn(adapter: DialectAdapter, status: ActionStatus) {
  return sql<boolean>`${sql.raw(adapter.filterOnly('status'))} = ${sql.lit(status)}`;
}

/** The columns of a completed action. */
function doneColumns(now: number) {
  return {
    status: 'done',
    completed_at: now,
    updated_at: now,
    locked_by: null,
    locked_at: null,
    status_reason: null,
    error: null,
  } as const;
}

function compareDue(a: Action, b: Action): number {
  const d = (a.dueAt ?? 0) - (b.dueAt ?? 0);
  return d !== 0 ? d : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The conditions of the partial indexes of migration 006, spelled as they are there. */
const OPEN_EXPIRY: readonly ActionStatus[] = ['waiting', 'pending', 'due'];
const OVERDUE: readonly ActionStatus[] = ['pending', 'due', 'failed'];
const OPEN_ASSIGNED: readonly ActionStatus[] = ['waiting', 'pending', 'due', 'running', 'failed'];

/** Whether two lists hold the same statuses (in any order, repeats aside). */
function sameStatuses(a: readonly ActionStatus[], b: readonly ActionStatus[]): boolean {
  return a.every((s) => b.includes(s)) && b.every((s) => a.includes(s));
}

/** Every SQL statement on actions and their history. */
export class ActionRepository {
  /** The statements of single creates that stamp (insertWithCreated), per shape. */
  readonly #created = new ShapedStatements();

  constructor(private readonly store: Store) {}

  private params(raw: unknown): unknown {
    return raw === null || raw === undefined ? null : this.store.adapter.fromJson(raw);
  }

  toDomain(r: Selectable<ActionTable>): Action {
    return {
      id: r.id,
      templateId: r.template_id,
      templateVersion: Number(r.template_version),
      dossierId: r.dossier_id,
      dossierType: r.dossier_type,
      kind: r.kind as Action['kind'],
      title: r.title,
      process: r.process,
      idempotencyKey: r.idempotency_key,
      status: r.status as ActionStatus,
      executionMode: r.execution_mode as ExecutionMode,
      priority: r.priority as Action['priority'],
      dueAt: r.due_at === null ? null : Number(r.due_at),
      expiresAt: r.expires_at === null ? null : Number(r.expires_at),
      assigneeUserId: r.assignee_user_id,
      assigneeTeamId: r.assignee_team_id,
      attempts: Number(r.attempts),
      nextAttemptAt: r.next_attempt_at === null ? null : Number(r.next_attempt_at),
      lockedBy: r.locked_by,
      lockedAt: r.locked_at === null ? null : Number(r.locked_at),
      result: r.result === null ? null : this.store.adapter.fromJson(r.result),
      error: r.error,
      errorCoded: storedReason(r.error_code, this.params(r.error_params), r.error),
      statusReason: r.status_reason,
      statusReasonCoded: storedReason(
        r.status_reason_code,
        this.params(r.status_reason_params),
        r.status_reason,
      ),
      triggerEventId: r.trigger_event_id === null ? null : Number(r.trigger_event_id),
      chainDepth: Number(r.chain_depth ?? 0),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
      completedAt: r.completed_at === null ? null : Number(r.completed_at),
    };
  }

  /**
   * Inserts stamped actions; an action whose idempotency key exists already is skipped (that is
   * what makes stamping safe to repeat). Returns the actions actually inserted. With `announce`
   * (a channel) the statement that writes them also notifies it, on commit, with the earliest due
   * time of the pending ones it inserted (PostgreSQL: `pg_notify` inside the insert, no statement
   * of its own); where the store has no `notifyExpression` its `notify` does nothing either
   * (SQLite: one process per database), so there is nothing to announce.
   */
  async insertMany(
    actions: readonly Action[],
    actor: string | null,
    db: Db,
    announce?: string,
  ): Promise<Action[]> {
    const notify =
      announce === undefined || !this.store.adapter.writableCte
        ? null
        : this.store.notifyExpression(announce, sql<string>`cast(min(stamped.due_at) as text)`);
    let count = 0;
    for (const part of bulkChunks(this.store, actions)) {
      const insert = bulkInsert(
        this.store,
        db,
        'actions',
        ACTION_COLUMNS,
        part.map((a) => this.bulkRow(a)),
      ).onConflict((oc) => oc.column('idempotency_key').doNothing());
      if (!this.store.adapter.writableCte) {
        // SQLite: no RETURNING (one writer, new ids): when the count falls short of the rows
        // sent, `present` finds the ones inserted (a conflict skips the row with its new id).
        const result = await insert.executeTakeFirst();
        count += Number(result.numInsertedOrUpdatedRows ?? 0);
        continue;
      }
      // PostgreSQL: the actions and their first history entries in one statement (a stamp is one
      // round trip less per batch, and a single create one of six), and the notification.
      const rows = await db
        .with('stamped', () => insert.returning(STAMPED_RETURNING))
        .insertInto('action_history')
        .columns(HISTORY_COLUMN_NAMES)
        .expression((eb) => eb.selectFrom('stamped').select(firstHistoryOf(actor)).orderBy('stamped.id'))
        .returning([announcedBy(notify).as('announced')])
        .execute();
      count += rows.length;
    }
    const inserted = count === actions.length ? [...actions] : await this.present(actions, db);
    if (!this.store.adapter.writableCte)
      await this.appendHistory(
        inserted.map((a) => stampedEntry(a, actor)),
        db,
      );
    return inserted;
  }

  /** The actions among these (with new ids) that are in the table: the ones an insert wrote. */
  private async present(actions: readonly Action[], db: Db): Promise<Action[]> {
    const ids = new Set<string>();
    for (let i = 0; i < actions.length; i += CHUNK) {
      const rows = await db
        .selectFrom('actions')
        .select('id')
        .where(
          this.store.adapter.textIn(
            'id',
            actions.slice(i, i + CHUNK).map((a) => a.id),
          ),
        )
        .execute();
      for (const r of rows) ids.add(r.id);
    }
    return actions.filter((a) => ids.has(a.id));
  }

  /** A new action as a row of ACTION_COLUMNS: the one mapping of an action to its row, for the bulk insert and the single create's statement (`createdRow`). */
  private bulkRow(a: Action): unknown[] {
    const reason = reasonColumns(a.statusReasonCoded ?? a.statusReason, this.store.adapter);
    return [
      a.id,
      a.templateId,
      a.templateVersion,
      a.dossierId,
      a.dossierType,
      a.kind,
      a.title,
      a.process,
      a.idempotencyKey,
      a.status,
      a.executionMode,
      a.priority,
      a.dueAt,
      a.expiresAt,
      a.assigneeUserId,
      a.assigneeTeamId,
      a.attempts,
      a.nextAttemptAt,
      reason.text,
      reason.code,
      reason.params,
      a.triggerEventId,
      a.chainDepth ?? 0,
      a.createdAt,
      a.updatedAt,
    ];
  }

  /**
   * A stamped action's row for `insertWithCreated`: its bulk row (bulkRow), where an action
   * stamped for the event written by the same statement (PLANNED_EVENT_ID) has that event's id
   * as a Part: in its trigger event id, and in its idempotency key around the words before and
   * after it.
   */
  private createdRow(a: Action): unknown[] {
    const row = this.bulkRow(a);
    if (a.triggerEventId !== PLANNED_EVENT_ID) return row;
    row[TRIGGER_EVENT_ID] = EVENT_ID;
    const at = a.idempotencyKey.indexOf(PLANNED_MARKER);
    if (at >= 0)
      row[IDEMPOTENCY_KEY] = new Part('k', [
        a.idempotencyKey.slice(0, at),
        a.idempotencyKey.slice(at + PLANNED_MARKER.length),
      ]);
    return row;
  }

  /**
   * PostgreSQL: a created dossier (`dossierRows`, DossierRepository.rowsOf), its event
   * (`eventRows`, EventRepository.rowsOf) and the actions stamped for it beforehand (with
   * PLANNED_EVENT_ID for the event's id) with their first history entries, written and announced
   * on `announce` in ONE statement, its SQL built once per shape (ShapedStatements) and run as a
   * prepared statement. With `final` the statement may run as a transaction of its own
   * (finalStatement): a single create is then one round trip. Returns the event's id, how many
   * dossiers were written (0 or 1) and how many actions were stamped.
   */
  async insertWithCreated(
    db: Db,
    dossierRows: readonly (readonly unknown[])[],
    eventRows: readonly (readonly unknown[])[],
    actions: readonly Action[],
    actor: string | null,
    announce: string | null,
    final: boolean,
  ): Promise<{ eventId: number; written: number; stamped: number }> {
    const structure = [dossierRows, eventRows, actions.map((a) => this.createdRow(a)), [actor]];
    const compiled = this.#created.compile(db, announce ?? '', structure, ([dossiers, events, rows, by]) =>
      this.createdStatement(db, dossiers, events, rows, (by as unknown[])[0], announce),
    );
    // The same text for every create that stamps the same shape of actions: prepared once per connection.
    const { rows } = await db.executeQuery(preparedStatement(final ? finalStatement(compiled) : compiled));
    const row = rows[0]!;
    return { eventId: Number(row.event_id), written: Number(row.written), stamped: Number(row.stamped) };
  }

  /** The statement of `insertWithCreated`, from its structure (values or ShapedStatements' placeholders). */
  private createdStatement(
    db: Db,
    dossierRows: unknown,
    eventRows: unknown,
    actionRows: unknown,
    actor: unknown,
    announce: string | null,
  ) {
    const notify =
      announce === null
        ? null
        : this.store.notifyExpression(announce, sql<string>`cast(min(stamped.due_at) as text)`);
    const eventId = sql<number>`(select id from ev)`;
    // A Part is the event's id, or an idempotency key with the event's id between its two words.
    const valueOf = (v: unknown) =>
      !(v instanceof Part)
        ? v
        : v.tag === EVENT_ID.tag
          ? eventId
          : sql<string>`${v.values[0]} || '|e' || ${eventId} || ${v.values[1]}`;
    const actions = rowObjects(
      ACTION_COLUMN_NAMES,
      (actionRows as unknown[][]).map((row) => row.map(valueOf)),
    ) as Insertable<ActionTable>[];
    return db
      .with('written', () => insertDossierRows(db, dossierRows as unknown[][]))
      .with('ev', () => insertEventRows(db, eventRows as unknown[][]))
      .with('stamped', (qc) =>
        qc
          .insertInto('actions')
          .values(actions)
          .onConflict((oc) => oc.column('idempotency_key').doNothing())
          .returning(STAMPED_RETURNING),
      )
      .with('hist', (qc) =>
        qc
          .insertInto('action_history')
          .columns(HISTORY_COLUMN_NAMES)
          .expression((eb) =>
            eb
              .selectFrom('stamped')
              .select(firstHistoryOf(actor as string | null))
              .orderBy('stamped.id'),
          )
          .returning('action_id'),
      )
      .selectNoFrom([
        sql<number | string>`(select id from ev)`.as('event_id'),
        sql<number | string>`(select count(*) from written)`.as('written'),
        sql<number | string>`(select count(*) from hist)`.as('stamped'),
        announcedBy(notify).as('announced'),
      ]);
  }

  async appendHistory(entries: readonly Omit<ActionHistoryEntry, 'id'>[], db: Db): Promise<void> {
    const { adapter } = this.store;
    for (const part of bulkChunks(this.store, entries)) {
      const rows = part.map((e) => {
        const c = reasonColumns(e.noteCoded ?? e.note, adapter);
        return [e.actionId, e.at, e.actor, e.fromStatus, e.toStatus, c.text, c.code, c.params];
      });
      await bulkInsert(this.store, db, 'action_history', HISTORY_COLUMNS, rows).execute();
    }
  }

  /** Actions by id, in no particular order; missing ids are absent. */
  async getMany(ids: readonly string[], db: Db = this.store.db): Promise<Action[]> {
    const out: Action[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await db
        .selectFrom('actions')
        .selectAll()
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) out.push(this.toDomain(r));
    }
    return out;
  }

  async get(id: string, db: Db = this.store.db): Promise<Action | undefined> {
    const row = await db.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.toDomain(row) : undefined;
  }

  async history(id: string, db: Db = this.store.db): Promise<ActionHistoryEntry[]> {
    const rows = await db
      .selectFrom('action_history')
      .selectAll()
      .where('action_id', '=', id)
      .orderBy('id')
      .execute();
    return rows.map((r) => historyEntryOf(r, this.store.adapter));
  }

  /**
   * A page of actions, keyset-paged in the order of an index: the overdue list by due time (the
   * most overdue first), every other list by id (creation order). "Mine" and "my team's" are one
   * index range per assignee (the user, each team), merged here: an OR across two columns would
   * make both databases read and sort every action of those people.
   */
  async list(filter: ActionFilter, db: Db = this.store.db): Promise<Action[]> {
    const byDue = filter.overdueAt !== undefined;
    const after =
      filter.after === undefined || filter.after === '' ? undefined : parseCursor(filter.after, byDue);
    const ranges = this.ranges(filter, db).map((range) => {
      let q = range.selectAll();
      if (after?.dueAt !== undefined) {
        const dueAt = after.dueAt;
        // A row value: both databases read it as one range of the (due_at, id) index.
        q = q.where((eb) => eb(eb.refTuple('due_at', 'id'), '>', eb.tuple(dueAt, after.id)));
      } else if (after) q = q.where('id', '>', after.id);
      q = byDue ? q.orderBy('due_at').orderBy('id') : q.orderBy('id');
      return q.limit(filter.limit);
    });
    if (ranges.length === 1) return (await ranges[0]!.execute()).map((r) => this.toDomain(r));
    const seen = new Map<string, Action>();
    for (const range of ranges) for (const r of await range.execute()) seen.set(r.id, this.toDomain(r));
    return [...seen.values()]
      .sort((a, b) => (byDue ? compareDue(a, b) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, filter.limit);
  }

  /**
   * How many actions `list` would page through, counted up to `cap` (a count past it is cut off
   * at `cap + 1`: reading a million index entries for "10.000+" would cost seconds). Each
   * assignee range is counted once: a team range leaves out what the user range already holds.
   */
  async count(filter: ActionCountFilter, cap: number, db: Db = this.store.db): Promise<number> {
    let total = 0;
    const byDue = filter.overdueAt !== undefined;
    for (const range of this.ranges(filter, db, true)) {
      // In the list's order, so the count reads the list's index (a covering index holding every
      // failed or overdue action, not just the open ones, would be read whole).
      // The few in-doubt messages name their actions: no order needed there.
      const ordered = filter.inDoubt
        ? range
        : byDue
          ? range.orderBy('due_at').orderBy('id')
          : range.orderBy('id');
      const row = await db
        .selectFrom(
          ordered
            .select(sql.lit(1).as('one'))
            .limit(cap + 1 - total)
            .as('page'),
        )
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirstOrThrow();
      total += Number(row.n);
      if (total > cap) return cap + 1;
    }
    return total;
  }

  /**
   * How many actions of a selection each process has (null: no process). For the dashboard: its
   * selections (due today, overdue, failed) are ranges of the due-time and failed indexes.
   */
  async countByProcess(
    filter: ActionCountFilter,
    db: Db = this.store.db,
  ): Promise<Map<string | null, number>> {
    const out = new Map<string | null, number>();
    for (const range of this.ranges(filter, db, true)) {
      const rows = await range
        .select(['process', sql<number>`count(*)`.as('n')])
        .groupBy('process')
        .execute();
      for (const r of rows) out.set(r.process, (out.get(r.process) ?? 0) + Number(r.n));
    }
    return out;
  }

  /** Outbox messages sent at or after `since`, counted up to `cap` (index on sent_at, migration 009). */
  async mailsSentSince(since: number, cap: number, db: Db = this.store.db): Promise<number> {
    const row = await db
      .selectFrom(
        db
          .selectFrom('email_outbox')
          .select(sql.lit(1).as('one'))
          .where('sent_at', '>=', since)
          .limit(cap + 1)
          .as('page'),
      )
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * The selection of a list as one query per index range, without its columns, order or page.
   * "Mine" and "my team's" are one index range per assignee (the user, each team), merged by the
   * caller: an OR across two columns would make both databases read and sort every action of
   * those people. With `disjoint`, the team ranges leave out the user's own actions (for counting).
   */
  private ranges(filter: ActionCountFilter, db: Db, disjoint = false) {
    const statuses = filter.statuses ?? [];
    const assigned = filter.assigneeUserId !== undefined || filter.assigneeTeamIds !== undefined;
    // Open work in a due-time range ("due today") is a range of the overdue index as well.
    const dueRange =
      !assigned &&
      (filter.dueFrom !== undefined || filter.dueBefore !== undefined) &&
      statuses.length > 0 &&
      statuses.every((s) => OVERDUE.includes(s));
    const byDue = filter.overdueAt !== undefined || dueRange;
    let q = db.selectFrom('actions');
    if (dueRange) q = q.where(statusIn(this.store.adapter, OVERDUE));
    if (statuses.length === 1 && statuses[0] === 'failed') {
      q = q.where(statusIn(this.store.adapter, ['failed'])); // the partial index of failed work
    } else if (statuses.length > 0 && !(assigned && sameStatuses(statuses, OPEN_ASSIGNED))) {
      // Alone, the statuses choose an index on status; beside an overdue or assignee range they
      // only filter it. All open statuses beside an assignee are the condition of the partial
      // index of open assigned work, added below in its words: a second, bound copy would make
      // SQLite read every action's row to check it (a team's count of 10,000 at a million
      // actions: 45 ms instead of 1 ms).
      const column = sql.raw(byDue || assigned ? this.store.adapter.notIndexed('status') : 'status');
      q = q.where(sql<boolean>`${column} in (${sql.join(statuses)})`);
    }
    if (filter.overdueAt !== undefined)
      q = q.where(statusIn(this.store.adapter, OVERDUE)).where('due_at', '<', filter.overdueAt);
    if (filter.process) q = q.where('process', '=', filter.process);
    if (filter.dossierId) q = q.where('dossier_id', '=', filter.dossierId);
    if (filter.templateId) q = q.where('template_id', '=', filter.templateId);
    if (filter.dossierType) q = q.where('dossier_type', '=', filter.dossierType);
    if (filter.dueFrom !== undefined) q = q.where('due_at', '>=', filter.dueFrom);
    if (filter.dueBefore !== undefined) q = q.where('due_at', '<', filter.dueBefore);
    if (filter.inDoubt) {
      // Few messages are ever in doubt: their outbox rows (status index) name the actions.
      q = q.where('id', 'in', (eb) =>
        eb
          .selectFrom('email_outbox')
          .select('action_id')
          .where('status', '=', sql.lit('in_doubt'))
          .where('action_id', 'is not', null)
          .$castTo<string>(),
      );
    }
    if (filter.triggerEventIds)
      q =
        filter.triggerEventIds.length > 0
          ? q.where('trigger_event_id', 'in', [...filter.triggerEventIds])
          : q.where((eb) => eb.val(false));
    if (filter.executionMode) q = q.where('execution_mode', '=', filter.executionMode);
    if (!assigned) return [q];
    // Open statuses only: the partial indexes of open assigned work serve the ranges.
    if (statuses.length > 0 && statuses.every((s) => OPEN_ASSIGNED.includes(s)))
      q = q.where(statusIn(this.store.adapter, OPEN_ASSIGNED));
    const user = filter.assigneeUserId;
    return [
      ...(user !== undefined ? [q.where('assignee_user_id', '=', user)] : []),
      ...[...new Set(filter.assigneeTeamIds ?? [])].map((team) => {
        const range = q.where('assignee_team_id', '=', team);
        return disjoint && user !== undefined
          ? range.where((eb) =>
              eb.or([eb('assignee_user_id', 'is', null), eb('assignee_user_id', '!=', user)]),
            )
          : range;
      }),
    ];
  }

  /** The cursor after `action` in the list `filter` selects (what `list` takes as `after`). */
  cursorAfter(filter: Pick<ActionFilter, 'overdueAt'>, action: Action): string {
    return cursorOf(action, filter.overdueAt !== undefined);
  }

  /** Open actions of these dossiers (to re-check when the dossiers change). */
  async openForDossiers(
    dossierIds: readonly string[],
    statuses: readonly ActionStatus[],
    db: Db,
  ): Promise<Action[]> {
    const out: Action[] = [];
    for (let i = 0; i < dossierIds.length; i += CHUNK) {
      const rows = await db
        .selectFrom('actions')
        .selectAll()
        .where('dossier_id', 'in', dossierIds.slice(i, i + CHUNK))
        .where('status', 'in', [...statuses])
        .execute();
      for (const r of rows) out.push(this.toDomain(r));
    }
    return out;
  }

  /** Whether an action with this idempotency key exists. */
  async existingKeys(keys: readonly string[], db: Db): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < keys.length; i += CHUNK) {
      const rows = await db
        .selectFrom('actions')
        .select('idempotency_key')
        .where('idempotency_key', 'in', keys.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) found.add(r.idempotency_key);
    }
    return found;
  }

  /**
   * Moves actions from one status to another when they are still in it; writes history.
   * `extra` sets further columns. Returns the ids that moved.
   */
  async transition(
    moves: readonly Transition[],
    actor: string | null,
    now: number,
    db: Db,
    extra: Partial<{
      due_at: number | null;
      error: string | null;
      result: string | null;
      locked_by: string | null;
      locked_at: number | null;
      completed_at: number | null;
      attempts: number;
      idempotency_key: string;
      status_reason: string | null;
      error_code: string | null;
      error_params: string | null;
    }> = {},
  ): Promise<string[]> {
    const moved: string[] = [];
    for (const m of moves) {
      const set: Record<string, unknown> = { status: m.to, updated_at: now, ...extra };
      if (extra.status_reason !== undefined) {
        set.status_reason_code = null;
        set.status_reason_params = null;
      } else if ('note' in m) {
        const c = reasonColumns(m.note, this.store.adapter);
        set.status_reason = c.text;
        set.status_reason_code = c.code;
        set.status_reason_params = c.params;
      }
      if (extra.error !== undefined && extra.error_code === undefined) {
        set.error_code = null;
        set.error_params = null;
      }
      if (extra.idempotency_key !== undefined) set.idempotency_key = `${extra.idempotency_key}`;
      const r = await db
        .updateTable('actions')
        .set(set)
        .where('id', '=', m.id)
        .where('status', '=', m.from)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) moved.push(m.id);
    }
    const movedSet = new Set(moved);
    await this.appendHistory(
      moves
        .filter((m) => movedSet.has(m.id))
        .map((m) => ({
          actionId: m.id,
          at: now,
          actor,
          fromStatus: m.from,
          toStatus: m.to,
          ...noteFields(m.note ?? undefined),
        })),
      db,
    );
    return moved;
  }

  /**
   * Cancels actions and frees their idempotency key (suffixing it), so that a later event may
   * stamp the template again: "once" means once executed, not once attempted.
   */
  async cancel(
    actions: readonly { id: string; from: ActionStatus; reason: string | Reason }[],
    actor: string | null,
    now: number,
    db: Db,
    to: 'cancelled' | 'expired' = 'cancelled',
  ): Promise<string[]> {
    const moved: string[] = [];
    for (const a of actions) {
      const c = reasonColumns(a.reason, this.store.adapter);
      const r = await db
        .updateTable('actions')
        .set({
          status: to,
          status_reason: c.text,
          status_reason_code: c.code,
          status_reason_params: c.params,
          updated_at: now,
          completed_at: now,
          idempotency_key: sql<string>`idempotency_key || cast(${`#${to}-${a.id}`} as text)`,
        })
        .where('id', '=', a.id)
        .where('status', '=', a.from)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) moved.push(a.id);
    }
    const set = new Set(moved);
    await this.appendHistory(
      actions
        .filter((a) => set.has(a.id))
        .map((a) => ({
          actionId: a.id,
          at: now,
          actor,
          fromStatus: a.from,
          toStatus: to,
          note: typeof a.reason === 'string' ? a.reason : null,
          noteCoded: typeof a.reason === 'object' ? a.reason : null,
        })),
      db,
    );
    return moved;
  }

  /**
   * Moves open actions to another version of their template (the administrator chose "move" when
   * publishing): new version, due time and idempotency key, with a history entry. Only actions
   * still in the status read are moved; returns their ids.
   */
  async moveToVersion(
    moves: readonly VersionMove[],
    actor: string | null,
    now: number,
    db: Db,
  ): Promise<string[]> {
    const moved: string[] = [];
    for (const m of moves) {
      const r = await db
        .updateTable('actions')
        .set({
          template_version: m.version,
          status: m.status,
          due_at: m.dueAt,
          expires_at: m.expiresAt,
          idempotency_key: m.idempotencyKey,
          execution_mode: m.executionMode,
          title: m.title,
          priority: m.priority,
          process: m.process,
          updated_at: now,
        })
        .where('id', '=', m.id)
        .where('status', '=', m.from)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) moved.push(m.id);
    }
    const set = new Set(moved);
    await this.appendHistory(
      moves
        .filter((m) => set.has(m.id))
        .map((m) => ({
          actionId: m.id,
          at: now,
          actor,
          fromStatus: m.from,
          toStatus: m.status,
          note: typeof m.note === 'string' ? m.note : reasonText(m.note),
          noteCoded: typeof m.note === 'string' ? null : m.note,
        })),
      db,
    );
    return moved;
  }

  /**
   * Claims up to `limit` due automatic actions for `workerId`: status → running with a lease.
   * PostgreSQL: FOR UPDATE SKIP LOCKED lets several workers claim side by side without waiting
   * on each other; SQLite has one writer at a time (BEGIN IMMEDIATE), so no row locks are needed.
   */
  async claimDue(workerId: string, now: number, limit: number, db: Db): Promise<Action[]> {
    const picked = await this.readPicked(await this.pickDue(now, limit, db), workerId, now, db);
    return this.claimPicked(picked, workerId, now, db);
  }

  /**
   * Picks up to `limit` due automatic actions without writing them: the rows are the caller's
   * until its transaction ends (FOR UPDATE SKIP LOCKED on PostgreSQL, the one writer on SQLite).
   * Only the columns that decide how an action runs are read (`PickedAction`): a backlog of
   * actions with nothing to do but be done is completed from these (`completePicked`), and
   * mapping every column of every row was a fifth of the CPU of draining one on SQLite. The
   * database still says pending until `claimPicked` or `completePicked` writes them.
   */
  async pickDue(now: number, limit: number, db: Db): Promise<PickedAction[]> {
    // The condition of the partial index actions_claim (migration 008), in its words.
    let pick = db
      .selectFrom('actions')
      .select([
        ...PICK_COLUMNS.filter((c) => c !== 'dossier_exists'),
        ({ exists, selectFrom }) =>
          exists(
            selectFrom('dossiers').select('dossiers.id').whereRef('dossiers.id', '=', 'actions.dossier_id'),
          ).as('dossier_exists'),
      ])
      .where(statusIn(this.store.adapter, ['pending']))
      .where('execution_mode', '=', sql.lit('automatic'))
      .where('due_at', '<=', now)
      .orderBy('due_at')
      .limit(limit);
    if (this.store.adapter.supportsSkipLocked) pick = pick.forUpdate().skipLocked();
    if (this.store.adapter.name === 'sqlite') {
      // The whole pick as ONE value, a JSON array of rows (arrays in PICK_COLUMNS' order), parsed
      // at once: better-sqlite3 builds each row it returns property by property (an object per
      // row cost more than finding the row; an array per row still ~10k instructions, issue 12).
      // The subquery with its LIMIT is not flattened into the aggregate: its rows reach
      // json_group_array in the pick's order (due time, from actions_claim).
      const compiled = pick.compile();
      const { rows } = await db.executeQuery<{ rows: string }>({
        ...compiled,
        sql: `select json_group_array(json_array(${PICK_COLUMNS.join(', ')})) as rows from (${compiled.sql})`,
      });
      // The positions as locals: read once per batch, not per row.
      const { id, template_id, template_version, kind, due_at, chain_depth, dossier_exists } = PICK;
      return (JSON.parse(rows[0]?.rows ?? '[]') as unknown[][]).map((r) =>
        pickedAction(
          r[id],
          r[template_id],
          r[template_version],
          r[kind],
          r[due_at],
          r[chain_depth],
          r[dossier_exists],
        ),
      );
    }
    return (await pick.execute()).map((r) =>
      pickedAction(
        r.id,
        r.template_id,
        r.template_version,
        r.kind,
        r.due_at,
        r.chain_depth,
        r.dossier_exists,
      ),
    );
  }

  /**
   * The picked actions in full, in the order picked, as they would be claimed by `workerId`
   * (running, leased, one more attempt); the database still says pending until `claimPicked`
   * writes them. Picked actions are the caller's until its transaction ends, so they are as read.
   */
  async readPicked(
    picked: readonly { readonly id: string }[],
    workerId: string,
    now: number,
    db: Db,
  ): Promise<Action[]> {
    const byId = new Map<string, Action>();
    for (let i = 0; i < picked.length; i += CHUNK) {
      const rows = await db
        .selectFrom('actions')
        .selectAll()
        .where(
          this.store.adapter.textIn(
            'id',
            picked.slice(i, i + CHUNK).map((a) => a.id),
          ),
        )
        .execute();
      for (const r of rows) byId.set(r.id, this.toDomain(r));
    }
    return picked.flatMap((p) => {
      const a = byId.get(p.id);
      if (a === undefined) return [];
      return [
        {
          ...a,
          status: 'running' as const,
          lockedBy: workerId,
          lockedAt: now,
          updatedAt: now,
          attempts: a.attempts + 1,
        },
      ];
    });
  }

  /**
   * Writes the claim of picked actions (pending → running with the lease, and its history), for
   * those whose effect runs outside the transaction or may fail. Returns the actions claimed.
   */
  async claimPicked(picked: readonly Action[], workerId: string, now: number, db: Db): Promise<Action[]> {
    if (picked.length === 0) return [];
    const ids = picked.map((a) => a.id);
    // The rows are ours until the transaction ends, so the update needs no RETURNING: the claimed
    // actions are the picked ones. That spares reading every row twice.
    let updated = 0;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const r = await db
        .updateTable('actions')
        .set((eb) => ({
          status: 'running',
          locked_by: workerId,
          locked_at: now,
          updated_at: now,
          attempts: eb('attempts', '+', 1),
        }))
        .where(this.store.adapter.textIn('id', ids.slice(i, i + CHUNK)))
        .where(stillIn(this.store.adapter, 'pending'))
        .executeTakeFirst();
      updated += Number(r.numUpdatedRows);
    }
    const claimed =
      updated === picked.length
        ? [...picked]
        : (
            await db
              .selectFrom('actions')
              .selectAll()
              .where('id', 'in', ids)
              .where('status', '=', 'running')
              .where('locked_by', '=', workerId)
              .where('locked_at', '=', now)
              .execute()
          ).map((r) => this.toDomain(r));
    await this.appendHistory(
      claimed.map((a) => ({
        actionId: a.id,
        at: now,
        actor: `worker:${workerId}`,
        fromStatus: 'pending',
        toStatus: 'running',
        note: null,
      })),
      db,
    );
    return claimed;
  }

  /**
   * Completes picked actions that have nothing to do but be done (no effect, no follow-up; the
   * executor decides): pending → done in one statement per chunk, with one history entry
   * (`pending → done` by `actor`, the worker; no one ever sees such an action running, so there
   * is no claim step to record) in one more, where claiming and completing apart write every
   * action twice and two more history rows. Returns the ids completed.
   */
  async completePicked(
    picked: readonly { readonly id: string }[],
    actor: string,
    now: number,
    db: Db,
  ): Promise<string[]> {
    const { adapter } = this.store;
    const done: string[] = [];
    // The ids are one parameter on both databases (textIn): a whole batch is one statement.
    for (let i = 0; i < picked.length; i += ID_CHUNK) {
      const part = picked.slice(i, i + ID_CHUNK).map((a) => a.id);
      if (!adapter.writableCte) {
        // SQLite: the update, then the history of the rows it wrote, both from the ids as one
        // parameter, serialised once. Sorted here (a picked batch is nearly in id order already),
        // the history rows are written in id order without a sort step in the insert: about 4%
        // of SQLite's instructions of a drained action (callgrind, issue 12). The picked rows are
        // this transaction's (one writer), so the update writes every one of them and needs no
        // RETURNING (a row object per action); should its count say otherwise, the rows it wrote
        // are read back.
        part.sort();
        const keys = adapter.textKeys(part);
        const written = Number((await this.completeIn(keys, now, db).executeTakeFirst()).numUpdatedRows);
        const ids =
          written === part.length
            ? part
            : (
                await db
                  .selectFrom('actions')
                  .select('id')
                  .where(adapter.textIn('id', keys))
                  .where(stillIn(adapter, 'done'))
                  .where('completed_at', '=', now)
                  .orderBy('id')
                  .execute()
              ).map((r) => r.id);
        if (ids.length === 0) continue;
        await db
          .insertInto('action_history')
          .columns(['action_id', 'at', 'actor', 'from_status', 'to_status', 'note'])
          .expression((eb) =>
            eb
              .selectFrom(adapter.textRows(ids === part ? keys : ids).as('ids'))
              .select([
                'ids.id',
                sql<number>`${now}`.as('at'),
                sql<string>`${actor}`.as('actor'),
                sql<string>`'pending'`.as('from_status'),
                sql<string>`'done'`.as('to_status'),
                sql<null>`null`.as('note'),
              ]),
          )
          .execute();
        for (const id of ids) done.push(id);
        continue;
      }
      // PostgreSQL: the update and its history in one statement (a data-modifying WITH).
      const rows = await db
        .with('done', () => this.completeIn(part, now, db).returning('id'))
        .insertInto('action_history')
        .columns(['action_id', 'at', 'actor', 'from_status', 'to_status', 'note'])
        .expression((eb) =>
          eb
            .selectFrom('done')
            .select([
              'done.id',
              sql<number>`cast(${now} as bigint)`.as('at'),
              sql<string>`cast(${actor} as text)`.as('actor'),
              sql<string>`'pending'`.as('from_status'),
              sql<string>`'done'`.as('to_status'),
              sql<null>`null`.as('note'),
            ])
            .orderBy('done.id'),
        )
        .returning('action_id')
        .execute();
      for (const r of rows) done.push(r.action_id);
    }
    return done;
  }

  /** The update of `completePicked`: these actions, if still pending, done. */
  private completeIn(ids: readonly string[] | TextKeys, now: number, db: Db) {
    const { adapter } = this.store;
    return db
      .updateTable('actions')
      .set((eb) => ({ ...doneColumns(now), attempts: eb('attempts', '+', 1) }))
      .where(adapter.textIn('id', ids))
      .where(stillIn(adapter, 'pending'));
  }

  /** Where the mail of each of these actions is (only actions that wrote one are in the map). */
  async deliveries(actionIds: readonly string[], db: Db = this.store.db): Promise<Map<string, Delivery>> {
    const out = new Map<string, Delivery>();
    for (let i = 0; i < actionIds.length; i += CHUNK) {
      const rows = await db
        .selectFrom('email_outbox')
        .select(['id', 'action_id', 'status', 'last_reply', 'message_id', 'attempts', 'sent_at'])
        .where('action_id', 'in', actionIds.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) {
        const status = r.status === 'sent' ? 'delivered' : r.status === 'sending' ? 'queued' : r.status;
        out.set(r.action_id!, {
          status: status as Delivery['status'],
          reply: r.last_reply,
          outboxId: r.id,
          messageId: r.message_id,
          attempts: Number(r.attempts),
          sentAt: r.sent_at === null ? null : Number(r.sent_at),
        });
      }
    }
    return out;
  }

  /**
   * The mail server refused the mail of these outbox rows for good: their actions, done when the
   * mail was written, become failed with the server's words. Returns the action ids that moved.
   */
  async mailRefused(outboxIds: readonly string[], actor: string, now: number, db: Db): Promise<string[]> {
    if (outboxIds.length === 0) return [];
    const rows = await db
      .selectFrom('email_outbox')
      .select(['action_id', 'last_reply'])
      .where('id', 'in', [...outboxIds])
      .where('status', '=', 'failed')
      .where('action_id', 'is not', null)
      .execute();
    const moved: string[] = [];
    for (const r of rows) {
      const refused = reason('reason.mailRefused', { reply: r.last_reply ?? 'no reply' });
      const error = reasonColumns(refused, this.store.adapter);
      moved.push(
        ...(await this.transition(
          [{ id: r.action_id!, from: 'done', to: 'failed', note: refused }],
          actor,
          now,
          db,
          {
            error: error.text,
            error_code: error.code,
            error_params: error.params,
            completed_at: null,
          },
        )),
      );
    }
    return moved;
  }

  /**
   * The mail of these outbox rows was delivered after all (resent from the outbox after it had
   * been refused): actions failed by that refusal are done again.
   */
  async mailDelivered(outboxIds: readonly string[], actor: string, now: number, db: Db): Promise<void> {
    for (let i = 0; i < outboxIds.length; i += CHUNK) {
      const rows = await db
        .selectFrom('actions')
        .innerJoin('email_outbox', 'email_outbox.action_id', 'actions.id')
        .select('actions.id')
        .where('email_outbox.id', 'in', outboxIds.slice(i, i + CHUNK))
        .where('email_outbox.status', '=', 'sent')
        .where('actions.status', '=', 'failed')
        .execute();
      await this.transition(
        rows.map((r) => ({
          id: r.id,
          from: 'failed' as const,
          to: 'done' as const,
          note: reason('reason.mailDelivered'),
        })),
        actor,
        now,
        db,
        { error: null, completed_at: now },
      );
    }
  }

  /**
   * Completes a batch of running actions in one statement per outcome (the fast path). `actor` is
   * written to the history as given (`worker:<id>` for the scheduler, a user id for Execute);
   * `notes` per action id become the history note and the status reason.
   */
  async completeMany(
    ids: readonly string[],
    actor: string,
    now: number,
    db: Db,
    /** Actions completed with a result (a webhook's status), written in the same statement. */
    withResult: ReadonlyMap<string, unknown> = new Map(),
    notes: ReadonlyMap<string, string | Reason> = new Map(),
  ): Promise<void> {
    const done = doneColumns(now);
    // Grouped by result (a batch of webhooks mostly answers the same status): one statement each.
    const byResult = new Map<string, string[]>();
    for (const [id, result] of withResult) {
      const json = JSON.stringify(result);
      const ids = byResult.get(json);
      if (ids) ids.push(id);
      else byResult.set(json, [id]);
    }
    for (const [json, sameResult] of byResult) {
      for (let i = 0; i < sameResult.length; i += CHUNK) {
        await db
          .updateTable('actions')
          .set({ ...done, result: this.store.adapter.toJson(JSON.parse(json)) as string })
          .where('id', 'in', sameResult.slice(i, i + CHUNK))
          .where('status', '=', 'running')
          .execute();
      }
    }
    for (let i = 0; i < ids.length; i += CHUNK) {
      await db
        .updateTable('actions')
        .set(done)
        .where(this.store.adapter.textIn('id', ids.slice(i, i + CHUNK)))
        .where(stillIn(this.store.adapter, 'running'))
        .execute();
    }
    await this.appendHistory(
      [...ids, ...withResult.keys()].map((id) => ({
        actionId: id,
        at: now,
        actor,
        fromStatus: 'running',
        toStatus: 'done',
        ...noteFields(notes.get(id)),
      })),
      db,
    );
    // Done, with a note: the reason is shown on the action (a recipient rule that yielded nothing).
    // One statement for all of them: the notes as a list of values joined to the actions by id.
    const { adapter } = this.store;
    const rows = [...notes].map(([id, note]) => ({ id, ...reasonColumns(note, adapter) }));
    const perStatement = Math.floor(adapter.maxParameters / 4);
    for (let i = 0; i < rows.length; i += perStatement) {
      const values = rows
        .slice(i, i + perStatement)
        .map((r) => sql`(${r.id}, ${r.text}, ${r.code}, ${r.params})`);
      await sql`with v (id, text, code, params) as (values ${sql.join(values)})
        update actions set status_reason = v.text, status_reason_code = v.code,
          status_reason_params = cast(v.params as ${sql.raw(adapter.jsonType)})
        from v where actions.id = v.id`.execute(db);
    }
  }

  /**
   * The ids among `actions` that are still running under the claim they were read with: a person
   * may not have cancelled them meanwhile, and no other worker may have taken them over after a
   * lease ran out. Locks those rows for the rest of the transaction where rows can be locked.
   */
  async stillClaimed(
    actions: readonly { id: string; lockedBy: string | null }[],
    db: Db,
  ): Promise<Set<string>> {
    const owned = new Set<string>();
    for (let i = 0; i < actions.length; i += CHUNK) {
      const part = actions.slice(i, i + CHUNK);
      let q = db
        .selectFrom('actions')
        .select(['id', 'locked_by'])
        .where(
          this.store.adapter.textIn(
            'id',
            part.map((a) => a.id),
          ),
        )
        .where(stillIn(this.store.adapter, 'running'));
      if (this.store.adapter.rowLocking) q = q.forUpdate();
      const rows = new Map((await q.execute()).map((r) => [r.id, r.locked_by]));
      for (const a of part) {
        if (!rows.has(a.id)) continue;
        if (a.lockedBy === null || rows.get(a.id) === a.lockedBy) owned.add(a.id);
      }
    }
    return owned;
  }

  /** Extends the claim of running actions (a slow batch of webhooks must not lose its lease). */
  async renewLease(ids: readonly string[], lockedBy: string, now: number, db: Db): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK) {
      await db
        .updateTable('actions')
        .set({ locked_at: now })
        .where(this.store.adapter.textIn('id', ids.slice(i, i + CHUNK)))
        .where(stillIn(this.store.adapter, 'running'))
        .where('locked_by', '=', lockedBy)
        .execute();
    }
  }

  /** Waiting actions, least recently looked at first: the scheduler re-checks their conditions. */
  async waitingBatch(limit: number, db: Db): Promise<Action[]> {
    const rows = await db
      .selectFrom('actions')
      .selectAll()
      .where(statusIn(this.store.adapter, ['waiting']))
      .orderBy('updated_at')
      .limit(limit)
      .execute();
    return rows.map((r) => this.toDomain(r));
  }

  /** Marks actions as looked at, so the next batch of waiting actions holds others. */
  async touch(ids: readonly string[], now: number, db: Db): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK) {
      await db
        .updateTable('actions')
        .set({ updated_at: now })
        .where(this.store.adapter.textIn('id', ids.slice(i, i + CHUNK)))
        .execute();
    }
  }

  async setResult(id: string, result: unknown, db: Db): Promise<void> {
    await db
      .updateTable('actions')
      .set({ result: this.store.adapter.toJson(result) as string })
      .where('id', '=', id)
      .execute();
  }

  /** Manual and semi-automatic actions whose due time has come: pending → due (the to-do list). */
  /** Pending manual and semi-automatic actions whose due time has come (to re-check before marking them due). */
  async fallingDue(now: number, limit: number, db: Db): Promise<Action[]> {
    const rows = await db
      .selectFrom('actions')
      .selectAll()
      .where('status', '=', 'pending')
      .where('execution_mode', 'in', ['manual', 'semiAutomatic'])
      .where('due_at', '<=', now)
      .limit(limit)
      .execute();
    return rows.map((r) => this.toDomain(r));
  }

  async markDue(now: number, db: Db): Promise<number> {
    const rows = await db
      .selectFrom('actions')
      .select('id')
      // The range of actions_manual_due (migration 019): literals, as the index names them.
      .where(statusIn(this.store.adapter, ['pending']))
      .where('execution_mode', 'in', [sql.lit('manual'), sql.lit('semiAutomatic')])
      .where('due_at', '<=', now)
      .limit(5000)
      .execute();
    const ids = rows.map((r) => r.id);
    for (let i = 0; i < ids.length; i += CHUNK) {
      await db
        .updateTable('actions')
        .set({ status: 'due', updated_at: now })
        .where(this.store.adapter.textIn('id', ids.slice(i, i + CHUNK)))
        .where(stillIn(this.store.adapter, 'pending'))
        .execute();
    }
    await this.appendHistory(
      ids.map((id) => ({
        actionId: id,
        at: now,
        actor: 'scheduler',
        fromStatus: 'pending',
        toStatus: 'due',
        note: null,
      })),
      db,
    );
    return ids.length;
  }

  /** Open actions whose expiry has passed. */
  async expiring(now: number, limit: number, db: Db): Promise<Action[]> {
    const rows = await db
      .selectFrom('actions')
      .selectAll()
      .where(statusIn(this.store.adapter, OPEN_EXPIRY))
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(limit)
      .execute();
    return rows.map((r) => this.toDomain(r));
  }

  /**
   * The sweeper: running actions whose lease ran out belong to a worker that died; they become
   * pending again (their effect ran in the completing transaction, which never committed).
   */
  async sweep(leaseExpiredBefore: number, now: number, db: Db): Promise<number> {
    const rows = await db
      .selectFrom('actions')
      .select(['id', 'locked_by'])
      .where('status', '=', 'running')
      .where('locked_at', '<', leaseExpiredBefore)
      .execute();
    for (const r of rows) {
      await db
        .updateTable('actions')
        .set({ status: 'pending', locked_by: null, locked_at: null, updated_at: now })
        .where('id', '=', r.id)
        .where('status', '=', 'running')
        .execute();
    }
    await this.appendHistory(
      rows.map((r) => ({
        actionId: r.id,
        at: now,
        actor: 'sweeper',
        fromStatus: 'running',
        toStatus: 'pending',
        note: null,
        noteCoded: reason('reason.workerStopped', { worker: r.locked_by ?? '?' }),
      })),
      db,
    );
    return rows.length;
  }

  /** The earliest moment the scheduler has work: a due time of pending work, or an expiry. */
  async nextWakeAt(db: Db = this.store.db): Promise<number | null> {
    // One statement, two scalar subqueries, each reading the first entry of an index
    // (actions_due, actions_open_expiry): "order by … limit 1" says so to both planners, where
    // min() over a filter may scan.
    const row = await db
      .selectNoFrom((eb) => [
        eb
          .selectFrom('actions')
          .select('due_at')
          .where('status', '=', sql.lit('pending'))
          .where('due_at', 'is not', null)
          .orderBy('due_at')
          .limit(1)
          .as('due'),
        eb
          .selectFrom('actions')
          .select('expires_at')
          .where(statusIn(this.store.adapter, OPEN_EXPIRY))
          .where('expires_at', 'is not', null)
          .orderBy('expires_at')
          .limit(1)
          .as('exp'),
      ])
      .executeTakeFirst();
    const times = [row?.due, row?.exp].filter((t) => t !== null && t !== undefined).map(Number);
    return times.length === 0 ? null : Math.min(...times);
  }

  /**
   * What a scheduler tick would find, in one read of five index probes: claims whose lease ran
   * out, waiting actions, manual work falling due, expiring actions, due automatic actions (for
   * the three by time, the earliest such time if any). An idle tick is this one statement
   * instead of two transactions of reads. On PostgreSQL it runs as a named prepared statement:
   * planning its five subqueries took more of the server's time than running them (0.8 against
   * 0.5 ms at a million actions), every idle tick. Its plan may then be the generic one, made
   * without the values: everything the choice of index hangs on is a literal (the statuses, the
   * modes, the limits), and each time-bound probe reads the head of an index in its order, which
   * no estimate of how many rows lie before `now` makes a scan.
   */
  async workProbe(now: number, leaseExpiredBefore: number, db: Db = this.store.db): Promise<WorkProbe> {
    const query = db.selectNoFrom(({ exists, selectFrom }) => [
      exists(
        selectFrom('actions')
          .select('id')
          .where('status', '=', sql.lit('running'))
          .where('locked_at', '<', leaseExpiredBefore),
      ).as('sweep'),
      exists(
        selectFrom('actions')
          .select('id')
          .where(statusIn(this.store.adapter, ['waiting'])),
      ).as('waiting'),
      // The time-bound probes read the first entry of an index in its order ("order by …
      // limit 1", a scalar subquery: PostgreSQL drops the order from an exists). As an exists,
      // PostgreSQL's statistics at a million actions (pending work due later, overdue work of
      // other statuses) promised a match within the first rows of the table and it scanned
      // all of it: 150-210 ms each, the whole idle tick (issue 12).
      // Manual work falling due: the head of its own index (migration 019), not a walk of
      // the due pending range past every automatic action due in it.
      head(selectFrom, 'due_at', now, (q) =>
        q
          .where(statusIn(this.store.adapter, ['pending']))
          .where('execution_mode', 'in', [sql.lit('manual'), sql.lit('semiAutomatic')]),
      ).as('fallingDue'),
      head(selectFrom, 'expires_at', now, (q) =>
        q.where(statusIn(this.store.adapter, OPEN_EXPIRY)).where('expires_at', 'is not', null),
      ).as('expiring'),
      head(selectFrom, 'due_at', now, (q) =>
        q.where(statusIn(this.store.adapter, ['pending'])).where('execution_mode', '=', sql.lit('automatic')),
      ).as('due'),
    ]);
    const { rows } = await db.executeQuery(preparedStatement(query.compile()));
    const row = rows[0]!;
    const found = (v: unknown) => v !== null && v !== undefined;
    return {
      sweep: Boolean(row.sweep),
      waiting: Boolean(row.waiting),
      fallingDue: found(row.fallingDue),
      expiring: found(row.expiring),
      due: found(row.due),
    };
  }

  async countByStatus(db: Db = this.store.db): Promise<Record<string, number>> {
    const rows = await db
      .selectFrom('actions')
      .select(['status', sql<number>`count(*)`.as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}

/** The columns of a history entry, in HISTORY_COLUMNS' order (for `insertInto(…).columns`). */
const HISTORY_COLUMN_NAMES = [
  'action_id',
  'at',
  'actor',
  'from_status',
  'to_status',
  'note',
  'note_code',
  'note_params',
] as const;

/** A stamped action's first history entry, selected from the `stamped` CTE (as appendHistory writes it). */
function firstHistoryOf(actor: string | null) {
  return [
    sql<string>`stamped.id`.as('action_id'),
    sql<number>`stamped.created_at`.as('at'),
    sql<string | null>`cast(${actor} as text)`.as('actor'),
    sql<null>`null`.as('from_status'),
    sql<string>`stamped.status`.as('to_status'),
    sql<string>`coalesce(stamped.status_reason, 'stamped')`.as('note'),
    // The note's code as appendHistory writes it: the status reason's, else reason.stamped.
    sql<string>`case when stamped.status_reason is null then 'reason.stamped' else stamped.status_reason_code end`.as(
      'note_code',
    ),
    sql<unknown>`case when stamped.status_reason is null then '{}'::jsonb else stamped.status_reason_params end`.as(
      'note_params',
    ),
  ];
}

/**
 * The notification of new pending work, evaluated once (it reads no column of the row): nothing
 * when no pending action with a due time was inserted.
 */
function announcedBy(notify: RawBuilder<unknown> | null): RawBuilder<unknown> {
  return notify === null
    ? sql<null>`null`
    : sql<unknown>`(select ${notify} from stamped
        where stamped.status = 'pending' and stamped.due_at is not null having count(*) > 0)`;
}

import { type Selectable, sql } from 'kysely';
import type { Action, ActionHistoryEntry, ActionStatus } from '../domain/action/action.js';
import type { ExecutionMode } from '../domain/template/action-template.js';
import type { Db, Store } from './database.js';
import type { ActionTable } from './engine.tables.js';

export interface ActionFilter {
  readonly statuses?: readonly ActionStatus[];
  readonly assigneeUserId?: string;
  readonly assigneeTeamIds?: readonly string[];
  /** Open actions whose due time lies before this moment. */
  readonly overdueAt?: number;
  readonly process?: string;
  readonly dossierId?: string;
  readonly templateId?: string;
  readonly executionMode?: ExecutionMode;
  readonly after?: string;
  readonly limit: number;
}

/** An open action moved to another version of its template, re-timed (see moveToVersion). */
export interface VersionMove {
  readonly id: string;
  readonly status: ActionStatus;
  readonly version: number;
  readonly dueAt: number | null;
  readonly idempotencyKey: string;
  readonly note: string;
}

export interface Transition {
  readonly id: string;
  readonly from: ActionStatus;
  readonly to: ActionStatus;
  readonly note?: string | null;
}

const CHUNK = 500;

/** Every SQL statement on actions and their history. */
export class ActionRepository {
  constructor(private readonly store: Store) {}

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
      statusReason: r.status_reason,
      triggerEventId: r.trigger_event_id === null ? null : Number(r.trigger_event_id),
      chainDepth: Number(r.chain_depth ?? 0),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
      completedAt: r.completed_at === null ? null : Number(r.completed_at),
    };
  }

  /**
   * Inserts stamped actions; an action whose idempotency key exists already is skipped (that is
   * what makes stamping safe to repeat). Returns the actions actually inserted.
   */
  async insertMany(actions: readonly Action[], actor: string | null, db: Db): Promise<Action[]> {
    const inserted: Action[] = [];
    const perRow = 28;
    const chunk = Math.min(CHUNK, Math.floor(this.store.adapter.maxParameters / perRow));
    for (let i = 0; i < actions.length; i += chunk) {
      const part = actions.slice(i, i + chunk);
      const rows = await db
        .insertInto('actions')
        .values(
          part.map((a) => ({
            id: a.id,
            template_id: a.templateId,
            template_version: a.templateVersion,
            dossier_id: a.dossierId,
            dossier_type: a.dossierType,
            kind: a.kind,
            title: a.title,
            process: a.process,
            idempotency_key: a.idempotencyKey,
            status: a.status,
            execution_mode: a.executionMode,
            priority: a.priority,
            due_at: a.dueAt,
            expires_at: a.expiresAt,
            assignee_user_id: a.assigneeUserId,
            assignee_team_id: a.assigneeTeamId,
            attempts: a.attempts,
            next_attempt_at: a.nextAttemptAt,
            locked_by: null,
            locked_at: null,
            result: null,
            error: null,
            status_reason: a.statusReason,
            trigger_event_id: a.triggerEventId,
            chain_depth: a.chainDepth ?? 0,
            created_at: a.createdAt,
            updated_at: a.updatedAt,
            completed_at: null,
          })),
        )
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .returning('id')
        .execute();
      const ids = new Set(rows.map((r) => r.id));
      inserted.push(...part.filter((a) => ids.has(a.id)));
    }
    await this.appendHistory(
      inserted.map((a) => ({
        actionId: a.id,
        at: a.createdAt,
        actor,
        fromStatus: null,
        toStatus: a.status,
        note: a.statusReason ?? 'stamped',
      })),
      db,
    );
    return inserted;
  }

  async appendHistory(entries: readonly Omit<ActionHistoryEntry, 'id'>[], db: Db): Promise<void> {
    for (let i = 0; i < entries.length; i += CHUNK) {
      await db
        .insertInto('action_history')
        .values(
          entries.slice(i, i + CHUNK).map((e) => ({
            action_id: e.actionId,
            at: e.at,
            actor: e.actor,
            from_status: e.fromStatus,
            to_status: e.toStatus,
            note: e.note,
          })),
        )
        .execute();
    }
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
    return rows.map((r) => ({
      id: Number(r.id),
      actionId: r.action_id,
      at: Number(r.at),
      actor: r.actor,
      fromStatus: r.from_status as ActionStatus | null,
      toStatus: r.to_status as ActionStatus,
      note: r.note,
    }));
  }

  async list(filter: ActionFilter, db: Db = this.store.db): Promise<Action[]> {
    let q = db.selectFrom('actions').selectAll();
    if (filter.statuses && filter.statuses.length > 0) q = q.where('status', 'in', [...filter.statuses]);
    if (filter.assigneeUserId !== undefined || filter.assigneeTeamIds !== undefined) {
      const userId = filter.assigneeUserId;
      const teams = filter.assigneeTeamIds ?? [];
      q = q.where((eb) =>
        eb.or([
          ...(userId !== undefined ? [eb('assignee_user_id', '=', userId)] : []),
          ...(teams.length > 0 ? [eb('assignee_team_id', 'in', [...teams])] : []),
          ...(userId === undefined && teams.length === 0 ? [eb.val(false)] : []),
        ]),
      );
    }
    if (filter.overdueAt !== undefined) {
      q = q.where('due_at', '<', filter.overdueAt).where('status', 'in', ['pending', 'due', 'failed']);
    }
    if (filter.process) q = q.where('process', '=', filter.process);
    if (filter.dossierId) q = q.where('dossier_id', '=', filter.dossierId);
    if (filter.templateId) q = q.where('template_id', '=', filter.templateId);
    if (filter.executionMode) q = q.where('execution_mode', '=', filter.executionMode);
    if (filter.after) q = q.where('id', '>', filter.after);
    const rows = await q.orderBy('id').limit(filter.limit).execute();
    return rows.map((r) => this.toDomain(r));
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
    }> = {},
  ): Promise<string[]> {
    const moved: string[] = [];
    for (const m of moves) {
      const set: Record<string, unknown> = { status: m.to, updated_at: now, ...extra };
      if ('note' in m && extra.status_reason === undefined) set.status_reason = m.note ?? null;
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
          note: m.note ?? null,
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
    actions: readonly { id: string; from: ActionStatus; reason: string }[],
    actor: string | null,
    now: number,
    db: Db,
    to: 'cancelled' | 'expired' = 'cancelled',
  ): Promise<string[]> {
    const moved: string[] = [];
    for (const a of actions) {
      const r = await db
        .updateTable('actions')
        .set({
          status: to,
          status_reason: a.reason,
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
        .map((a) => ({ actionId: a.id, at: now, actor, fromStatus: a.from, toStatus: to, note: a.reason })),
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
          due_at: m.dueAt,
          idempotency_key: m.idempotencyKey,
          updated_at: now,
        })
        .where('id', '=', m.id)
        .where('status', '=', m.status)
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
          fromStatus: m.status,
          toStatus: m.status,
          note: m.note,
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
    let pick = db
      .selectFrom('actions')
      .selectAll()
      .where('status', '=', 'pending')
      .where('execution_mode', '=', 'automatic')
      .where('due_at', '<=', now)
      .orderBy('due_at')
      .limit(limit);
    if (this.store.adapter.supportsSkipLocked) pick = pick.forUpdate().skipLocked();
    const picked = await pick.execute();
    if (picked.length === 0) return [];
    const ids = picked.map((r) => r.id);
    // The rows are ours until the transaction ends (row locks on PostgreSQL, the one writer on
    // SQLite), so the update needs no RETURNING: the claimed actions are the picked rows with the
    // claim applied. That spares reading every row twice, the larger part of a batch claim.
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
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .where('status', '=', 'pending')
        .executeTakeFirst();
      updated += Number(r.numUpdatedRows);
    }
    const rows =
      updated === picked.length
        ? picked.map((r) => ({
            ...r,
            status: 'running',
            locked_by: workerId,
            locked_at: now,
            updated_at: now,
            attempts: Number(r.attempts) + 1,
          }))
        : await db
            .selectFrom('actions')
            .selectAll()
            .where('id', 'in', ids)
            .where('status', '=', 'running')
            .where('locked_by', '=', workerId)
            .where('locked_at', '=', now)
            .execute();
    await this.appendHistory(
      rows.map((r) => ({
        actionId: r.id,
        at: now,
        actor: `worker:${workerId}`,
        fromStatus: 'pending',
        toStatus: 'running',
        note: null,
      })),
      db,
    );
    return rows.map((r) => this.toDomain(r));
  }

  /**
   * Completes a batch of running actions in one statement per outcome (the fast path). `actor` is
   * written to the history as given (`worker:<id>` for the scheduler, a user id for Execute).
   */
  async completeMany(ids: readonly string[], actor: string, now: number, db: Db): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK) {
      await db
        .updateTable('actions')
        .set({
          status: 'done',
          completed_at: now,
          updated_at: now,
          locked_by: null,
          locked_at: null,
          status_reason: null,
          error: null,
        })
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .where('status', '=', 'running')
        .execute();
    }
    await this.appendHistory(
      ids.map((id) => ({
        actionId: id,
        at: now,
        actor,
        fromStatus: 'running',
        toStatus: 'done',
        note: null,
      })),
      db,
    );
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
          'id',
          'in',
          part.map((a) => a.id),
        )
        .where('status', '=', 'running');
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
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .where('status', '=', 'running')
        .where('locked_by', '=', lockedBy)
        .execute();
    }
  }

  /** Waiting actions, least recently looked at first: the scheduler re-checks their conditions. */
  async waitingBatch(limit: number, db: Db): Promise<Action[]> {
    const rows = await db
      .selectFrom('actions')
      .selectAll()
      .where('status', '=', 'waiting')
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
        .where('id', 'in', ids.slice(i, i + CHUNK))
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
  async markDue(now: number, db: Db): Promise<number> {
    const rows = await db
      .selectFrom('actions')
      .select('id')
      .where('status', '=', 'pending')
      .where('execution_mode', 'in', ['manual', 'semiAutomatic'])
      .where('due_at', '<=', now)
      .limit(5000)
      .execute();
    const ids = rows.map((r) => r.id);
    for (let i = 0; i < ids.length; i += CHUNK) {
      await db
        .updateTable('actions')
        .set({ status: 'due', updated_at: now })
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .where('status', '=', 'pending')
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
      .where('status', 'in', ['waiting', 'pending', 'due'])
      .where('expires_at', '<=', now)
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
        note: `worker ${r.locked_by ?? '?'} stopped before finishing; will run again`,
      })),
      db,
    );
    return rows.length;
  }

  /** The earliest moment the scheduler has work: a due time of pending work, or an expiry. */
  async nextWakeAt(db: Db = this.store.db): Promise<number | null> {
    const due = await db
      .selectFrom('actions')
      .select((eb) => eb.fn.min('due_at').as('t'))
      .where('status', '=', 'pending')
      .executeTakeFirst();
    const exp = await db
      .selectFrom('actions')
      .select((eb) => eb.fn.min('expires_at').as('t'))
      .where('status', 'in', ['waiting', 'pending', 'due'])
      .executeTakeFirst();
    const times = [due?.t, exp?.t].filter((t) => t !== null && t !== undefined).map(Number);
    return times.length === 0 ? null : Math.min(...times);
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

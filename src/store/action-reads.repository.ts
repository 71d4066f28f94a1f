import type { Action, ActionStatus } from '../domain/action/action.js';
import type { ActionRepository } from './action.repository.js';
import type { Db } from './database.js';

const CHUNK = 500;

/** Statuses of the actions a change to a dossier they read can cancel, park or wake. */
export const READER_STATUSES: readonly ActionStatus[] = ['waiting', 'pending', 'due'];

/**
 * The `action_reads` index (migration 011): which open actions read which dossiers through a
 * reference in their conditions. Looked up by `dossier_id` (the primary key's first column).
 */
export class ActionReadsRepository {
  constructor(private readonly actions: ActionRepository) {}

  /** Replaces what these actions read (an action absent from `reads` then reads nothing). */
  async replace(
    actionIds: readonly string[],
    reads: readonly { actionId: string; dossierId: string }[],
    db: Db,
  ): Promise<void> {
    await this.forget(actionIds, db);
    const unique = new Map<string, { action_id: string; dossier_id: string }>();
    for (const r of reads)
      unique.set(`${r.dossierId}|${r.actionId}`, { action_id: r.actionId, dossier_id: r.dossierId });
    const rows = [...unique.values()];
    for (let i = 0; i < rows.length; i += CHUNK) {
      await db
        .insertInto('action_reads')
        .values(rows.slice(i, i + CHUNK))
        .execute();
    }
  }

  /** Removes the rows of these (closed) actions. */
  async forget(actionIds: readonly string[], db: Db): Promise<void> {
    for (let i = 0; i < actionIds.length; i += CHUNK) {
      await db
        .deleteFrom('action_reads')
        .where('action_id', 'in', actionIds.slice(i, i + CHUNK))
        .execute();
    }
  }

  /**
   * The open actions that read any of these dossiers, in one indexed lookup per 500 dossiers.
   * Rows of actions that closed meanwhile (done, failed, cancelled by another path) are removed
   * on the way, so the index holds open actions only.
   */
  async openReadersOf(dossierIds: readonly string[], db: Db): Promise<Action[]> {
    const open: Action[] = [];
    const closed = new Set<string>();
    for (let i = 0; i < dossierIds.length; i += CHUNK) {
      const rows = await db
        .selectFrom('action_reads')
        .innerJoin('actions', 'actions.id', 'action_reads.action_id')
        .selectAll('actions')
        .where('action_reads.dossier_id', 'in', dossierIds.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) {
        if (READER_STATUSES.includes(r.status as ActionStatus)) open.push(this.actions.toDomain(r));
        else closed.add(r.id);
      }
    }
    if (closed.size > 0) await this.forget([...closed], db);
    const seen = new Set<string>();
    return open.filter((a) => !seen.has(a.id) && seen.add(a.id));
  }
}

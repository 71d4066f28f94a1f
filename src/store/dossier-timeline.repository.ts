import type { ActionStatus } from '../domain/action/action.js';
import { type Reason, storedReason } from '../domain/action/reasons.js';
import type { Db, Store } from './database.js';

/** One step of one action of a dossier (a row of its history), with the action's title. */
export interface ActionStep {
  readonly id: number;
  readonly actionId: string;
  readonly actionTitle: string;
  readonly at: number;
  readonly actor: string | null;
  readonly fromStatus: ActionStatus | null;
  readonly toStatus: ActionStatus;
  readonly note: string | null;
  readonly noteCoded: Reason | null;
}

/**
 * What a dossier's timeline reads besides its own events: the steps of its actions (created,
 * due, executed, failed, rescheduled, cancelled), newest first. The dossier's actions come from
 * `actions_dossier` (only those of the dossier's type: an id of another type has no steps here), each one's steps from `action_history_action`; paged by history id.
 */
export class DossierTimelineRepository {
  constructor(private readonly store: Store) {}

  async actionSteps(
    dossierType: string,
    dossierId: string,
    page: { readonly before?: number; readonly limit: number },
    db: Db = this.store.db,
  ): Promise<ActionStep[]> {
    let q = db
      .selectFrom('action_history as h')
      .innerJoin('actions as a', 'a.id', 'h.action_id')
      .select([
        'h.id',
        'h.action_id',
        'a.title',
        'h.at',
        'h.actor',
        'h.from_status',
        'h.to_status',
        'h.note',
        'h.note_code',
        'h.note_params',
      ])
      .where('a.dossier_id', '=', dossierId)
      .where('a.dossier_type', '=', dossierType);
    if (page.before !== undefined) q = q.where('h.id', '<', page.before);
    const rows = await q.orderBy('h.id', 'desc').limit(page.limit).execute();
    const { adapter } = this.store;
    return rows.map((r) => ({
      id: Number(r.id),
      actionId: r.action_id,
      actionTitle: r.title,
      at: Number(r.at),
      actor: r.actor,
      fromStatus: r.from_status as ActionStatus | null,
      toStatus: r.to_status as ActionStatus,
      note: r.note,
      noteCoded: storedReason(
        r.note_code,
        r.note_params === null || r.note_params === undefined ? null : adapter.fromJson(r.note_params),
        r.note,
      ),
    }));
  }
}

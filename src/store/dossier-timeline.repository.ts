import type { ActionHistoryEntry } from '../domain/action/action.js';
import type { Reason } from '../domain/action/reasons.js';
import { historyEntryOf } from './action-history.rows.js';
import type { Db, Store } from './database.js';

/** One step of one action of a dossier (a row of its history), with the action's title. */
export interface ActionStep extends ActionHistoryEntry {
  readonly actionTitle: string;
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
    return rows.map(({ title, ...r }) => ({ ...historyEntryOf(r, this.store.adapter), actionTitle: title }));
  }
}

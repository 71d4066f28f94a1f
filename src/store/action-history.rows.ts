import type { Selectable } from 'kysely';
import type { ActionHistoryEntry, ActionStatus } from '../domain/action/action.js';
import { type Reason, storedReason } from '../domain/action/reasons.js';
import type { DialectAdapter } from './dialect-adapter.js';
import type { ActionHistoryTable } from './engine.tables.js';

/** A row of `action_history` as a history entry: one mapping for an action's history and a dossier's timeline. */
export function historyEntryOf(
  r: Selectable<ActionHistoryTable>,
  adapter: DialectAdapter,
): ActionHistoryEntry & { readonly noteCoded: Reason | null } {
  return {
    id: Number(r.id),
    actionId: r.action_id,
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
  };
}

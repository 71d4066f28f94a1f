import type { Action } from '../../src/domain/action/action.js';

/**
 * A manual action due in a day, open and unassigned, as stamping writes one; `over` names the
 * action and its dossier and changes whatever else a test needs.
 */
export function openAction(
  over: Partial<Action> &
    Pick<Action, 'id' | 'title' | 'dossierId' | 'dossierType' | 'idempotencyKey' | 'createdAt'>,
): Action {
  return {
    templateId: 'tpl',
    templateVersion: 1,
    kind: 'main',
    process: null,
    status: 'due',
    executionMode: 'manual',
    priority: 'normal',
    dueAt: over.createdAt + 86_400_000,
    expiresAt: null,
    assigneeUserId: null,
    assigneeTeamId: null,
    attempts: 0,
    nextAttemptAt: null,
    lockedBy: null,
    lockedAt: null,
    result: null,
    error: null,
    statusReason: null,
    triggerEventId: null,
    updatedAt: over.createdAt,
    completedAt: null,
    ...over,
  };
}

/**
 * Actions: one stamped instance of a template on one dossier (Coachview "actie").
 *
 * Status machine:
 *   pending ──(due time reached; manual/semi-automatic)──► due ──(person completes/executes)──► done
 *   pending ──(due time reached; automatic: claimed)──► running ──► done | failed
 *   waiting ──(conditions hold again)──► pending            ("create always": stamped but waiting)
 *   pending | due | waiting ──► cancelled (conditions no longer hold, person, superseded)
 *   pending | due | waiting ──► expired  (expiry date passed)
 *   failed ──(execute again after fixing the cause)──► running
 *   running ──(worker died; the sweeper)──► pending
 *   running ──(conditions failed when due)──► cancelled, or waiting ("create always")
 *   done ──(its e-mail was refused by the mail server)──► failed
 */
import type { ExecutionMode } from '../template/action-template.js';
import type { Reason } from './reasons.js';
import { type BackoffPolicy, backoffStep } from '../backoff.js';

export const ACTION_STATUSES = [
  'waiting',
  'pending',
  'due',
  'running',
  'done',
  'failed',
  'cancelled',
  'expired',
] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/** Statuses from which an action can still do something. */
export const OPEN_STATUSES: readonly ActionStatus[] = ['waiting', 'pending', 'due', 'running', 'failed'];

/** Statuses from which a person may execute an action now (the Execute button, bulk execute). */
export const EXECUTABLE_STATUSES: readonly ActionStatus[] = ['pending', 'due', 'failed'];

/** Whether a person may execute an action in this status now (its mode aside). */
export function isExecutable(status: string): boolean {
  return (EXECUTABLE_STATUSES as readonly string[]).includes(status);
}

const TRANSITIONS: Readonly<Record<ActionStatus, readonly ActionStatus[]>> = {
  waiting: ['pending', 'cancelled', 'expired'],
  pending: ['due', 'running', 'waiting', 'cancelled', 'expired', 'done'],
  due: ['running', 'done', 'cancelled', 'expired', 'pending', 'waiting'],
  running: ['done', 'failed', 'pending', 'due', 'waiting', 'cancelled'],
  failed: ['running', 'cancelled', 'done'],
  // An e-mail action's mail was refused by the server after the action was done.
  done: ['failed'],
  cancelled: [],
  expired: [],
};

export function canTransition(from: ActionStatus, to: ActionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export type ActionKind = 'main' | 'reminder';

/**
 * Where the e-mail of a send-e-mail action is: `queued` (in the outbox, or being sent),
 * `delivered` (the server accepted it), `failed` (refused), `in_doubt` (the outcome is unknown: a
 * person decides), `dismissed` (a person decided not to send it). `reply`: the server's words.
 */
export interface Delivery {
  readonly status: 'queued' | 'delivered' | 'failed' | 'in_doubt' | 'dismissed';
  readonly reply: string | null;
  readonly outboxId: string;
  readonly messageId: string;
  readonly attempts: number;
  readonly sentAt: number | null;
}

export interface Action {
  readonly id: string;
  readonly templateId: string;
  readonly templateVersion: number;
  readonly dossierId: string;
  readonly dossierType: string;
  readonly kind: ActionKind;
  readonly title: string;
  readonly process: string | null;
  readonly idempotencyKey: string;
  readonly status: ActionStatus;
  readonly executionMode: ExecutionMode;
  readonly priority: 'low' | 'normal' | 'high';
  /** Null while waiting for conditions that do not hold yet. */
  readonly dueAt: number | null;
  readonly expiresAt: number | null;
  readonly assigneeUserId: string | null;
  readonly assigneeTeamId: string | null;
  readonly attempts: number;
  readonly nextAttemptAt: number | null;
  readonly lockedBy: string | null;
  readonly lockedAt: number | null;
  readonly result: unknown;
  readonly error: string | null;
  /** Why the action is in its status, in words ("status is no longer Offerte aangevraagd"). */
  readonly statusReason: string | null;
  /** The same reason as a code with parameters, for every reader's language (migration 010). */
  readonly statusReasonCoded?: Reason | null;
  /** `error` as a code with parameters (`reason.text` with the words when it has no code). */
  readonly errorCoded?: Reason | null;
  readonly triggerEventId: number | null;
  /** How many actions in a row led to this one (0: stamped by a person, an API write, the clock). */
  readonly chainDepth?: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly completedAt: number | null;
  /** For a send-e-mail action that wrote its mail: where that mail is (read with the action). */
  readonly delivery?: Delivery;
}

export interface ActionHistoryEntry {
  readonly id: number;
  readonly actionId: string;
  readonly at: number;
  readonly actor: string | null;
  readonly fromStatus: ActionStatus | null;
  readonly toStatus: ActionStatus;
  readonly note: string | null;
  /** The note as a code with parameters (migration 010). */
  readonly noteCoded?: Reason | null;
}

/** How automatic actions back off: from 30 s, doubling, at most 6 hours (no jitter: one due time). */
export const ACTION_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 6 * 3_600_000 };

/** Retry delay after the n-th failed attempt: exponential from 30 s, capped at 6 hours. */
export function retryDelayMs(attempt: number): number {
  return backoffStep(attempt, ACTION_BACKOFF);
}

/**
 * Typed errors of Werkflow. Every error a user can cause carries a `code` from this list, a
 * sentence that says what to do next, and — where it points into a request or a template — a
 * `path` to the offending part (`data.email`, `conditions.all[2].field`).
 *
 * The API maps codes to HTTP statuses in one place (src/api/error-handler.ts), and its
 * exhaustive switch makes the compiler name every place a new code must be handled.
 */
import type { Reason } from './action/reasons.js';

export const ERROR_CODES = [
  'validation_failed',
  'not_found',
  'version_conflict',
  'precondition_required',
  'already_exists',
  'unauthenticated',
  'forbidden',
  /** An administrator blocked this account: log-in, sessions and its API tokens are refused. */
  'account_blocked',
  'rate_limited',
  'schema_too_new',
  'invalid_state',
  'configuration',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
  /** A finer code for this one problem (`email_template.merge_field_invalid`), when there is one. */
  readonly code?: string;
  /** The values that problem's sentence needs, to write it in another language by its code. */
  readonly params?: Readonly<Record<string, string | number>>;
}

export class WerkflowError extends Error {
  readonly code: ErrorCode;
  /** Where in the input the problem is; empty when the problem is the request as a whole. */
  readonly path: string;
  /** Further problems of the same request, when more than one was found. */
  readonly details: readonly ErrorDetail[];
  /** The values in the message, so a client can write it in its reader's language (by `code`). */
  readonly params: Readonly<Record<string, string | number>> | undefined;
  /**
   * The message as a reason code with params, when it may end up on an action (an effect's
   * failure): the executor stores it so every reader gets it in their own language.
   */
  readonly reason: Reason | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      path?: string;
      details?: readonly ErrorDetail[];
      params?: Record<string, string | number>;
      reason?: Reason;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WerkflowError';
    this.code = code;
    this.path = options.path ?? '';
    this.details = options.details ?? [];
    this.params = options.params;
    this.reason = options.reason;
  }
}

/** A validation error for one path; the most common error a user sees. */
export function invalid(path: string, message: string, details?: readonly ErrorDetail[]): WerkflowError {
  return new WerkflowError('validation_failed', message, { path, details: details ?? [{ path, message }] });
}

/** Raises the first of a list of problems, carrying all of them as details. */
export function throwIfProblems(problems: readonly ErrorDetail[]): void {
  const first = problems[0];
  if (first) {
    const more =
      problems.length > 1
        ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})`
        : '';
    throw new WerkflowError('validation_failed', first.message + more, {
      path: first.path,
      details: problems,
    });
  }
}

/**
 * Wraps anything thrown into a WerkflowError, keeping the original as `cause`, so callers
 * handle one type.
 */
export function coerceError(thrown: unknown): WerkflowError {
  if (thrown instanceof WerkflowError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new WerkflowError('internal', `Unexpected error: ${message}`, { cause: thrown });
}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}

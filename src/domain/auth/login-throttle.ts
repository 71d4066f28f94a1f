/**
 * Lockout arithmetic for log-in attempts, as pure functions of the stored state and `now`.
 *
 * Wrong passwords are counted per key: `account:<e-mail>` (whether or not the account exists,
 * so the lockout says nothing about which addresses have accounts) and `address:<ip>` (one
 * machine trying many accounts). When a key reaches its limit within the window it is locked
 * until `lockedUntil`; while it is locked even the right password is refused. A lock that has
 * expired starts a fresh count. A successful log-in clears the account's key (not the address's:
 * one good account must not launder an attacker's address).
 */
export interface ThrottleState {
  readonly failures: number;
  /** When the first failure of the current window happened. */
  readonly windowStartedAt: number;
  readonly lockedUntil: number | null;
}

export interface ThrottlePolicy {
  /** Failures within the window that lock the key. */
  readonly maxFailures: number;
  /** Failures older than this are forgotten (milliseconds). */
  readonly windowMs: number;
  /** How long a lock lasts (milliseconds). */
  readonly lockMs: number;
}

const MINUTE = 60_000;

/** 20 wrong passwords for one account within an hour lock it for 15 minutes. */
export const ACCOUNT_POLICY: ThrottlePolicy = { maxFailures: 20, windowMs: 60 * MINUTE, lockMs: 15 * MINUTE };

/** 100 wrong passwords from one address within 15 minutes lock that address for 15 minutes. */
export const ADDRESS_POLICY: ThrottlePolicy = {
  maxFailures: 100,
  windowMs: 15 * MINUTE,
  lockMs: 15 * MINUTE,
};

/**
 * Password reset requests per e-mail address (`reset:<e-mail>`, whether or not it has an
 * account), counted like failures: the fifth within an hour locks the key for an hour, during
 * which further requests are answered as always but do nothing.
 */
export const RESET_POLICY: ThrottlePolicy = { maxFailures: 5, windowMs: 60 * MINUTE, lockMs: 60 * MINUTE };

/** The time until which `state` refuses log-ins, or null when it does not. */
export function lockedUntil(state: ThrottleState | undefined, now: number): number | null {
  return state?.lockedUntil != null && state.lockedUntil > now ? state.lockedUntil : null;
}

/** The state after one more wrong password at `now`. */
export function afterFailure(
  state: ThrottleState | undefined,
  now: number,
  policy: ThrottlePolicy,
): ThrottleState {
  const fresh =
    state === undefined ||
    (state.lockedUntil !== null && state.lockedUntil <= now) ||
    now - state.windowStartedAt >= policy.windowMs;
  if (!fresh && lockedUntil(state, now) !== null) return state; // already locked: the lock is not extended
  const failures = fresh ? 1 : state.failures + 1;
  const windowStartedAt = fresh ? now : state.windowStartedAt;
  return {
    failures,
    windowStartedAt,
    lockedUntil: failures >= policy.maxFailures ? now + policy.lockMs : null,
  };
}

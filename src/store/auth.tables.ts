import type { Generated } from 'kysely';
import type { Json } from './database.js';

/** Table row types of the auth migration (migrations/004-auth.ts). Times are epoch milliseconds. */

/** A user's password (argon2id, encoded with its parameters); absent until one is set. */
export interface UserCredentialTable {
  user_id: string;
  password_hash: string;
  password_changed_at: number;
}

/** The roles a user holds (see src/domain/auth/roles.ts). */
export interface UserRoleTable {
  user_id: string;
  role: string;
}

/** Wrong-password counters per `account:<e-mail>` and per `address:<ip>`. */
export interface LoginThrottleTable {
  key: string;
  failures: number;
  window_started_at: number;
  locked_until: number | null;
}

/** A browser session; the cookie holds a secret whose SHA-256 is `token_hash`. */
export interface SessionTable {
  id: string;
  token_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  address: string | null;
  user_agent: string | null;
}

/** An API token; only the SHA-256 of the secret is stored. */
export interface ApiTokenTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  /** The first characters of the secret, so people can tell their tokens apart. */
  hint: string;
  scopes: Json;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  revoked_by: string | null;
}

/** A one-time password reset token; only its SHA-256 is stored. */
export interface PasswordResetTable {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** The append-only audit log: no UPDATE or DELETE path exists, and triggers refuse them. */
export interface AuditLogTable {
  id: Generated<number>;
  occurred_at: number;
  actor: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  before: Json | null;
  after: Json | null;
}

export interface AuthTables {
  user_credentials: UserCredentialTable;
  user_roles: UserRoleTable;
  login_throttles: LoginThrottleTable;
  sessions: SessionTable;
  api_tokens: ApiTokenTable;
  password_resets: PasswordResetTable;
  audit_log: AuditLogTable;
}

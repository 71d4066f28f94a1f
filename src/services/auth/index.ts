import type { Clock } from '../../domain/clock.js';
import type { Store } from '../../store/database.js';
import type { AuditService } from '../audit.service.js';
import { AuthContext, type AuthOptions } from './common.js';
import { LoginService } from './login.service.js';
import { PasswordResetService } from './reset.service.js';
import { ApiTokenService } from './tokens.service.js';
import { UserService } from './users.service.js';

export * from './common.js';
export { ApiTokenService, LoginService, PasswordResetService, UserService };

/**
 * Users, teams, roles, log-in and sessions, password resets and API tokens: four services over
 * one shared context (store, clock, audit log, repositories). The composition root makes one.
 */
export class Auth {
  readonly users: UserService;
  readonly sessions: LoginService;
  readonly reset: PasswordResetService;
  readonly tokens: ApiTokenService;

  constructor(store: Store, clock: Clock, audit: AuditService, options: AuthOptions = {}) {
    const context = new AuthContext(store, clock, audit, options);
    this.users = new UserService(context);
    this.sessions = new LoginService(context);
    this.reset = new PasswordResetService(context);
    this.tokens = new ApiTokenService(context);
  }
}

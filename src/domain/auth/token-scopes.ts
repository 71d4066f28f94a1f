import type { Right } from './roles.js';

/**
 * Scopes of an API token. A token never holds more than its creator: its rights are the
 * intersection of the scopes' rights and the creator's current rights, so demoting a user
 * demotes their tokens at once.
 *
 * - `read`: see dossiers (an external report, a dashboard).
 * - `dossiers.write`: feed dossiers (an external CRM synchronising contacts).
 * - `workflows.manage`: manage templates, mailboxes, e-mail templates and handle actions (a
 *   deployment script).
 * - `all`: everything the creator may do (scripts acting on an administrator's behalf).
 */
export const TOKEN_SCOPES = ['read', 'dossiers.write', 'workflows.manage', 'all'] as const;

export type TokenScope = (typeof TOKEN_SCOPES)[number];

const SCOPE_RIGHTS: Readonly<Record<Exclude<TokenScope, 'all'>, readonly Right[]>> = {
  read: ['dossiers.read'],
  'dossiers.write': ['dossiers.read', 'dossiers.write'],
  'workflows.manage': ['dossiers.read', 'actions.handle', 'templates.manual', 'workflows.automatic'],
};

export const TOKEN_SCOPE_LABELS: Readonly<Record<TokenScope, string>> = {
  read: 'read dossiers',
  'dossiers.write': 'read and write dossiers',
  'workflows.manage': 'manage workflows (templates, mailboxes, e-mail templates, actions)',
  all: 'everything its creator may do',
};

export function isTokenScope(value: string): value is TokenScope {
  return (TOKEN_SCOPES as readonly string[]).includes(value);
}

/** The rights a token with `scopes` has when its creator holds `userRights`. */
export function rightsOfToken(scopes: readonly string[], userRights: ReadonlySet<Right>): Set<Right> {
  const granted = new Set<Right>();
  for (const scope of scopes) {
    if (scope === 'all') for (const r of userRights) granted.add(r);
    else if (isTokenScope(scope))
      for (const r of SCOPE_RIGHTS[scope as Exclude<TokenScope, 'all'>]) granted.add(r);
  }
  return new Set([...granted].filter((r) => userRights.has(r)));
}

/** The scopes that would give a token `right`, for the 403 message of a token that lacks it. */
export function scopesGranting(right: Right): TokenScope[] {
  return TOKEN_SCOPES.filter(
    (s) => s === 'all' || SCOPE_RIGHTS[s as Exclude<TokenScope, 'all'>].includes(right),
  );
}

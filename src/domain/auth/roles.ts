import { PERMISSIONS, type Permission } from '../permissions.js';

/**
 * Built-in roles. A user holds one or more; their rights are the union of the roles' rights.
 * The roles nest (read-only ⊂ staff ⊂ workflow manager ⊂ administrator), so one role per user
 * is the common case; the list leaves room for custom roles later.
 */
export const ROLES = ['administrator', 'workflow-manager', 'staff', 'read-only'] as const;

export type Role = (typeof ROLES)[number];

/** The rights a person can hold; `public` is not one of them (it means "no right needed"). */
export const RIGHTS = PERMISSIONS.filter((p): p is Exclude<Permission, 'public'> => p !== 'public');

export type Right = (typeof RIGHTS)[number];

/** What each role may do. Change here and the route-by-role test follows. */
export const ROLE_RIGHTS: Readonly<Record<Role, readonly Right[]>> = {
  administrator: RIGHTS,
  // Everything but administration: includes the automatic-workflow right.
  'workflow-manager': RIGHTS.filter((r) => r !== 'admin'),
  staff: ['dossiers.read', 'dossiers.write', 'actions.handle', 'templates.manual'],
  'read-only': ['dossiers.read'],
};

export const ROLE_LABELS: Readonly<Record<Role, { nl: string; en: string }>> = {
  administrator: { nl: 'Beheerder', en: 'Administrator' },
  'workflow-manager': { nl: 'Workflowbeheerder', en: 'Workflow manager' },
  staff: { nl: 'Medewerker', en: 'Staff' },
  'read-only': { nl: 'Alleen lezen', en: 'Read-only' },
};

/** How a right is called in messages, in the words of the seeds (Coachview's module names). */
export const RIGHT_LABELS: Readonly<Record<Right, { nl: string; en: string }>> = {
  'dossiers.read': { nl: 'Dossiers inzien', en: 'See dossiers' },
  'dossiers.write': { nl: 'Dossiers wijzigen', en: 'Change dossiers' },
  'actions.handle': { nl: 'Acties afhandelen', en: 'Handle actions' },
  'templates.manual': { nl: 'Handmatige actie-templates', en: 'Manual action templates' },
  'workflows.automatic': { nl: 'Automatische workflow', en: 'Automatic workflow' },
  admin: { nl: 'Beheer', en: 'Administration' },
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The rights of a set of roles (their union). Unknown role names grant nothing. */
export function rightsOfRoles(roles: readonly string[]): Set<Right> {
  const rights = new Set<Right>();
  for (const role of roles) if (isRole(role)) for (const r of ROLE_RIGHTS[role]) rights.add(r);
  return rights;
}

/** Whether holding `rights` allows a route or check that needs `permission`. */
export function allows(rights: ReadonlySet<Right>, permission: Permission): boolean {
  return permission === 'public' || rights.has(permission);
}

/** The roles that hold a right, for messages ("ask an administrator"). */
export function rolesWith(right: Right): Role[] {
  return ROLES.filter((role) => ROLE_RIGHTS[role].includes(right));
}

/**
 * The sentence of a 403: names the missing right, its label, what it was needed for and what
 * to do next.
 *
 * @example missingRightMessage('workflows.automatic', 'to publish automatic templates')
 * // "You need the right workflows.automatic (Automatische workflow) to publish automatic
 * //  templates; ask an administrator."
 */
export function missingRightMessage(right: Right, purpose?: string): string {
  const label = RIGHT_LABELS[right].nl;
  const roles = rolesWith(right).map((r) => ROLE_LABELS[r].en.toLowerCase());
  return (
    `You need the right ${right} (${label})${purpose ? ` ${purpose}` : ''}; ask an administrator.` +
    ` Roles that hold it: ${roles.join(', ')}.`
  );
}

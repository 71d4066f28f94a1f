/**
 * Rights. Every API route names the one it needs (route `config.permission`); the auth layer
 * checks it in one place and denies by default. `public` routes need none.
 *
 * - `dossiers.read` / `dossiers.write`: see and change dossiers, users, teams.
 * - `actions.handle`: see, execute, complete, reschedule and cancel actions.
 * - `templates.manual`: create and publish manual action templates.
 * - `workflows.automatic`: the automatic-workflow right (Coachview's module "Automatische
 *   workflow"): create and publish automatic and semi-automatic templates, mailboxes and
 *   e-mail templates.
 * - `admin`: users, roles, rights, dossier types, presets, the audit log.
 */
export const PERMISSIONS = [
  'public',
  'dossiers.read',
  'dossiers.write',
  'actions.handle',
  'templates.manual',
  'workflows.automatic',
  'admin',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** Who is acting, and with which rights: what services check. */
export interface Principal {
  /** A user id, `token:<id>`, or a system actor such as `scheduler`. */
  readonly id: string | null;
  readonly permissions: ReadonlySet<Permission>;
}

/** The engine itself and the command line: all rights. */
export const SYSTEM_PRINCIPAL: Principal = { id: 'system', permissions: new Set(PERMISSIONS) };

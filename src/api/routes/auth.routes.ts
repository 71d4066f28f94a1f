import { type Static, Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TypedApp } from '../fastify-types.js';
import { WerkflowError } from '../../domain/errors.js';
import {
  RIGHTS,
  RIGHT_LABELS,
  ROLES,
  ROLE_LABELS,
  ROLE_RIGHTS,
  TOKEN_SCOPES,
  TOKEN_SCOPE_LABELS,
  passwordResetLink,
} from '../../domain/auth/index.js';
import { LoginLockedError, type Principal, type UserWithRoles } from '../../services/auth/index.js';
import type { Werkflow } from '../../engine/werkflow.js';
import type { ApiToken } from '../../store/api-token.repository.js';
import type { Team } from '../../store/user.repository.js';
import { clearSessionCookie, principalOf, setSessionCookie } from '../auth.hook.js';
import { actorOf } from '../request-context.js';
import { CursorQuery, decodeIdCursor, encodeCursor, errorResponses } from '../schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const UserSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    email: Type.String(),
    phone: Nullable(Type.String()),
    jobTitle: Nullable(Type.String()),
    active: Type.Boolean(),
    blockedAt: Nullable(
      Type.String({
        format: 'date-time',
        description: 'When an administrator blocked the account; null when not blocked.',
      }),
    ),
    createdAt: Type.String({ format: 'date-time' }),
    roles: Type.Array(Type.String()),
    hasPassword: Type.Boolean({ description: 'False until a password is set (through a reset link).' }),
  },
  { $id: 'User' },
);
type UserBody = Static<typeof UserSchema>;

const TeamSchema = Type.Object(
  { id: Type.String(), name: Type.String(), memberIds: Type.Array(Type.String()) },
  { $id: 'Team' },
);

const ApiTokenSchema = Type.Object(
  {
    id: Type.String(),
    userId: Type.String(),
    userName: Type.String({ description: 'The name of the user the token belongs to (its owner).' }),
    name: Type.String(),
    hint: Type.String({ description: 'The first characters of the secret, to tell tokens apart.' }),
    scopes: Type.Array(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Nullable(Type.String({ format: 'date-time' })),
    lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
    revokedAt: Nullable(Type.String({ format: 'date-time' })),
  },
  { $id: 'ApiToken' },
);

const MeSchema = Type.Object({
  user: Type.Ref('User'),
  permissions: Type.Array(Type.String(), { description: 'The rights of this credential.' }),
  via: Type.Union([Type.Literal('session'), Type.Literal('token')]),
  csrfToken: Nullable(
    Type.String({
      description: 'Send as X-CSRF-Token with every POST, PUT, PATCH and DELETE of this session.',
    }),
  ),
  sessionExpiresAt: Nullable(Type.String({ format: 'date-time' })),
  token: Type.Union([Type.Ref('ApiToken'), Type.Null()]),
});

const IdParams = Type.Object({ id: Type.String() });
const ScopeList = Type.Array(Type.Union(TOKEN_SCOPES.map((s) => Type.Literal(s))), { minItems: 1 });
const RoleList = Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r))), { minItems: 1 });

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function userBody(u: UserWithRoles): UserBody {
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    phone: u.phone,
    jobTitle: u.jobTitle,
    active: u.active,
    blockedAt: iso(u.blockedAt ?? null),
    createdAt: new Date(u.createdAt).toISOString(),
    roles: u.roles,
    hasPassword: u.hasPassword,
  };
}

function tokenBody(t: ApiToken, userName: string) {
  return {
    id: t.id,
    userId: t.userId,
    userName,
    name: t.name,
    hint: t.hint,
    scopes: [...t.scopes],
    createdAt: new Date(t.createdAt).toISOString(),
    expiresAt: iso(t.expiresAt),
    lastUsedAt: iso(t.lastUsedAt),
    revokedAt: iso(t.revokedAt),
  };
}

function teamBody(t: Team) {
  return { id: t.id, name: t.name, memberIds: [...t.memberIds] };
}

async function meBody(werkflow: Werkflow, p: Principal) {
  return {
    user: userBody(await werkflow.auth.users.getUser(p.user.id)),
    permissions: RIGHTS.filter((r) => p.rights.has(r)),
    via: p.kind,
    csrfToken: p.kind === 'session' ? p.session.csrfToken : null,
    sessionExpiresAt: p.kind === 'session' ? iso(p.session.expiresAt) : null,
    token: p.kind === 'token' ? tokenBody(p.token, p.user.name) : null,
  };
}

/** Where reset links point: WERKFLOW_PUBLIC_URL, else the address this request came in on. */
function publicUrl(request: FastifyRequest): string {
  return process.env.WERKFLOW_PUBLIC_URL ?? `${request.protocol}://${request.host}`;
}

function parseTime(value: string | undefined, path: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = new Date(value).getTime();
  if (Number.isNaN(ms))
    throw new WerkflowError(
      'validation_failed',
      `${path} must be a date-time such as 2026-11-23T09:00:00Z.`,
      {
        path,
      },
    );
  return ms;
}

/** Runs `work`; when it refuses because of a lock, tells the client when to retry (Retry-After). */
async function withRetryAfter<T>(
  reply: FastifyReply,
  werkflow: Werkflow,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof LoginLockedError)
      reply.header(
        'Retry-After',
        String(Math.max(1, Math.ceil((error.lockedUntil - werkflow.clock.now()) / 1000))),
      );
    throw error;
  }
}

/** Log-in, sessions, password resets, users, teams, roles, API tokens and the audit log. */
export function authRoutes(app: TypedApp, werkflow: Werkflow): void {
  const auth = werkflow.auth;
  app.addSchema(UserSchema);
  app.addSchema(TeamSchema);
  app.addSchema(ApiTokenSchema);

  // ----- log-in and session ---------------------------------------------------------------------

  app.post(
    '/api/auth/login',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Log in with e-mail address and password; sets the session cookie',
        description:
          'Answers with the CSRF token to send as X-CSRF-Token on state-changing requests. 20 wrong passwords lock the account for 15 minutes (429, with Retry-After), during which even the right password is refused.',
        body: Type.Object({
          email: Type.String({ maxLength: 320 }),
          password: Type.String({ maxLength: 1024 }),
        }),
        response: { 200: MeSchema, 429: Type.Ref('ErrorBody'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const { secret, principal } = await withRetryAfter(reply, werkflow, () =>
        auth.sessions.login({
          email: body.email,
          password: body.password,
          address: request.ip ?? null,
          userAgent: request.headers['user-agent'] ?? null,
        }),
      );
      setSessionCookie(request, reply, secret, auth.sessions.sessionMaxMs);
      request.actor = principal.actor;
      return reply.send(await meBody(werkflow, principal));
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['auth'],
        summary: 'Log out: ends the session and clears its cookie',
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind === 'session') await auth.sessions.logout(principal.session.id);
      clearSessionCookie(request, reply);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['auth'],
        summary: 'Who you are: your user, your rights, and the CSRF token of your session',
        response: { 200: MeSchema, ...errorResponses },
      },
    },
    async (request) => meBody(werkflow, principalOf(request)),
  );

  app.put(
    '/api/auth/password',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['auth'],
        summary: 'Change your own password (ends your other sessions)',
        description:
          'Only in a signed-in session (403 with an API token). Wrong current passwords count against the account like wrong log-ins; while it is locked this answers 429 with Retry-After.',
        body: Type.Object({ currentPassword: Type.String(), newPassword: Type.String() }),
        response: { 204: Type.Null(), 429: Type.Ref('ErrorBody'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      await withRetryAfter(reply, werkflow, () =>
        auth.sessions.changePassword(principalOf(request), body.currentPassword, body.newPassword),
      );
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/auth/password-reset',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Ask for a password reset link',
        description:
          'Always answers 202 at once, whether or not the address has an account; the work happens after the answer. At most 5 requests per address an hour do anything, and a new link voids older ones. The link goes out by e-mail once a mailbox is configured; until then the server prints it on its console (and `werkflow user reset-password` prints one).',
        body: Type.Object({ email: Type.String({ maxLength: 320 }) }),
        response: { 202: Type.Object({ message: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      // Returns before doing any work, so known and unknown addresses get the same answer in the same time.
      auth.reset.requestPasswordReset(request.body.email);
      return reply.status(202).send({
        message: 'If this address has an account, a reset link is on its way. It is valid for an hour.',
      });
    },
  );

  app.post(
    '/api/auth/password-reset/confirm',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with a reset token (lifts a lock; ends all sessions)',
        body: Type.Object({ token: Type.String({ maxLength: 200 }), password: Type.String() }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      await auth.reset.confirmPasswordReset(body.token, body.password);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/roles',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['users'],
        summary: 'The roles, the rights each holds, and the scopes of API tokens',
        response: {
          200: Type.Object({
            roles: Type.Array(
              Type.Object({
                key: Type.String(),
                label: Type.Object({ nl: Type.String(), en: Type.String() }),
                rights: Type.Array(Type.String()),
              }),
            ),
            rights: Type.Array(
              Type.Object({
                key: Type.String(),
                label: Type.Object({ nl: Type.String(), en: Type.String() }),
              }),
            ),
            tokenScopes: Type.Array(Type.Object({ key: Type.String(), description: Type.String() })),
          }),
          ...errorResponses,
        },
      },
    },
    async () => ({
      roles: ROLES.map((key) => ({ key, label: ROLE_LABELS[key], rights: [...ROLE_RIGHTS[key]] })),
      rights: RIGHTS.map((key) => ({ key, label: RIGHT_LABELS[key] })),
      tokenScopes: TOKEN_SCOPES.map((key) => ({ key, description: TOKEN_SCOPE_LABELS[key] })),
    }),
  );

  // ----- users (administrators) -----------------------------------------------------------------

  app.get(
    '/api/users',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'List users with their roles',
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('User')) }), ...errorResponses },
      },
    },
    async () => ({ items: (await auth.users.listUsers()).map(userBody) }),
  );

  app.post(
    '/api/users',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Create a user',
        description:
          'Without a password the user sets one through a reset link (POST /api/users/{id}/password-reset).',
        body: Type.Object({
          name: Type.String(),
          email: Type.String(),
          phone: Type.Optional(Nullable(Type.String())),
          jobTitle: Type.Optional(Nullable(Type.String())),
          roles: RoleList,
          password: Type.Optional(Type.String()),
        }),
        response: { 201: Type.Ref('User'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const user = await auth.users.createUser(body, actorOf(request));
      return reply.status(201).header('Location', `/api/users/${user.id}`).send(userBody(user));
    },
  );

  app.get(
    '/api/users/:id',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'One user',
        params: IdParams,
        response: { 200: Type.Ref('User'), ...errorResponses },
      },
    },
    async (request) => userBody(await auth.users.getUser(request.params.id)),
  );

  app.patch(
    '/api/users/:id',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['users'],
        summary: "Change a user's name, e-mail, phone, function or active flag",
        description: 'Deactivating ends the sessions and revokes the API tokens of the user.',
        params: IdParams,
        body: Type.Object({
          name: Type.Optional(Type.String()),
          email: Type.Optional(Type.String()),
          phone: Type.Optional(Nullable(Type.String())),
          jobTitle: Type.Optional(Nullable(Type.String())),
          active: Type.Optional(Type.Boolean()),
        }),
        response: { 200: Type.Ref('User'), ...errorResponses },
      },
    },
    async (request) =>
      userBody(await auth.users.updateUser(request.params.id, request.body, actorOf(request))),
  );

  app.delete(
    '/api/users/:id',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Deactivate a user',
        description:
          'Users are never deleted: their name stays on dossier history and in the audit log. Deactivation ends their sessions and revokes their API tokens.',
        params: IdParams,
        response: { 200: Type.Ref('User'), ...errorResponses },
      },
    },
    async (request) => userBody(await auth.users.deactivateUser(request.params.id, actorOf(request))),
  );

  app.post(
    '/api/users/:id/block',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Block a user',
        description:
          'A blocked user cannot log in (403 account_blocked); their sessions end at once and their API tokens are refused until they are unblocked (not revoked). Refused with 409 invalid_state: the last active administrator (detail code user.last_administrator) and your own account (detail code user.block_self).',
        params: IdParams,
        response: { 200: Type.Ref('User'), ...errorResponses },
      },
    },
    async (request) =>
      userBody(await auth.users.blockUser(request.params.id, actorOf(request), principalOf(request).user.id)),
  );

  app.post(
    '/api/users/:id/unblock',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Unblock a user: they can log in again and their API tokens work again',
        params: IdParams,
        response: { 200: Type.Ref('User'), ...errorResponses },
      },
    },
    async (request) => userBody(await auth.users.unblockUser(request.params.id, actorOf(request))),
  );

  app.put(
    '/api/users/:id/roles',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['users'],
        summary: "Replace a user's roles",
        params: IdParams,
        body: Type.Object({ roles: RoleList }),
        response: { 200: Type.Ref('User'), ...errorResponses },
      },
    },
    async (request) =>
      userBody(await auth.users.setRoles(request.params.id, request.body.roles, actorOf(request))),
  );

  app.post(
    '/api/users/:id/password-reset',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Issue a one-time password reset link for a user, to hand over',
        params: IdParams,
        response: {
          201: Type.Object({
            token: Type.String(),
            link: Type.String(),
            expiresAt: Type.String({ format: 'date-time' }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { token, expiresAt } = await auth.reset.issuePasswordReset(request.params.id, actorOf(request));
      return reply.status(201).send({
        token,
        link: passwordResetLink(publicUrl(request), token),
        expiresAt: new Date(expiresAt).toISOString(),
      });
    },
  );

  // ----- teams ----------------------------------------------------------------------------------

  app.get(
    '/api/teams',
    {
      config: { permission: 'dossiers.write' },
      schema: {
        tags: ['users'],
        summary: 'List teams with their members',
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('Team')) }), ...errorResponses },
      },
    },
    async () => ({ items: (await auth.users.listTeams()).map(teamBody) }),
  );

  app.get(
    '/api/teams/:id',
    {
      config: { permission: 'dossiers.write' },
      schema: {
        tags: ['users'],
        summary: 'One team',
        params: IdParams,
        response: { 200: Type.Ref('Team'), ...errorResponses },
      },
    },
    async (request) => teamBody(await auth.users.getTeam(request.params.id)),
  );

  app.post(
    '/api/teams',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Create a team',
        body: Type.Object({ name: Type.String(), memberIds: Type.Optional(Type.Array(Type.String())) }),
        response: { 201: Type.Ref('Team'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const team = await auth.users.createTeam(request.body, actorOf(request));
      return reply.status(201).header('Location', `/api/teams/${team.id}`).send(teamBody(team));
    },
  );

  app.patch(
    '/api/teams/:id',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Rename a team',
        params: IdParams,
        body: Type.Object({ name: Type.String() }),
        response: { 200: Type.Ref('Team'), ...errorResponses },
      },
    },
    async (request) =>
      teamBody(await auth.users.renameTeam(request.params.id, request.body.name, actorOf(request))),
  );

  app.put(
    '/api/teams/:id/members',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['users'],
        summary: "Replace a team's members",
        params: IdParams,
        body: Type.Object({ memberIds: Type.Array(Type.String()) }),
        response: { 200: Type.Ref('Team'), ...errorResponses },
      },
    },
    async (request) =>
      teamBody(await auth.users.setTeamMembers(request.params.id, request.body.memberIds, actorOf(request))),
  );

  app.delete(
    '/api/teams/:id',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Delete a team (its members stay)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await auth.users.deleteTeam(request.params.id, actorOf(request));
      return reply.status(204).send(null);
    },
  );

  // ----- API tokens -----------------------------------------------------------------------------

  app.get(
    '/api/tokens',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['api tokens'],
        summary: 'Your API tokens (without their secrets); all=true lists everyone’s (administrators)',
        querystring: Type.Object({ all: Type.Optional(Type.Boolean()) }),
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('ApiToken')) }), ...errorResponses },
      },
    },
    async (request) => {
      const tokens = await auth.tokens.listTokens(principalOf(request), { all: request.query.all });
      const names = new Map((await auth.users.listUsers()).map((u) => [u.id, u.name]));
      return { items: tokens.map((t) => tokenBody(t, names.get(t.userId) ?? '')) };
    },
  );

  app.post(
    '/api/tokens',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['api tokens'],
        summary: 'Create an API token; its secret is shown in this response only',
        description:
          'Scopes: read (see dossiers), dossiers.write (feed dossiers), workflows.manage (templates, mailboxes, e-mail templates, actions), all (everything you may do). A token never holds more rights than its creator.',
        body: Type.Object({
          name: Type.String({ maxLength: 100 }),
          scopes: ScopeList,
          expiresAt: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
          userId: Type.Optional(
            Type.String({
              description:
                'Administrators only: create the token for this user (it holds at most their rights). Default: yourself.',
            }),
          ),
        }),
        response: {
          201: Type.Object({
            token: Type.Ref('ApiToken'),
            secret: Type.String({
              description: 'Send as "Authorization: Bearer <secret>". Shown only once.',
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const { token, secret } = await auth.tokens.createToken(principalOf(request), {
        name: body.name,
        scopes: body.scopes,
        expiresAt: body.expiresAt == null ? null : parseTime(body.expiresAt, 'expiresAt'),
        userId: body.userId,
      });
      const owner = await auth.users.getUser(token.userId);
      return reply.status(201).send({ token: tokenBody(token, owner.name), secret });
    },
  );

  app.delete(
    '/api/tokens/:id',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['api tokens'],
        summary: 'Revoke an API token; it stops working at once',
        params: IdParams,
        response: { 200: Type.Ref('ApiToken'), ...errorResponses },
      },
    },
    async (request) => {
      const token = await auth.tokens.revokeToken(principalOf(request), request.params.id);
      return tokenBody(token, (await auth.users.getUser(token.userId)).name);
    },
  );

  // ----- audit log ------------------------------------------------------------------------------

  app.get(
    '/api/audit-log',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['audit log'],
        summary: 'The audit log, newest first: who changed what, when, before and after',
        description:
          'Filter by entityType and entityId (the history of one template), actor (a user id or token:<id>), action, and a time range [from, to). Page with the nextCursor of the previous page.',
        querystring: Type.Object({
          ...CursorQuery,
          entityType: Type.Optional(Type.String()),
          entityId: Type.Optional(Type.String()),
          actor: Type.Optional(Type.String()),
          action: Type.Optional(Type.String()),
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.Integer(),
                occurredAt: Type.String({ format: 'date-time' }),
                actor: Nullable(Type.String()),
                actorName: Nullable(Type.String()),
                action: Type.String(),
                entityType: Type.String(),
                entityId: Type.String(),
                before: Type.Unknown(),
                after: Type.Unknown(),
              }),
            ),
            nextCursor: Nullable(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      // Only ids the log can have: 1e300 or 2^60 would overflow a bigint comparison (a 500).
      const beforeId = decodeIdCursor(q.cursor, 'cursor');
      const page = await werkflow.audit.query({
        entityType: q.entityType,
        entityId: q.entityId,
        actor: q.actor,
        action: q.action,
        from: parseTime(q.from, 'from'),
        to: parseTime(q.to, 'to'),
        beforeId,
        limit: q.limit ?? 100,
      });
      return {
        items: page.items.map((e) => ({
          id: e.id,
          occurredAt: new Date(e.occurredAt).toISOString(),
          actor: e.actor,
          actorName: e.actorName,
          action: e.action,
          entityType: e.entityType,
          entityId: e.entityId,
          before: e.before,
          after: e.after,
        })),
        nextCursor: page.nextBeforeId === null ? null : encodeCursor(page.nextBeforeId),
      };
    },
  );
}

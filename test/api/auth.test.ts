import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildServer } from '../../src/api/server.js';
import { requirePermission } from '../../src/api/auth.hook.js';
import {
  ACCOUNT_POLICY,
  afterFailure,
  checkPassword,
  lockedUntil,
  rightsOfRoles,
  rightsOfToken,
} from '../../src/domain/auth/index.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';
import {
  anonymousApi,
  apiAs,
  apiWithToken,
  serverFor,
  sessionApi,
  userWithToken,
} from '../support/api-client.js';

const MINUTE = 60_000;
const PASSWORD = 'paarse olifant fietst naar Zwolle';

interface ErrorBody {
  error: { code: string; message: string; path: string };
}

function sessionCookieOf(res: LightMyRequestResponse): string {
  const header = res.headers['set-cookie'];
  const line = Array.isArray(header) ? header[0]! : String(header);
  return line.split(';')[0]!; // werkflow_session=…
}

describe('auth rules as pure functions', () => {
  it('20 failures within the window lock for 15 minutes; an expired lock starts a fresh count', () => {
    const t0 = Date.parse('2026-11-23T09:00:00Z');
    let state = undefined as ReturnType<typeof afterFailure> | undefined;
    for (let i = 0; i < 19; i++) state = afterFailure(state, t0 + i * 1000, ACCOUNT_POLICY);
    expect(lockedUntil(state, t0 + 19_000)).toBeNull();
    state = afterFailure(state, t0 + 19_000, ACCOUNT_POLICY);
    expect(lockedUntil(state, t0 + 19_000)).toBe(t0 + 19_000 + 15 * MINUTE);
    // Failing while locked does not extend the lock.
    expect(afterFailure(state, t0 + 5 * MINUTE, ACCOUNT_POLICY)).toEqual(state);
    expect(lockedUntil(state, t0 + 19_000 + 15 * MINUTE)).toBeNull();
    expect(afterFailure(state, t0 + 19_000 + 15 * MINUTE, ACCOUNT_POLICY)).toMatchObject({ failures: 1 });
    // Failures spread over more than the window never lock.
    let slow = undefined as ReturnType<typeof afterFailure> | undefined;
    for (let i = 0; i < 40; i++) slow = afterFailure(slow, t0 + i * 4 * MINUTE, ACCOUNT_POLICY);
    expect(slow!.lockedUntil).toBeNull();
  });

  it('roles nest and tokens never exceed their creator', () => {
    expect([...rightsOfRoles(['workflow-manager'])]).toContain('workflows.automatic');
    expect([...rightsOfRoles(['workflow-manager'])]).not.toContain('admin');
    expect([...rightsOfRoles(['staff'])].sort()).toEqual(
      ['actions.handle', 'dossiers.read', 'dossiers.write', 'templates.manual'].sort(),
    );
    expect([...rightsOfRoles(['read-only'])]).toEqual(['dossiers.read']);
    expect([...rightsOfToken(['workflows.manage'], rightsOfRoles(['staff']))]).not.toContain(
      'workflows.automatic',
    );
    expect([...rightsOfToken(['read'], rightsOfRoles(['administrator']))]).toEqual(['dossiers.read']);
  });

  it('passwords need length, and not the obvious ones', () => {
    expect(checkPassword('short')[0]?.message).toMatch(/at least 12/);
    expect(checkPassword('aaaaaaaaaaaaaaa')).toHaveLength(1);
    expect(checkPassword('anna.devries-2026!', { email: 'anna.devries@example.nl' })).toHaveLength(1);
    expect(checkPassword(PASSWORD)).toEqual([]);
  });
});

describe.each(BACKENDS)('auth on $name', (backend) => {
  let werkflow: Werkflow | undefined;
  const extraApps: FastifyInstance[] = [];
  afterEach(async () => {
    for (const app of extraApps.splice(0)) await app.close();
    await werkflow?.close();
    werkflow = undefined;
  });

  async function open(preset = 'energy-cooperative', clock = new TestClock()): Promise<Werkflow> {
    werkflow = await openTestWerkflow(backend, { preset, clock });
    return werkflow;
  }

  async function userWithPassword(w: Werkflow, email: string, roles: string[] = ['staff']) {
    return w.auth.users.createUser({ name: 'Anna de Vries', email, roles, password: PASSWORD }, 'test');
  }

  it('a staff user cannot publish an automatic template; a workflow manager can', async () => {
    const w = await open('training-institute');
    const staff = await apiAs(w, 'staff');
    const manager = await apiAs(w, 'workflowManager');
    const template = (executionMode: string) => ({
      name: `Welkomstmail (${executionMode})`,
      dossierType: 'training',
      event: { type: 'created' },
      effect: { type: 'none' },
      executionMode,
    });
    const refused = await staff.request('POST', '/api/templates?publish=true', template('automatic'));
    expect(refused.statusCode, refused.body).toBe(403);
    const error = refused.json<ErrorBody>().error;
    expect(error.code).toBe('forbidden');
    expect(error.message).toContain('workflows.automatic (Automatische workflow)');
    expect(error.message).toContain('ask an administrator');
    // Manual templates are theirs to make.
    expect((await staff.request('POST', '/api/templates?publish=true', template('manual'))).statusCode).toBe(
      201,
    );
    const allowed = await manager.request('POST', '/api/templates?publish=true', template('automatic'));
    expect(allowed.statusCode, allowed.body).toBe(201);
  });

  it('requirePermission refuses body-dependent checks with 403 naming the right', async () => {
    const w = await open();
    const app = await buildServer(w);
    extraApps.push(app);
    // A stand-in for a route whose check depends on the body, as the templates route's does.
    app.post('/api/test/publish', { config: { permission: 'dossiers.read' } }, async (request) => {
      const body = request.body as { executionMode: string };
      if (body.executionMode === 'automatic')
        requirePermission(request, 'workflows.automatic', 'to publish automatic templates');
      return { ok: true };
    });
    await app.ready();
    const inject = (token: string, executionMode: string) =>
      app.inject({
        method: 'POST',
        url: '/api/test/publish',
        headers: { authorization: `Bearer ${token}` },
        payload: { executionMode },
      });
    const staff = await userWithToken(w, 'staff');
    const manager = await userWithToken(w, 'workflowManager');
    expect((await inject(staff.token, 'manual')).statusCode).toBe(200);
    const refused = await inject(staff.token, 'automatic');
    expect(refused.statusCode).toBe(403);
    expect(refused.json<ErrorBody>().error.message).toMatch(
      /^You need the right workflows\.automatic \(Automatische workflow\) to publish automatic templates; ask an administrator\./,
    );
    expect((await inject(manager.token, 'automatic')).statusCode).toBe(200);
    // A manager's token scoped to reading lacks the right, and the message says which scope would give it.
    const narrow = await userWithToken(w, 'workflowManager', ['read']);
    const scoped = await inject(narrow.token, 'automatic');
    expect(scoped.statusCode).toBe(403);
    expect(scoped.json<ErrorBody>().error.message).toContain('scope workflows.manage or all');
  });

  it('a revoked token stops working at once', async () => {
    const w = await open();
    const staff = await apiAs(w, 'staff');
    const me = await staff.request('GET', '/api/auth/me');
    expect(me.statusCode).toBe(200);
    const tokenId = me.json<{ token: { id: string } }>().token.id;
    const revoked = await staff.request('DELETE', `/api/tokens/${tokenId}`);
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json<{ revokedAt: string | null }>().revokedAt).not.toBeNull();
    const after = await staff.request('GET', '/api/dossiers/contact');
    expect(after.statusCode).toBe(401);
    expect(after.headers['www-authenticate']).toMatch(/Bearer/);
    expect(after.json<ErrorBody>().error.message).toMatch(/revoked/);
    // An administrator can revoke anyone's token; others cannot see them.
    const other = await apiAs(w, 'readOnly');
    const otherId = (await other.request('GET', '/api/auth/me')).json<{ token: { id: string } }>().token.id;
    expect((await (await apiAs(w, 'staff')).request('DELETE', `/api/tokens/${otherId}`)).statusCode).toBe(
      404,
    );
    expect((await (await apiAs(w, 'admin')).request('DELETE', `/api/tokens/${otherId}`)).statusCode).toBe(
      200,
    );
    expect((await other.request('GET', '/api/auth/me')).statusCode).toBe(401);
  });

  it('tokens record their last use, are stored hashed and shown once', async () => {
    const clock = new TestClock();
    const w = await open('energy-cooperative', clock);
    await userWithPassword(w, 'beheer@example.nl', ['administrator']);
    const admin = await sessionApi(w, 'beheer@example.nl', PASSWORD);
    const created = await admin.request('POST', '/api/tokens', {
      name: 'Econobis sync',
      scopes: ['dossiers.write'],
    });
    expect(created.statusCode, created.body).toBe(201);
    const { token, secret } = created.json<{
      token: { id: string; lastUsedAt: string | null };
      secret: string;
    }>();
    expect(secret).toMatch(/^wft_/);
    expect(token.lastUsedAt).toBeNull();
    const row = await w.store.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', token.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(secret.slice(4));
    // The list never shows secrets.
    const list = await admin.request('GET', '/api/tokens');
    expect(list.body).not.toContain(secret.slice(4));
    // Use it; the time is recorded.
    clock.advance(5 * MINUTE);
    const machine = await apiWithToken(w, secret);
    expect((await machine.request('GET', '/api/dossiers/contact')).statusCode).toBe(200);
    const used = await w.store.db
      .selectFrom('api_tokens')
      .select('last_used_at')
      .where('id', '=', token.id)
      .executeTakeFirstOrThrow();
    expect(Number(used.last_used_at)).toBe(clock.now());
    // Scoped to dossiers: no administration, and it cannot mint itself a wider token.
    expect((await machine.request('GET', '/api/users')).statusCode).toBe(403);
    const wider = await machine.request('POST', '/api/tokens', { name: 'escalate', scopes: ['all'] });
    expect(wider.statusCode).toBe(403);
    expect(wider.json<ErrorBody>().error.message).toMatch(/cannot create API tokens/);
  });

  it('only a signed-in session creates tokens: a token cannot mint one that outlives it', async () => {
    const w = await open();
    const user = await userWithPassword(w, 'beheer@example.nl', ['administrator']);
    const parent = await w.auth.tokens.createTokenForUser(user.id, {
      name: 'parent',
      scopes: ['all'],
      expiresAt: w.clock.now() + 60 * MINUTE,
    });
    const machine = await apiWithToken(w, parent.secret);
    for (const body of [
      { name: 'child', scopes: ['read'] },
      { name: 'child', scopes: ['all'], expiresAt: null },
    ]) {
      const res = await machine.request('POST', '/api/tokens', body);
      expect(res.statusCode, res.body).toBe(403);
      const error = res.json<ErrorBody>().error;
      expect(error.code).toBe('forbidden');
      expect(error.message).toMatch(/cannot create API tokens.*Sign in/);
    }
    expect((await w.auth.tokens.repository.list({ userId: user.id })).map((t) => t.name)).toEqual(['parent']);
    // Revoking the parent ends all machine access of it.
    await w.auth.tokens.revokeToken(await w.auth.tokens.authenticateToken(parent.secret), parent.token.id);
    expect((await machine.request('GET', '/api/auth/me')).statusCode).toBe(401);
    // In a session it works.
    const session = await sessionApi(w, 'beheer@example.nl', PASSWORD);
    const made = await session.request('POST', '/api/tokens', { name: 'child', scopes: ['read'] });
    expect(made.statusCode, made.body).toBe(201);
  });

  it('a session cookie needs the CSRF token on state-changing requests', async () => {
    const w = await open();
    await userWithPassword(w, 'beheer@example.nl', ['administrator']);
    const anon = await anonymousApi(w);
    const login = await anon.request('POST', '/api/auth/login', {
      email: 'Beheer@Example.nl',
      password: PASSWORD,
    });
    expect(login.statusCode, login.body).toBe(200);
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/^werkflow_session=[^;]+; /);
    const attributes = setCookie.split('; ').slice(1);
    expect(attributes).toHaveLength(4);
    expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'Path=/', 'SameSite=Lax']));
    expect(attributes.filter((a) => /^Max-Age=\d+$/.test(a))).toHaveLength(1);
    const cookie = sessionCookieOf(login);
    const { csrfToken } = login.json<{ csrfToken: string }>();
    // Reading needs no CSRF token.
    const me = await anon.request('GET', '/api/auth/me', undefined, { cookie });
    expect(me.statusCode).toBe(200);
    expect(me.json<{ csrfToken: string; via: string }>()).toMatchObject({ csrfToken, via: 'session' });
    // Changing without (or with a wrong) CSRF token is refused, and nothing is written.
    const without = await anon.request('POST', '/api/teams', { name: 'Backoffice' }, { cookie });
    expect(without.statusCode).toBe(403);
    expect(without.json<ErrorBody>().error).toMatchObject({ code: 'forbidden', path: 'X-CSRF-Token' });
    const wrong = await anon.request(
      'POST',
      '/api/teams',
      { name: 'Backoffice' },
      { cookie, 'x-csrf-token': 'guess' },
    );
    expect(wrong.statusCode).toBe(403);
    expect(await w.auth.users.listTeams()).toEqual([]);
    const right = await anon.request(
      'POST',
      '/api/teams',
      { name: 'Backoffice' },
      { cookie, 'x-csrf-token': csrfToken },
    );
    expect(right.statusCode, right.body).toBe(201);
    // The session secret is stored hashed only.
    const secret = decodeURIComponent(cookie.split('=')[1]!);
    const sessions = await w.store.db.selectFrom('sessions').selectAll().execute();
    expect(JSON.stringify(sessions)).not.toContain(secret);
    expect(sessions[0]!.token_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    // Log out: the cookie stops working.
    const out = await anon.request('POST', '/api/auth/logout', undefined, {
      cookie,
      'x-csrf-token': csrfToken,
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect((await anon.request('GET', '/api/auth/me', undefined, { cookie })).statusCode).toBe(401);
  });

  it('20 wrong passwords lock the account; the right one still fails until the lock expires', async () => {
    const clock = new TestClock();
    const w = await open('energy-cooperative', clock);
    await userWithPassword(w, 'anna@example.nl');
    const anon = await anonymousApi(w);
    const login = (password: string, remoteAddress = '192.0.2.10') =>
      anon.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'anna@example.nl', password },
        remoteAddress,
      });
    for (let i = 1; i <= 20; i++) {
      const res = await login(`wrong password ${i}`);
      expect(res.statusCode).toBe(401);
      if (i === 20) expect(res.json<ErrorBody>().error.message).toMatch(/locked for 15 minutes/);
      clock.advance(1000);
    }
    const locked = await login(PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(locked.json<ErrorBody>().error.code).toBe('rate_limited');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(14 * 60);
    // From another address too: the lock is on the account.
    expect((await login(PASSWORD, '198.51.100.7')).statusCode).toBe(429);
    clock.advance(14 * MINUTE);
    expect((await login(PASSWORD)).statusCode).toBe(429);
    clock.advance(MINUTE);
    const open_ = await login(PASSWORD);
    expect(open_.statusCode, open_.body).toBe(200);
    // The lock is in the audit log.
    const user = (await w.auth.users.getUserByEmail('anna@example.nl'))!;
    const audit = await w.audit.query({
      entityType: 'user',
      entityId: user.id,
      action: 'user.locked',
      limit: 10,
    });
    expect(audit.items).toHaveLength(1);
  });

  it('40 concurrent wrong guesses (mixed case) then the right one: refused until the lock expires', async () => {
    const clock = new TestClock();
    const w = await open('energy-cooperative', clock);
    await userWithPassword(w, 'anna@example.nl');
    const anon = await anonymousApi(w);
    const login = (email: string, password: string) =>
      anon.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email, password },
        remoteAddress: '192.0.2.10',
      });
    const spellings = ['anna@example.nl', 'ANNA@example.nl', 'Anna@Example.NL', ' anna@EXAMPLE.nl '];
    const results = await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => login(spellings[i % spellings.length]!, `wrong guess ${i}`)),
      login('Anna@example.NL', PASSWORD),
    ]);
    const right = results.at(-1)!;
    expect(right.statusCode, right.body).toBe(429);
    expect(right.json<ErrorBody>().error.code).toBe('rate_limited');
    expect(right.headers['retry-after']).toBeDefined();
    // Every wrong guess was refused; once locked, wrong guesses get the same 429 as the right one.
    for (const res of results.slice(0, -1)) expect([401, 429]).toContain(res.statusCode);
    expect(results.filter((r) => r.statusCode === 429).length).toBeGreaterThan(1);
    expect(await w.store.db.selectFrom('sessions').selectAll().execute()).toEqual([]);
    // The lock holds, for right and wrong passwords alike, until it expires.
    expect((await login('anna@example.nl', PASSWORD)).statusCode).toBe(429);
    expect((await login('anna@example.nl', 'wrong again')).statusCode).toBe(429);
    clock.advance(14 * MINUTE);
    expect((await login('anna@example.nl', PASSWORD)).statusCode).toBe(429);
    clock.advance(MINUTE);
    const opened = await login('anna@example.nl', PASSWORD);
    expect(opened.statusCode, opened.body).toBe(200);
  });

  it('changing the password: wrong current passwords count against the account lock', async () => {
    const clock = new TestClock();
    const w = await open('energy-cooperative', clock);
    await userWithPassword(w, 'anna@example.nl');
    const anna = await sessionApi(w, 'anna@example.nl', PASSWORD);
    const next = 'groene kikker springt over de sloot';
    const change = (currentPassword: string) =>
      anna.request('PUT', '/api/auth/password', { currentPassword, newPassword: next });
    for (let i = 1; i <= 20; i++) {
      const res = await change(`wrong password ${i}`);
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json<ErrorBody>().error.path).toBe('currentPassword');
      if (i === 20) expect(res.json<ErrorBody>().error.message).toMatch(/locked for 15 minutes/);
      clock.advance(1000);
    }
    // Locked: the right current password is refused too, and so is logging in.
    const locked = await change(PASSWORD);
    expect(locked.statusCode, locked.body).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(14 * 60);
    const anon = await anonymousApi(w);
    expect(
      (await anon.request('POST', '/api/auth/login', { email: 'anna@example.nl', password: PASSWORD }))
        .statusCode,
    ).toBe(429);
    clock.advance(15 * MINUTE);
    const changed = await change(PASSWORD);
    expect(changed.statusCode, changed.body).toBe(204);
    expect(
      (await anon.request('POST', '/api/auth/login', { email: 'anna@example.nl', password: next }))
        .statusCode,
    ).toBe(200);
  });

  it('an API token cannot change its user’s password', async () => {
    const w = await open();
    const user = await userWithPassword(w, 'anna@example.nl');
    const { secret } = await w.auth.tokens.createTokenForUser(user.id, { name: 'script', scopes: ['all'] });
    const machine = await apiWithToken(w, secret);
    const res = await machine.request('PUT', '/api/auth/password', {
      currentPassword: PASSWORD,
      newPassword: 'groene kikker springt over de sloot',
    });
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json<ErrorBody>().error.message).toBe(
      'Change your password in a signed-in session, not with an API token.',
    );
    const anon = await anonymousApi(w);
    expect(
      (await anon.request('POST', '/api/auth/login', { email: 'anna@example.nl', password: PASSWORD }))
        .statusCode,
    ).toBe(200);
  });

  it('an unknown address and a wrong password get the same answer', async () => {
    const w = await open();
    await userWithPassword(w, 'anna@example.nl');
    const anon = await anonymousApi(w);
    const unknown = await anon.request('POST', '/api/auth/login', {
      email: 'nobody@example.nl',
      password: PASSWORD,
    });
    const wrong = await anon.request('POST', '/api/auth/login', {
      email: 'anna@example.nl',
      password: 'not it at all',
    });
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
  });

  it('passwords are stored as argon2id hashes', async () => {
    const w = await open();
    const user = await userWithPassword(w, 'anna@example.nl');
    const row = await w.store.db
      .selectFrom('user_credentials')
      .selectAll()
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(row.password_hash).not.toContain(PASSWORD);
    expect(user.hasPassword).toBe(true);
  });

  it('a password reset token works once, lifts the lock and ends old sessions', async () => {
    const w = await open();
    const user = await userWithPassword(w, 'anna@example.nl');
    const delivered: string[] = [];
    w.auth.reset.onPasswordResetRequested(({ token }) => delivered.push(token));
    const anon = await anonymousApi(w);
    const session = sessionCookieOf(
      await anon.request('POST', '/api/auth/login', { email: 'anna@example.nl', password: PASSWORD }),
    );
    // Unknown addresses get the same answer and no token.
    expect(
      (await anon.request('POST', '/api/auth/password-reset', { email: 'nobody@example.nl' })).statusCode,
    ).toBe(202);
    await w.auth.reset.whenIdle();
    expect(delivered).toHaveLength(0);
    expect(
      (await anon.request('POST', '/api/auth/password-reset', { email: 'anna@example.nl' })).statusCode,
    ).toBe(202);
    await w.auth.reset.whenIdle();
    expect(delivered).toHaveLength(1);
    const weak = await anon.request('POST', '/api/auth/password-reset/confirm', {
      token: delivered[0],
      password: 'short',
    });
    expect(weak.statusCode).toBe(422);
    const next = 'groene kikker springt over de sloot';
    const confirm = await anon.request('POST', '/api/auth/password-reset/confirm', {
      token: delivered[0],
      password: next,
    });
    expect(confirm.statusCode, confirm.body).toBe(204);
    expect((await anon.request('GET', '/api/auth/me', undefined, { cookie: session })).statusCode).toBe(401);
    const again = await anon.request('POST', '/api/auth/password-reset/confirm', {
      token: delivered[0],
      password: next,
    });
    expect(again.statusCode).toBe(422);
    expect(
      (await anon.request('POST', '/api/auth/login', { email: 'anna@example.nl', password: next }))
        .statusCode,
    ).toBe(200);
    // An administrator can issue one to hand over.
    const admin = await apiAs(w, 'admin');
    const issued = await admin.request('POST', `/api/users/${user.id}/password-reset`);
    expect(issued.statusCode).toBe(201);
    expect(issued.json<{ link: string }>().link).toMatch(/\/reset-password\?token=/);
  });

  it('password reset requests are throttled per address, and only the newest link works', async () => {
    const clock = new TestClock();
    const w = await open('energy-cooperative', clock);
    const user = await userWithPassword(w, 'anna@example.nl');
    const delivered: string[] = [];
    w.auth.reset.onPasswordResetRequested(({ token }) => delivered.push(token));
    const anon = await anonymousApi(w);
    const spellings = ['anna@example.nl', 'ANNA@example.nl', ' Anna@Example.nl'];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        anon.request('POST', '/api/auth/password-reset', { email: spellings[i % spellings.length] }),
      ),
    );
    await w.auth.reset.whenIdle();
    expect(new Set(answers.map((a) => `${a.statusCode} ${a.body}`)).size).toBe(1);
    expect(answers[0]!.statusCode).toBe(202);
    const resets = await w.store.db
      .selectFrom('password_resets')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute();
    expect(resets).toHaveLength(5);
    expect(resets.filter((r) => r.used_at === null)).toHaveLength(1);
    const issued = await w.audit.query({
      entityType: 'user',
      entityId: user.id,
      action: 'user.password_reset_issued',
      limit: 100,
    });
    expect(issued.items).toHaveLength(5);
    expect(delivered).toHaveLength(5);
    // Only the newest link works; an older one was voided when the next was issued.
    const live = resets.find((r) => r.used_at === null)!;
    const newest = delivered.find((t) => createHash('sha256').update(t).digest('hex') === live.token_hash)!;
    const older = delivered.find((t) => t !== newest)!;
    const next = 'groene kikker springt over de sloot';
    expect(
      (await anon.request('POST', '/api/auth/password-reset/confirm', { token: older, password: next }))
        .statusCode,
    ).toBe(422);
    expect(
      (await anon.request('POST', '/api/auth/password-reset/confirm', { token: newest, password: next }))
        .statusCode,
    ).toBe(204);
    // An hour after the lock began, requests work again.
    clock.advance(60 * MINUTE);
    await anon.request('POST', '/api/auth/password-reset', { email: 'anna@example.nl' });
    await w.auth.reset.whenIdle();
    expect(delivered).toHaveLength(6);
  });

  it('a password reset request gets the same answer for known and unknown addresses', async () => {
    const w = await open();
    await userWithPassword(w, 'anna@example.nl');
    const delivered: string[] = [];
    w.auth.reset.onPasswordResetRequested(({ token }) => delivered.push(token));
    const anon = await anonymousApi(w);
    const ask = (email: string) => anon.request('POST', '/api/auth/password-reset', { email });
    const answers = [await ask('anna@example.nl'), await ask('nobody@example.nl'), await ask('x@y.z')];
    const shape = (res: LightMyRequestResponse) => {
      // Date and the request id differ per request by design.
      const { date: _date, 'x-request-id': _requestId, ...headers } = res.headers;
      return { status: res.statusCode, headers, body: res.body };
    };
    expect(shape(answers[1]!)).toEqual(shape(answers[0]!));
    expect(shape(answers[2]!)).toEqual(shape(answers[0]!));
    await w.auth.reset.whenIdle();
    expect(delivered).toHaveLength(1);
  });

  it('administrators manage users, roles and teams; every change is in the audit log', async () => {
    const clock = new TestClock();
    const w = await open('energy-cooperative', clock);
    const admin = await apiAs(w, 'admin');
    const created = await admin.request('POST', '/api/users', {
      name: 'Bert Hofman',
      email: 'bert@example.nl',
      jobTitle: 'Energiecoach',
      roles: ['read-only'],
    });
    expect(created.statusCode, created.body).toBe(201);
    const bert = created.json<{ id: string; hasPassword: boolean }>();
    expect(bert.hasPassword).toBe(false);
    const duplicate = await admin.request('POST', '/api/users', {
      name: 'B',
      email: 'BERT@example.nl',
      roles: ['staff'],
    });
    expect(duplicate.statusCode).toBe(409);
    clock.advance(MINUTE);
    const promoted = await admin.request('PUT', `/api/users/${bert.id}/roles`, {
      roles: ['workflow-manager'],
    });
    expect(promoted.json<{ roles: string[] }>().roles).toEqual(['workflow-manager']);
    const team = await admin.request('POST', '/api/teams', { name: 'Energiecoaches', memberIds: [bert.id] });
    expect(team.statusCode, team.body).toBe(201);
    // Deactivating ends access at once.
    const { secret } = await w.auth.tokens.createTokenForUser(bert.id, { name: 'bert', scopes: ['read'] });
    const bertApi = await apiWithToken(w, secret);
    const bertMe = await bertApi.request('GET', '/api/auth/me');
    expect(bertMe.statusCode, bertMe.body).toBe(200);
    expect((await admin.request('DELETE', `/api/users/${bert.id}`)).json<{ active: boolean }>().active).toBe(
      false,
    );
    expect((await bertApi.request('GET', '/api/auth/me')).statusCode).toBe(401);

    // The audit log: by entity, by actor, by time range, paged.
    const byEntity = await admin.request('GET', `/api/audit-log?entityType=user&entityId=${bert.id}`);
    const actions = byEntity.json<{ items: { action: string }[] }>().items.map((e) => e.action);
    expect(actions).toEqual(['user.deactivated', 'user.roles_changed', 'user.created']);
    const roles = byEntity.json<{ items: { before: unknown; after: unknown; actorName: string }[] }>()
      .items[1]!;
    expect(roles).toMatchObject({ before: { roles: ['read-only'] }, after: { roles: ['workflow-manager'] } });
    expect(roles.actorName).toMatch(/API token .* of Test admin/);
    const adminActor = `token:${(await admin.request('GET', '/api/auth/me')).json<{ token: { id: string } }>().token.id}`;
    const byActor = await admin.request('GET', `/api/audit-log?actor=${encodeURIComponent(adminActor)}`);
    expect(byActor.json<{ items: unknown[] }>().items.length).toBeGreaterThanOrEqual(4);
    const from = new Date(clock.now() - 30_000).toISOString();
    const inRange = await admin.request('GET', `/api/audit-log?from=${from}&entityType=user`);
    expect(inRange.json<{ items: { action: string }[] }>().items.map((e) => e.action)).toEqual([
      'user.deactivated',
      'user.roles_changed',
    ]);
    const first = await admin.request('GET', '/api/audit-log?limit=2');
    const page1 = first.json<{ items: { id: number }[]; nextCursor: string }>();
    expect(page1.items).toHaveLength(2);
    const second = await admin.request('GET', `/api/audit-log?limit=2&cursor=${page1.nextCursor}`);
    const page2 = second.json<{ items: { id: number }[] }>();
    expect(page2.items[0]!.id).toBeLessThan(page1.items[1]!.id);
  });

  it('the last active administrator cannot be demoted or deactivated', async () => {
    const w = await open();
    const only = await w.auth.users.createUser(
      { name: 'Eerste', email: 'eerste@example.nl', roles: ['administrator'] },
      'cli',
    );
    const demote = await w.auth.users.setRoles(only.id, ['staff'], 'cli').catch((e: unknown) => e);
    expect(demote).toMatchObject({ code: 'invalid_state' });
    const deactivate = await w.auth.users.deactivateUser(only.id, 'cli').catch((e: unknown) => e);
    expect(deactivate).toMatchObject({ code: 'invalid_state' });
  });

  it('the audit log refuses UPDATE and DELETE in the database itself', async () => {
    const w = await open();
    await w.store.db.transaction().execute((trx) =>
      w.audit.record(trx, {
        actor: 'test',
        action: 'mailbox.created',
        entityType: 'mailbox',
        entityId: 'm1',
        after: { smtpPassword: 'hunter2' },
      }),
    );
    const stored = await w.audit.query({ entityType: 'mailbox', limit: 10 });
    expect(stored.items[0]!.after).toEqual({ smtpPassword: '***' });
    await expect(sql`update audit_log set actor = 'someone else'`.execute(w.store.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from audit_log`.execute(w.store.db)).rejects.toThrow(/append-only/);
    expect((await w.audit.query({ limit: 100 })).items.find((e) => e.entityId === 'm1')?.actor).toBe('test');
  });

  it('unknown routes answer 404 without asking for credentials; the docs are public', async () => {
    const w = await open();
    const anon = await anonymousApi(w);
    expect((await anon.request('GET', '/api/no-such-thing')).statusCode).toBe(404);
    expect((await anon.request('GET', '/api/docs')).statusCode).toBe(200);
    expect((await anon.request('GET', '/api/health')).statusCode).toBe(200);
    const app = await serverFor(w);
    expect(app).toBe(anon.app);
  });
});

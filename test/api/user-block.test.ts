import { afterEach, describe, expect, it } from 'vitest';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';
import { anonymousApi, apiAs, apiWithToken, expectError, sessionApi } from '../support/api-client.js';

const PASSWORD = 'paarse olifant fietst naar Zwolle';

describe.each(BACKENDS)('blocking users and tokens for others on $name', (backend) => {
  let werkflow: Werkflow | undefined;
  afterEach(async () => {
    await werkflow?.close();
    werkflow = undefined;
  });

  it('a blocked user cannot log in, their session and token stop at once; unblocking restores the token', async () => {
    const w = (werkflow = await openTestWerkflow(backend, {
      preset: 'energy-cooperative',
      clock: new TestClock(),
    }));
    await w.auth.users.createUser(
      { name: 'Beheer', email: 'beheer@example.nl', roles: ['administrator'], password: PASSWORD },
      'test',
    );
    // Tokens are made in a session (a token cannot mint tokens).
    const admin = await sessionApi(w, 'beheer@example.nl', PASSWORD);
    const anna = await w.auth.users.createUser(
      { name: 'Anna de Vries', email: 'anna@example.nl', roles: ['staff'], password: PASSWORD },
      'test',
    );
    const session = await sessionApi(w, 'anna@example.nl', PASSWORD);
    // The administrator makes Anna's token (another user's: shown once, hers).
    const made = await admin.request('POST', '/api/tokens', {
      name: 'Sync',
      scopes: ['read'],
      userId: anna.id,
    });
    expect(made.statusCode, made.body).toBe(201);
    const { token, secret } = made.json<{ token: { userId: string }; secret: string }>();
    expect(token.userId).toBe(anna.id);
    // Every list names the owner (not just an id).
    const all = (await admin.request('GET', '/api/tokens?all=true')).json<{
      items: { userId: string; userName: string }[];
    }>();
    expect(all.items.find((t) => t.userId === anna.id)?.userName).toBe('Anna de Vries');
    const byToken = await apiWithToken(w, secret);
    expect((await byToken.request('GET', '/api/auth/me')).statusCode).toBe(200);

    const blocked = await admin.request('POST', `/api/users/${anna.id}/block`);
    expect(blocked.statusCode, blocked.body).toBe(200);
    expect(blocked.json<{ blockedAt: string | null }>().blockedAt).not.toBeNull();
    const list = (await admin.request('GET', '/api/users')).json<{
      items: { id: string; blockedAt: string | null }[];
    }>();
    expect(list.items.find((u) => u.id === anna.id)?.blockedAt).not.toBeNull();

    expect((await session.request('GET', '/api/auth/me')).statusCode).toBe(401);
    expectError(await byToken.request('GET', '/api/auth/me'), 403, 'account_blocked');
    const anonymous = await anonymousApi(w);
    const login = await anonymous.request('POST', '/api/auth/login', {
      email: 'anna@example.nl',
      password: PASSWORD,
    });
    expectError(login, 403, 'account_blocked');
    // A wrong password says nothing about the block.
    const wrong = await anonymous.request('POST', '/api/auth/login', {
      email: 'anna@example.nl',
      password: 'x'.repeat(14),
    });
    expectError(wrong, 401, 'unauthenticated');

    expect((await admin.request('POST', `/api/users/${anna.id}/unblock`)).statusCode).toBe(200);
    expect((await byToken.request('GET', '/api/auth/me')).statusCode).toBe(200);
    expect(
      (await anonymous.request('POST', '/api/auth/login', { email: 'anna@example.nl', password: PASSWORD }))
        .statusCode,
    ).toBe(200);

    const audit = await w.store.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', '=', anna.id)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['user.blocked', 'user.unblocked']));
  });

  it('only an administrator makes tokens for others; the last administrator cannot be blocked', async () => {
    const w = (werkflow = await openTestWerkflow(backend, {
      preset: 'energy-cooperative',
      clock: new TestClock(),
    }));
    const staff = await apiAs(w, 'staff');
    const other = await w.auth.users.createUser(
      { name: 'Bert', email: 'bert@example.nl', roles: ['staff'] },
      'test',
    );
    expectError(
      await staff.request('POST', '/api/tokens', { name: 'x', scopes: ['read'], userId: other.id }),
      403,
      'forbidden',
    );
    const api = await apiAs(w, 'admin');
    // Nobody blocks their own account (so the last administrator cannot be blocked either); the
    // detail's code lets the UI say it in the reader's language.
    const me = (await api.request('GET', '/api/auth/me')).json<{ user: { id: string } }>().user;
    const self = await api.request('POST', `/api/users/${me.id}/block`);
    expectError(self, 409, 'invalid_state');
    expect(self.json<{ error: { details: { code: string }[] } }>().error.details[0]!.code).toBe(
      'user.block_self',
    );
    const admins = (await w.auth.users.listUsers()).filter((u) => u.roles.includes('administrator'));
    if (admins.length === 1) {
      const last = await api.request('PATCH', `/api/users/${admins[0]!.id}`, { active: false });
      expectError(last, 409, 'invalid_state');
      expect(last.json<{ error: { details: { code: string }[] } }>().error.details[0]!.code).toBe(
        'user.last_administrator',
      );
    }
  });
});

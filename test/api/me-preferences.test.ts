/**
 * Mijn instellingen through the API: every signed-in person (also read-only) reads and saves the
 * UI's language on their own user; one person's choice is not another's; nothing but nl, en or
 * null is taken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { type ApiClient, apiAs } from '../support/api-client.js';
import { BACKENDS, openTestWerkflow } from '../support/backends.js';
import { type AuditItem, describeEntry, objectKey } from '../../src/web/app/audit-entry.js';
import { en, nl } from '../../src/web/app/dictionary.js';
import { words } from '../support/words.js';

describe.each(BACKENDS)('own preferences on $name', (backend) => {
  let werkflow: Werkflow;
  let reader: ApiClient;
  let staff: ApiClient;

  beforeAll(async () => {
    werkflow = await openTestWerkflow(backend);
    reader = await apiAs(werkflow, 'readOnly');
    staff = await apiAs(werkflow, 'staff');
  });
  afterAll(async () => {
    await reader?.app.close();
    await staff?.app.close();
    await werkflow?.close();
  });

  it('has no language until one is chosen, then keeps it per user', async () => {
    const before = await reader.request('GET', '/api/auth/me/preferences');
    expect(before.statusCode, before.body).toBe(200);
    expect(before.json()).toEqual({ language: null });

    const saved = await reader.request('PUT', '/api/auth/me/preferences', { language: 'en' });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toEqual({ language: 'en' });
    expect((await reader.request('GET', '/api/auth/me/preferences')).json()).toEqual({ language: 'en' });
    // Someone else's choice is their own.
    expect((await staff.request('GET', '/api/auth/me/preferences')).json()).toEqual({ language: null });

    await staff.request('PUT', '/api/auth/me/preferences', { language: 'nl' });
    expect((await staff.request('GET', '/api/auth/me/preferences')).json()).toEqual({ language: 'nl' });
    expect((await reader.request('GET', '/api/auth/me/preferences')).json()).toEqual({ language: 'en' });

    const cleared = await reader.request('PUT', '/api/auth/me/preferences', { language: null });
    expect(cleared.json()).toEqual({ language: null });
  });

  it('writes a change of language to the audit log, readable in both languages', async () => {
    const me = (await staff.request('GET', '/api/auth/me')).json<{ user: { id: string; name: string } }>()
      .user;
    await staff.request('PUT', '/api/auth/me/preferences', { language: 'en' });
    // Saving the same language again is no change.
    await staff.request('PUT', '/api/auth/me/preferences', { language: 'en' });
    await staff.request('PUT', '/api/auth/me/preferences', { language: 'nl' });
    const admin = await apiAs(werkflow, 'admin');
    const res = await admin.request(
      'GET',
      `/api/audit-log?action=user.language_changed&entityType=user&entityId=${me.id}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    // Newest first: the last two changes (the first test changed the language before).
    const [newest, before] = res.json<{ items: AuditItem[] }>().items;
    expect([newest, before].map((e) => [e?.entityId, e?.before, e?.after])).toEqual([
      [me.id, { language: 'en' }, { language: 'nl' }],
      [me.id, { language: 'nl' }, { language: 'en' }],
    ]);
    // By the person themselves (here through their API token).
    expect(newest!.actor).toMatch(/^token:/);
    const names = new Map([[objectKey('user', me.id), me.name]]);
    expect(describeEntry(words(nl), newest!, names)).toContain(
      `zette de taal van gebruiker ‘${me.name}’ op Nederlands`,
    );
    expect(describeEntry(words(en), before!, names)).toContain(
      `set the language of user ‘${me.name}’ to English`,
    );
  });

  it.each([[{ language: 'de' }], [{}], [{ language: 1 }]])('refuses %j with a 4xx', async (body) => {
    const res = await reader.request('PUT', '/api/auth/me/preferences', body);
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
  });
});

/**
 * Mijn instellingen through the API: every signed-in person (also read-only) reads and saves the
 * UI's language on their own user; one person's choice is not another's; nothing but nl, en or
 * null is taken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { type ApiClient, apiAs } from '../support/api-client.js';
import { BACKENDS, openTestWerkflow } from '../support/backends.js';

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

  it.each([[{ language: 'de' }], [{}], [{ language: 1 }]])('refuses %j with a 4xx', async (body) => {
    const res = await reader.request('PUT', '/api/auth/me/preferences', body);
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
  });
});

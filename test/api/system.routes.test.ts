/**
 * The organisation calendar through the API: what an administrator sends wrong is a 422 that
 * points at the setting to fix, not the 503 of a configuration error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { type ApiClient, apiAs } from '../support/api-client.js';
import { BACKENDS, openTestWerkflow } from '../support/backends.js';

describe.each(BACKENDS)('calendar settings on $name', (backend) => {
  let werkflow: Werkflow;
  let admin: ApiClient;

  beforeAll(async () => {
    werkflow = await openTestWerkflow(backend);
    admin = await apiAs(werkflow, 'admin');
  });
  afterAll(async () => {
    await admin?.app.close();
    await werkflow?.close();
  });

  const put = (body: Record<string, unknown>) =>
    admin.request('PUT', '/api/settings/calendar', {
      timeZone: 'Europe/Amsterdam',
      extraHolidays: [],
      removedHolidays: [],
      ...body,
    });

  it.each([
    [{ timeZone: 'Mars/Olympus_Mons' }, 'timeZone', /Unknown time zone "Mars\/Olympus_Mons"/],
    [{ timeZone: '' }, 'timeZone', /IANA/],
    [
      { extraHolidays: ['2026-12-31', '2026-02-30'] },
      'extraHolidays',
      /"2026-02-30" in extraHolidays is not a date/,
    ],
    [{ removedHolidays: ['2026-13-01'] }, 'removedHolidays', /"2026-13-01" in removedHolidays/],
  ])('%j is a 422 on %s', async (body, path, message) => {
    const before = await werkflow.calendar.settings();
    const res = await put(body);
    expect(res.statusCode, res.body).toBe(422);
    const error = res.json<{ error: { code: string; path: string; message: string } }>().error;
    expect(error).toMatchObject({ code: 'validation_failed', path });
    expect(error.message).toMatch(message);
    expect(await werkflow.calendar.settings()).toEqual(before);
  });

  it('valid settings are saved', async () => {
    const res = await put({
      timeZone: 'Europe/Brussels',
      extraHolidays: ['2026-12-31'],
      removedHolidays: ['2026-05-05'],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      timeZone: 'Europe/Brussels',
      goodFriday: false,
      liberationDayLustrumOnly: false,
      extraHolidays: ['2026-12-31'],
      removedHolidays: ['2026-05-05'],
    });
    expect((await werkflow.calendar.calendar()).timeZone).toBe('Europe/Brussels');
  });

  it('defaults to the Algemene termijnenwet; the two options are switched on and shown in the next days off', async () => {
    await put({});
    const before = await admin.request('GET', '/api/settings/calendar');
    const nextOf = (body: { nextHolidays: { date: string; name: { nl: string } }[] }) =>
      body.nextHolidays.map((h) => h.name.nl);
    const defaults = before.json<{
      goodFriday: boolean;
      nextHolidays: { date: string; name: { nl: string } }[];
    }>();
    expect(defaults.goodFriday).toBe(false);
    expect(defaults.nextHolidays).toHaveLength(8);
    expect(nextOf(defaults)).not.toContain('Goede Vrijdag');
    expect(nextOf(defaults)).toContain('Tweede Paasdag');
    const res = await put({ goodFriday: true, liberationDayLustrumOnly: true });
    expect(res.statusCode, res.body).toBe(200);
    const after = res.json<{ goodFriday: boolean; nextHolidays: { date: string; name: { nl: string } }[] }>();
    expect(after).toMatchObject({ goodFriday: true, liberationDayLustrumOnly: true });
    expect(nextOf(after)).toContain('Goede Vrijdag');
    // Saved through the shared settings table: a fresh read sees them; left-out options keep their value.
    await werkflow.calendar.load();
    expect(await werkflow.calendar.settings()).toMatchObject({
      goodFriday: true,
      liberationDayLustrumOnly: true,
    });
    const kept = await admin.request('PUT', '/api/settings/calendar', {
      timeZone: 'Europe/Amsterdam',
      extraHolidays: [],
      removedHolidays: [],
    });
    expect(kept.json()).toMatchObject({ goodFriday: true, liberationDayLustrumOnly: true });
  });

  it('refuses an option that is not true or false', async () => {
    const res = await put({ goodFriday: 'ja' });
    expect(res.statusCode, res.body).toBe(422);
  });
});

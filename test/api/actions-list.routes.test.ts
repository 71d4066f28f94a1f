/**
 * The to-do list's API (issue 10, My actions): the tabs and their counts read the same selection;
 * every row names its dossier and assignee; totals and paging agree; a due time in the past is
 * refused unless confirmed; bulk changes report per action, by name, what was not done; the
 * dashboard's figures are the lists' counts. On SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action, ActionStatus } from '../../src/domain/action/action.js';
import { newId } from '../../src/domain/id.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { type ApiClient, apiAs, expectError } from '../support/api-client.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';
import { openAction } from '../support/action-fixture.js';

const NOW = Date.parse('2026-11-23T10:00:00+01:00'); // a Monday, 10:00 in Amsterdam
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Item {
  id: string;
  title: string;
  status: string;
  process: string | null;
  dossierTitle?: string | null;
  assigneeUserName?: string | null;
  assigneeTeamName?: string | null;
}
interface Page {
  items: Item[];
  nextCursor: string | null;
  total: number;
  totalCapped: boolean;
}

describe.each(BACKENDS)('the to-do list API on $name', (backend) => {
  let wf: Werkflow;
  let api: ApiClient;
  let me: string;
  let other: string;
  let team: string;
  let otherTeam: string;
  const contacts: Record<string, string> = {};
  let seq = 0;
  const made: Action[] = [];

  function action(over: Partial<Action> & { title: string; dossier: string }): Action {
    const { dossier, ...rest } = over;
    const a = openAction({
      id: newId(NOW - DAY + seq++),
      dossierId: contacts[dossier]!,
      dossierType: 'contact',
      process: 'Intake',
      idempotencyKey: `list|${seq}`,
      dueAt: NOW + HOUR,
      createdAt: NOW - DAY,
      ...rest,
    });
    made.push(a);
    return a;
  }

  const ids = (items: { id: string }[]) => items.map((i) => i.id).sort();
  const titled = (...titles: string[]) =>
    made
      .filter((a) => titles.includes(a.title))
      .map((a) => a.id)
      .sort();

  beforeAll(async () => {
    wf = await openTestWerkflow(backend, { clock: new TestClock(NOW) });
    api = await apiAs(wf, 'staff');
    me = api.userId!;
    other = (
      await wf.auth.users.createUser(
        { email: 'kees@example.nl', name: 'Kees Collega', roles: ['staff'] },
        null,
      )
    ).id;
    team = (await wf.auth.users.createTeam({ name: 'Team Noord', memberIds: [me] }, null)).id;
    otherTeam = (await wf.auth.users.createTeam({ name: 'Team Zuid', memberIds: [other] }, null)).id;
    for (const name of ['Jan de Vries', 'Fatima Bakker', 'Piet Jansen']) {
      const d = await wf.dossiers.create('contact', { data: { kind: 'persoon', name } }, 'test');
      contacts[name] = d.id;
    }
    const rows = [
      action({ title: 'Bel Jan', dossier: 'Jan de Vries', assigneeUserId: me }),
      action({ title: 'Mail Jan', dossier: 'Jan de Vries', assigneeUserId: me, dueAt: NOW - 2 * DAY }),
      action({ title: 'Team Fatima', dossier: 'Fatima Bakker', assigneeTeamId: team, process: 'Opleiding' }),
      action({ title: 'Kees Piet', dossier: 'Piet Jansen', assigneeUserId: other }),
      action({ title: 'Zuid Piet', dossier: 'Piet Jansen', assigneeTeamId: otherTeam }),
      action({
        title: 'Fout Piet',
        dossier: 'Piet Jansen',
        status: 'failed',
        executionMode: 'automatic',
        dueAt: NOW - DAY,
        error: 'SMTP 550',
      }),
      action({
        title: 'Twijfel Fatima',
        dossier: 'Fatima Bakker',
        status: 'done',
        executionMode: 'automatic',
        dueAt: NOW - 3 * HOUR,
        completedAt: NOW - 3 * HOUR,
      }),
      action({
        title: 'Auto Jan',
        dossier: 'Jan de Vries',
        status: 'pending',
        executionMode: 'automatic',
        dueAt: NOW + 2 * HOUR,
      }),
      action({ title: 'Later Jan', dossier: 'Jan de Vries', assigneeUserId: me, dueAt: NOW + 3 * DAY }),
      action({ title: 'Klaar Jan', dossier: 'Jan de Vries', status: 'done', assigneeUserId: me }),
    ];
    await wf.store.db.transaction().execute((db) => wf.engine.actions.insertMany(rows, 'test', db));
    const mailbox = await wf.email.mailboxes.createMailbox({
      name: 'Test',
      host: '127.0.0.1',
      port: 2,
      security: 'none',
      fromName: 'Test',
      fromAddress: 'test@example.nl',
    } as Parameters<Werkflow['email']['mailboxes']['createMailbox']>[0]);
    const outbox = (actionId: string | null, status: string, sentAt: number | null) => ({
      id: newId(NOW),
      action_id: actionId,
      dossier_id: null,
      dossier_type: null,
      template_id: null,
      mailbox_id: mailbox.id,
      message_id: `<${newId(NOW)}@example.nl>`,
      from_name: 'Test',
      from_address: 'test@example.nl',
      reply_to: null,
      to_addresses: JSON.stringify(['a@example.nl']),
      cc_addresses: '[]',
      bcc_addresses: '[]',
      subject: 'Hallo',
      html_body: '<p>Hallo</p>',
      text_body: 'Hallo',
      attachments: null,
      status,
      attempts: 1,
      next_attempt_at: NOW,
      locked_by: null,
      locked_at: null,
      data_sent_at: sentAt,
      last_reply: null,
      redirected_to: null,
      created_at: NOW - DAY,
      updated_at: NOW - DAY,
      sent_at: sentAt,
      resolution: null,
      resolved_by: null,
      resolved_at: null,
    });
    await wf.store.db
      .insertInto('email_outbox')
      .values([
        outbox(made.find((a) => a.title === 'Twijfel Fatima')!.id, 'in_doubt', null),
        outbox(null, 'sent', NOW - HOUR), // this week (Monday 09:00)
        outbox(null, 'sent', NOW - 2 * DAY), // last week (Saturday)
      ] as never)
      .execute();
  });
  afterAll(async () => {
    await api?.app.close();
    await wf?.close();
  });

  async function list(query: string): Promise<Page> {
    const res = await api.request('GET', `/api/actions?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Page>();
  }

  it('each tab selects its work, and the counts are the lists’ totals', async () => {
    const expected: Record<string, string[]> = {
      mine: titled('Bel Jan', 'Mail Jan', 'Later Jan'),
      team: titled('Team Fatima'),
      overdue: titled('Mail Jan', 'Fout Piet'),
      failed: titled('Fout Piet'),
      inDoubt: titled('Twijfel Fatima'),
      all: made.map((a) => a.id).sort(),
    };
    const counts = await api.request('GET', '/api/actions/counts');
    expect(counts.statusCode, counts.body).toBe(200);
    const body = counts.json<{ counts: Record<string, number>; capped: string[] }>();
    for (const [tab, want] of Object.entries(expected)) {
      const page = await list(`tab=${tab}`);
      expect(ids(page.items), tab).toEqual(want);
      expect(page.total, tab).toBe(want.length);
      expect(page.totalCapped).toBe(false);
      expect(body.counts[tab], tab).toBe(want.length);
    }
    expect(body.capped).toEqual([]);
  });

  it('the filters narrow a tab, and its count with it', async () => {
    expect(ids((await list('tab=all&process=Opleiding')).items)).toEqual(titled('Team Fatima'));
    expect(ids((await list(`tab=all&assigneeUserId=${other}`)).items)).toEqual(titled('Kees Piet'));
    expect(ids((await list(`tab=all&assigneeTeamId=${otherTeam}`)).items)).toEqual(titled('Zuid Piet'));
    expect(ids((await list('tab=all&templateId=nope')).items)).toEqual([]);
    expect((await list('tab=all&dossierType=training')).total).toBe(0);
    const from = new Date(NOW).toISOString();
    const before = new Date(NOW + DAY).toISOString();
    const today = await list(`tab=mine&dueFrom=${from}&dueBefore=${before}`);
    expect(ids(today.items)).toEqual(titled('Bel Jan'));
    const counts = await api.request('GET', `/api/actions/counts?process=Intake`);
    expect(counts.json<{ counts: Record<string, number> }>().counts).toMatchObject({
      mine: 3,
      team: 0,
      overdue: 2,
      failed: 1,
    });
  });

  it('every row names its dossier and who it is assigned to', async () => {
    const page = await list('tab=all&limit=100');
    expect((page as Page & { now: string }).now).toBe(new Date(NOW).toISOString()); // what late is judged by
    const byTitle = new Map(page.items.map((i) => [i.title, i]));
    expect(byTitle.get('Bel Jan')).toMatchObject({
      dossierTitle: 'Jan de Vries',
      assigneeUserName: expect.any(String),
      assigneeTeamName: null,
    });
    expect(byTitle.get('Kees Piet')).toMatchObject({
      dossierTitle: 'Piet Jansen',
      assigneeUserName: 'Kees Collega',
    });
    expect(byTitle.get('Team Fatima')).toMatchObject({
      dossierTitle: 'Fatima Bakker',
      assigneeTeamName: 'Team Noord',
    });
    const one = await api.request('GET', `/api/actions/${byTitle.get('Zuid Piet')!.id}`);
    expect(one.json()).toMatchObject({ dossierTitle: 'Piet Jansen', assigneeTeamName: 'Team Zuid' });
  });

  it('pages of any size add up to the total, without repeating a row', async () => {
    for (const tab of ['all', 'mine', 'overdue']) {
      const first = await list(`tab=${tab}`);
      for (const size of [1, 2, 3]) {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page: Page = await list(`tab=${tab}&limit=${size}${cursor ? `&cursor=${cursor}` : ''}`);
          expect(page.total).toBe(first.total);
          seen.push(...page.items.map((i) => i.id));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen.length, `${tab} by ${size}`).toBe(first.total);
        expect(new Set(seen).size).toBe(seen.length);
      }
    }
  });

  it('counts stop at the cap: more than it is cap + 1', async () => {
    const repo = wf.engine.actions;
    expect(await repo.count({}, 3)).toBe(4);
    expect(await repo.count({}, 100)).toBe(made.length);
    // Mine and my team's overlap nowhere in the count, however the ranges are cut.
    const both = { statuses: ['waiting', 'pending', 'due', 'running', 'failed'] as ActionStatus[] };
    expect(await repo.count({ ...both, assigneeUserId: me, assigneeTeamIds: [team] }, 100)).toBe(4);
    expect(await repo.count({ ...both, assigneeUserId: me, assigneeTeamIds: [team] }, 3)).toBe(4);
  });

  it('a due time in the past is refused unless the person confirms it', async () => {
    const id = made.find((a) => a.title === 'Later Jan')!.id;
    const past = new Date(NOW - DAY).toISOString();
    const refused = await api.request('POST', `/api/actions/${id}/reschedule`, { dueAt: past });
    expectError(refused, 422, 'validation_failed');
    expect(refused.json<{ error: { path: string; params: { dueAt: string } } }>().error).toMatchObject({
      path: 'dueAt',
      params: { dueAt: past },
    });
    const confirmed = await api.request('POST', `/api/actions/${id}/reschedule`, {
      dueAt: past,
      allowPast: true,
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json<{ dueAt: string }>().dueAt).toBe(past);
    const future = new Date(NOW + 5 * DAY).toISOString();
    const later = await api.request('POST', `/api/actions/${id}/reschedule`, { dueAt: future });
    expect(later.statusCode, later.body).toBe(200);
    // One action's history says who did each step by name, and why in the reader's language.
    const read = await api.request('GET', `/api/actions/${id}`, undefined, { 'accept-language': 'nl' });
    const history = read.json<{
      history: {
        actor: string | null;
        actorName?: string | null;
        actorKind?: string;
        noteCoded: { code: string; text: string } | null;
      }[];
    }>().history;
    expect(history[0]).toMatchObject({ actor: 'test', actorKind: 'user', actorName: null });
    const moved = history.filter((h) => h.noteCoded?.code === 'reason.rescheduled');
    expect(moved).toHaveLength(2);
    for (const h of moved) {
      expect(h.actorKind).toBe('token'); // the test client signs in with an API token of its user
      expect(h.actorName).toBeTruthy();
      expect(h.noteCoded!.text).toMatch(/^verplaatst naar /);
    }
  });

  it('bulk: each action on its own, audited; what was not done is named with the reason', async () => {
    const bel = made.find((a) => a.title === 'Bel Jan')!;
    const team = made.find((a) => a.title === 'Team Fatima')!;
    const auto = made.find((a) => a.title === 'Auto Jan')!;
    const res = await api.request('POST', '/api/actions/bulk', {
      ids: [bel.id, team.id, auto.id, 'no-such-action'],
      operation: 'complete',
      note: 'gebeld',
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{
      done: number;
      failed: number;
      results: {
        id: string;
        ok: boolean;
        title: string | null;
        dossierTitle: string | null;
        status: string | null;
        error?: { error: { code: string } };
      }[];
    }>();
    expect(body).toMatchObject({ done: 2, failed: 2 });
    const byId = new Map(body.results.map((r) => [r.id, r]));
    expect(byId.get(bel.id)).toMatchObject({
      ok: true,
      status: 'done',
      title: 'Bel Jan',
      dossierTitle: 'Jan de Vries',
    });
    expect(byId.get(team.id)).toMatchObject({ ok: true, status: 'done', dossierTitle: 'Fatima Bakker' });
    expect(byId.get(auto.id)).toMatchObject({
      ok: false,
      status: 'pending',
      title: 'Auto Jan',
      dossierTitle: 'Jan de Vries',
      error: { error: { code: 'invalid_state' } },
    });
    expect(byId.get('no-such-action')).toMatchObject({
      ok: false,
      title: null,
      error: { error: { code: 'not_found' } },
    });
    const audited = await wf.store.db
      .selectFrom('audit_log')
      .select(['entity_id', 'action'])
      .where('action', '=', 'action.complete')
      .execute();
    expect(audited.map((r) => r.entity_id).sort()).toEqual([bel.id, team.id].sort());
    // Bulk reschedule to the past: refused per action without the confirmation.
    const kees = made.find((a) => a.title === 'Kees Piet')!;
    const past = await api.request('POST', '/api/actions/bulk', {
      ids: [kees.id],
      operation: 'reschedule',
      dueAt: new Date(NOW - HOUR).toISOString(),
    });
    expect(past.json()).toMatchObject({
      done: 0,
      failed: 1,
      results: [{ error: { error: { path: 'dueAt' } } }],
    });
    expectError(
      await api.request('POST', '/api/actions/bulk', { ids: [kees.id], operation: 'reschedule' }),
      422,
      'validation_failed',
    );
    expectError(
      await api.request('POST', '/api/actions/bulk', { ids: [], operation: 'cancel' }),
      422,
      'validation_failed',
    );
  });

  it('the dashboard: due today, overdue, failed, in doubt, mails sent this week, per process', async () => {
    const res = await api.request('GET', '/api/actions/dashboard');
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json<Record<string, unknown>>();
    expect(d).toMatchObject({
      timeZone: 'Europe/Amsterdam',
      dayStart: '2026-11-22T23:00:00.000Z',
      dayEnd: '2026-11-23T23:00:00.000Z',
      weekStart: '2026-11-22T23:00:00.000Z',
      inDoubt: { count: 1, capped: false },
      mailsSentThisWeek: { count: 1, capped: false },
    });
    // Each figure is what the list with the same filter shows.
    const dueToday = await list(
      `tab=all&status=pending,due&dueFrom=${String(d.dayStart)}&dueBefore=${String(d.dayEnd)}`,
    );
    expect(d.dueToday).toEqual({ count: dueToday.total, capped: false });
    expect(d.overdue).toEqual({ count: (await list('tab=overdue')).total, capped: false });
    expect(d.failed).toEqual({ count: (await list('tab=failed')).total, capped: false });
    const processes = d.processes as {
      process: string | null;
      dueToday: number;
      overdue: number;
      failed: number;
    }[];
    for (const p of processes) {
      if (p.process === null) continue;
      expect(p.overdue).toBe((await list(`tab=overdue&process=${p.process}`)).total);
    }
    expect(processes.map((p) => p.process)).toContain('Intake');
  });
});

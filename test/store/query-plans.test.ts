/**
 * The scheduler's queries and the action lists must read an index range, never the whole actions
 * table: at a million actions a scan costs a second per tick (issue 12). This test runs the real
 * repository methods, captures the SQL they send, and reads the plan each database makes for it
 * (SQLite `EXPLAIN QUERY PLAN`, PostgreSQL `EXPLAIN` with sequential scans priced out, so a plan
 * without an index is one that has no index to use). It asserts on plans, never on timings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompiledQuery, sql } from 'kysely';
import type { Action, ActionStatus } from '../../src/domain/action/action.js';
import { newId } from '../../src/domain/id.js';
import type { Werkflow } from '../../src/engine/werkflow.js';
import { ActionReadsRepository } from '../../src/store/action-reads.repository.js';
import { ActionRepository } from '../../src/store/action.repository.js';
import { MetricsRepository } from '../../src/store/metrics.repository.js';
import type { Db } from '../../src/store/database.js';
import { openAction } from '../support/action-fixture.js';
import { capturing, planText } from '../support/query-plans.js';
import { BACKENDS, TestClock, openTestWerkflow } from '../support/backends.js';

const NOW = Date.parse('2026-11-23T09:00:00Z');
const STATUSES: readonly ActionStatus[] = [
  'waiting',
  'pending',
  'due',
  'running',
  'done',
  'failed',
  'cancelled',
];

function action(i: number): Action {
  const status = STATUSES[i % STATUSES.length]!;
  return openAction({
    id: newId(NOW - 1000 + i),
    templateId: `t${i % 3}`,
    dossierId: `d${i % 50}`,
    dossierType: 'contact',
    title: 'Plan',
    idempotencyKey: `plan|${i}`,
    status,
    executionMode: i % 2 === 0 ? 'automatic' : 'manual',
    dueAt: NOW + (i % 20) * 60_000 - 600_000,
    expiresAt: i % 4 === 0 ? NOW + i * 1000 : null,
    assigneeUserId: i % 5 === 0 ? 'u1' : null,
    assigneeTeamId: i % 7 === 0 ? 'team1' : null,
    lockedBy: status === 'running' ? 'w' : null,
    lockedAt: status === 'running' ? NOW : null,
    createdAt: NOW,
  });
}

describe.each(BACKENDS)('query plans on $name', (backend) => {
  let wf: Werkflow;
  let captured: CompiledQuery[] = [];
  let repo: ActionRepository;
  let spied: Db;

  beforeAll(async () => {
    wf = await openTestWerkflow(backend, { clock: new TestClock(NOW) });
    await wf.store.db.transaction().execute((db) =>
      wf.engine.actions.insertMany(
        Array.from({ length: 400 }, (_, i) => action(i)),
        'test',
        db,
      ),
    );
    // A repository over the same database whose statements are recorded as they are sent.
    ({ db: spied, captured } = capturing(wf.store.db));
    repo = new ActionRepository({ ...wf.store, db: spied });
  });
  afterAll(async () => {
    await wf?.close();
  });

  /** The plan of every SELECT on actions the call sends, one text per statement. */
  async function plansOf(call: (db: Db) => Promise<unknown>, only = /^select/i): Promise<string[]> {
    captured.length = 0;
    await spied.transaction().execute((db) => call(db));
    // (A subquery passes the plugin on its own too; `only` picks the statements sent.)
    const selects = captured.filter((q) => only.test(q.sql) && /"actions"/.test(q.sql));
    expect(selects.length).toBeGreaterThan(0);
    const plans: string[] = [];
    // Sequential scans and sorts priced out: what still scans or sorts has no index to do otherwise.
    for (const q of selects) plans.push(await planText(wf.store, q));
    return plans;
  }

  /** The plan of every UPDATE of actions the call sends (rolled back), one text per statement. */
  async function updatePlansOf(call: (db: Db) => Promise<unknown>): Promise<string[]> {
    captured.length = 0;
    await spied
      .transaction()
      .execute(async (db) => {
        await call(db);
        throw new Error('roll back');
      })
      .catch(() => {});
    const updates = captured.filter((q) => /^update "actions"/i.test(q.sql));
    expect(updates.length).toBeGreaterThan(0);
    const plans: string[] = [];
    // As in plansOf: a table this small is scanned by cost unless scans are priced out.
    for (const q of updates) plans.push(await planText(wf.store, q, { sorts: true }));
    return plans;
  }

  /** An index range of `index` (or all of it when partial), no full scan of the table and (with `ordered`) no sort step. */
  function expectIndexed(plan: string, index: string, ordered = true): void {
    expect(plan).toMatch(new RegExp(`\\b(${index})\\b`));
    if (wf.store.adapter.name === 'sqlite') {
      // Reading a partial index from its start is reading just the rows it holds (waiting work).
      for (const line of plan.split('\n').filter((l) => /^SCAN actions\b/.test(l)))
        expect(line).toMatch(new RegExp(`USING (COVERING )?INDEX (${index})$`));
      if (ordered) expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
    } else {
      expect(plan).not.toMatch(/Seq Scan on actions/);
      if (ordered) expect(plan).not.toMatch(/Sort/);
    }
  }

  it('next wake-up: the earliest due time and the earliest expiry, each from an index', async () => {
    // One statement of two subqueries, each the head of its index.
    const [plan, ...more] = await plansOf((db) => repo.nextWakeAt(db));
    expect(more).toHaveLength(0);
    expectIndexed(plan!, 'actions_due|actions_open_expiry');
    expect(plan).toMatch(/\bactions_due\b/);
    expect(plan).toMatch(/\bactions_open_expiry\b/);
  });

  it('the idle tick’s probe: one statement of five index probes, no scan', async () => {
    const [plan, ...more] = await plansOf((db) => repo.workProbe(NOW, NOW - 60_000, db));
    expect(more).toHaveLength(0);
    const indexes = [
      'actions_due',
      'actions_waiting',
      'actions_open_expiry',
      'actions_claim',
      'actions_manual_due',
    ];
    // Ordered: the due-time probes read an index in due order, no sort step.
    expectIndexed(plan!, indexes.join('|'));
    for (const index of ['actions_due', 'actions_waiting', 'actions_open_expiry', 'actions_manual_due'])
      expect(plan).toMatch(new RegExp(`\\b${index}\\b`));
    if (wf.store.adapter.name === 'postgres') {
      // Manual work falling due, expiring work and due automatic work: each the first entry of an
      // index in its order (a Limit over an index scan). As an exists, PostgreSQL's statistics at
      // a million actions made it scan the table twice per idle tick (643 ms; issue 12).
      const heads = (p: string) =>
        p.match(
          /Limit[^\n]*\n\s*-> {2}Index (Only )?Scan using (actions_claim|actions_manual_due|actions_open_expiry)\b/g,
        ) ?? [];
      expect(plan!.match(/-> {2}Limit\b/g) ?? []).toHaveLength(3);
      expect(heads(plan!)).toHaveLength(3);
      // A named prepared statement (planned once per connection, not every idle tick), so its plan
      // may be the generic one, made without the values: the same index heads.
      captured.length = 0;
      await repo.workProbe(NOW, NOW - 60_000, spied);
      const [q] = captured;
      const generic = await wf.store.db.transaction().execute(async (db) => {
        await sql`set local enable_seqscan = off`.execute(db);
        await sql`set local plan_cache_mode = force_generic_plan`.execute(db);
        await db.executeQuery(CompiledQuery.raw(`prepare generic_probe as ${q!.sql}`));
        const values = q!.parameters.map((v) => sql.lit(Number(v)));
        const r = await sql<{
          'QUERY PLAN': string;
        }>`explain execute generic_probe(${sql.join(values)})`.execute(db);
        await sql`deallocate generic_probe`.execute(db);
        return r.rows.map((row) => row['QUERY PLAN']).join('\n');
      });
      expect(generic).toMatch(/\$1/); // generic indeed: the values are parameters in it
      expect(generic).not.toMatch(/Seq Scan|Sort/);
      expect(heads(generic)).toHaveLength(3);
      expect(generic).toMatch(/Index (Only )?Scan using actions_due on actions\b/);
      expect(generic).toMatch(/Index Only Scan using actions_waiting\b/);
    }
  });

  it('manual work falling due: the head of actions_manual_due, not a walk past due automatic work (migration 019)', async () => {
    // Through actions_due (status, due_at) the probe and markDue read every pending action due
    // so far, automatic ones included, to find the manual ones: with a backlog of due automatic
    // work that is the whole backlog, every idle tick (issue 12).
    const [probe] = await plansOf((db) => repo.workProbe(NOW, NOW - 60_000, db));
    const [markDue] = await plansOf((db) => repo.markDue(NOW, db));
    for (const plan of [probe!, markDue!]) expect(plan).toMatch(/\bactions_manual_due\b/);
    expectIndexed(markDue!, 'actions_manual_due', false);
    if (wf.store.adapter.name === 'sqlite') {
      expect(probe).toMatch(/SEARCH actions USING (COVERING )?INDEX actions_manual_due \(due_at<\?\)/);
      expect(markDue).toMatch(/SEARCH actions USING INDEX actions_manual_due \(due_at<\?\)/);
    } else {
      expect(probe).toMatch(/Index (Only )?Scan using actions_manual_due on actions/);
    }
  });

  it('expiring actions, claiming due work, marking manual work due and waiting re-checks', async () => {
    const [expiring] = await plansOf((db) => repo.expiring(NOW, 1000, db));
    expectIndexed(expiring!, 'actions_open_expiry');
    const [claim] = await plansOf((db) => repo.claimDue('w1', NOW, 500, db));
    expectIndexed(claim!, 'actions_claim');
    const [markDue] = await plansOf((db) => repo.markDue(NOW, db));
    expectIndexed(markDue!, 'actions_manual_due', false);
    const [waiting] = await plansOf((db) => repo.waitingBatch(200, db));
    expectIndexed(waiting!, 'actions_waiting');
    const [sweep] = await plansOf((db) => repo.sweep(NOW - 60_000, NOW, db));
    expectIndexed(sweep!, 'actions_due', false);
  });

  it('a batch written by id (claimed, completed) is found by its primary key, not by status', async () => {
    // Any batch of ids will do: the plan is what is read, the writes are rolled back.
    const picked = await repo.list({ limit: 200 });
    expect(picked.length).toBeGreaterThan(100);
    const plans = [
      ...(await updatePlansOf((db) => repo.claimPicked(picked, 'w1', NOW, db))),
      ...(await updatePlansOf((db) => repo.completePicked(picked, 'worker:w1', NOW, db))),
      ...(await updatePlansOf((db) =>
        repo.completeMany(
          picked.map((a) => a.id),
          'worker:w1',
          NOW,
          db,
        ),
      )),
    ];
    for (const plan of plans) {
      expect(plan).toMatch(/\b(actions_pkey|sqlite_autoindex_actions_1)\b/);
      expect(plan).not.toMatch(/\bactions_due\b/);
    }
  });

  it('the open actions that read a changed dossier come from the action_reads key, not a scan (issue 8, story 9)', async () => {
    const ids = (await wf.store.db.selectFrom('actions').select('id').orderBy('id').execute()).map(
      (r) => r.id,
    );
    // 400 actions each reading three of 100 contacts.
    const reads = ids.flatMap((actionId, i) =>
      [i % 100, (i + 1) % 100, (i + 2) % 100].map((c) => ({ actionId, dossierId: `contact${c}` })),
    );
    const index = new ActionReadsRepository(repo);
    await wf.store.db.transaction().execute((db) => index.replace([], reads, db));
    const [plan] = await plansOf((db) => index.openReadersOf(['contact7', 'contact8'], db));
    if (wf.store.adapter.name === 'sqlite') {
      expect(plan).toMatch(
        /SEARCH action_reads USING (COVERING )?INDEX sqlite_autoindex_action_reads_1 \(dossier_id=\?\)/,
      );
      expect(plan).toMatch(/SEARCH actions USING INDEX sqlite_autoindex_actions_1 \(id=\?\)/);
      expect(plan).not.toMatch(/SCAN (actions|action_reads)\b/);
    } else {
      expect(plan).toMatch(/action_reads_pkey/);
      expect(plan).not.toMatch(/Seq Scan on (actions|action_reads)/);
    }
    const found = await wf.store.db.transaction().execute((db) => index.openReadersOf(['contact7'], db));
    const readers = reads.filter((r) => r.dossierId === 'contact7').map((r) => r.actionId);
    const open = await wf.store.db
      .selectFrom('actions')
      .select('id')
      .where('id', 'in', readers)
      .where('status', 'in', ['waiting', 'pending', 'due'])
      .execute();
    expect(open.length).toBeGreaterThan(0);
    expect(found.map((a) => a.id).sort()).toEqual(open.map((r) => r.id).sort());
    // The rows of closed actions were dropped on the way.
    const left = await wf.store.db
      .selectFrom('action_reads')
      .select('action_id')
      .where('dossier_id', '=', 'contact7')
      .execute();
    expect(left.map((r) => r.action_id).sort()).toEqual(open.map((r) => r.id).sort());
  });

  it('a dossier’s actions: a range of actions_dossier, which a status change does not move on SQLite (migration 017)', async () => {
    const sqlite = wf.store.adapter.name === 'sqlite';
    // Its open actions (re-checked when the dossier changes): the dossiers' ranges, the status tested on the row.
    const [open] = await plansOf((db) =>
      repo.openForDossiers(['d7', 'd8'], ['waiting', 'pending', 'due'], db),
    );
    expectIndexed(open!, 'actions_dossier', false);
    if (!sqlite) return;
    // Its list, in id order straight from the index (no sort).
    const [list] = await plansOf((db) => repo.list({ dossierId: 'd7', limit: 10 }, db));
    expectIndexed(list!, 'actions_dossier');
    // No status in the index: completing an action (pending → done) leaves its entry where it is.
    const columns = await sql<{
      name: string;
    }>`select name from pragma_index_info('actions_dossier') order by seqno`.execute(wf.store.db);
    expect(columns.rows.map((r) => r.name)).toEqual(['dossier_id', 'id']);
  });

  it('on SQLite the partial indexes of open work test a status list as a CASE, after their nullable column (migration 018)', async () => {
    if (wf.store.adapter.name !== 'sqlite') return;
    // A status change evaluates each condition for the old row and the new: comparisons instead of
    // an `in` list's temporary b-tree, and the not-null test first for actions without an expiry or assignee.
    const rows = await sql<{ name: string; sql: string }>`select name, sql from sqlite_master
      where name in ('actions_open_expiry', 'actions_open_user', 'actions_open_team', 'actions_overdue')`.execute(
      wf.store.db,
    );
    expect(rows.rows).toHaveLength(4);
    for (const r of rows.rows) {
      const where = r.sql.replace(/\s+/g, ' ').split(' where ')[1]!;
      expect(where).not.toMatch(/ in \(/);
      if (r.name === 'actions_overdue')
        expect(where).toBe("(case +status when 'pending' then 1 when 'due' then 1 when 'failed' then 1 end)");
      else expect(where).toMatch(/^\w+ is not null and \(case \+status when 'waiting' then 1 /);
    }
  });

  it('/metrics: actions per template and status, counted from covering indexes (on SQLite done as all minus not done, migration 018)', async () => {
    const [plan, ...more] = await plansOf((db) =>
      new MetricsRepository({ ...wf.store, db }).actionsByTemplateAndStatus(),
    );
    expect(more).toHaveLength(0);
    expectIndexed(plan!, 'actions_template|actions_template_open', false);
    if (wf.store.adapter.name === 'sqlite') {
      expect(plan).toMatch(/COVERING INDEX actions_template\b/);
      expect(plan).toMatch(/COVERING INDEX actions_template_open\b/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    }
    // The same counts as grouping the table.
    const counted = await new MetricsRepository(wf.store).actionsByTemplateAndStatus();
    const grouped = await wf.store.db
      .selectFrom('actions')
      .select(['template_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['template_id', 'status'])
      .execute();
    const key = (t: string, s: string, n: number) => `${t}/${s}=${n}`;
    expect(counted.map((r) => key(r.templateId, r.status, r.count)).sort()).toEqual(
      grouped.map((r) => key(r.template_id, r.status, Number(r.n))).sort(),
    );
  });

  it('the failed list pages through its partial index in id order', async () => {
    const first = await repo.list({ statuses: ['failed'], limit: 10 });
    const [plan] = await plansOf((db) =>
      repo.list({ statuses: ['failed'], after: first.at(-1)!.id, limit: 10 }, db),
    );
    expectIndexed(plan!, 'actions_failed');
  });

  it('the overdue list pages by due time through its partial index, without skipping or repeating', async () => {
    const filter = { overdueAt: NOW, limit: 7 };
    const [plan] = await plansOf((db) => repo.list(filter, db));
    expectIndexed(plan!, 'actions_overdue');
    const seen: Action[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await repo.list({ ...filter, ...(after ? { after } : {}) });
      if (page.length === 0) break;
      seen.push(...page);
      after = repo.cursorAfter(filter, page.at(-1)!);
    }
    const [next] = await plansOf((db) =>
      repo.list({ ...filter, after: repo.cursorAfter(filter, seen[3]!) }, db),
    );
    expectIndexed(next!, 'actions_overdue');
    const expected = (await wf.store.db.selectFrom('actions').select(['id', 'due_at', 'status']).execute())
      .filter((r) => ['pending', 'due', 'failed'].includes(r.status) && Number(r.due_at) < NOW)
      .sort((a, b) => Number(a.due_at) - Number(b.due_at) || (a.id < b.id ? -1 : 1))
      .map((r) => r.id);
    expect(expected.length).toBeGreaterThan(7);
    expect(seen.map((a) => a.id)).toEqual(expected);
  });

  it('mine and my team’s: one range of an open-work index per assignee, merged in id order', async () => {
    const filter = {
      statuses: ['waiting', 'pending', 'due', 'running', 'failed'] as ActionStatus[],
      assigneeUserId: 'u1',
      assigneeTeamIds: ['team1'],
      limit: 1000,
    };
    const [user, team] = await plansOf((db) => repo.list(filter, db));
    expectIndexed(user!, 'actions_open_user');
    expectIndexed(team!, 'actions_open_team');
    const page = await repo.list(filter);
    const expected = (await wf.store.db.selectFrom('actions').selectAll().orderBy('id').execute())
      .filter(
        (r) =>
          filter.statuses.includes(r.status as ActionStatus) &&
          (r.assignee_user_id === 'u1' || r.assignee_team_id === 'team1'),
      )
      .map((r) => r.id);
    expect(expected.length).toBeGreaterThan(20);
    expect(page.map((a) => a.id)).toEqual(expected);
    // A page of 5 is the first 5 of the merged list, whichever range they came from.
    expect((await repo.list({ ...filter, limit: 5 })).map((a) => a.id)).toEqual(expected.slice(0, 5));
  });

  it('counts of the to-do tabs read the same index ranges as their lists, cut off at the cap', async () => {
    const open = ['waiting', 'pending', 'due', 'running', 'failed'] as ActionStatus[];
    const counted = /^select count\(\*\)/i;
    const [failed] = await plansOf((db) => repo.count({ statuses: ['failed'] }, 10_000, db), counted);
    expectIndexed(failed!, 'actions_failed', false);
    const [overdue] = await plansOf(
      (db) => repo.count({ statuses: ['pending', 'due', 'failed'], overdueAt: NOW }, 10_000, db),
      counted,
    );
    expectIndexed(overdue!, 'actions_overdue', false);
    const [user, team] = await plansOf(
      (db) => repo.count({ statuses: open, assigneeUserId: 'u1', assigneeTeamIds: ['team1'] }, 10_000, db),
      counted,
    );
    expectIndexed(user!, 'actions_open_user', false);
    expectIndexed(team!, 'actions_open_team', false);
    // All open statuses are the partial indexes' own condition, not a bound filter beside it that
    // SQLite would check on every action's row (no row read per action).
    const sent = captured.filter((q) => counted.test(q.sql));
    expect(sent).toHaveLength(2);
    for (const q of sent) expect(q.parameters).not.toContain('pending');
    const [inDoubt] = await plansOf((db) => repo.count({ inDoubt: true }, 10_000, db), counted);
    expectIndexed(inDoubt!, 'email_outbox_status_id', false);
  });

  it('tab counts and start page read their covering indexes alone; on PostgreSQL autovacuum keeps them so (migration 020)', async () => {
    const postgres = wf.store.adapter.name === 'postgres';
    if (postgres) {
      // An index-only scan reads no row only on pages the visibility map marks all-visible; every
      // update unmarks its page until the next vacuum, so autovacuum visits actions after 1% of
      // it changed, not the default 20% (at a million actions: 98 and 250 ms instead of 29 and 41).
      const { rows } = await sql<{ reloptions: string[] | null }>`
        select reloptions from pg_class where oid = 'actions'::regclass`.execute(wf.store.db);
      expect(rows[0]!.reloptions).toEqual(
        expect.arrayContaining([
          'autovacuum_vacuum_scale_factor=0.01',
          'autovacuum_vacuum_insert_scale_factor=0.01',
        ]),
      );
      await sql`vacuum actions`.execute(wf.store.db); // what autovacuum does (outside a transaction)
    }
    const counted = /^select count\(\*\)/i;
    const open = ['waiting', 'pending', 'due', 'running', 'failed'] as ActionStatus[];
    const overdue = ['pending', 'due', 'failed'] as ActionStatus[];
    const reads: [string, (db: Db) => Promise<unknown>, RegExp?][] = [
      ['actions_failed', (db) => repo.count({ statuses: ['failed'] }, 10_000, db), counted],
      ['actions_overdue', (db) => repo.count({ statuses: overdue, overdueAt: NOW }, 10_000, db), counted],
      ['actions_pkey|sqlite_autoindex_actions_1', (db) => repo.count({}, 10_000, db), counted],
      ['actions_overdue', (db) => repo.countByProcess({ statuses: overdue, overdueAt: NOW }, db)],
      ['actions_failed', (db) => repo.countByProcess({ statuses: ['failed'] }, db)],
      [
        'actions_overdue',
        (db) =>
          repo.countByProcess(
            { statuses: ['pending', 'due'], dueFrom: NOW, dueBefore: NOW + 86_400_000 },
            db,
          ),
      ],
    ];
    // A team's count reads its index alone on PostgreSQL (SQLite checks the status on the row there).
    if (postgres)
      reads.push([
        'actions_open_team',
        (db) => repo.count({ statuses: open, assigneeTeamIds: ['team1'] }, 10_000, db),
        counted,
      ]);
    for (const [index, call, only] of reads) {
      const [plan] = await plansOf(call, only);
      expect(plan).toMatch(
        postgres
          ? new RegExp(`Index Only Scan using (${index})\\b`)
          : new RegExp(`COVERING INDEX (${index})\\b`),
      );
      if (postgres) expect(plan).not.toMatch(/Bitmap Heap Scan|Index Scan using/);
    }
  });

  it('the dashboard: due today per process from the due-time index, mails sent from sent_at', async () => {
    const [today] = await plansOf((db) =>
      repo.countByProcess({ statuses: ['pending', 'due'], dueFrom: NOW, dueBefore: NOW + 86_400_000 }, db),
    );
    // Open work due in a range is a range of the overdue index too.
    expectIndexed(today!, 'actions_overdue', false);
    const [overdue] = await plansOf((db) =>
      repo.countByProcess({ statuses: ['pending', 'due', 'failed'], overdueAt: NOW }, db),
    );
    expectIndexed(overdue!, 'actions_overdue', false);
    const [failed] = await plansOf((db) => repo.countByProcess({ statuses: ['failed'] }, db));
    expectIndexed(failed!, 'actions_failed', false);
    // Counted from the index alone (migration 009 put status and process in it): no row read per action.
    if (wf.store.adapter.name === 'sqlite') {
      expect(today).toMatch(/COVERING INDEX actions_overdue/);
      expect(overdue).toMatch(/COVERING INDEX actions_overdue/);
      expect(failed).toMatch(/COVERING INDEX actions_failed/);
    }
    captured.length = 0;
    await repo.mailsSentSince(NOW, 10_000, spied);
    const mail = captured.find((q) => /email_outbox/.test(q.sql))!;
    const plan = await planText(wf.store, mail, { sorts: true });
    expect(plan).toMatch(/email_outbox_sent_at/);
  });
});

import { sql } from 'kysely';
import type { Store } from './database.js';

export interface StatusCount {
  readonly status: string;
  readonly count: number;
}

/** The counts `/metrics` and `/api/ready` read at scrape time: one grouped query each. */
export class MetricsRepository {
  constructor(private readonly store: Store) {}

  /**
   * Actions per template and status. PostgreSQL: covered by the index on `(template_id, status)`.
   * SQLite (migration 018): one statement of two covered reads, all actions per template
   * (`actions_template`) and the ones not done per template and status (`actions_template_open`,
   * partial); done is the difference, so completing an action moves no index entry.
   */
  async actionsByTemplateAndStatus(): Promise<(StatusCount & { readonly templateId: string })[]> {
    const { db, adapter } = this.store;
    if (adapter.name !== 'sqlite') {
      const rows = await db
        .selectFrom('actions')
        .select(['template_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy(['template_id', 'status'])
        .execute();
      return rows.map((r) => ({ templateId: r.template_id, status: r.status, count: Number(r.n) }));
    }
    const notDone = sql.raw(`${adapter.notIndexed('status')} <> 'done'`);
    const { rows } = await sql<{ template_id: string; status: string | null; n: number }>`select
      template_id, null as status, count(*) as n from "actions" group by template_id
      union all
      select template_id, status, count(*) as n from "actions" where ${notDone} group by template_id, status`.execute(
      db,
    );
    const out: (StatusCount & { templateId: string })[] = [];
    const all = new Map<string, number>();
    const open = new Map<string, number>();
    for (const r of rows)
      if (r.status === null) all.set(r.template_id, Number(r.n));
      else {
        out.push({ templateId: r.template_id, status: r.status, count: Number(r.n) });
        open.set(r.template_id, (open.get(r.template_id) ?? 0) + Number(r.n));
      }
    for (const [templateId, n] of all) {
      const done = n - (open.get(templateId) ?? 0);
      if (done > 0) out.push({ templateId, status: 'done', count: done });
    }
    return out;
  }

  /** Outbox messages per status (queued, sending, sent, failed, in_doubt, dismissed). */
  async outboxByStatus(): Promise<StatusCount[]> {
    const rows = await this.store.db
      .selectFrom('email_outbox')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return rows.map((r) => ({ status: r.status, count: Number(r.n) }));
  }

  /** A round trip to the database; throws when it does not answer. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.store.db);
  }
}

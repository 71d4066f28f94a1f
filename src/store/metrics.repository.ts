import { sql } from 'kysely';
import type { Store } from './database.js';

export interface StatusCount {
  readonly status: string;
  readonly count: number;
}

/** The counts `/metrics` and `/api/ready` read at scrape time: one grouped query each. */
export class MetricsRepository {
  constructor(private readonly store: Store) {}

  /** Actions per template and status (covered by the index on `(template_id, status)`). */
  async actionsByTemplateAndStatus(): Promise<(StatusCount & { readonly templateId: string })[]> {
    const rows = await this.store.db
      .selectFrom('actions')
      .select(['template_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['template_id', 'status'])
      .execute();
    return rows.map((r) => ({ templateId: r.template_id, status: r.status, count: Number(r.n) }));
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

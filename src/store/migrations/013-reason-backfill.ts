import { type RawBuilder, sql } from 'kysely';
import { legacyReason } from '../../domain/action/legacy-reasons.js';
import type { Migration } from '../migrator.js';

/**
 * Rows written before migration 010 have their reason only as English text. This gives each a
 * code with params (`legacyReason`): the engine's own sentences are read back into their code
 * where every value in them can be kept as it is; any other text gets `reason.legacy` with the
 * text as it was ("(oude melding) …" in Dutch). The English text columns are left alone. Pages of
 * 1000 rows by id (the key, not its text), so a large table is not read at once.
 */
const COLUMNS = [
  { table: 'actions', text: 'status_reason', code: 'status_reason_code', params: 'status_reason_params' },
  { table: 'actions', text: 'error', code: 'error_code', params: 'error_params' },
  { table: 'action_history', text: 'note', code: 'note_code', params: 'note_params' },
  // The outbox's reply is the server's answer on a delivered mail; only a failure's is a reason.
  {
    table: 'email_outbox',
    text: 'last_reply',
    code: 'last_reply_code',
    params: 'last_reply_params',
    where: sql`status in ('failed', 'in_doubt')`,
  },
] as const;

/**
 * Gives the rows `which` selects a code read from their text: `uncoded`, rows without a code
 * (migration 013); `legacy`, rows marked `reason.legacy` whose text a later parser reads (migration
 * 016), left alone where it still cannot.
 */
export async function backfillReasons(
  trx: Parameters<Migration['up']>[0],
  adapter: Parameters<Migration['up']>[1],
  which: 'uncoded' | 'legacy',
): Promise<void> {
  for (const c of COLUMNS) {
    const [table, text, code, params] = [
      sql.table(c.table),
      sql.ref(c.text),
      sql.ref(c.code),
      sql.ref(c.params),
    ];
    const extra = 'where' in c ? sql`and ${c.where}` : sql``;
    const selected = which === 'uncoded' ? sql`${code} is null` : sql`${code} = 'reason.legacy'`;
    // Paged on the key itself (text ids, or numbers for the history), so each page reads the
    // primary key index from where the last one stopped; not on cast(id as text), which no index has.
    let after: string | number | null = null;
    for (;;) {
      const from: RawBuilder<unknown> = after === null ? sql`` : sql`and id > ${after}`;
      const rows = (
        await sql<{ id: string | number; text: string }>`select id, ${text} as text from ${table}
          where ${selected} and ${text} is not null ${from} ${extra}
          order by id limit 1000`.execute(trx)
      ).rows;
      for (const row of rows) {
        const r = legacyReason(row.text);
        if (which === 'legacy' && r.code === 'reason.legacy') continue;
        await sql`update ${table} set ${code} = ${r.code}, ${params} = ${adapter.toJson(r.params)}
          where id = ${row.id}`.execute(trx);
      }
      if (rows.length < 1000) break;
      after = rows[rows.length - 1]!.id;
    }
  }
}

export const reasonBackfillMigration: Migration = {
  id: 13,
  name: '013-reason-backfill',
  up: (trx, adapter) => backfillReasons(trx, adapter, 'uncoded'),
};

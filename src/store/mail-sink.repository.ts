import type { Insertable, Selectable } from 'kysely';
import type { Db, Store } from './database.js';
import type { MailSinkMessageTable } from './email.tables.js';

/** A message the local SMTP sink received (the demo mail viewer lists these). */
export interface SinkMessage {
  readonly id: number;
  readonly messageId: string | null;
  readonly envelopeFrom: string | null;
  readonly envelopeTo: readonly string[];
  readonly from: string | null;
  readonly to: string | null;
  readonly cc: string | null;
  readonly subject: string | null;
  readonly htmlBody: string | null;
  readonly textBody: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly size: number;
  readonly receivedAt: number;
}

export type NewSinkMessage = Omit<SinkMessage, 'id'>;

/** How many received messages the sink keeps; older ones are pruned after each insert. */
export const SINK_KEEP_MESSAGES = 10_000;

/** The columns of a message in a list: everything but the bodies and the headers. */
const SUMMARY_COLUMNS = [
  'id',
  'message_id',
  'envelope_from',
  'envelope_to',
  'from_header',
  'to_header',
  'cc_header',
  'subject',
  'size',
  'received_at',
] as const;

/** Every SQL statement on `mail_sink_messages`. */
export class MailSinkRepository {
  constructor(
    private readonly store: Store,
    /** The newest messages kept (the rest is pruned after inserts). */
    private readonly keep: number = SINK_KEEP_MESSAGES,
  ) {}

  private toDomain(
    row: Pick<Selectable<MailSinkMessageTable>, (typeof SUMMARY_COLUMNS)[number]> &
      Partial<Pick<Selectable<MailSinkMessageTable>, 'html_body' | 'text_body' | 'headers'>>,
  ): SinkMessage {
    return {
      id: Number(row.id),
      messageId: row.message_id,
      envelopeFrom: row.envelope_from,
      envelopeTo: this.store.adapter.fromJson<string[]>(row.envelope_to),
      from: row.from_header,
      to: row.to_header,
      cc: row.cc_header,
      subject: row.subject,
      htmlBody: row.html_body ?? null,
      textBody: row.text_body ?? null,
      headers:
        row.headers === undefined ? {} : this.store.adapter.fromJson<Record<string, string>>(row.headers),
      size: Number(row.size),
      receivedAt: Number(row.received_at),
    };
  }

  private toRow(m: NewSinkMessage): Insertable<MailSinkMessageTable> {
    return {
      message_id: m.messageId,
      envelope_from: m.envelopeFrom,
      envelope_to: this.store.adapter.toJson(m.envelopeTo) as string,
      from_header: m.from,
      to_header: m.to,
      cc_header: m.cc,
      subject: m.subject,
      html_body: m.htmlBody,
      text_body: m.textBody,
      headers: this.store.adapter.toJson(m.headers) as string,
      size: m.size,
      received_at: m.receivedAt,
    };
  }

  /** Stores received messages; the sink writes them in small batches. */
  async insertMany(messages: readonly NewSinkMessage[], db: Db = this.store.db): Promise<void> {
    const chunk = Math.floor(this.store.adapter.maxParameters / 16);
    for (let i = 0; i < messages.length; i += chunk) {
      await db
        .insertInto('mail_sink_messages')
        .values(messages.slice(i, i + chunk).map((m) => this.toRow(m)))
        .execute();
    }
    if (messages.length > 0) await this.prune(db);
  }

  /** Deletes all but the newest `keep` messages; returns how many went. */
  async prune(db: Db = this.store.db): Promise<number> {
    const oldestKept = await db
      .selectFrom('mail_sink_messages')
      .select('id')
      .orderBy('id', 'desc')
      .offset(this.keep - 1)
      .limit(1)
      .executeTakeFirst();
    if (!oldestKept) return 0;
    const result = await db
      .deleteFrom('mail_sink_messages')
      .where('id', '<', oldestKept.id)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Newest first, without bodies or headers (`htmlBody`/`textBody` null); page with `before` (an id). */
  async list(
    options: { limit: number; before?: number; to?: string },
    db: Db = this.store.db,
  ): Promise<SinkMessage[]> {
    let q = db.selectFrom('mail_sink_messages').select([...SUMMARY_COLUMNS]);
    if (options.before !== undefined) q = q.where('id', '<', options.before);
    if (options.to !== undefined) q = q.where('to_header', 'like', `%${options.to.replace(/[%_]/g, '')}%`);
    const rows = await q.orderBy('id', 'desc').limit(options.limit).execute();
    return rows.map((r) => this.toDomain(r));
  }

  async get(id: number, db: Db = this.store.db): Promise<SinkMessage | undefined> {
    const row = await db.selectFrom('mail_sink_messages').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.toDomain(row) : undefined;
  }

  async count(db: Db = this.store.db): Promise<number> {
    const row = await db
      .selectFrom('mail_sink_messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async clear(db: Db = this.store.db): Promise<number> {
    const result = await db.deleteFrom('mail_sink_messages').executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

import { type Reason, reason, storedReason } from '../domain/action/reasons.js';
import type { Expression, ExpressionBuilder, Insertable, Selectable, SqlBool } from 'kysely';
import type { Database, Db, Store } from './database.js';
import type { EmailOutboxTable } from './email.tables.js';
import type { EmailAttachment } from './email-template.repository.js';

/**
 * Outbox states. `queued → sending → sent | failed | in_doubt`; a person moves `failed` and
 * `in_doubt` on: resend (back to `queued`, same Message-ID) or dismiss (`dismissed`).
 */
export const OUTBOX_STATUSES = ['queued', 'sending', 'sent', 'failed', 'in_doubt', 'dismissed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

export type OutboxCounts = Record<OutboxStatus | 'needs_attention', number>;

const partlyRefused = (r: DeliveryResult) => r.outcome === 'sent' && (r.refused?.length ?? 0) > 0;

/** A rendered message in the outbox, without its bodies (for lists). */
export interface OutboxSummary {
  readonly id: string;
  readonly actionId: string | null;
  readonly dossierId: string | null;
  readonly dossierType: string | null;
  readonly templateId: string | null;
  readonly mailboxId: string;
  readonly messageId: string;
  readonly fromName: string;
  readonly fromAddress: string;
  readonly replyTo: string | null;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  readonly subject: string;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lockedBy: string | null;
  readonly lockedAt: number | null;
  readonly lastReply: string | null;
  /**
   * The last reply as a code with params when Werkflow worded it (connection refused, timeout,
   * in doubt after a crash); a plain server answer reads as `reason.text` with its own words.
   */
  readonly lastReplyCoded: Reason | null;
  readonly redirectedTo: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly sentAt: number | null;
  readonly resolution: 'resent' | 'dismissed' | null;
  readonly resolvedBy: string | null;
  readonly resolvedAt: number | null;
  /**
   * Sent, but a person should look: the server refused some of the recipients (they are named in
   * `lastReply`). Dismissing the message clears it.
   */
  readonly needsAttention: boolean;
  /**
   * When the mailer last started handing the content to the server (it answered DATA); null when
   * the last attempt never got that far. Set on every message read from the store.
   */
  readonly dataSentAt?: number | null;
}

export interface OutboxMessage extends OutboxSummary {
  readonly htmlBody: string;
  readonly textBody: string;
  readonly attachments: readonly EmailAttachment[];
}

/** What the mailer learnt about one message it tried to send. */
export type DeliveryResult =
  | {
      readonly id: string;
      readonly outcome: 'sent';
      readonly reply: string;
      readonly redirectedTo: string | null;
      /** Recipients the server refused while accepting the others: the row needs attention. */
      readonly refused?: readonly string[];
    }
  | {
      readonly id: string;
      readonly outcome: 'retry';
      readonly reply: string;
      readonly coded?: Reason;
      readonly nextAttemptAt: number;
    }
  | { readonly id: string; readonly outcome: 'failed'; readonly reply: string; readonly coded?: Reason }
  /** The connection was lost mid-send: the server may have it. A person decides. */
  | { readonly id: string; readonly outcome: 'in_doubt'; readonly reply: string; readonly coded?: Reason };

/** Which messages a list, a count or a bulk resolution is about; every part is optional. */
export interface OutboxSelection {
  readonly statuses?: readonly OutboxStatus[];
  /** Messages about this dossier or rendered with it (through the dossier links). */
  readonly dossierId?: string;
  /** Only messages that need a person's attention although sent (refused recipients). */
  readonly attention?: boolean;
  readonly templateId?: string;
  readonly mailboxId?: string;
  /** Created at or after this time (ms). */
  readonly createdFrom?: number;
  /** Created before this time (ms). */
  readonly createdBefore?: number;
}

/** The statuses a person resolves; a bulk resolution only ever touches these. */
export const RESOLVABLE_STATUSES = ['failed', 'in_doubt'] as const satisfies readonly OutboxStatus[];

export interface OutboxFilter extends OutboxSelection {
  /** Rows with an id before this one (the cursor; the list is newest first). */
  readonly before?: string;
  readonly limit: number;
}

const SUMMARY_COLUMNS = [
  'id',
  'action_id',
  'dossier_id',
  'dossier_type',
  'template_id',
  'mailbox_id',
  'message_id',
  'from_name',
  'from_address',
  'reply_to',
  'to_addresses',
  'cc_addresses',
  'bcc_addresses',
  'subject',
  'status',
  'attempts',
  'next_attempt_at',
  'locked_by',
  'locked_at',
  'last_reply',
  'last_reply_code',
  'last_reply_params',
  'redirected_to',
  'created_at',
  'updated_at',
  'sent_at',
  'resolution',
  'resolved_by',
  'resolved_at',
  'needs_attention',
  'data_sent_at',
] as const;

type SummaryRow = Pick<Selectable<EmailOutboxTable>, (typeof SUMMARY_COLUMNS)[number]>;

/** Every SQL statement on `email_outbox` and `email_outbox_dossiers`. */
export class OutboxRepository {
  constructor(private readonly store: Store) {}

  private toSummary(row: SummaryRow): OutboxSummary {
    const json = this.store.adapter;
    return {
      id: row.id,
      actionId: row.action_id,
      dossierId: row.dossier_id,
      dossierType: row.dossier_type,
      templateId: row.template_id,
      mailboxId: row.mailbox_id,
      messageId: row.message_id,
      fromName: row.from_name,
      fromAddress: row.from_address,
      replyTo: row.reply_to,
      to: json.fromJson<string[]>(row.to_addresses),
      cc: json.fromJson<string[]>(row.cc_addresses),
      bcc: json.fromJson<string[]>(row.bcc_addresses),
      subject: row.subject,
      status: row.status as OutboxStatus,
      attempts: Number(row.attempts),
      nextAttemptAt: Number(row.next_attempt_at),
      lockedBy: row.locked_by,
      lockedAt: row.locked_at === null ? null : Number(row.locked_at),
      lastReply: row.last_reply,
      lastReplyCoded: storedReason(
        row.last_reply_code,
        row.last_reply_params === null ? null : json.fromJson<unknown>(row.last_reply_params),
        row.last_reply,
      ),
      redirectedTo: row.redirected_to,
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
      sentAt: row.sent_at === null ? null : Number(row.sent_at),
      resolution: row.resolution === 'resent' || row.resolution === 'dismissed' ? row.resolution : null,
      resolvedBy: row.resolved_by,
      resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
      needsAttention: Number(row.needs_attention) === 1,
      dataSentAt: row.data_sent_at === null ? null : Number(row.data_sent_at),
    };
  }

  /** The code columns of a reply: the code and params when Werkflow worded it, else none. */
  private replyCode(coded?: Reason): { last_reply_code: string | null; last_reply_params: string | null } {
    return coded
      ? { last_reply_code: coded.code, last_reply_params: this.store.adapter.toJson(coded.params) as string }
      : { last_reply_code: null, last_reply_params: null };
  }

  private toMessage(row: Selectable<EmailOutboxTable>): OutboxMessage {
    return {
      ...this.toSummary(row),
      htmlBody: row.html_body,
      textBody: row.text_body,
      attachments:
        row.attachments === null ? [] : this.store.adapter.fromJson<EmailAttachment[]>(row.attachments),
    };
  }

  private toRow(m: OutboxMessage): Insertable<EmailOutboxTable> {
    const json = this.store.adapter;
    return {
      id: m.id,
      action_id: m.actionId,
      dossier_id: m.dossierId,
      dossier_type: m.dossierType,
      template_id: m.templateId,
      mailbox_id: m.mailboxId,
      message_id: m.messageId,
      from_name: m.fromName,
      from_address: m.fromAddress,
      reply_to: m.replyTo,
      to_addresses: json.toJson(m.to) as string,
      cc_addresses: json.toJson(m.cc) as string,
      bcc_addresses: json.toJson(m.bcc) as string,
      subject: m.subject,
      html_body: m.htmlBody,
      text_body: m.textBody,
      attachments: m.attachments.length === 0 ? null : (json.toJson(m.attachments) as string),
      status: m.status,
      attempts: m.attempts,
      next_attempt_at: m.nextAttemptAt,
      locked_by: m.lockedBy,
      locked_at: m.lockedAt,
      last_reply: m.lastReply,
      ...this.replyCode(m.lastReplyCoded ?? undefined),
      redirected_to: m.redirectedTo,
      created_at: m.createdAt,
      updated_at: m.updatedAt,
      sent_at: m.sentAt,
      resolution: m.resolution,
      resolved_by: m.resolvedBy,
      resolved_at: m.resolvedAt,
      needs_attention: m.needsAttention ? 1 : 0,
    };
  }

  /**
   * Writes a message and its dossier links unless a row for the same action exists already;
   * true when this call wrote it. `ON CONFLICT DO NOTHING` makes a concurrent second writer
   * wait for the first and then write nothing, on both databases.
   */
  async insertIfNew(message: OutboxMessage, dossierIds: readonly string[], db: Db): Promise<boolean> {
    const inserted = await db
      .insertInto('email_outbox')
      .values(this.toRow(message))
      .onConflict((oc) => oc.column('action_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return false;
    const links = [...new Set(dossierIds)].map((dossier_id) => ({ outbox_id: message.id, dossier_id }));
    if (links.length > 0) {
      await db
        .insertInto('email_outbox_dossiers')
        .values(links)
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    return true;
  }

  /** Inserts many messages at once (bench and bulk sends); no action ids, no conflicts. */
  async insertMany(messages: readonly OutboxMessage[], db: Db = this.store.db): Promise<void> {
    const chunk = Math.floor(this.store.adapter.maxParameters / 32);
    for (let i = 0; i < messages.length; i += chunk) {
      await db
        .insertInto('email_outbox')
        .values(messages.slice(i, i + chunk).map((m) => this.toRow(m)))
        .execute();
    }
  }

  async get(id: string, db: Db = this.store.db): Promise<OutboxMessage | undefined> {
    const row = await db.selectFrom('email_outbox').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.toMessage(row) : undefined;
  }

  async getByActionId(actionId: string, db: Db = this.store.db): Promise<OutboxMessage | undefined> {
    const row = await db
      .selectFrom('email_outbox')
      .selectAll()
      .where('action_id', '=', actionId)
      .executeTakeFirst();
    return row ? this.toMessage(row) : undefined;
  }

  /**
   * Up to `limit` queued messages due at `now`, oldest due first. On PostgreSQL the rows are
   * locked `FOR UPDATE SKIP LOCKED`: workers on other machines claim other rows instead of
   * waiting. SQLite has one writer at a time (BEGIN IMMEDIATE), which serialises claims.
   * Call inside the claim transaction.
   */
  async selectDue(now: number, limit: number, db: Db): Promise<OutboxMessage[]> {
    let q = db
      .selectFrom('email_outbox')
      .selectAll()
      .where('status', '=', 'queued')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(limit);
    if (this.store.adapter.supportsSkipLocked) q = q.forUpdate().skipLocked();
    return (await q.execute()).map((r) => this.toMessage(r));
  }

  /** Marks claimed messages `sending` under this worker's lock and counts the attempt. */
  async markSending(ids: readonly string[], workerId: string, now: number, db: Db): Promise<void> {
    if (ids.length === 0) return;
    await db
      .updateTable('email_outbox')
      .set((eb) => ({
        status: 'sending',
        locked_by: workerId,
        locked_at: now,
        data_sent_at: null,
        attempts: eb('attempts', '+', 1),
        updated_at: now,
      }))
      .where('id', 'in', [...ids])
      .execute();
  }

  /** Moves queued messages to a later time without counting an attempt (rate limit). */
  async defer(ids: readonly string[], until: number, now: number, db: Db): Promise<void> {
    if (ids.length === 0) return;
    await db
      .updateTable('email_outbox')
      .set({ next_attempt_at: until, updated_at: now })
      .where('id', 'in', [...ids])
      .where('status', '=', 'queued')
      .execute();
  }

  /**
   * Records what the SMTP server said. Only rows this worker still holds are changed; a row the
   * sweeper declared in doubt meanwhile gets its real outcome, since it is now known.
   */
  async recordResults(
    results: readonly DeliveryResult[],
    workerId: string,
    now: number,
    db: Db,
  ): Promise<void> {
    await this.writeResults(results, workerId, now, db);
    // In the same transaction: the actions that wrote these rows follow their mail.
    await this.afterResults(results, db);
  }

  /**
   * Called with every batch of results inside the transaction that records them; the composition
   * root points it at the engine, so an e-mail action's status follows its mail (a refused mail
   * puts the action in the failed list).
   */
  afterResults: (results: readonly DeliveryResult[], db: Db) => Promise<void> = async () => {};

  private async writeResults(
    results: readonly DeliveryResult[],
    workerId: string,
    now: number,
    db: Db,
  ): Promise<void> {
    const sent = results.filter((r) => r.outcome === 'sent');
    for (const r of results) {
      const base = db
        .updateTable('email_outbox')
        .where('id', '=', r.id)
        .where('locked_by', '=', workerId)
        .where('status', 'in', ['sending', 'in_doubt']);
      switch (r.outcome) {
        case 'sent':
          // Sent rows are updated in one statement below when their reply is shared.
          if (sent.length > 1 && !partlyRefused(r)) continue;
          await base
            .set({
              status: 'sent',
              sent_at: now,
              last_reply: r.reply,
              ...this.replyCode(),
              redirected_to: r.redirectedTo,
              needs_attention: partlyRefused(r) ? 1 : 0,
              locked_by: null,
              locked_at: null,
              updated_at: now,
            })
            .execute();
          break;
        case 'retry':
          await base
            .set({
              status: 'queued',
              next_attempt_at: r.nextAttemptAt,
              last_reply: r.reply,
              ...this.replyCode(r.coded),
              locked_by: null,
              locked_at: null,
              updated_at: now,
            })
            .execute();
          break;
        case 'failed':
          await base
            .set({
              status: 'failed',
              last_reply: r.reply,
              ...this.replyCode(r.coded),
              locked_by: null,
              locked_at: null,
              updated_at: now,
            })
            .execute();
          break;
        case 'in_doubt':
          await base
            .set({
              status: 'in_doubt',
              last_reply: r.reply,
              ...this.replyCode(r.coded),
              locked_by: null,
              locked_at: null,
              updated_at: now,
            })
            .execute();
          break;
      }
    }
    if (sent.length > 1) {
      // Group by (reply, redirect) so a batch to one server is a handful of statements.
      const groups = new Map<string, { reply: string; redirectedTo: string | null; ids: string[] }>();
      for (const r of sent) {
        if (r.outcome !== 'sent' || partlyRefused(r)) continue;
        const key = `${r.redirectedTo ?? ''}\u0000${r.reply}`;
        const g = groups.get(key) ?? { reply: r.reply, redirectedTo: r.redirectedTo, ids: [] };
        g.ids.push(r.id);
        groups.set(key, g);
      }
      for (const g of groups.values()) {
        await db
          .updateTable('email_outbox')
          .set({
            status: 'sent',
            sent_at: now,
            last_reply: g.reply,
            ...this.replyCode(),
            redirected_to: g.redirectedTo,
            locked_by: null,
            locked_at: null,
            updated_at: now,
          })
          .where('id', 'in', g.ids)
          .where('locked_by', '=', workerId)
          .where('status', 'in', ['sending', 'in_doubt'])
          .execute();
      }
    }
  }

  /**
   * Records that these messages' content is about to go to the server (it answered DATA): from
   * here on the server may accept them. Only rows this worker still holds.
   */
  async markDataSent(ids: readonly string[], workerId: string, now: number, db: Db): Promise<void> {
    if (ids.length === 0) return;
    await db
      .updateTable('email_outbox')
      .set({ data_sent_at: now })
      .where('id', 'in', [...ids])
      .where('locked_by', '=', workerId)
      .where('status', '=', 'sending')
      .execute();
  }

  /**
   * The sweeper: messages left `sending` by a worker whose lease ran out (it crashed, or was
   * killed, between claiming and recording the SMTP result). A message whose content had gone
   * out (`data_sent_at`) becomes `in_doubt`, never resent by itself: the server may have
   * accepted it, and a person decides. One that never got that far is queued again: the server
   * cannot have it.
   */
  async sweepExpired(
    lockedBefore: number,
    now: number,
    db: Db = this.store.db,
  ): Promise<{ inDoubt: number; requeued: number }> {
    const inDoubt = await db
      .updateTable('email_outbox')
      .set({
        status: 'in_doubt',
        last_reply:
          'Werkflow stopped while this message was being sent; the SMTP server may or may not have accepted it.',
        ...this.replyCode(reason('reason.mailStoppedInDoubt')),
        updated_at: now,
      })
      .where('status', '=', 'sending')
      .where('locked_at', '<', lockedBefore)
      .where('data_sent_at', 'is not', null)
      .executeTakeFirst();
    const requeued = await db
      .updateTable('email_outbox')
      .set({
        status: 'queued',
        next_attempt_at: now,
        locked_by: null,
        locked_at: null,
        last_reply: 'Werkflow stopped before this message was handed to the SMTP server; it is sent again.',
        ...this.replyCode(reason('reason.mailStoppedRequeued')),
        updated_at: now,
      })
      .where('status', '=', 'sending')
      .where('locked_at', '<', lockedBefore)
      .where('data_sent_at', 'is', null)
      .executeTakeFirst();
    return { inDoubt: Number(inDoubt.numUpdatedRows), requeued: Number(requeued.numUpdatedRows) };
  }

  /** The earliest time a queued message is due, or null when none is queued. */
  async earliestDueAt(db: Db = this.store.db): Promise<number | null> {
    const row = await db
      .selectFrom('email_outbox')
      .select((eb) => eb.fn.min('next_attempt_at').as('at'))
      .where('status', '=', 'queued')
      .executeTakeFirst();
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }

  /** A page of messages, newest first, matching the filter. */
  async list(filter: OutboxFilter, db: Db = this.store.db): Promise<OutboxSummary[]> {
    let q = db
      .selectFrom('email_outbox')
      .select(SUMMARY_COLUMNS)
      .where((eb) => matching(eb, filter));
    if (filter.before !== undefined) q = q.where('id', '<', filter.before);
    const rows = await q.orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map((r) => this.toSummary(r));
  }

  /** How many messages match the filter (the total of a paged list). */
  async count(selection: OutboxSelection, db: Db = this.store.db): Promise<number> {
    const row = await db
      .selectFrom('email_outbox')
      .select((eb) => eb.fn.countAll().as('n'))
      .where((eb) => matching(eb, selection))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * How many messages are in each status, and how many need attention although sent
   * (`needs_attention`: refused recipients).
   */
  async countByStatus(db: Db = this.store.db): Promise<OutboxCounts> {
    const rows = await db
      .selectFrom('email_outbox')
      .select(['status', 'needs_attention', (eb) => eb.fn.countAll().as('n')])
      .groupBy(['status', 'needs_attention'])
      .execute();
    const counts = Object.fromEntries(
      [...OUTBOX_STATUSES, 'needs_attention'].map((s) => [s, 0]),
    ) as OutboxCounts;
    for (const r of rows) {
      counts[r.status as OutboxStatus] += Number(r.n);
      if (Number(r.needs_attention) === 1) counts.needs_attention += Number(r.n);
    }
    return counts;
  }

  /**
   * The failed or in-doubt messages a bulk resolution applies to: the given ids, or every
   * failed or in-doubt message matching the selection (its statuses narrowed to those two).
   * Row-locked where the database can, so a concurrent resolution or mailer does not take them
   * meanwhile.
   */
  async resolvable(
    selection: { readonly ids: readonly string[] } | OutboxSelection,
    db: Db,
  ): Promise<OutboxSummary[]> {
    const pick = (ids?: readonly string[]) => {
      let q = db
        .selectFrom('email_outbox')
        .select(SUMMARY_COLUMNS)
        .where('status', 'in', [...RESOLVABLE_STATUSES]);
      if (ids) q = q.where('id', 'in', [...ids]);
      else q = q.where((eb) => matching(eb, selection as OutboxSelection));
      if (this.store.adapter.rowLocking) q = q.forUpdate();
      return q.orderBy('id').execute();
    };
    if (!('ids' in selection)) return (await pick()).map((r) => this.toSummary(r));
    const rows: SummaryRow[] = [];
    const chunk = Math.floor(this.store.adapter.maxParameters / 2);
    for (let i = 0; i < selection.ids.length; i += chunk)
      rows.push(...(await pick(selection.ids.slice(i, i + chunk))));
    return rows.map((r) => this.toSummary(r));
  }

  /** A person's decision on a failed or in-doubt message; false when it is in another state now. */
  async resolve(
    id: string,
    decision: 'resent' | 'dismissed',
    actor: string | null,
    now: number,
    db: Db = this.store.db,
  ): Promise<boolean> {
    const result = await db
      .updateTable('email_outbox')
      .set(
        decision === 'resent'
          ? {
              status: 'queued',
              attempts: 0,
              next_attempt_at: now,
              locked_by: null,
              locked_at: null,
              resolution: 'resent',
              resolved_by: actor,
              resolved_at: now,
              updated_at: now,
            }
          : {
              status: 'dismissed',
              locked_by: null,
              locked_at: null,
              resolution: 'dismissed',
              resolved_by: actor,
              resolved_at: now,
              updated_at: now,
            },
      )
      .where('id', '=', id)
      .where('status', 'in', ['failed', 'in_doubt'])
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return true;
    if (decision !== 'dismissed') return false;
    // A sent message that needs attention (refused recipients): a person has seen it.
    const seen = await db
      .updateTable('email_outbox')
      .set({
        needs_attention: 0,
        resolution: 'dismissed',
        resolved_by: actor,
        resolved_at: now,
        updated_at: now,
      })
      .where('id', '=', id)
      .where('status', '=', 'sent')
      .where('needs_attention', '=', 1)
      .executeTakeFirst();
    return Number(seen.numUpdatedRows) === 1;
  }

  /** The dossiers a message is linked to. */
  async dossierIdsOf(id: string, db: Db = this.store.db): Promise<string[]> {
    const rows = await db
      .selectFrom('email_outbox_dossiers')
      .select('dossier_id')
      .where('outbox_id', '=', id)
      .execute();
    return rows.map((r) => r.dossier_id);
  }
}

/** The WHERE clause of a selection of outbox messages (list, count and bulk resolution share it). */
function matching(eb: ExpressionBuilder<Database, 'email_outbox'>, s: OutboxSelection): Expression<SqlBool> {
  const all: Expression<SqlBool>[] = [];
  if (s.statuses && s.statuses.length > 0) all.push(eb('email_outbox.status', 'in', [...s.statuses]));
  if (s.attention !== undefined) all.push(eb('email_outbox.needs_attention', '=', s.attention ? 1 : 0));
  if (s.templateId !== undefined) all.push(eb('email_outbox.template_id', '=', s.templateId));
  if (s.mailboxId !== undefined) all.push(eb('email_outbox.mailbox_id', '=', s.mailboxId));
  if (s.createdFrom !== undefined) all.push(eb('email_outbox.created_at', '>=', s.createdFrom));
  if (s.createdBefore !== undefined) all.push(eb('email_outbox.created_at', '<', s.createdBefore));
  if (s.dossierId !== undefined) {
    all.push(
      eb(
        'email_outbox.id',
        'in',
        eb.selectFrom('email_outbox_dossiers').select('outbox_id').where('dossier_id', '=', s.dossierId),
      ),
    );
  }
  return eb.and(all);
}

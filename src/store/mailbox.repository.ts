import type { Insertable, Selectable } from 'kysely';
import type { Db, Store } from './database.js';
import type { MailboxTable } from './email.tables.js';

export const MAILBOX_SECURITIES = ['tls', 'starttls', 'none'] as const;
export type MailboxSecurity = (typeof MAILBOX_SECURITIES)[number];

/** An outgoing SMTP account that e-mails are sent from. */
export interface Mailbox {
  readonly id: string;
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly security: MailboxSecurity;
  readonly username: string | null;
  /** The password encrypted with the secret key (never the password itself). */
  readonly passwordEncrypted: string | null;
  readonly fromName: string;
  readonly fromAddress: string;
  readonly replyTo: string | null;
  readonly isDefault: boolean;
  /** Category values (campaign id, training type) whose mails go out through this mailbox. */
  readonly categories: readonly string[];
  readonly ratePerMinute: number | null;
  readonly maxConnections: number;
  readonly allowInvalidCertificates: boolean;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Every SQL statement on `mailboxes`. */
export class MailboxRepository {
  constructor(private readonly store: Store) {}

  private toDomain(row: Selectable<MailboxTable>): Mailbox {
    const security = MAILBOX_SECURITIES.find((s) => s === row.security) ?? 'starttls';
    return {
      id: row.id,
      name: row.name,
      host: row.host,
      port: Number(row.port),
      security,
      username: row.username,
      passwordEncrypted: row.password_encrypted,
      fromName: row.from_name,
      fromAddress: row.from_address,
      replyTo: row.reply_to,
      isDefault: Number(row.is_default) === 1,
      categories: this.store.adapter.fromJson<string[]>(row.categories),
      ratePerMinute: row.rate_per_minute === null ? null : Number(row.rate_per_minute),
      maxConnections: Number(row.max_connections),
      allowInvalidCertificates: Number(row.allow_invalid_certificates) === 1,
      version: Number(row.version),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    };
  }

  private toRow(m: Mailbox): Insertable<MailboxTable> {
    return {
      id: m.id,
      name: m.name,
      host: m.host,
      port: m.port,
      security: m.security,
      username: m.username,
      password_encrypted: m.passwordEncrypted,
      from_name: m.fromName,
      from_address: m.fromAddress,
      reply_to: m.replyTo,
      is_default: m.isDefault ? 1 : 0,
      categories: this.store.adapter.toJson(m.categories) as string,
      rate_per_minute: m.ratePerMinute,
      max_connections: m.maxConnections,
      allow_invalid_certificates: m.allowInvalidCertificates ? 1 : 0,
      version: m.version,
      created_at: m.createdAt,
      updated_at: m.updatedAt,
    };
  }

  async get(id: string, db: Db = this.store.db): Promise<Mailbox | undefined> {
    const row = await db.selectFrom('mailboxes').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.toDomain(row) : undefined;
  }

  async getByName(name: string, db: Db = this.store.db): Promise<Mailbox | undefined> {
    const row = await db.selectFrom('mailboxes').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? this.toDomain(row) : undefined;
  }

  async list(db: Db = this.store.db): Promise<Mailbox[]> {
    const rows = await db.selectFrom('mailboxes').selectAll().orderBy('name').execute();
    return rows.map((r) => this.toDomain(r));
  }

  async getMany(ids: readonly string[], db: Db = this.store.db): Promise<Mailbox[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .selectFrom('mailboxes')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
    return rows.map((r) => this.toDomain(r));
  }

  async insert(mailbox: Mailbox, db: Db = this.store.db): Promise<void> {
    await db.insertInto('mailboxes').values(this.toRow(mailbox)).execute();
  }

  async updateIfVersion(mailbox: Mailbox, expectedVersion: number, db: Db = this.store.db): Promise<boolean> {
    const { id: _id, created_at: _created, ...row } = this.toRow(mailbox);
    const result = await db
      .updateTable('mailboxes')
      .set(row)
      .where('id', '=', mailbox.id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Makes `id` the only default mailbox. */
  async makeDefault(id: string, db: Db = this.store.db): Promise<void> {
    await db.updateTable('mailboxes').set({ is_default: 0 }).where('id', '!=', id).execute();
    await db.updateTable('mailboxes').set({ is_default: 1 }).where('id', '=', id).execute();
  }

  async delete(id: string, db: Db = this.store.db): Promise<boolean> {
    const result = await db.deleteFrom('mailboxes').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}

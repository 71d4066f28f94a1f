import type { Insertable, Selectable } from 'kysely';
import type { Db, Store } from './database.js';
import type { EmailTemplateTable } from './email.tables.js';

export type EmailLanguage = 'nl' | 'en';

/** A file sent with every message of a template (a brochure, the general terms). */
export interface EmailAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly contentBase64: string;
}

/** An e-mail template: Liquid subject and bodies, rendered against a dossier of `rootType`. */
export interface EmailTemplate {
  readonly id: string;
  readonly name: string;
  readonly rootType: string;
  readonly language: EmailLanguage;
  readonly subject: string;
  readonly htmlBody: string;
  /** Generated from the HTML when null. */
  readonly textBody: string | null;
  readonly mailboxId: string | null;
  readonly attachment: EmailAttachment | null;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Every SQL statement on `email_templates`. */
export class EmailTemplateRepository {
  constructor(private readonly store: Store) {}

  private toDomain(row: Selectable<EmailTemplateTable>): EmailTemplate {
    return {
      id: row.id,
      name: row.name,
      rootType: row.root_type,
      language: row.language === 'en' ? 'en' : 'nl',
      subject: row.subject,
      htmlBody: row.html_body,
      textBody: row.text_body,
      mailboxId: row.mailbox_id,
      attachment:
        row.attachment === null ? null : this.store.adapter.fromJson<EmailAttachment>(row.attachment),
      version: Number(row.version),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    };
  }

  private toRow(t: EmailTemplate): Insertable<EmailTemplateTable> {
    return {
      id: t.id,
      name: t.name,
      root_type: t.rootType,
      language: t.language,
      subject: t.subject,
      html_body: t.htmlBody,
      text_body: t.textBody,
      mailbox_id: t.mailboxId,
      attachment: t.attachment === null ? null : (this.store.adapter.toJson(t.attachment) as string),
      version: t.version,
      created_at: t.createdAt,
      updated_at: t.updatedAt,
    };
  }

  async get(id: string, db: Db = this.store.db): Promise<EmailTemplate | undefined> {
    const row = await db.selectFrom('email_templates').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.toDomain(row) : undefined;
  }

  async getByName(name: string, db: Db = this.store.db): Promise<EmailTemplate | undefined> {
    const row = await db
      .selectFrom('email_templates')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? this.toDomain(row) : undefined;
  }

  async list(db: Db = this.store.db): Promise<EmailTemplate[]> {
    const rows = await db.selectFrom('email_templates').selectAll().orderBy('name').execute();
    return rows.map((r) => this.toDomain(r));
  }

  async insert(template: EmailTemplate, db: Db = this.store.db): Promise<void> {
    await db.insertInto('email_templates').values(this.toRow(template)).execute();
  }

  /** Writes a new version if the stored one is still `expectedVersion`; false when it is not. */
  async updateIfVersion(
    template: EmailTemplate,
    expectedVersion: number,
    db: Db = this.store.db,
  ): Promise<boolean> {
    const { id: _id, created_at: _created, ...row } = this.toRow(template);
    const result = await db
      .updateTable('email_templates')
      .set(row)
      .where('id', '=', template.id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(id: string, db: Db = this.store.db): Promise<boolean> {
    const result = await db.deleteFrom('email_templates').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /** Templates that send from `mailboxId` (a mailbox in use cannot be deleted). */
  /** The e-mail templates that send through the default mailbox: those without one of their own. */
  async withoutMailbox(db: Db = this.store.db): Promise<EmailTemplate[]> {
    const rows = await db.selectFrom('email_templates').selectAll().where('mailbox_id', 'is', null).execute();
    return rows.map((r) => this.toDomain(r));
  }

  async usingMailbox(mailboxId: string, db: Db = this.store.db): Promise<EmailTemplate[]> {
    const rows = await db
      .selectFrom('email_templates')
      .selectAll()
      .where('mailbox_id', '=', mailboxId)
      .execute();
    return rows.map((r) => this.toDomain(r));
  }
}

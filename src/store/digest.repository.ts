import type { Db, Store } from './database.js';

/** An action that failed within a digest's period and is failed still. */
export interface FailedActionRow {
  readonly id: string;
  readonly title: string;
  readonly templateId: string;
  readonly templateVersion: number;
  readonly dossierId: string;
  readonly dossierType: string;
  readonly error: string | null;
  readonly failedAt: number;
  /** Who created the action's template (a user id, or `system`). */
  readonly templateOwner: string | null;
}

/** A mail that went in doubt within a digest's period and is in doubt still. */
export interface InDoubtMailRow {
  readonly id: string;
  readonly subject: string;
  readonly to: readonly string[];
  readonly at: number;
  readonly actionId: string | null;
  /** The action template whose action wrote the mail (null for a mail without an action). */
  readonly templateId: string | null;
  readonly templateVersion: number | null;
  readonly templateOwner: string | null;
  readonly dossierId: string | null;
  readonly dossierType: string | null;
  /** The dossier's stored titles (null when the dossier is gone or has none). */
  readonly dossierTitleNl: string | null;
  readonly dossierTitleEn: string | null;
}

/**
 * What the daily digest reports: failed actions and mails in doubt of a period, with the owner
 * of their action template. Still failed or in doubt when the digest is made: what a person has
 * already dealt with is not reported.
 */
export class DigestRepository {
  constructor(private readonly store: Store) {}

  async failedActions(from: number, to: number, db: Db = this.store.db): Promise<FailedActionRow[]> {
    const rows = await db
      .selectFrom('actions')
      .leftJoin('action_templates', 'action_templates.id', 'actions.template_id')
      .select([
        'actions.id',
        'actions.title',
        'actions.template_id',
        'actions.template_version',
        'actions.dossier_id',
        'actions.dossier_type',
        'actions.error',
        'actions.updated_at',
        'action_templates.created_by',
      ])
      .where('actions.status', '=', 'failed')
      .where('actions.updated_at', '>=', from)
      .where('actions.updated_at', '<', to)
      .orderBy('actions.updated_at')
      .orderBy('actions.id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      templateId: r.template_id,
      templateVersion: Number(r.template_version),
      dossierId: r.dossier_id,
      dossierType: r.dossier_type,
      error: r.error,
      failedAt: Number(r.updated_at),
      templateOwner: r.created_by,
    }));
  }

  async inDoubtMails(from: number, to: number, db: Db = this.store.db): Promise<InDoubtMailRow[]> {
    const rows = await db
      .selectFrom('email_outbox')
      .leftJoin('actions', 'actions.id', 'email_outbox.action_id')
      .leftJoin('action_templates', 'action_templates.id', 'actions.template_id')
      .leftJoin('dossiers', 'dossiers.id', 'email_outbox.dossier_id')
      .select([
        'email_outbox.id',
        'email_outbox.subject',
        'email_outbox.to_addresses',
        'email_outbox.updated_at',
        'email_outbox.action_id',
        'email_outbox.dossier_id',
        'email_outbox.dossier_type',
        'actions.template_id',
        'actions.template_version',
        'action_templates.created_by',
        'dossiers.title_nl',
        'dossiers.title_en',
      ])
      .where('email_outbox.status', '=', 'in_doubt')
      .where('email_outbox.updated_at', '>=', from)
      .where('email_outbox.updated_at', '<', to)
      .orderBy('email_outbox.updated_at')
      .orderBy('email_outbox.id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      subject: r.subject,
      to: this.store.adapter.fromJson<string[]>(r.to_addresses),
      at: Number(r.updated_at),
      actionId: r.action_id,
      templateId: r.template_id,
      templateVersion: r.template_version === null ? null : Number(r.template_version),
      templateOwner: r.created_by,
      dossierId: r.dossier_id,
      dossierType: r.dossier_type,
      dossierTitleNl: r.title_nl,
      dossierTitleEn: r.title_en,
    }));
  }
}

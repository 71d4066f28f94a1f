import { WerkflowError, throwIfProblems } from '../../domain/errors.js';
import { newId } from '../../domain/id.js';
import { type EmailTemplate } from '../../store/email-template.repository.js';
import { type EconobisImportResult, importEconobisTemplate } from '../../effects/email/econobis-import.js';
import { type RenderedEmail } from '../../effects/email/email-renderer.js';
import { MergeLoader, buildMergeScope } from '../../effects/email/merge-context.js';
import { type MergeFieldInfo, mergeFieldsOf } from '../../effects/email/merge-fields.js';
import {
  type EmailTemplateDraft,
  type TemplateProblem,
  toErrorDetails,
  validateEmailTemplate,
} from '../../effects/email/template-validation.js';

import { type EmailContext, versionConflict } from './common.js';

/** What an administrator sends to create or change an e-mail template. */
export interface EmailTemplateInput {
  readonly name: string;
  readonly rootType: string;
  readonly language?: 'nl' | 'en';
  readonly subject: string;
  readonly htmlBody: string;
  readonly textBody?: string | null;
  readonly mailboxId?: string | null;
  readonly attachment?: EmailTemplateDraft['attachment'];
}

export interface TemplatePreview extends RenderedEmail {
  readonly problems: readonly TemplateProblem[];
}

/** E-mail templates: validated, versioned, previewed against a dossier, imported from Econobis. */
export class EmailTemplateService {
  constructor(private readonly ctx: EmailContext) {}

  listTemplates(): Promise<EmailTemplate[]> {
    return this.ctx.templates.list();
  }

  async getTemplate(id: string): Promise<EmailTemplate> {
    const t = await this.ctx.templates.get(id);
    if (!t)
      throw new WerkflowError('not_found', `There is no e-mail template with id "${id}".`, { path: 'id' });
    return t;
  }

  /** The draft an input describes; an absent attachment keeps `current`'s. */
  private draftOf(input: EmailTemplateInput, current?: EmailTemplate): EmailTemplateDraft {
    return {
      name: input.name.trim(),
      rootType: input.rootType,
      language: input.language ?? 'nl',
      subject: input.subject,
      htmlBody: input.htmlBody,
      textBody: input.textBody === undefined || input.textBody === '' ? null : input.textBody,
      mailboxId: input.mailboxId ?? null,
      attachment: input.attachment === undefined ? (current?.attachment ?? null) : input.attachment,
    };
  }

  /** The problems of a template, empty when it can be saved (the API's "validate"). */
  async validateTemplate(input: EmailTemplateInput, current?: EmailTemplate): Promise<TemplateProblem[]> {
    const draft = this.draftOf(input, current);
    const problems = validateEmailTemplate(draft, this.ctx.catalog(), this.ctx.renderer.engines);
    if (draft.mailboxId !== null && !(await this.ctx.mailboxes.get(draft.mailboxId))) {
      problems.push({
        part: 'mailboxId',
        line: null,
        column: null,
        field: null,
        message: `There is no mailbox "${draft.mailboxId}". Choose one under Settings → Mailboxes, or leave it empty to use the default.`,
        code: 'mailbox_unknown',
        params: { mailboxId: draft.mailboxId },
      });
    }
    return problems;
  }

  private async requireValidTemplate(
    input: EmailTemplateInput,
    current?: EmailTemplate,
  ): Promise<EmailTemplateDraft> {
    const problems = await this.validateTemplate(input, current);
    throwIfProblems(toErrorDetails(problems));
    return this.draftOf(input, current);
  }

  async createTemplate(input: EmailTemplateInput, actor: string | null = null): Promise<EmailTemplate> {
    const draft = await this.requireValidTemplate(input);
    if (await this.ctx.templates.getByName(draft.name)) {
      throw new WerkflowError(
        'already_exists',
        `An e-mail template named "${draft.name}" exists already; choose another name.`,
        {
          path: 'name',
        },
      );
    }
    const now = this.ctx.clock.now();
    const template: EmailTemplate = { id: newId(now), ...draft, version: 1, createdAt: now, updatedAt: now };
    await this.ctx.store.db.transaction().execute(async (trx) => {
      await this.ctx.templates.insert(template, trx);
      await this.ctx.audit(trx, {
        actor,
        action: 'emailTemplate.create',
        entityType: 'emailTemplate',
        entityId: template.id,
        before: null,
        after: templateForAudit(template),
      });
    });
    return template;
  }

  /** Replaces a template; with `expectedVersion`, only if nobody changed it since. */
  async updateTemplate(
    id: string,
    input: EmailTemplateInput,
    expectedVersion?: number,
    actor: string | null = null,
  ): Promise<EmailTemplate> {
    const current = await this.getTemplate(id);
    const draft = await this.requireValidTemplate(input, current);
    const sameName = await this.ctx.templates.getByName(draft.name);
    if (sameName && sameName.id !== id) {
      throw new WerkflowError(
        'already_exists',
        `An e-mail template named "${draft.name}" exists already; choose another name.`,
        {
          path: 'name',
        },
      );
    }
    const base = expectedVersion ?? current.version;
    if (base !== current.version) throw versionConflict('e-mail template', base, current.version);
    const next: EmailTemplate = {
      ...current,
      ...draft,
      version: current.version + 1,
      updatedAt: this.ctx.clock.now(),
    };
    await this.ctx.store.db.transaction().execute(async (trx) => {
      if (!(await this.ctx.templates.updateIfVersion(next, base, trx))) {
        const latest = await this.ctx.templates.get(id, trx);
        throw versionConflict('e-mail template', base, latest?.version ?? base + 1);
      }
      await this.ctx.audit(trx, {
        actor,
        action: 'emailTemplate.update',
        entityType: 'emailTemplate',
        entityId: id,
        before: templateForAudit(current),
        after: templateForAudit(next),
      });
    });
    return next;
  }

  async deleteTemplate(id: string, actor: string | null = null): Promise<void> {
    await this.ctx.store.db.transaction().execute(async (trx) => {
      const before = await this.ctx.templates.get(id, trx);
      if (!before || !(await this.ctx.templates.delete(id, trx))) {
        throw new WerkflowError('not_found', `There is no e-mail template with id "${id}".`, { path: 'id' });
      }
      await this.ctx.audit(trx, {
        actor,
        action: 'emailTemplate.delete',
        entityType: 'emailTemplate',
        entityId: id,
        before: templateForAudit(before),
        after: null,
      });
    });
  }

  /**
   * Renders a saved template (`templateId`) or an unsaved one (`draft`) against a dossier.
   * Problems found by validation are returned with the preview when it can still be rendered.
   */
  async previewTemplate(input: {
    templateId?: string;
    draft?: EmailTemplateInput;
    dossierId: string;
    extra?: Record<string, unknown>;
  }): Promise<TemplatePreview> {
    let draft: EmailTemplateDraft;
    let cacheKey: string | undefined;
    if (input.templateId !== undefined) {
      const t = await this.getTemplate(input.templateId);
      draft = t;
      cacheKey = `${t.id}:${t.version}`;
    } else if (input.draft) {
      draft = this.draftOf(input.draft);
    } else {
      throw new WerkflowError('validation_failed', 'Give a templateId or a template to preview.', {
        path: 'templateId',
      });
    }
    const problems = validateEmailTemplate(draft, this.ctx.catalog(), this.ctx.renderer.engines);
    const blocking = problems.filter((p) => p.part !== 'name' && p.part !== 'attachment');
    throwIfProblems(toErrorDetails(blocking));
    const dossier = await this.ctx.dossiers.get(input.dossierId);
    if (!dossier)
      throw new WerkflowError('not_found', `There is no dossier with id "${input.dossierId}".`, {
        path: 'dossierId',
      });
    if (dossier.type !== draft.rootType) {
      throw new WerkflowError(
        'validation_failed',
        `This template is written for ${draft.rootType}; choose a ${draft.rootType} to preview it with, not a ${dossier.type}.`,
        { path: 'dossierId' },
      );
    }
    const db = this.ctx.store.db;
    const loader = new MergeLoader(
      { dossiers: this.ctx.dossiers, users: this.ctx.users },
      db,
      this.ctx.catalog(),
    );
    const scope = buildMergeScope({
      dossier,
      loader,
      language: draft.language,
      organisation: await this.ctx.settings.getOrganisation(),
      timeZone: await this.ctx.settings.getTimeZone(),
      extra: input.extra,
      now: this.ctx.clock.now(),
    });
    const rendered = await this.ctx.renderer.render({ ...draft, cacheKey }, scope);
    return { ...rendered, problems };
  }

  /** Converts an Econobis template to Liquid (not saved: the administrator reviews it first). */
  importEconobis(input: { rootType: string; subject: string; htmlBody: string }): EconobisImportResult {
    const type = this.ctx.catalog().get(input.rootType);
    if (!type) {
      throw new WerkflowError('validation_failed', `There is no dossier type "${input.rootType}".`, {
        path: 'rootType',
      });
    }
    return importEconobisTemplate(input, type, this.ctx.catalog());
  }

  mergeFields(rootType: string): MergeFieldInfo[] {
    const type = this.ctx.catalog().get(rootType);
    if (!type)
      throw new WerkflowError('not_found', `There is no dossier type "${rootType}".`, { path: 'rootType' });
    return mergeFieldsOf(type, this.ctx.catalog());
  }
}

/** A template as the audit log records it: the attachment by name and size, not its content. */
function templateForAudit(t: EmailTemplate): Omit<EmailTemplate, 'attachment'> & {
  attachment: { filename: string; bytes: number } | null;
} {
  return {
    ...t,
    attachment: t.attachment
      ? { filename: t.attachment.filename, bytes: Buffer.byteLength(t.attachment.contentBase64, 'base64') }
      : null,
  };
}

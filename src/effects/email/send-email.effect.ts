import type { Clock } from '../../domain/clock.js';
import type { Dossier } from '../../domain/dossier.js';
import type { DossierType, DossierTypeCatalog } from '../../domain/dossier-type.js';
import { type ErrorDetail, WerkflowError } from '../../domain/errors.js';
import { type Reason, reason, reasonText } from '../../domain/action/reasons.js';
import type { RecipientSpec, SendEmailEffect } from '../../domain/template/action-template.js';
import type { Db, Store } from '../../store/database.js';
import type { DossierRepository } from '../../store/dossier.repository.js';
import type { EmailSettingsRepository } from '../../store/email-settings.repository.js';
import type { EmailTemplate, EmailTemplateRepository } from '../../store/email-template.repository.js';
import type { Mailbox, MailboxRepository } from '../../store/mailbox.repository.js';
import type { OutboxRepository } from '../../store/outbox.repository.js';
import type { UserRepository } from '../../store/user.repository.js';
import type { EmailRenderer, RenderedEmail } from './email-renderer.js';
import { queuedMessage } from './outbox-message.js';
import { MergeLoader, buildMergeScope, dossierTitle } from './merge-context.js';
import { blockedDomainOf, checkRecipientSpecs, resolveRecipients } from './recipients.js';

/**
 * The send-e-mail effect, as the engine calls it. Executing an action whose effect is
 * `{ type: 'sendEmail', templateId, to, cc?, bcc?, mailboxId? }` renders the e-mail template
 * against the action's dossier and writes ONE outbox row in the transaction that completes the
 * action; the mailer delivers it after that transaction commits.
 */
export type { RecipientSpec, SendEmailEffect };

/** The outbox row written for an action, and the recipient rules that yielded nothing (notes). */
export interface EnqueuedEmail {
  readonly outboxId: string;
  readonly to: string[];
  readonly subject: string;
  /** Recipient rules that yielded no address while others did, as coded sentences. */
  readonly notes: Reason[];
}

/** What the effect needs; `OutboxService.deps` (src/services/email/outbox.service.ts) is one. */
export interface EmailDeps {
  readonly store: Store;
  readonly catalog: () => DossierTypeCatalog;
  readonly clock: Clock;
  readonly templates: EmailTemplateRepository;
  readonly mailboxes: MailboxRepository;
  readonly outbox: OutboxRepository;
  readonly settings: EmailSettingsRepository;
  readonly dossiers: DossierRepository;
  readonly users: UserRepository;
  readonly renderer: EmailRenderer;
  /** Called after a row is written; the mailer looks once the caller's transaction is done. */
  readonly onEnqueued?: () => void;
}

/**
 * Validates a sendEmail effect when an action template is saved. Without `deps` it checks the
 * shape and the recipient paths against the dossier types (pure); with `deps` it also reads the
 * e-mail template (it must exist and be written for `rootType`), the mailbox and the blocked
 * domains. `path` prefixes every problem's path (`effect`).
 */
export async function validateSendEmailEffect(
  effect: unknown,
  rootType: DossierType,
  catalog: DossierTypeCatalog,
  path: string,
  deps?: EmailDeps,
  db?: Db,
): Promise<ErrorDetail[]> {
  const problems = checkSendEmailEffect(effect, rootType, catalog, path);
  if (!deps || problems.length > 0) return problems;
  const e = effect as SendEmailEffect;
  const conn = db ?? deps.store.db;
  const template = await deps.templates.get(e.templateId, conn);
  if (!template) {
    problems.push({
      path: `${path}.templateId`,
      message: `There is no e-mail template "${e.templateId}". Choose one under E-mail templates, or create it first.`,
    });
  } else if (template.rootType !== rootType.key) {
    problems.push({
      path: `${path}.templateId`,
      message: `The e-mail template "${template.name}" is written for ${template.rootType}, but this action works on ${rootType.key}. Choose a template for ${rootType.key}.`,
    });
  }
  if (e.mailboxId !== undefined && !(await deps.mailboxes.get(e.mailboxId, conn))) {
    problems.push({
      path: `${path}.mailboxId`,
      message: `There is no mailbox "${e.mailboxId}". Choose one under Settings → Mailboxes.`,
    });
  }
  const { blockedDomains } = await deps.settings.getEmailSettings(conn);
  for (const list of ['to', 'cc', 'bcc'] as const) {
    const check = (spec: RecipientSpec, at: string): void => {
      if (spec.type === 'firstOf') spec.of.forEach((inner, j) => check(inner, `${at}.of[${j}]`));
      if (spec.type !== 'address') return;
      const blocked = blockedDomainOf(spec.address, blockedDomains);
      if (blocked) {
        problems.push({
          path: `${at}.address`,
          message: `${spec.address} is at a blocked domain (${blocked}).`,
        });
      }
    };
    (e[list] ?? []).forEach((spec, i) => check(spec, `${path}.${list}[${i}]`));
  }
  return problems;
}

/** The pure part of validateSendEmailEffect: shape and recipient paths. */
export function checkSendEmailEffect(
  effect: unknown,
  rootType: DossierType,
  catalog: DossierTypeCatalog,
  path: string,
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const e = effect as Partial<Record<string, unknown>> | null;
  if (typeof e !== 'object' || e === null || e.type !== 'sendEmail') {
    return [
      { path, message: 'A send-e-mail effect is { "type": "sendEmail", "templateId": …, "to": [ … ] }.' },
    ];
  }
  if (typeof e.templateId !== 'string' || e.templateId === '') {
    problems.push({ path: `${path}.templateId`, message: 'Choose the e-mail template to send.' });
  }
  if (!Array.isArray(e.to) || e.to.length === 0) {
    problems.push({
      path: `${path}.to`,
      message: 'Say who receives the e-mail: "to" needs at least one recipient.',
    });
  } else {
    problems.push(...checkRecipientSpecs(e.to, rootType, catalog, `${path}.to`));
  }
  problems.push(...checkRecipientSpecs(e.cc, rootType, catalog, `${path}.cc`));
  problems.push(...checkRecipientSpecs(e.bcc, rootType, catalog, `${path}.bcc`));
  if (e.mailboxId !== undefined && (typeof e.mailboxId !== 'string' || e.mailboxId === '')) {
    problems.push({
      path: `${path}.mailboxId`,
      message: 'mailboxId must be the id of a mailbox, or left out.',
    });
  }
  return problems;
}

/**
 * The mailbox a message goes out from: the effect's, else the template's, else the one whose
 * categories include the dossier's category value (Econobis: per campaign), else the default.
 */
export async function chooseMailbox(
  deps: EmailDeps,
  db: Db,
  input: { effectMailboxId?: string; template: EmailTemplate; dossier: Dossier },
): Promise<Mailbox> {
  for (const id of [input.effectMailboxId, input.template.mailboxId]) {
    if (!id) continue;
    const m = await deps.mailboxes.get(id, db);
    if (m) return m;
    throw new WerkflowError(
      'invalid_state',
      `The mailbox "${id}" chosen for e-mail template "${input.template.name}" no longer exists. Choose another under E-mail templates, or add the mailbox again.`,
      { reason: reason('reason.mailboxGone', { mailbox: id, template: input.template.name }) },
    );
  }
  const all = await deps.mailboxes.list(db);
  const type = deps.catalog().get(input.dossier.type);
  const category = type?.categoryField ? input.dossier.data[type.categoryField] : undefined;
  if (typeof category === 'string') {
    const byCategory = all.find((m) => m.categories.includes(category));
    if (byCategory) return byCategory;
  }
  const fallback = all.find((m) => m.isDefault) ?? (all.length === 1 ? all[0] : undefined);
  if (fallback) return fallback;
  throw new WerkflowError(
    'invalid_state',
    all.length === 0
      ? 'No mailbox is configured, so this e-mail cannot be sent. Add one under Settings → Mailboxes.'
      : 'No default mailbox is set, and none is chosen for this template or category. Mark a mailbox as default under Settings → Mailboxes.',
    { reason: reason(all.length === 0 ? 'reason.noMailbox' : 'reason.noDefaultMailbox') },
  );
}

interface Prepared {
  readonly template: EmailTemplate;
  readonly to: string[];
  readonly cc: string[];
  readonly bcc: string[];
  /** Recipient rules that yielded no address while others did: shown on the action. */
  readonly notes: Reason[];
  readonly rendered: RenderedEmail;
  readonly loader: MergeLoader;
}

async function prepare(
  deps: EmailDeps,
  db: Db,
  input: { effect: SendEmailEffect; dossier: Dossier; extra?: Record<string, unknown> },
): Promise<Prepared> {
  const { effect, dossier } = input;
  const catalog = deps.catalog();
  const template = await deps.templates.get(effect.templateId, db);
  if (!template) {
    throw new WerkflowError(
      'invalid_state',
      `The e-mail template "${effect.templateId}" no longer exists, so nothing was sent. Choose another template in the action template.`,
      { reason: reason('reason.emailTemplateGone', { template: effect.templateId }) },
    );
  }
  const type = catalog.get(dossier.type);
  if (template.rootType !== dossier.type) {
    throw new WerkflowError(
      'invalid_state',
      `The e-mail template "${template.name}" is written for ${template.rootType}, but this dossier is a ${dossier.type}. Choose a template for ${dossier.type}.`,
      {
        reason: reason('reason.emailTemplateWrongType', {
          template: template.name,
          written: template.rootType,
          dossierType: dossier.type,
        }),
      },
    );
  }
  const [organisation, emailSettings, timeZone] = await Promise.all([
    deps.settings.getOrganisation(db),
    deps.settings.getEmailSettings(db),
    deps.settings.getTimeZone(db),
  ]);
  const loader = new MergeLoader({ dossiers: deps.dossiers, users: deps.users }, db, catalog);
  const scope = buildMergeScope({
    dossier,
    loader,
    language: template.language,
    organisation,
    timeZone,
    extra: input.extra,
    now: deps.clock.now(),
  });
  const { recipients, problems, notes } = await resolveRecipients(
    effect,
    dossier,
    loader,
    emailSettings.blockedDomains,
  );
  if (problems.length > 0) {
    const what = `${(type?.label.en ?? dossier.type).toLowerCase()} "${dossierTitle(dossier, type)}"`;
    throw new WerkflowError(
      'invalid_state',
      `The e-mail "${template.name}" for the ${what} was not sent: ${englishOf(problems)}`,
      {
        details: problems.map((p) => ({ path: 'effect.to', message: reasonText(p, 'en'), code: p.code })),
        reason: reason('reason.recipientsMissing', {
          template: template.name,
          dossierType: {
            nl: (type?.label.nl ?? dossier.type).toLowerCase(),
            en: (type?.label.en ?? dossier.type).toLowerCase(),
          },
          dossier: dossierTitle(dossier, type),
          problems,
        }),
      },
    );
  }
  const rendered = await deps.renderer.render(
    { ...template, cacheKey: `${template.id}:${template.version}` },
    scope,
  );
  return { template, ...recipients, notes, rendered, loader };
}

/**
 * Renders and writes ONE outbox row inside `db` (the transaction that completes the action).
 * Unique per actionId: calling twice with the same actionId returns the existing row, never a
 * second mail; a row the server refused is queued again (Execute again after fixing the cause). Throws WerkflowError('invalid_state', …) with a sentence a person understands
 * when no recipient address results, a recipient is at a blocked domain, the template cannot be
 * filled in, or no mailbox is configured.
 */
export async function enqueueEmailForAction(
  deps: EmailDeps,
  db: Db,
  input: { actionId: string; effect: SendEmailEffect; dossier: Dossier; extra?: Record<string, unknown> },
): Promise<EnqueuedEmail> {
  const existing = await deps.outbox.getByActionId(input.actionId, db);
  if (existing) {
    // Executed again after the server refused it: the same row goes back to the queue (same
    // Message-ID), so the outbox stays the one place that sends, and sends it once more.
    if (existing.status === 'failed') {
      await deps.outbox.resolve(existing.id, 'resent', null, deps.clock.now(), db);
      deps.onEnqueued?.();
    }
    return { outboxId: existing.id, to: [...existing.to], subject: existing.subject, notes: [] };
  }
  const prepared = await prepare(deps, db, input);
  const mailbox = await chooseMailbox(deps, db, {
    effectMailboxId: input.effect.mailboxId,
    template: prepared.template,
    dossier: input.dossier,
  });
  const message = queuedMessage(mailbox, deps.clock.now(), {
    actionId: input.actionId,
    dossierId: input.dossier.id,
    dossierType: input.dossier.type,
    templateId: prepared.template.id,
    to: prepared.to,
    cc: prepared.cc,
    bcc: prepared.bcc,
    subject: prepared.rendered.subject,
    htmlBody: prepared.rendered.html,
    textBody: prepared.rendered.text,
    attachments: prepared.template.attachment ? [prepared.template.attachment] : [],
  });
  const inserted = await deps.outbox.insertIfNew(message, prepared.loader.loadedDossierIds(), db);
  if (!inserted) {
    // Another transaction wrote the row for this action between our read and our insert.
    const winner = await deps.outbox.getByActionId(input.actionId, db);
    if (winner) return { outboxId: winner.id, to: [...winner.to], subject: winner.subject, notes: [] };
  }
  deps.onEnqueued?.();
  return { outboxId: message.id, to: prepared.to, subject: prepared.rendered.subject, notes: prepared.notes };
}

/**
 * The recipient problems of several e-mail effects on one dossier (explain: every e-mail template
 * of the dossier's type): one read of the blocked domains and one merge loader for all of them,
 * so the referenced dossiers are loaded once, not once per effect. Nothing is rendered.
 */
export async function recipientProblemsFor(
  deps: EmailDeps,
  db: Db,
  input: { effects: readonly SendEmailEffect[]; dossier: Dossier },
): Promise<Reason[][]> {
  // Coded (reason.recipient.*): explain shows them as a list of reasons in its reader's language.
  if (input.effects.length === 0) return [];
  const emailSettings = await deps.settings.getEmailSettings(db);
  const loader = new MergeLoader({ dossiers: deps.dossiers, users: deps.users }, db, deps.catalog());
  const out: Reason[][] = [];
  for (const effect of input.effects)
    out.push([
      ...(await resolveRecipients(effect, input.dossier, loader, emailSettings.blockedDomains)).problems,
    ]);
  return out;
}

/** The same rendering without writing (simulation, and the semi-automatic "preview"). */
export async function previewEmailForAction(
  deps: EmailDeps,
  db: Db,
  input: { effect: SendEmailEffect; dossier: Dossier; extra?: Record<string, unknown> },
): Promise<{ to: string[]; cc: string[]; bcc: string[]; subject: string; html: string; text: string }> {
  const p = await prepare(deps, db, input);
  return {
    to: p.to,
    cc: p.cc,
    bcc: p.bcc,
    subject: p.rendered.subject,
    html: p.rendered.html,
    text: p.rendered.text,
  };
}

/** Coded sentences as one English line (the error message for integrators). */
function englishOf(reasons: readonly Reason[]): string {
  return reasons.map((r) => reasonText(r, 'en')).join(' ');
}

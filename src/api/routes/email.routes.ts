import { type Static, Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { TypedApp } from '../fastify-types.js';
import { WerkflowError } from '../../domain/errors.js';
import { MAX_BODY_CHARS, MAX_SUBJECT_CHARS } from '../../effects/email/template-validation.js';
import type { BulkResolution, MailboxInput } from '../../services/email/index.js';
import type { Werkflow } from '../../engine/werkflow.js';
import type { TemplateDefinition } from '../../domain/template/action-template.js';
import type { EmailTemplate } from '../../store/email-template.repository.js';
import type { SinkMessage } from '../../store/mail-sink.repository.js';
import type { Mailbox } from '../../store/mailbox.repository.js';
import {
  OUTBOX_STATUSES,
  type OutboxMessage,
  type OutboxSelection,
  type OutboxStatus,
  type OutboxSummary,
} from '../../store/outbox.repository.js';
import { actorOf } from '../request-context.js';
import { readerReason } from '../../domain/action/reasons.js';
import { CodedReason } from '../contract-schemas.js';
import { type Lang, languageOf } from '../../domain/template/explain-text.js';
import { decodeCursor, encodeCursor, errorResponses } from '../schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Time = Type.String({ format: 'date-time' });
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const IdParams = Type.Object({ id: Type.String() });

const AttachmentInput = Type.Object({
  filename: Type.String({ minLength: 1, maxLength: 200 }),
  contentType: Type.String({ description: 'e.g. application/pdf' }),
  contentBase64: Type.String({ description: 'The file, base64; at most 5 MB.' }),
});

const TemplateInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  rootType: Type.String({
    description: 'The dossier type the template is about; merge fields are checked against it.',
  }),
  language: Type.Optional(Type.Union([Type.Literal('nl'), Type.Literal('en')], { default: 'nl' })),
  subject: Type.String({
    maxLength: MAX_SUBJECT_CHARS,
    description: 'Liquid, one line: "Uw offerte voor {{ opportunity.name }}". At most 1,000 characters.',
  }),
  htmlBody: Type.String({
    maxLength: MAX_BODY_CHARS,
    description: 'Liquid; every value is HTML-escaped. At most 512 KB (524,288 characters).',
  }),
  textBody: Type.Optional(
    Nullable(
      Type.String({
        maxLength: MAX_BODY_CHARS,
        description: 'Liquid; generated from the HTML when empty. At most 512 KB (524,288 characters).',
      }),
    ),
  ),
  mailboxId: Type.Optional(Nullable(Type.String())),
  attachment: Type.Optional(
    Type.Union([AttachmentInput, Type.Null()], {
      description: 'Absent keeps the current one, null removes it.',
    }),
  ),
});

const TemplateBody = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    rootType: Type.String(),
    language: Type.String(),
    subject: Type.String(),
    htmlBody: Type.String(),
    textBody: Nullable(Type.String()),
    mailboxId: Nullable(Type.String()),
    attachment: Type.Union([
      Type.Object({ filename: Type.String(), contentType: Type.String(), bytes: Type.Integer() }),
      Type.Null(),
    ]),
    version: Type.Integer(),
    createdAt: Time,
    updatedAt: Time,
  },
  { $id: 'EmailTemplate' },
);

function templateBody(t: EmailTemplate): Static<typeof TemplateBody> {
  return {
    id: t.id,
    name: t.name,
    rootType: t.rootType,
    language: t.language,
    subject: t.subject,
    htmlBody: t.htmlBody,
    textBody: t.textBody,
    mailboxId: t.mailboxId,
    attachment: t.attachment
      ? {
          filename: t.attachment.filename,
          contentType: t.attachment.contentType,
          bytes: Buffer.byteLength(t.attachment.contentBase64, 'base64'),
        }
      : null,
    version: t.version,
    createdAt: iso(t.createdAt)!,
    updatedAt: iso(t.updatedAt)!,
  };
}

const Problem = Type.Object({
  part: Type.String(),
  line: Type.Union([Type.Integer(), Type.Null()]),
  column: Type.Union([Type.Integer(), Type.Null()]),
  field: Nullable(Type.String()),
  message: Type.String({ description: 'In English; readers of other languages get `code` and `params`.' }),
  code: Type.String({
    description:
      'What is wrong: merge_field_invalid, liquid_syntax, filter_unknown, filter_raw, unsafe_script, unsafe_javascript_link, unsafe_element, unsafe_event_attribute, subject_empty, subject_multiline, subject_too_long, body_empty, body_too_long, name_missing, name_too_long, root_type_unknown, language_invalid, mailbox_unknown, attachment_name, attachment_content_type, attachment_not_base64, attachment_too_large.',
  }),
  params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), {
    description: 'The values the sentence needs (field, filter, element, max, …).',
  }),
});

const Rendered = Type.Object({
  subject: Type.String(),
  html: Type.String(),
  text: Type.String(),
  problems: Type.Array(Problem),
});

const MailboxInputSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  host: Type.String({ minLength: 1, maxLength: 253 }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  security: Type.Union([Type.Literal('tls'), Type.Literal('starttls'), Type.Literal('none')], {
    description: 'tls: TLS from the start (465); starttls: upgrade required (587); none: local relays only.',
  }),
  username: Type.Optional(Nullable(Type.String())),
  password: Type.Optional(
    Nullable(
      Type.String({
        description: 'Write-only: stored encrypted, never returned. Absent keeps it, null clears it.',
      }),
    ),
  ),
  fromName: Type.String({ minLength: 1, maxLength: 200 }),
  fromAddress: Type.String(),
  replyTo: Type.Optional(Nullable(Type.String())),
  isDefault: Type.Optional(Type.Boolean()),
  categories: Type.Optional(
    Type.Array(Type.String(), {
      description: 'Category values (campaign id, training type) whose mails this mailbox sends.',
    }),
  ),
  ratePerMinute: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  maxConnections: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
  allowInvalidCertificates: Type.Optional(Type.Boolean()),
});

const MailboxBody = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    host: Type.String(),
    port: Type.Integer(),
    security: Type.String(),
    username: Nullable(Type.String()),
    hasPassword: Type.Boolean({ description: 'The password itself is never returned.' }),
    fromName: Type.String(),
    fromAddress: Type.String(),
    replyTo: Nullable(Type.String()),
    isDefault: Type.Boolean(),
    categories: Type.Array(Type.String()),
    ratePerMinute: Type.Union([Type.Integer(), Type.Null()]),
    maxConnections: Type.Integer(),
    allowInvalidCertificates: Type.Boolean(),
    version: Type.Integer(),
    createdAt: Time,
    updatedAt: Time,
    usedByActionTemplates: Type.Array(Type.Object({ templateId: Type.String(), name: Type.String() }), {
      description:
        'The action templates whose e-mail step sends through this mailbox (by their draft or newest published version): while there are any, the mailbox cannot be deleted.',
    }),
  },
  { $id: 'Mailbox' },
);

type ActionTemplateUser = { templateId: string; name: string };

function mailboxBody(m: Mailbox, actionTemplates: readonly ActionTemplateUser[]): Static<typeof MailboxBody> {
  return {
    id: m.id,
    name: m.name,
    host: m.host,
    port: m.port,
    security: m.security,
    username: m.username,
    hasPassword: m.passwordEncrypted !== null,
    fromName: m.fromName,
    fromAddress: m.fromAddress,
    replyTo: m.replyTo,
    isDefault: m.isDefault,
    categories: [...m.categories],
    ratePerMinute: m.ratePerMinute,
    maxConnections: m.maxConnections,
    allowInvalidCertificates: m.allowInvalidCertificates,
    version: m.version,
    createdAt: iso(m.createdAt)!,
    updatedAt: iso(m.updatedAt)!,
    usedByActionTemplates: actionTemplates.map(({ templateId, name }) => ({ templateId, name })),
  };
}

const ConnectionTest = Type.Object({
  ok: Type.Boolean(),
  failedStep: Type.Union([
    Type.Literal('dns'),
    Type.Literal('connect'),
    Type.Literal('tls'),
    Type.Literal('auth'),
    Type.Literal('smtp'),
    Type.Null(),
  ]),
  message: Type.String(),
  steps: Type.Array(Type.Object({ step: Type.String(), ok: Type.Boolean(), message: Type.String() })),
});

const outboxProps = {
  id: Type.String(),
  actionId: Nullable(Type.String()),
  dossierId: Nullable(Type.String()),
  dossierType: Nullable(Type.String()),
  templateId: Nullable(Type.String()),
  mailboxId: Type.String(),
  messageId: Type.String(),
  from: Type.String(),
  replyTo: Nullable(Type.String()),
  to: Type.Array(Type.String()),
  cc: Type.Array(Type.String()),
  bcc: Type.Array(Type.String()),
  subject: Type.String(),
  status: Type.String({ description: 'queued, sending, sent, failed, in_doubt or dismissed' }),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Time, Type.Null()]),
  lastReply: Nullable(
    Type.String({ description: "The SMTP server's last answer, or what went wrong reaching it." }),
  ),
  lastReplyCoded: CodedReason,
  redirectedTo: Nullable(Type.String({ description: 'Test mode: where the message went instead.' })),
  createdAt: Time,
  sentAt: Type.Union([Time, Type.Null()]),
  resolution: Nullable(Type.String()),
  resolvedBy: Nullable(Type.String()),
  resolvedAt: Type.Union([Time, Type.Null()]),
  needsAttention: Type.Boolean({
    description:
      'Sent, but a person should look: the server refused some recipients (named in lastReply). Dismissing clears it.',
  }),
  dataSentAt: Type.Union([Time, Type.Null()], {
    description:
      'When the last attempt started handing the content to the server (after DATA); null when it never got that far. An in-doubt message always has it.',
  }),
};

const OutboxItem = Type.Object(outboxProps, { $id: 'OutboxMessage' });

const OutboxDetail = Type.Object({
  ...outboxProps,
  html: Type.String(),
  text: Type.String(),
  attachments: Type.Array(Type.Object({ filename: Type.String(), contentType: Type.String() })),
  dossierIds: Type.Array(
    Type.String({ description: 'The dossiers this message is linked to (mail history).' }),
  ),
});

function outboxItem(m: OutboxSummary, lang: Lang): Static<typeof OutboxItem> {
  return {
    id: m.id,
    actionId: m.actionId,
    dossierId: m.dossierId,
    dossierType: m.dossierType,
    templateId: m.templateId,
    mailboxId: m.mailboxId,
    messageId: m.messageId,
    from: `${m.fromName} <${m.fromAddress}>`,
    replyTo: m.replyTo,
    to: [...m.to],
    cc: [...m.cc],
    bcc: [...m.bcc],
    subject: m.subject,
    status: m.status,
    attempts: m.attempts,
    nextAttemptAt: m.status === 'queued' ? iso(m.nextAttemptAt) : null,
    lastReply: m.lastReply,
    lastReplyCoded: readerReason(m.lastReplyCoded, lang),
    redirectedTo: m.redirectedTo,
    createdAt: iso(m.createdAt)!,
    sentAt: iso(m.sentAt),
    resolution: m.resolution,
    resolvedBy: m.resolvedBy,
    resolvedAt: iso(m.resolvedAt),
    needsAttention: m.needsAttention,
    dataSentAt: iso(m.dataSentAt ?? null),
  };
}

function outboxDetail(m: OutboxMessage & { dossierIds: string[] }, lang: Lang): Static<typeof OutboxDetail> {
  return {
    ...outboxItem(m, lang),
    html: m.htmlBody,
    text: m.textBody,
    attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType })),
    dossierIds: m.dossierIds,
  };
}

const OutboxPage = Type.Object({
  items: Type.Array(Type.Ref('OutboxMessage')),
  nextCursor: Nullable(Type.String()),
});

const OutboxListPage = Type.Object({
  items: Type.Array(Type.Ref('OutboxMessage')),
  nextCursor: Nullable(Type.String()),
  total: Type.Integer({ description: 'How many messages match the filter, on every page.' }),
});

const Id = Type.String({ minLength: 1, maxLength: 100 });

/** The filter parts the outbox list and the bulk resolution share. */
const outboxFilterProps = {
  mailboxId: Type.Optional(Id),
  templateId: Type.Optional(Id),
  dossierId: Type.Optional(Id),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Created at or after this time.' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Created before this time.' })),
};

/** The store's selection from the shared filter parts. */
function selectionOf(q: {
  mailboxId?: string;
  templateId?: string;
  dossierId?: string;
  from?: string;
  to?: string;
}): OutboxSelection {
  const time = (v: string | undefined) => (v === undefined ? undefined : Date.parse(v));
  return {
    mailboxId: q.mailboxId,
    templateId: q.templateId,
    dossierId: q.dossierId,
    createdFrom: time(q.from),
    createdBefore: time(q.to),
  };
}

const sinkProps = {
  id: Type.Integer(),
  messageId: Nullable(Type.String()),
  envelopeFrom: Nullable(Type.String()),
  envelopeTo: Type.Array(Type.String()),
  from: Nullable(Type.String()),
  to: Nullable(Type.String()),
  cc: Nullable(Type.String()),
  subject: Nullable(Type.String()),
  size: Type.Integer(),
  receivedAt: Time,
};

const SinkItem = Type.Object(sinkProps);

const SinkDetail = Type.Object({
  ...sinkProps,
  html: Nullable(Type.String()),
  text: Nullable(Type.String()),
  headers: Type.Record(Type.String(), Type.String()),
});

function sinkItem(m: SinkMessage): Static<typeof SinkItem> {
  return {
    id: m.id,
    messageId: m.messageId,
    envelopeFrom: m.envelopeFrom,
    envelopeTo: [...m.envelopeTo],
    from: m.from,
    to: m.to,
    cc: m.cc,
    subject: m.subject,
    size: m.size,
    receivedAt: iso(m.receivedAt)!,
  };
}

const Organisation = Type.Object({
  name: Type.Optional(Nullable(Type.String())),
  email: Type.Optional(Nullable(Type.String())),
  phone: Type.Optional(Nullable(Type.String())),
  website: Type.Optional(Nullable(Type.String())),
  street: Type.Optional(Nullable(Type.String())),
  houseNumber: Type.Optional(Nullable(Type.String())),
  postalCode: Type.Optional(Nullable(Type.String())),
  city: Type.Optional(Nullable(Type.String())),
  country: Type.Optional(Nullable(Type.String())),
  chamberOfCommerce: Type.Optional(Nullable(Type.String())),
  vatNumber: Type.Optional(Nullable(Type.String())),
  iban: Type.Optional(Nullable(Type.String())),
});

const EmailSettingsSchema = Type.Object({
  blockedDomains: Type.Optional(
    Type.Array(Type.String(), { description: 'Mail to these domains (and subdomains) is refused.' }),
  ),
  redirectAllTo: Type.Optional(
    Nullable(Type.String({ description: 'Test mode: every message goes to this address instead.' })),
  ),
});

/** The version a client read, from If-Match ("3" or W/"3"); undefined when absent. */
function ifMatch(request: FastifyRequest): number | undefined {
  const raw = request.headers['if-match'];
  if (raw === undefined) return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(String(raw).trim());
  if (!m) {
    throw new WerkflowError(
      'validation_failed',
      `If-Match must hold a version number such as "3", not ${String(raw)}.`,
      {
        path: 'If-Match',
      },
    );
  }
  return Number(m[1]);
}

function parseStatuses(raw: string | undefined): OutboxStatus[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const list = raw.split(',').map((s) => s.trim());
  for (const s of list) {
    if (!(OUTBOX_STATUSES as readonly string[]).includes(s)) {
      throw new WerkflowError(
        'validation_failed',
        `Unknown status "${s}". Use ${OUTBOX_STATUSES.join(', ')}.`,
        {
          path: 'query.status',
        },
      );
    }
  }
  return list as OutboxStatus[];
}

/**
 * E-mail: templates (CRUD, validate, preview, Econobis import), mailboxes (CRUD, test
 * connection; the password is write-only), the outbox (list, resend or dismiss what failed or is
 * in doubt), the mail history of a dossier, the e-mail settings, and the demo mail viewer.
 */
/** Every action template with its draft and (if any) its newest published definition. */
async function actionTemplateDefinitions(
  werkflow: Werkflow,
): Promise<{ templateId: string; name: string; active: boolean; definitions: TemplateDefinition[] }[]> {
  const all = [];
  for (const t of await werkflow.templates.list()) {
    const published =
      t.publishedVersion === null
        ? undefined
        : (await werkflow.templates.get(t.id)).versions.at(-1)?.definition;
    const definitions = published === undefined ? [t.draft] : [t.draft, published];
    all.push({ templateId: t.id, name: t.draft.name, active: t.active, definitions });
  }
  return all;
}

/** The action templates whose draft or newest published version `uses` says yes to. */
async function actionTemplatesWhere(
  werkflow: Werkflow,
  uses: (d: TemplateDefinition) => boolean,
): Promise<{ templateId: string; name: string; active: boolean }[]> {
  return (await actionTemplateDefinitions(werkflow))
    .filter((t) => t.definitions.some(uses))
    .map(({ templateId, name, active }) => ({ templateId, name, active }));
}

/**
 * The action templates that send an e-mail template (as their effect or their reminder), by their
 * draft or their newest published version: an e-mail template they use may not be deleted.
 */
export function emailTemplateUsers(
  werkflow: Werkflow,
  emailTemplateId: string,
): Promise<{ templateId: string; name: string; active: boolean }[]> {
  return actionTemplatesWhere(
    werkflow,
    (d) =>
      (d.effect.type === 'sendEmail' && d.effect.templateId === emailTemplateId) ||
      d.reminder?.emailTemplateId === emailTemplateId,
  );
}

/**
 * Per mailbox id, the action templates whose e-mail effect (draft or newest published version)
 * names it (`effect.mailboxId`): the mailbox list shows them, and the mailbox cannot be deleted.
 */
async function mailboxUsers(werkflow: Werkflow): Promise<Map<string, ActionTemplateUser[]>> {
  const byMailbox = new Map<string, ActionTemplateUser[]>();
  for (const t of await actionTemplateDefinitions(werkflow)) {
    const mailboxIds = new Set(
      t.definitions.flatMap((d) =>
        d.effect.type === 'sendEmail' && d.effect.mailboxId ? [d.effect.mailboxId] : [],
      ),
    );
    for (const id of mailboxIds)
      byMailbox.set(id, [...(byMailbox.get(id) ?? []), { templateId: t.templateId, name: t.name }]);
  }
  return byMailbox;
}

export function emailRoutes(app: TypedApp, werkflow: Werkflow): void {
  const email = werkflow.email;
  app.addSchema(TemplateBody);
  app.addSchema(MailboxBody);
  app.addSchema(OutboxItem);

  // ── e-mail templates ────────────────────────────────────────────────────────────────────
  app.get(
    '/api/email-templates',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['email'],
        summary: 'List e-mail templates',
        querystring: Type.Object({ rootType: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('EmailTemplate')) }), ...errorResponses },
      },
    },
    async (request) => {
      const { rootType } = request.query;
      const all = await email.templates.listTemplates();
      return {
        items: all.filter((t) => rootType === undefined || t.rootType === rootType).map(templateBody),
      };
    },
  );

  app.post(
    '/api/email-templates',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['email'],
        summary: 'Create an e-mail template',
        description:
          'Refused with 422 when a part does not parse, a merge field does not exist on the dossier types, or the HTML holds a script; each problem names the part, line, column and field.',
        body: TemplateInput,
        response: { 201: Type.Ref('EmailTemplate'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const t = await email.templates.createTemplate(request.body, actorOf(request));
      return reply
        .status(201)
        .header('ETag', `"${t.version}"`)
        .header('Location', `/api/email-templates/${t.id}`)
        .send(templateBody(t));
    },
  );

  app.post(
    '/api/email-templates/validate',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['email'],
        summary: 'Check a template without saving it',
        body: TemplateInput,
        response: {
          200: Type.Object({ valid: Type.Boolean(), problems: Type.Array(Problem) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const problems = await email.templates.validateTemplate(request.body);
      return { valid: problems.length === 0, problems };
    },
  );

  app.post(
    '/api/email-templates/preview',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['email'],
        summary: 'Render an unsaved template against a dossier',
        body: Type.Object({
          template: TemplateInput,
          dossierId: Type.String(),
          extra: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        }),
        response: { 200: Rendered, ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body;
      return email.templates.previewTemplate({
        draft: body.template,
        dossierId: body.dossierId,
        extra: body.extra,
      });
    },
  );

  app.post(
    '/api/email-templates/import-econobis',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['email'],
        summary: 'Convert an Econobis template ({kans_naam}, @als{…}…als@) to Liquid, with a report',
        description:
          'Nothing is saved: review the result and the notes, then POST it to /api/email-templates.',
        body: Type.Object({
          rootType: Type.String({
            description: 'The dossier type the template is about (e.g. quotationRequest).',
          }),
          name: Type.Optional(Type.String()),
          subject: Type.String({ maxLength: MAX_SUBJECT_CHARS }),
          htmlBody: Type.String({ maxLength: MAX_BODY_CHARS }),
        }),
        response: {
          200: Type.Object({
            template: Type.Object({
              name: Type.String(),
              rootType: Type.String(),
              language: Type.String(),
              subject: Type.String(),
              htmlBody: Type.String(),
            }),
            converted: Type.Integer(),
            notes: Type.Array(
              Type.Object({
                part: Type.String(),
                line: Type.Integer(),
                column: Type.Integer(),
                original: Type.String(),
                converted: Nullable(Type.String()),
                message: Type.String(),
              }),
            ),
            problems: Type.Array(Problem),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const body = request.body;
      const result = email.templates.importEconobis(body);
      const template = {
        name: body.name ?? 'Imported from Econobis',
        rootType: body.rootType,
        language: 'nl' as const,
        subject: result.subject,
        htmlBody: result.htmlBody,
      };
      return {
        template,
        converted: result.converted,
        notes: result.notes,
        problems: await email.templates.validateTemplate(template),
      };
    },
  );

  app.get(
    '/api/email-templates/merge-fields',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['email'],
        summary: 'The merge fields a template on a dossier type can use',
        querystring: Type.Object({ rootType: Type.String() }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                path: Type.String(),
                label: Type.Object({ nl: Type.String(), en: Type.String() }),
                kind: Type.String(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => ({ items: email.templates.mergeFields(request.query.rootType) }),
  );

  app.get(
    '/api/email-templates/:id',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['email'],
        summary: 'An e-mail template (ETag = version)',
        params: IdParams,
        response: { 200: Type.Ref('EmailTemplate'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const t = await email.templates.getTemplate(request.params.id);
      return reply.header('ETag', `"${t.version}"`).send(templateBody(t));
    },
  );

  app.put(
    '/api/email-templates/:id',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['email'],
        summary: 'Replace an e-mail template (If-Match optional)',
        params: IdParams,
        headers: Type.Object({ 'if-match': Type.Optional(Type.String()) }),
        body: TemplateInput,
        response: { 200: Type.Ref('EmailTemplate'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const t = await email.templates.updateTemplate(
        request.params.id,
        request.body,
        ifMatch(request),
        actorOf(request),
      );
      return reply.header('ETag', `"${t.version}"`).send(templateBody(t));
    },
  );

  app.delete(
    '/api/email-templates/:id',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['email'],
        summary: 'Delete an e-mail template (refused while an action template uses it)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      const users = await emailTemplateUsers(werkflow, id);
      if (users.length > 0) {
        const names = users.map((u) => u.name).join(', ');
        throw new WerkflowError(
          'invalid_state',
          `This e-mail template is still used by ${users.length === 1 ? 'the action template' : 'these action templates'}: ${names}. Choose another e-mail template there first.`,
          { path: 'id', params: { names, count: users.length } },
        );
      }
      await email.templates.deleteTemplate(id, actorOf(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/email-templates/:id/used-by',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['email'],
        summary: 'The action templates (and Econobis workflows) that send this e-mail template',
        params: IdParams,
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({ templateId: Type.String(), name: Type.String(), active: Type.Boolean() }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const id = request.params.id;
      await email.templates.getTemplate(id);
      return { items: await emailTemplateUsers(werkflow, id) };
    },
  );

  app.post(
    '/api/email-templates/:id/preview',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['email'],
        summary: 'Render a saved template against a dossier',
        params: IdParams,
        body: Type.Object({
          dossierId: Type.String(),
          extra: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        }),
        response: { 200: Rendered, ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body;
      return email.templates.previewTemplate({
        templateId: request.params.id,
        dossierId: body.dossierId,
        extra: body.extra,
      });
    },
  );

  // ── mailboxes ───────────────────────────────────────────────────────────────────────────
  app.get(
    '/api/mailboxes',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['email'],
        summary: 'List mailboxes (passwords are never returned)',
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('Mailbox')) }), ...errorResponses },
      },
    },
    async () => {
      const users = await mailboxUsers(werkflow);
      const mailboxes = await email.mailboxes.listMailboxes();
      return { items: mailboxes.map((m) => mailboxBody(m, users.get(m.id) ?? [])) };
    },
  );

  app.post(
    '/api/mailboxes',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['email'],
        summary: 'Add a mailbox (the first one becomes the default)',
        description: 'The password is stored encrypted with WERKFLOW_SECRET_KEY and never returned.',
        body: MailboxInputSchema,
        response: { 201: Type.Ref('Mailbox'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const m = await email.mailboxes.createMailbox(request.body, actorOf(request));
      return reply
        .status(201)
        .header('ETag', `"${m.version}"`)
        .header('Location', `/api/mailboxes/${m.id}`)
        .send(mailboxBody(m, []));
    },
  );

  app.post(
    '/api/mailboxes/test',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['email'],
        summary: 'Test unsaved mailbox settings: says whether DNS, connect, TLS or auth failed',
        body: MailboxInputSchema,
        response: { 200: ConnectionTest, ...errorResponses },
      },
    },
    async (request) => email.mailboxes.testMailbox({ settings: request.body }),
  );

  app.get(
    '/api/mailboxes/:id',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['email'],
        summary: 'A mailbox',
        params: IdParams,
        response: { 200: Type.Ref('Mailbox'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const m = await email.mailboxes.getMailbox(request.params.id);
      const users = (await mailboxUsers(werkflow)).get(m.id) ?? [];
      return reply.header('ETag', `"${m.version}"`).send(mailboxBody(m, users));
    },
  );

  app.put(
    '/api/mailboxes/:id',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['email'],
        summary: 'Change a mailbox (leave password out to keep it)',
        params: IdParams,
        headers: Type.Object({ 'if-match': Type.Optional(Type.String()) }),
        body: MailboxInputSchema,
        response: { 200: Type.Ref('Mailbox'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const m = await email.mailboxes.updateMailbox(
        request.params.id,
        request.body,
        ifMatch(request),
        actorOf(request),
      );
      const users = (await mailboxUsers(werkflow)).get(m.id) ?? [];
      return reply.header('ETag', `"${m.version}"`).send(mailboxBody(m, users));
    },
  );

  app.delete(
    '/api/mailboxes/:id',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['email'],
        summary: 'Delete a mailbox no template, action template or category uses',
        description:
          'Refused with 409 invalid_state while e-mail templates send through it (their own, or, for the default mailbox, those without a mailbox of their own) or action templates send through it (the mailboxId of their e-mail effect) or categories are routed to it; the error has one detail for each (codes mailbox.used_by_templates, mailbox.default_for_templates, mailbox.used_by_action_templates and mailbox.used_by_categories), naming them (params templates, categories).',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      const actionTemplates = ((await mailboxUsers(werkflow)).get(id) ?? []).map((u) => u.name);
      await email.mailboxes.deleteMailbox(id, actorOf(request), actionTemplates);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/mailboxes/:id/test',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['email'],
        summary: 'Test a saved mailbox: says whether DNS, connect, TLS or auth failed (nothing is sent)',
        description:
          'Without a body the saved settings are tried; with one, the edited (unsaved) settings, where a password left out means the stored one (only while server and user name stay the same).',
        params: IdParams,
        body: Type.Union([MailboxInputSchema, Type.Null()]),
        response: { 200: ConnectionTest, ...errorResponses },
      },
      // No body at all: test the saved settings.
      preValidation: async (request) => {
        request.body ??= null;
      },
    },
    async (request) =>
      email.mailboxes.testMailbox({
        id: request.params.id,
        settings: (request.body as MailboxInput | null) ?? undefined,
      }),
  );

  // ── outbox and mail history ─────────────────────────────────────────────────────────────
  app.get(
    '/api/email/outbox',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['email'],
        summary:
          'Messages in the outbox, newest first, with the total matching the filter; filter by status (status=failed,in_doubt), mailbox, e-mail template, dossier, creation period and attention (attention=true: sent, but some recipients were refused)',
        querystring: Type.Object({
          status: Type.Optional(Type.String()),
          attention: Type.Optional(
            Type.Boolean({ description: 'true: only messages that need attention although sent.' }),
          ),
          ...outboxFilterProps,
          cursor: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
        }),
        response: { 200: OutboxListPage, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query as Parameters<typeof selectionOf>[0] & {
        status?: string;
        attention?: boolean;
        cursor?: string;
        limit?: number;
      };
      const limit = q.limit ?? 100;
      const selection: OutboxSelection = {
        ...selectionOf(q),
        statuses: parseStatuses(q.status),
        attention: q.attention,
      };
      const items = await email.outbox.listOutbox({
        ...selection,
        before: decodeCursor(q.cursor),
        limit: limit + 1,
      });
      const page = items.slice(0, limit);
      return {
        items: page.map((m) => outboxItem(m, languageOf(request.headers['accept-language']))),
        nextCursor: items.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
        total: await email.outbox.countMatching(selection),
      };
    },
  );

  app.get(
    '/api/email/outbox/counts',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['email'],
        summary:
          'How many messages are in each state (in_doubt and failed need a person), and needs_attention: sent, but some recipients were refused',
        response: { 200: Type.Record(Type.String(), Type.Integer()), ...errorResponses },
      },
    },
    async () => email.outbox.countOutbox(),
  );

  app.get(
    '/api/email/outbox/:id',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['email'],
        summary: 'One message with its bodies and the dossiers it is linked to',
        params: IdParams,
        response: { 200: OutboxDetail, ...errorResponses },
      },
    },
    async (request) =>
      outboxDetail(
        await email.outbox.getOutboxMessage(request.params.id),
        languageOf(request.headers['accept-language']),
      ),
  );

  app.post(
    '/api/email/outbox/:id/resend',
    {
      config: { permission: 'actions.handle' },
      schema: {
        tags: ['email'],
        summary: 'Send a failed or in-doubt message again (same Message-ID)',
        params: IdParams,
        response: { 200: OutboxDetail, ...errorResponses },
      },
    },
    async (request) => {
      await email.outbox.resend(request.params.id, actorOf(request));
      return outboxDetail(
        await email.outbox.getOutboxMessage(request.params.id),
        languageOf(request.headers['accept-language']),
      );
    },
  );

  app.post(
    '/api/email/outbox/:id/dismiss',
    {
      config: { permission: 'actions.handle' },
      schema: {
        tags: ['email'],
        summary: 'Close a failed or in-doubt message without sending it',
        params: IdParams,
        response: { 200: OutboxDetail, ...errorResponses },
      },
    },
    async (request) => {
      await email.outbox.dismiss(request.params.id, actorOf(request));
      return outboxDetail(
        await email.outbox.getOutboxMessage(request.params.id),
        languageOf(request.headers['accept-language']),
      );
    },
  );

  app.post(
    '/api/email/outbox/resolve',
    {
      config: { permission: 'actions.handle' },
      schema: {
        tags: ['email'],
        summary:
          'Resolve failed or in-doubt messages in bulk: resend them, mark them delivered, or dismiss them',
        description:
          'Give exactly one of `ids` (those messages) or `filter` (every failed or in-doubt message matching it: one status or both, mailbox, e-mail template, dossier, creation period). `resend` queues them again with the same Message-ID; `markDelivered` closes in-doubt messages without sending (a person found they arrived; failed messages are passed over, the server refused them); `dismiss` closes failed and in-doubt messages without sending. Messages no longer failed or in doubt are passed over. With `dryRun: true` nothing changes and `resolved` says how many would be. Each resolution is written to the audit log (`email.resent` / `email.dismissed`, the latter with `markedDelivered: true` after markDelivered).',
        body: Type.Object(
          {
            resolution: Type.Union([
              Type.Literal('resend'),
              Type.Literal('markDelivered'),
              Type.Literal('dismiss'),
            ]),
            ids: Type.Optional(Type.Array(Id, { maxItems: 10_000 })),
            filter: Type.Optional(
              Type.Object(
                {
                  status: Type.Optional(
                    Type.Union([Type.Literal('in_doubt'), Type.Literal('failed')], {
                      description: 'Absent: both failed and in-doubt messages.',
                    }),
                  ),
                  ...outboxFilterProps,
                },
                { additionalProperties: false },
              ),
            ),
            dryRun: Type.Optional(Type.Boolean({ description: 'Only count; change nothing.' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            resolved: Type.Integer({
              description: 'How many messages were (with dryRun: would be) resolved',
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const body = request.body as {
        resolution: BulkResolution;
        ids?: string[];
        filter?: Parameters<typeof selectionOf>[0] & { status?: 'in_doubt' | 'failed' };
        dryRun?: boolean;
      };
      const filter = body.filter && {
        ...selectionOf(body.filter),
        statuses: body.filter.status ? [body.filter.status] : undefined,
      };
      return {
        resolved: await email.outbox.resolveMany(
          { resolution: body.resolution, ids: body.ids, filter, dryRun: body.dryRun },
          actorOf(request),
        ),
      };
    },
  );

  app.get(
    '/api/dossiers/:type/:id/emails',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['email'],
        summary: 'Mail history of a dossier: every message about it or a dossier it was rendered with',
        params: Type.Object({ type: Type.String(), id: Type.String() }),
        querystring: Type.Object({
          cursor: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
        }),
        response: { 200: OutboxPage, ...errorResponses },
      },
    },
    async (request) => {
      const { type, id } = request.params;
      await werkflow.dossiers.get(type, id); // 404 for an unknown dossier
      const q = request.query;
      const limit = q.limit ?? 100;
      const items = await email.outbox.history(id, { before: decodeCursor(q.cursor), limit: limit + 1 });
      const page = items.slice(0, limit);
      return {
        items: page.map((m) => outboxItem(m, languageOf(request.headers['accept-language']))),
        nextCursor: items.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
      };
    },
  );

  // ── settings ────────────────────────────────────────────────────────────────────────────
  app.get(
    '/api/email/settings',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['email'],
        summary: 'The sending organisation (organisation.* merge fields), blocked domains and test mode',
        response: {
          200: Type.Object({
            organisation: Organisation,
            email: Type.Object({
              blockedDomains: Type.Array(Type.String()),
              redirectAllTo: Nullable(Type.String()),
            }),
            testModeFromEnvironment: Nullable(
              Type.String({ description: 'WERKFLOW_MAIL_REDIRECT_TO; wins over email.redirectAllTo.' }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async () => email.settings.getSettings(),
  );

  app.put(
    '/api/email/settings',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['email'],
        summary: 'Change the organisation, blocked domains or test mode (parts left out stay)',
        body: Type.Object({
          organisation: Type.Optional(Organisation),
          email: Type.Optional(EmailSettingsSchema),
        }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await email.settings.updateSettings(request.body, actorOf(request));
      return reply.status(204).send(null);
    },
  );

  // ── the demo mail viewer ────────────────────────────────────────────────────────────────
  app.get(
    '/api/mail-viewer/messages',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['email'],
        summary: 'Messages the local SMTP sink received (demo mode), newest first',
        querystring: Type.Object({
          to: Type.Optional(Type.String({ description: 'Only messages whose To contains this.' })),
          cursor: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
        }),
        response: {
          200: Type.Object({
            running: Type.Boolean(),
            smtp: Nullable(Type.String({ description: 'host:port of the sink, when it runs.' })),
            items: Type.Array(SinkItem),
            nextCursor: Nullable(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 50;
      const before = decodeCursor(q.cursor);
      const items = await email.sink.listSinkMessages({
        limit: limit + 1,
        before: before === undefined ? undefined : Number(before),
        to: q.to,
      });
      const page = items.slice(0, limit);
      const sink = email.sink.sink;
      return {
        running: sink?.isRunning ?? false,
        smtp: sink?.isRunning ? `${sink.host}:${sink.port}` : null,
        items: page.map(sinkItem),
        nextCursor: items.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
      };
    },
  );

  app.get(
    '/api/mail-viewer/messages/:id',
    {
      config: { permission: 'dossiers.read' },
      schema: {
        tags: ['email'],
        summary: 'One received message with its HTML, text and headers',
        params: Type.Object({ id: Type.Integer() }),
        response: { 200: SinkDetail, ...errorResponses },
      },
    },
    async (request) => {
      const m = await email.sink.getSinkMessage(request.params.id);
      return { ...sinkItem(m), html: m.htmlBody, text: m.textBody, headers: { ...m.headers } };
    },
  );

  app.delete(
    '/api/mail-viewer/messages',
    {
      config: { permission: 'workflows.automatic' },
      schema: {
        tags: ['email'],
        summary: 'Empty the mail viewer',
        response: { 200: Type.Object({ deleted: Type.Integer() }), ...errorResponses },
      },
    },
    async () => ({ deleted: await email.sink.clearSink() }),
  );
}

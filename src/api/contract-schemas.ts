import { Type, type TSchema } from '@sinclair/typebox';
import { ACTION_STATUSES } from '../domain/action/action.js';
import { COMPARE_OPS } from '../domain/condition/condition.js';
import { FIELD_KINDS } from '../domain/dossier-type.js';
import { EXECUTION_MODES } from '../domain/template/action-template.js';
import { TIMING_UNITS } from '../domain/timing/timing.js';
import { ActorFields } from './dossier-views.js';
import { LabelSchema } from './schemas.js';

/**
 * The shapes of template definitions, dossier types and actions in the OpenAPI document, so that
 * the server, the web UI (whose types are generated from /api/openapi.json) and integrators share
 * one contract. The services still check every definition in full (with paths to each problem);
 * these schemas describe the shape. Routes answering with them serialise with JSON.stringify
 * (`plainJson`), so a field the schema does not list is never dropped from an answer.
 */

const literals = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)));

const Unit = literals(TIMING_UNITS);

const Condition = Type.Recursive(
  (Self) =>
    Type.Union([
      Type.Object({ type: Type.Literal('all'), conditions: Type.Array(Self) }),
      Type.Object({ type: Type.Literal('any'), conditions: Type.Array(Self) }),
      Type.Object({ type: Type.Literal('not'), condition: Self }),
      Type.Object({
        type: Type.Literal('compare'),
        field: Type.String({ description: 'A field key or a reference path (training.startDate).' }),
        op: literals(COMPARE_OPS),
        value: Type.Optional(Type.Unknown()),
        from: Type.Optional(Type.Unknown()),
        to: Type.Optional(Type.Unknown()),
      }),
    ]),
  { $id: 'Condition' },
);

const Event = Type.Union([
  Type.Object({ type: Type.Literal('created') }),
  Type.Object({
    type: Type.Literal('fieldChanged'),
    field: Type.String(),
    from: Type.Optional(Type.Unknown()),
    to: Type.Optional(Type.Unknown()),
  }),
  Type.Object({
    type: Type.Literal('statusSet'),
    to: Type.Array(Type.String()),
    from: Type.Optional(Type.Array(Type.String())),
  }),
  Type.Object({ type: Type.Literal('deleted') }),
  Type.Object({ type: Type.Literal('dateReached'), field: Type.String() }),
  Type.Object({ type: Type.Literal('actionCompleted'), templateId: Type.String() }),
  Type.Object({ type: Type.Literal('actionExpired'), templateId: Type.String() }),
  Type.Object({ type: Type.Literal('manual') }),
]);

const Assignee = Type.Union([
  Type.Object({ type: Type.Literal('none') }),
  Type.Object({ type: Type.Literal('user'), userId: Type.String() }),
  Type.Object({ type: Type.Literal('team'), teamId: Type.String() }),
  Type.Object({ type: Type.Literal('field'), path: Type.String() }),
]);

const Recipient = Type.Union([
  Type.Object({ type: Type.Literal('field'), path: Type.String() }),
  Type.Object({ type: Type.Literal('user'), field: Type.String() }),
  Type.Object({ type: Type.Literal('team'), field: Type.String() }),
  Type.Object({ type: Type.Literal('address'), address: Type.String() }),
]);

const Effect = Type.Union([
  Type.Object({ type: Type.Literal('none') }),
  Type.Object({
    type: Type.Literal('sendEmail'),
    templateId: Type.String(),
    to: Type.Array(Recipient),
    cc: Type.Optional(Type.Array(Recipient)),
    bcc: Type.Optional(Type.Array(Recipient)),
    mailboxId: Type.Optional(Type.String()),
  }),
  Type.Object({
    type: Type.Literal('createTask'),
    taskType: Type.String(),
    description: Type.String(),
    responsible: Assignee,
    plannedInDays: Type.Integer(),
  }),
  Type.Object({
    type: Type.Literal('createDossier'),
    dossierType: Type.String(),
    fields: Type.Record(
      Type.String(),
      Type.Union([Type.Object({ value: Type.Unknown() }), Type.Object({ from: Type.String() })]),
    ),
  }),
  Type.Object({ type: Type.Literal('setField'), field: Type.String(), value: Type.Unknown() }),
  Type.Object({ type: Type.Literal('setStatus'), status: Type.String() }),
  Type.Object({ type: Type.Literal('webhook'), url: Type.String(), secret: Type.Optional(Type.String()) }),
]);

const Expiry = Type.Object({ offset: Type.Integer(), unit: Unit });

const View = Type.Union([
  Type.Object({ kind: Type.Literal('econobisStatus'), dossierType: Type.String(), status: Type.String() }),
  Type.Object({
    kind: Type.Literal('econobisTaskType'),
    taskType: Type.String(),
    workflow: literals(['new', 'expired', 'completed'] as const),
  }),
]);

/** A template definition as a draft holds it and a version freezes it (see docs/engine.md). */
export const TemplateDefinitionSchema = Type.Object(
  {
    name: Type.String(),
    description: Type.Optional(Type.String()),
    process: Type.Optional(Type.String()),
    dossierType: Type.String({ description: 'The dossier type (data group) the template works on.' }),
    event: Event,
    conditions: Type.Ref('Condition'),
    timing: Type.Object({
      anchor: Type.Union([
        Type.Object({ type: Type.Literal('event') }),
        Type.Object({ type: Type.Literal('field'), field: Type.String() }),
      ]),
      offset: Type.Integer({ description: 'Negative = before the anchor.' }),
      unit: Unit,
      atTime: Type.Optional(Type.String({ description: 'HH:MM in the calendar’s time zone.' })),
    }),
    expiry: Type.Optional(Expiry),
    executionMode: literals(EXECUTION_MODES),
    effect: Effect,
    assignee: Assignee,
    repeat: literals(['once', 'everyTime'] as const),
    recheckAtDue: Type.Boolean(),
    whenConditionsFail: literals(['cancel', 'wait'] as const),
    categories: Type.Array(Type.String()),
    fanOut: Type.Optional(Type.Object({ dossierType: Type.String(), field: Type.String() })),
    reminder: Type.Optional(Type.Object({ after: Expiry, emailTemplateId: Type.Optional(Type.String()) })),
    priority: literals(['low', 'normal', 'high'] as const),
    view: Type.Optional(View),
    skipIfLateHours: Type.Optional(Type.Integer()),
    maxDepth: Type.Optional(Type.Integer({ description: 'How deep a chain of templates may go.' })),
  },
  { $id: 'TemplateDefinition' },
);

export const TemplateSchema = Type.Object(
  {
    id: Type.String(),
    active: Type.Boolean(),
    publishedVersion: Type.Union([Type.Integer(), Type.Null()]),
    draft: Type.Ref('TemplateDefinition'),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    warnings: Type.Optional(
      Type.Array(
        Type.Object({
          code: Type.String(),
          message: Type.String(),
          params: Type.Record(Type.String(), Type.Unknown()),
        }),
      ),
    ),
    versions: Type.Optional(
      Type.Array(
        Type.Object({
          version: Type.Integer(),
          publishedAt: Type.String({ format: 'date-time' }),
          publishedBy: Type.Union([Type.String(), Type.Null()]),
          definition: Type.Ref('TemplateDefinition'),
        }),
      ),
    ),
  },
  { $id: 'Template' },
);

export const SimulationSchema = Type.Object(
  {
    total: Type.Integer({ description: 'How many dossiers the template would stamp now.' }),
    items: Type.Array(
      Type.Object({
        dossier: Type.Ref('Dossier'),
        dueAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        effect: Type.Unknown({ description: 'The rendered effect (for e-mail: subject, recipients, html).' }),
      }),
    ),
  },
  { $id: 'Simulation' },
);

export const DossierTypeSchema = Type.Object(
  {
    key: Type.String(),
    label: LabelSchema,
    pluralLabel: Type.Optional(LabelSchema),
    fields: Type.Array(
      Type.Object({
        key: Type.String(),
        label: LabelSchema,
        kind: literals(FIELD_KINDS),
        required: Type.Optional(Type.Boolean()),
        options: Type.Optional(Type.Array(Type.Object({ code: Type.String(), label: LabelSchema }))),
        refType: Type.Optional(Type.String()),
      }),
    ),
    statuses: Type.Array(
      Type.Object({ code: Type.String(), label: LabelSchema, order: Type.Integer(), active: Type.Boolean() }),
    ),
    titleField: Type.Optional(Type.String()),
    titleTemplate: Type.Optional(
      Type.String({
        description:
          'The title rule: fields in braces, e.g. "{person} – {training}"; references read as the title of the dossier they point at.',
      }),
    ),
    categoryField: Type.Optional(Type.String()),
  },
  { $id: 'DossierType' },
);

const isoOrNull = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

/** A reason as a code with its values and the sentence in the reader's language. */
export const CodedReason = Type.Union([
  Type.Object({
    code: Type.String({
      description:
        "Stable code, e.g. reason.statusNoLonger, reason.referenceChanged, reason.mailRefused; reason.text for words without a code (a person's note, rows written before codes).",
    }),
    params: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'The values in the sentence; a label is given as { nl, en }, a moment as { instant (ISO 8601), timeZone }.',
    }),
    text: Type.String({
      description: 'The sentence in the language of Accept-Language (nl or en; Dutch by default).',
    }),
  }),
  Type.Null(),
]);

export const ActionSchema = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    process: Type.Union([Type.String(), Type.Null()]),
    templateId: Type.String(),
    templateVersion: Type.Integer(),
    dossierId: Type.String(),
    dossierType: Type.String(),
    kind: Type.String(),
    status: literals(ACTION_STATUSES),
    statusReason: Type.Union([Type.String(), Type.Null()], {
      description: 'Why the action is in its status, in English (for integrators); see statusReasonCoded.',
    }),
    statusReasonCoded: CodedReason,
    executionMode: literals(EXECUTION_MODES),
    priority: Type.String(),
    dueAt: isoOrNull,
    expiresAt: isoOrNull,
    assigneeUserId: Type.Union([Type.String(), Type.Null()]),
    assigneeTeamId: Type.Union([Type.String(), Type.Null()]),
    attempts: Type.Integer(),
    result: Type.Unknown(),
    error: Type.Union([Type.String(), Type.Null()], { description: 'Why the effect failed, in English.' }),
    errorCoded: CodedReason,
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    completedAt: isoOrNull,
    dossierTitle: Type.Optional(
      Type.Union([Type.String(), Type.Null()], {
        description: 'The title of the dossier (lists and detail)',
      }),
    ),
    assigneeUserName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    assigneeTeamName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    history: Type.Optional(
      Type.Array(
        Type.Object({
          at: Type.String({ format: 'date-time' }),
          actor: Type.Union([Type.String(), Type.Null()]),
          actorName: Type.Optional(ActorFields.actorName),
          actorKind: Type.Optional(ActorFields.actorKind),
          from: Type.Union([Type.String(), Type.Null()]),
          to: Type.String(),
          note: Type.Union([Type.String(), Type.Null()]),
          noteCoded: CodedReason,
        }),
      ),
    ),
  },
  { $id: 'Action' },
);

/** The named schemas above, registered once on the server (components of the OpenAPI document). */
export const CONTRACT_SCHEMAS: TSchema[] = [
  Condition,
  TemplateDefinitionSchema,
  TemplateSchema,
  SimulationSchema,
  DossierTypeSchema,
  ActionSchema,
];

/**
 * Route options for an answer described by these schemas but written with JSON.stringify: the
 * schema documents the shape, and nothing an answer carries is dropped by a serialiser.
 */
export const plainJson = { serializerCompiler: () => (data: unknown) => JSON.stringify(data) } as const;

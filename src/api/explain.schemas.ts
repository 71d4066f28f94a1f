import { Type } from '@sinclair/typebox';
import { ACTION_STATUSES } from '../domain/action/action.js';
import { PENDING_CHOICES, TEMPLATE_CHANGES } from '../services/impact.service.js';

/** Response schemas of explain, impact and the process map (issue 13), for the OpenAPI document. */

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Instant = Type.String({ format: 'date-time' });
const OptionalInstant = Type.Union([Instant, Type.Null()]);

/** A code, its values, and the sentence in the reader's language. */
const Explained = Type.Object({
  code: Type.String({ description: 'Stable code, e.g. reason.conditionsFailed, timing.skippedWeekend.' }),
  params: Type.Record(Type.String(), Type.Unknown(), {
    description: 'The values in the sentence (dates as ISO text), for the UI to render the code.',
  }),
  text: Type.String({ description: 'The sentence in the language of Accept-Language.' }),
});

const ConditionCheck = Type.Object({
  description: Type.String(),
  field: Type.Optional(Type.String({ description: 'The field the comparison reads (absent for a group).' })),
  value: Type.Optional(Type.Unknown({ description: 'Its value on the dossier now; null when empty.' })),
  holdsNow: Type.Union([Type.Boolean(), Type.Null()]),
  heldAtEvent: Type.Union([Type.Boolean(), Type.Null()]),
});

const ActionSummary = Type.Object({
  id: Type.String(),
  kind: literals(['main', 'reminder']),
  status: literals(ACTION_STATUSES),
  dueAt: OptionalInstant,
  createdAt: Instant,
  statusReason: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});

const TemplateExplanation = Type.Object({
  templateId: Type.String(),
  name: Type.String(),
  process: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
  publishedVersion: Type.Union([Type.Integer(), Type.Null()]),
  event: Type.Intersect([
    Explained,
    Type.Object({ at: OptionalInstant, eventId: Type.Union([Type.Integer(), Type.Null()]) }),
  ]),
  conditions: Type.Object({
    holdsNow: Type.Union([Type.Boolean(), Type.Null()]),
    heldAtEvent: Type.Union([Type.Boolean(), Type.Null()]),
    items: Type.Array(ConditionCheck),
  }),
  timing: Type.Object({ dueAt: OptionalInstant, steps: Type.Array(Explained) }),
  actions: Type.Array(ActionSummary),
  reasons: Type.Array(Explained, { description: 'Why no action was made; empty when it acted.' }),
  next: Explained,
});

export const DossierExplanationSchema = Type.Object({
  dossier: Type.Object({ id: Type.String(), type: Type.String(), deleted: Type.Boolean() }),
  language: literals(['nl', 'en']),
  templates: Type.Array(TemplateExplanation),
});

const ImpactSample = Type.Object({
  actionId: Type.Optional(Type.String()),
  dossierId: Type.String(),
  dueAt: Type.Optional(OptionalInstant),
  newDueAt: Type.Optional(OptionalInstant),
  reason: Type.String({ description: 'The reason in English (for integrators); see reasonCoded.' }),
  reasonCoded: Type.Object(
    {
      code: Type.String({
        description: 'Stable code, e.g. reason.impactStaysOnVersion, reason.notInCategory.',
      }),
      params: Type.Record(Type.String(), Type.Unknown(), {
        description: 'The values in the sentence; a label is given as { nl, en }.',
      }),
    },
    { description: "The reason as a code with params, rendered in the reader's language by the UI." },
  ),
});

export const ImpactReportSchema = Type.Object(
  {
    change: literals(TEMPLATE_CHANGES),
    pending: literals(PENDING_CHOICES),
    dryRun: Type.Boolean(),
    openActions: Type.Integer({ description: 'Open (waiting, pending, due) actions before the change.' }),
    cancelled: Type.Integer(),
    kept: Type.Integer(),
    retimed: Type.Integer({ description: 'Moved to the new version with another due time.' }),
    newDossiers: Type.Integer({ description: 'Dossiers that meet the new version now and not the old one.' }),
    samples: Type.Object({
      cancelled: Type.Array(ImpactSample),
      kept: Type.Array(ImpactSample),
      retimed: Type.Array(ImpactSample),
      newDossiers: Type.Array(ImpactSample),
    }),
  },
  { description: 'What the change does (or, with dryRun, would do) to live data.' },
);

export const ProcessMapSchema = Type.Object({
  process: Type.String(),
  from: Instant,
  to: Instant,
  nodes: Type.Array(
    Type.Object({
      id: Type.String(),
      kind: literals(['event', 'conditions', 'action', 'reminder', 'creates']),
      templateId: Type.String(),
      label: Type.String(),
      counts: Type.Optional(
        Type.Record(Type.String(), Type.Integer(), {
          description: 'Actions of this node created in the period, by status.',
        }),
      ),
    }),
  ),
  edges: Type.Array(
    Type.Object({
      from: Type.String(),
      to: Type.String(),
      kind: literals(['flow', 'trigger']),
      label: Type.Optional(Type.String()),
    }),
  ),
  mermaid: Type.String({ description: 'The same graph as Mermaid flowchart text.' }),
});

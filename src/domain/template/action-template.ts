/**
 * Action templates — the rules of the engine (Coachview "actie-template", Econobis "workflow").
 *
 * Vocabulary:
 * - template: on which dossier type (data group), which event, which conditions, what timing,
 *   which execution mode and which effect; grouped by process.
 * - draft / version: editing changes the draft; publishing freezes it as a numbered, immutable
 *   version. Actions keep the version they were stamped from.
 * - stamping: creating an action from a template for one dossier (idempotent).
 * - execution mode: manual (a person does it, marks it done), semiAutomatic (a person presses
 *   Execute, the engine performs the effect), automatic (the engine performs it when due).
 * - effect: what executing the action does.
 * - reminder: Econobis "Verstuur herinnering": a second effect M days after the first while the
 *   dossier is still in the status that triggered it.
 */
import type { Condition } from '../condition/condition.js';
import type { Expiry, Timing } from '../timing/index.js';

export const EXECUTION_MODES = ['manual', 'semiAutomatic', 'automatic'] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

/** What happens to a dossier that makes the engine look at a template. */
export type TemplateEvent =
  | { readonly type: 'created' }
  /** A field changed; optionally only from one value and/or to another. */
  | { readonly type: 'fieldChanged'; readonly field: string; readonly from?: unknown; readonly to?: unknown }
  /** The status was set to one of `to` (Econobis: "kans status → Offerte aangevraagd"), optionally from `from`. */
  | { readonly type: 'statusSet'; readonly to: readonly string[]; readonly from?: readonly string[] }
  | { readonly type: 'deleted' }
  /** A date field of the dossier is reached (± the timing's offset): "planned finish date passed". */
  | { readonly type: 'dateReached'; readonly field: string }
  /** An action of another template was completed (done) or expired: chaining. */
  | { readonly type: 'actionCompleted'; readonly templateId: string }
  | { readonly type: 'actionExpired'; readonly templateId: string }
  /** Only when a person starts it on selected dossiers. */
  | { readonly type: 'manual' };

export type TemplateEventType = TemplateEvent['type'];

/** Who an action is for. */
export type AssigneeRule =
  | { readonly type: 'none' }
  | { readonly type: 'user'; readonly userId: string }
  | { readonly type: 'team'; readonly teamId: string }
  /** A user or team field of the dossier, or a reference path ending in one (`training.coach`). */
  | { readonly type: 'field'; readonly path: string };

/** Where a field value of a created dossier comes from. */
export type FieldMapping = { readonly value: unknown } | { readonly from: string };

export type RecipientSpec =
  | { readonly type: 'field'; readonly path: string }
  | { readonly type: 'user'; readonly field: string }
  | { readonly type: 'team'; readonly field: string }
  | { readonly type: 'address'; readonly address: string };

export interface SendEmailEffect {
  readonly type: 'sendEmail';
  readonly templateId: string;
  readonly to: readonly RecipientSpec[];
  readonly cc?: readonly RecipientSpec[];
  readonly bcc?: readonly RecipientSpec[];
  readonly mailboxId?: string;
}

export type Effect =
  /** A to-do: nothing is executed; a person marks it done. */
  | { readonly type: 'none' }
  | SendEmailEffect
  /** Create a task (dossier type `task`) for this dossier. */
  | {
      readonly type: 'createTask';
      readonly taskType: string;
      readonly description: string;
      readonly responsible: AssigneeRule;
      /** Planned finish date: this many days after execution. */
      readonly plannedInDays: number;
    }
  /** Create a dossier of any type with fields mapped from this one (Econobis intake measures). */
  | {
      readonly type: 'createDossier';
      readonly dossierType: string;
      readonly fields: Readonly<Record<string, FieldMapping>>;
    }
  | { readonly type: 'setField'; readonly field: string; readonly value: unknown }
  | { readonly type: 'setStatus'; readonly status: string }
  /** POST JSON to a URL, signed with HMAC-SHA256 (header X-Werkflow-Signature). */
  | { readonly type: 'webhook'; readonly url: string; readonly secret?: string };

export type EffectType = Effect['type'];

export interface Reminder {
  /** How long after the first effect the reminder is due. */
  readonly after: Expiry;
  /** E-mail template for the reminder; the main effect's when absent. */
  readonly emailTemplateId?: string;
}

/** One action per related dossier: e.g. per participant (type participant, field training). */
export interface FanOut {
  readonly dossierType: string;
  readonly field: string;
}

/** The seed screen a template belongs to (see TemplateDefinition.view). */
export type TemplateView =
  | { readonly kind: 'econobisStatus'; readonly dossierType: string; readonly status: string }
  | {
      readonly kind: 'econobisTaskType';
      readonly taskType: string;
      readonly workflow: 'new' | 'expired' | 'completed';
    };

/** The definition a draft holds and a version freezes. */
export interface TemplateDefinition {
  readonly name: string;
  readonly description?: string;
  /** Business process label ("Inschrijving", "Facturatie"). */
  readonly process?: string;
  /** The dossier type (data group) the template works on. */
  readonly dossierType: string;
  readonly event: TemplateEvent;
  readonly conditions: Condition;
  readonly timing: Timing;
  readonly expiry?: Expiry;
  readonly executionMode: ExecutionMode;
  readonly effect: Effect;
  readonly assignee: AssigneeRule;
  /** once: at most one action per dossier, ever; everyTime: one per triggering event. */
  readonly repeat: 'once' | 'everyTime';
  /** Re-check the conditions when the action falls due (and cancel or wait if they fail). */
  readonly recheckAtDue: boolean;
  /** What a pending action does when the dossier changes and its conditions fail. */
  readonly whenConditionsFail: 'cancel' | 'wait';
  /** Values of the type's category field this template is linked to; empty = every dossier. */
  readonly categories: readonly string[];
  readonly fanOut?: FanOut;
  readonly reminder?: Reminder;
  readonly priority: 'low' | 'normal' | 'high';
  /**
   * Set when the template was made through a seed-specific screen (the Econobis workflow
   * settings): that screen finds its template by this key. Templates made by hand have none.
   */
  readonly view?: TemplateView;
  /** Skip (cancel) an automatic action that is found due more than this many hours late. */
  readonly skipIfLateHours?: number;
  /**
   * The deepest chain of actions started by actions this template may be part of (see
   * template-graph.ts): stating it allows a template that closes a loop, which then stops there.
   */
  readonly maxDepth?: number;
}

export interface ActionTemplate {
  readonly id: string;
  readonly active: boolean;
  readonly draft: TemplateDefinition;
  /** The newest published version's number, or null when never published. */
  readonly publishedVersion: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface TemplateVersion {
  readonly templateId: string;
  readonly version: number;
  readonly definition: TemplateDefinition;
  readonly publishedAt: number;
  readonly publishedBy: string | null;
}

/** Defaults for the optional parts, so a minimal definition is complete. */
export function withDefaults(
  input: Partial<TemplateDefinition> & Pick<TemplateDefinition, 'name' | 'dossierType' | 'event' | 'effect'>,
): TemplateDefinition {
  return {
    conditions: { type: 'all', conditions: [] },
    timing: { anchor: { type: 'event' }, offset: 0, unit: 'minutes' },
    executionMode: 'automatic',
    assignee: { type: 'none' },
    repeat: 'everyTime',
    recheckAtDue: true,
    whenConditionsFail: 'cancel',
    categories: [],
    priority: 'normal',
    ...input,
  };
}

/** A published version of an active template: what the matcher works with. */
export interface ActiveTemplate {
  readonly templateId: string;
  readonly version: number;
  readonly definition: TemplateDefinition;
}

/**
 * JSON with the keys of every object sorted: two definitions (or views) are the same exactly when
 * their canonical JSON is. Plain JSON.stringify is not enough: PostgreSQL's jsonb hands documents
 * back with their keys reordered.
 */
export function canonicalJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sorted(value)) ?? 'undefined';
}

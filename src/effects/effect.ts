import type { Action } from '../domain/action/action.js';
import type { Reason } from '../domain/action/reasons.js';
import type { Dossier } from '../domain/dossier.js';
import type { DossierTypeCatalog } from '../domain/dossier-type.js';
import type { AssigneeRule, Effect, TemplateDefinition } from '../domain/template/action-template.js';
import type { Calendar } from '../domain/timing/index.js';
import type { Db } from '../store/database.js';
import type { EmailPort } from './ports.js';

/** The dossier writes an effect may make, in the completing transaction (the engine's DossierService). */
export interface DossierWriter {
  patch(
    typeKey: string,
    id: string,
    data: unknown,
    expectedVersion: number,
    actor: string | null,
    db: Db,
  ): Promise<Dossier>;
  create(typeKey: string, input: { data: unknown }, actor: string | null, db: Db): Promise<Dossier>;
}

/** The dossiers loaded for a batch, and the references between them (the engine's DossierGraph). */
export interface DossierGraphView {
  add(dossiers: readonly Dossier[]): void;
  preload(roots: readonly Dossier[], chains: readonly (readonly string[])[]): Promise<void>;
  follow(root: Dossier, chain: readonly string[]): Dossier | null;
}

/** What an effect may read and write while its action completes; the executor supplies it. */
export interface EffectContext {
  readonly db: Db;
  readonly action: Action;
  readonly def: TemplateDefinition;
  readonly dossier: Dossier;
  readonly actor: string;
  readonly now: number;
  readonly catalog: DossierTypeCatalog;
  readonly graph: DossierGraphView;
  readonly dossiers: DossierWriter;
  /** Unset when no mailbox is configured in this Werkflow. */
  readonly email: EmailPort | undefined;
  /** The organisation's calendar (its time zone dates are counted in). */
  readonly calendar: () => Promise<Calendar>;
  /**
   * Who a rule names, as the engine resolves an action's assignee: a user or team, or the user or
   * team field a (reference) path ends in. Load the path's dossiers into `graph` first.
   */
  readonly resolveAssignee: (
    rule: AssigneeRule,
    dossier: Dossier,
  ) => { readonly userId: string | null; readonly teamId: string | null };
}

/** What performing an effect left: the result stored on the action, and notes for the action. */
export interface EffectResult {
  /** Stored on the action (null: nothing to store); keeps its English `notes` for integrators. */
  readonly stored: unknown;
  /** Notes for the action as coded reasons (recipient rules that yielded no address). */
  readonly notes?: readonly Reason[];
}

/** One kind of effect: what executing an action of a template with this effect does. */
export interface EffectHandler<E extends Effect = Effect> {
  /** Cannot fail once its inputs are loaded: the executor needs no savepoint around it. */
  readonly safe: boolean;
  /** Performs the effect. */
  apply(effect: E, ctx: EffectContext): Promise<EffectResult>;
}

/** One handler per effect type: a type without one (a new member of `Effect`) does not compile. */
export type EffectRegistry = {
  readonly [K in Effect['type']]: EffectHandler<Extract<Effect, { readonly type: K }>>;
};

import type { Effect } from '../domain/template/action-template.js';
import { createDossierEffect } from './create-dossier.js';
import { createTaskEffect } from './create-task.js';
import type { EffectContext, EffectHandler, EffectRegistry, EffectResult } from './effect.js';
import { noneEffect } from './none.js';
import { sendEmailEffect } from './send-email.js';
import { setFieldEffect, setStatusEffect } from './set-field.js';
import { webhookEffect } from './webhook.js';

export type {
  DossierGraphView,
  DossierWriter,
  EffectContext,
  EffectHandler,
  EffectRegistry,
} from './effect.js';

/** Every effect, keyed by its `type`: one home per effect (one file each in src/effects/). */
export const EFFECTS: EffectRegistry = {
  none: noneEffect,
  sendEmail: sendEmailEffect,
  createTask: createTaskEffect,
  createDossier: createDossierEffect,
  setField: setFieldEffect,
  setStatus: setStatusEffect,
  webhook: webhookEffect,
};

/** Performs an action's effect through its handler. */
export function applyEffect(effect: Effect, ctx: EffectContext): Promise<EffectResult> {
  // The registry pairs each type with its handler; TypeScript cannot follow that through a union.
  return (EFFECTS[effect.type] as EffectHandler<Effect>).apply(effect, ctx);
}

import type { Effect } from '../domain/template/action-template.js';
import type { EffectContext, EffectHandler } from './effect.js';

type SetEffect = Extract<Effect, { readonly type: 'setField' | 'setStatus' }>;

/** Writes one field (or the status) of the action's dossier, as a dossier write with its event. */
async function setField(effect: SetEffect, { db, dossier, actor, dossiers, graph }: EffectContext) {
  const data = effect.type === 'setStatus' ? { status: effect.status } : { [effect.field]: effect.value };
  const updated = await dossiers.patch(dossier.type, dossier.id, data, dossier.version, actor, db);
  graph.add([updated]);
  return { stored: { dossierVersion: updated.version } };
}

export const setFieldEffect: EffectHandler<Extract<Effect, { readonly type: 'setField' }>> = {
  safe: false,
  apply: setField,
};

export const setStatusEffect: EffectHandler<Extract<Effect, { readonly type: 'setStatus' }>> = {
  safe: false,
  apply: setField,
};

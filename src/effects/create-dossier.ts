import type { Effect } from '../domain/template/action-template.js';
import type { EffectHandler } from './effect.js';

/** Creates a dossier of any type with fields mapped from this one (Econobis intake measures). */
export const createDossierEffect: EffectHandler<Extract<Effect, { readonly type: 'createDossier' }>> = {
  safe: false,
  async apply(effect, { db, dossier, actor, dossiers, graph }) {
    const data: Record<string, unknown> = {};
    for (const [key, mapping] of Object.entries(effect.fields)) {
      if ('value' in mapping) data[key] = mapping.value;
      else if (mapping.from === 'id') data[key] = dossier.id;
      else {
        const segments = mapping.from.split('.');
        const chain = segments.slice(0, -1);
        await graph.preload([dossier], [chain]);
        data[key] = graph.follow(dossier, chain)?.data[segments[segments.length - 1]!] ?? null;
      }
    }
    const created = await dossiers.create(effect.dossierType, { data }, actor, db);
    return { stored: { createdDossier: { type: effect.dossierType, id: created.id } } };
  },
};

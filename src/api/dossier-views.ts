/**
 * How dossiers and their history read in API answers: titles by the type's title rule, and who
 * did something by name ("Demo Beheerder", the worker, or automatic for seeds and the system).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { ActorKind } from '../domain/actor.js';
import type { Dossier } from '../domain/dossier.js';
import type { TitleLanguage } from '../domain/dossier-title.js';
import { languageOf } from '../domain/template/explain-text.js';
import type { Werkflow } from '../engine/werkflow.js';
import { type DossierBody, dossierBody } from './schemas.js';

export const ActorFields = {
  actor: Type.Union([Type.String(), Type.Null()]),
  actorName: Type.Union([Type.String(), Type.Null()], {
    description: 'The user (or API token) by name; null for the worker and for automatic writes.',
  }),
  actorKind: Type.Union(
    [Type.Literal('user'), Type.Literal('token'), Type.Literal('worker'), Type.Literal('automatic')],
    { description: 'user, token, worker (werkflow-worker) or automatic (seed, system, engine).' },
  ),
};

export function actorKindOf(actor: string | null): ActorKind {
  if (actor === null) return 'automatic';
  if (actor.startsWith('worker:')) return 'worker';
  if (actor.startsWith('token:')) return 'token';
  return ['seed', 'system', 'engine', 'demo', 'cli'].includes(actor) ? 'automatic' : 'user';
}

/** Names and kinds of actors, for a page of history. */
export async function actorViews(
  werkflow: Werkflow,
  actors: readonly (string | null)[],
): Promise<
  (actor: string | null) => { actor: string | null; actorName: string | null; actorKind: ActorKind }
> {
  const names = await werkflow.audit.actorNames(actors);
  return (actor) => {
    const kind = actorKindOf(actor);
    return { actor, actorName: actor === null ? null : (names.get(actor) ?? null), actorKind: kind };
  };
}

export function titleLanguage(request: FastifyRequest): TitleLanguage {
  return languageOf(request.headers['accept-language']);
}

/** Dossiers as the API answers them, each with its title in the reader's language. */
export async function dossierBodies(
  werkflow: Werkflow,
  request: FastifyRequest,
  dossiers: readonly Dossier[],
): Promise<DossierBody[]> {
  const titles = await werkflow.dossiers.titles(dossiers, titleLanguage(request));
  return dossiers.map((d) => ({ ...dossierBody(d), title: titles.get(d.id) }));
}

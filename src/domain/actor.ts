/**
 * Who wrote something, in words: one rule for the API's English sentences and the UI's translated
 * text (the UI passes its own word for "automatic").
 */

/** Who wrote something: a user (or a user's API token), the background worker, or the system itself. */
export type ActorKind = 'user' | 'token' | 'worker' | 'automatic';

/** The background worker by name, in every language. */
export const WORKER_WORD = 'werkflow-worker';

/** An actor in one word: the name, "werkflow-worker", or the reader's word for automatic. */
export function actorWord(
  view: { actorName?: string | null; actorKind?: string | null },
  automatic: string,
): string {
  if (view.actorName) return view.actorName;
  return view.actorKind === 'worker' ? WORKER_WORD : automatic;
}

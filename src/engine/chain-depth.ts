import { AsyncLocalStorage } from 'node:async_hooks';
import type { Action } from '../domain/action/action.js';
import type { TemplateDefinition } from '../domain/template/action-template.js';
import { MAX_CHAIN_DEPTH } from '../domain/template/template-graph.js';
import { type Reason, reason } from '../domain/action/reasons.js';

/**
 * The chain depth of the action whose effect (or completion) is running, for the actions it
 * stamps: an async context, so a dossier written by an API request meanwhile (another
 * transaction, same process) is not counted into the chain.
 */
const running = new AsyncLocalStorage<number>();

/** The depth an action stamped now gets: one more than the action running, 0 outside one. */
export function stampDepth(): number {
  return running.getStore() ?? 0;
}

/** Runs `fn` (an action's effect and what its completion stamps) as caused by `action`. */
export function asCausedBy<T>(action: Action, fn: () => Promise<T>): Promise<T> {
  return running.run((action.chainDepth ?? 0) + 1, fn);
}

/**
 * Why an action must not run: its chain is deeper than its template allows (maxDepth) or, for a
 * template without one, than the engine's limit (a loop that slipped past the save check).
 * Undefined when it may run.
 */
export function chainTooDeep(
  action: Pick<Action, 'chainDepth'>,
  def: TemplateDefinition,
): Reason | undefined {
  const depth = action.chainDepth ?? 0;
  const limit = def.maxDepth ?? MAX_CHAIN_DEPTH;
  if (depth < limit) return undefined;
  return reason('reason.chainTooDeep', {
    number: depth + 1,
    template: def.name,
    limit,
    source:
      def.maxDepth !== undefined
        ? { en: 'its maxDepth', nl: 'zijn maxDepth' }
        : { en: 'the engine’s limit', nl: 'de grens van de engine' },
  });
}

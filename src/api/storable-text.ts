import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isStorableText } from '../domain/dossier.js';
import { WerkflowError } from '../domain/errors.js';

/**
 * Text PostgreSQL refuses to store or even compare with — a NUL character, or half of a surrogate
 * pair — is turned away at the door: one preValidation hook walks the path parameters, the query
 * and the body (keys and values, at any depth) and answers 422 `validation_failed` with the path
 * of the first offending string (`params.id`, `query.actor`, `name`, `scopes[1]`). Without it
 * such text reaches a query and PostgreSQL's refusal becomes a 500.
 *
 * Routes under SELF_CHECKED_PREFIXES check their path parameters and query themselves with more
 * specific answers (an id no row can have is a 404, a made-up cursor names the cursor); those under
 * SELF_CHECKED_BODY_PREFIXES check their bodies too (a dossier's field, a template's part, by name).
 */
const SELF_CHECKED_PREFIXES: readonly string[] = ['/api/dossiers', '/api/actions', '/api/templates'];
const SELF_CHECKED_BODY_PREFIXES: readonly string[] = ['/api/dossiers', '/api/templates'];

/** Where the first unstorable string in `value` is (`where` prefixed), or undefined. */
export function findUnstorableText(value: unknown, where: string): string | undefined {
  const stack: [unknown, string][] = [[value, where]];
  while (stack.length > 0) {
    const [item, path] = stack.pop()!;
    if (typeof item === 'string') {
      if (!isStorableText(item)) return path;
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], `${path}[${i}]`]);
    } else if (item !== null && typeof item === 'object') {
      const keys = Object.keys(item);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        const at = path ? `${path}.${key}` : key;
        if (!isStorableText(key)) return at;
        stack.push([(item as Record<string, unknown>)[key], at]);
      }
    }
  }
  return undefined;
}

function under(request: FastifyRequest, prefixes: readonly string[]): boolean {
  const url = request.routeOptions.url ?? '';
  return prefixes.some((p) => url === p || url.startsWith(`${p}/`));
}

/** Installs the check for every route (but what the self-checked ones check themselves). */
export function installStorableTextCheck(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const checkBody = !under(request, SELF_CHECKED_BODY_PREFIXES);
    const checkRest = !under(request, SELF_CHECKED_PREFIXES);
    // Body paths are named as the schema errors name them (`data.email`); the others get a prefix.
    const path =
      (checkRest
        ? (findUnstorableText(request.params, 'params') ?? findUnstorableText(request.query, 'query'))
        : undefined) ??
      (checkBody
        ? findUnstorableText(request.body, typeof request.body === 'string' ? 'body' : '')
        : undefined);
    if (path === undefined) return;
    throw new WerkflowError(
      'validation_failed',
      `Text may not contain a NUL character or half of a surrogate pair; remove it from ${path || 'the body'}.`,
      { path: path || 'body' },
    );
  });
}

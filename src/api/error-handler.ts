import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { type ErrorCode, WerkflowError, assertNever, coerceError } from '../domain/errors.js';

/** HTTP status for each error code: the one place that decides, and it must handle every code. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'validation_failed':
      return 422;
    case 'not_found':
      return 404;
    case 'version_conflict':
    case 'already_exists':
    case 'invalid_state':
      return 409;
    case 'precondition_required':
      return 428;
    case 'unauthenticated':
      return 401;
    case 'forbidden':
    case 'account_blocked':
      return 403;
    case 'rate_limited':
      return 429;
    case 'schema_too_new':
    case 'configuration':
      return 503;
    case 'internal':
      return 500;
    default:
      return assertNever(code, 'error code');
  }
}

export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    path: string;
    params?: Record<string, string | number>;
    details?: { path: string; message: string; code?: string; params?: Record<string, string | number> }[];
  };
}

export function sendError(reply: FastifyReply, error: WerkflowError): FastifyReply {
  const body: ErrorBody = { error: { code: error.code, message: error.message, path: error.path } };
  if (error.params) body.error.params = { ...error.params };
  // One detail is the error itself, unless it has a code of its own for the client to render.
  if (error.details.length > 1 || error.details.some((d) => d.code !== undefined))
    body.error.details = error.details.map((d) => ({
      ...d,
      ...(d.params ? { params: { ...d.params } } : {}),
    }));
  if (error.code === 'unauthenticated') reply.header('WWW-Authenticate', 'Bearer realm="werkflow", Cookie');
  return reply.status(httpStatusOf(error.code)).send(body);
}

/** Turns an ajv path (`/data/email`, `/items/3/externalId`) into ours (`data.email`, `items[3].externalId`). */
function toPath(instancePath: string, missing?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (missing) parts.push(missing);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/**
 * Maps everything a route throws to the error body. Request-schema errors become 422 with the
 * path of the offending part; unknown errors become a 500 without internals (logged in full).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.validation) {
      // `query.limit`, as the services name query parameters (`query.city`), not `querystring.limit`.
      const context = err.validationContext ?? 'body';
      const where = context === 'querystring' ? 'query' : context;
      const details = err.validation.map((v) => {
        const missing = (v.params as { missingProperty?: string }).missingProperty;
        const path = [where === 'body' ? '' : where, toPath(v.instancePath, missing)]
          .filter(Boolean)
          .join('.');
        const message = missing
          ? `"${missing}" is required${path.includes('.') ? ` in ${path.slice(0, path.lastIndexOf('.'))}` : ''}.`
          : `${path || where} ${v.message ?? 'is invalid'}.`;
        return { path: path || where, message };
      });
      return sendError(
        reply,
        new WerkflowError('validation_failed', details[0]!.message, { path: details[0]!.path, details }),
      );
    }
    if (err instanceof WerkflowError) return sendError(reply, err);
    if (err.statusCode === 413) {
      return sendError(
        reply,
        new WerkflowError(
          'validation_failed',
          'The request body is too large. Send fewer items per request (at most 10,000 per bulk upsert).',
          { path: 'body' },
        ),
      );
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own client errors: malformed JSON, wrong content type.
      const message =
        err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'Send the body as JSON with Content-Type: application/json.'
          : err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
            ? 'The body is empty; send a JSON object.'
            : `The request could not be read: ${err.message}`;
      return sendError(reply, new WerkflowError('validation_failed', message, { path: 'body' }));
    }
    request.log.error({ err }, 'unhandled error');
    const wrapped = coerceError(err);
    return sendError(
      reply,
      new WerkflowError(
        'internal',
        'Something went wrong on our side; the error was logged. Try again, and report it if it persists.',
        { cause: wrapped },
      ),
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new WerkflowError(
        'not_found',
        `No route ${request.method} ${request.url.split('?')[0]}. See /api/docs for the API.`,
      ),
    ),
  );
}

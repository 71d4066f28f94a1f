import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who makes the request: a user id, `token:<id>`, or null before authentication is set up. */
    actor: string | null;
  }
}

/** The actor recorded in events, history and the audit log for this request. */
export function actorOf(request: FastifyRequest): string | null {
  return request.actor ?? null;
}

import type { FastifyRequest } from 'fastify';
import type { Permission, Principal } from '../domain/permissions.js';
import { principalOf } from './auth.hook.js';

/** The engine's view of who makes this request: an actor id and the rights in force. */
export function enginePrincipal(request: FastifyRequest): Principal {
  const p = principalOf(request);
  return { id: p.actor, permissions: p.rights as ReadonlySet<Permission> };
}

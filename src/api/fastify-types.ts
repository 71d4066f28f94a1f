import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Permission } from '../domain/permissions.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The right this route needs; checked by the auth hook, deny by default. */
    permission?: Permission;
  }
}

/**
 * The server as route modules see it: request body, query and params typed from the route's
 * TypeBox schemas (@fastify/type-provider-typebox), so handlers need no casts.
 */
export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

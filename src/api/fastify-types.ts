import type { Permission } from '../domain/permissions.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The right this route needs; checked by the auth hook, deny by default. */
    permission?: Permission;
  }
}

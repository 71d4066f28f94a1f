/** Who is logged in (`GET /api/auth/me`), shared through the query cache under `['me']`. */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, setCsrfToken } from './api.js';
import type { paths } from './api-schema.js';

export type Me = paths['/api/auth/me']['get']['responses']['200']['content']['application/json'];

export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: async (): Promise<Me | null> => {
      try {
        const me = await api<Me>('GET', '/api/auth/me');
        setCsrfToken(me.csrfToken ?? null);
        return me;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: Infinity,
  });
}

/** Whether the logged-in user has a right (`workflows.automatic`, `templates.manual`, …). */
export function useCan(right: string): boolean {
  const { data } = useMe();
  return data?.permissions.includes(right) ?? false;
}

/** Puts a fresh log-in into the cache (the app then shows itself) or clears it (log-in screen). */
export function useSetMe(): (me: Me | null) => void {
  const client = useQueryClient();
  return (me) => {
    setCsrfToken(me?.csrfToken ?? null);
    client.setQueryData(['me'], me);
    // Logged out: forget everything else. Not ['me'] itself: the mounted app watches that query,
    // and a cleared one would leave it showing the old log-in (the log-out button did nothing).
    // Everything else includes ['me', 'preferences'] and ['me', 'digest']: the next person in this
    // tab must not get the previous one's language or digest.
    if (me === null)
      client.removeQueries({ predicate: (q) => !(q.queryKey.length === 1 && q.queryKey[0] === 'me') });
  };
}

/**
 * The UI's language saved on the user (`GET`/`PUT /api/auth/me/preferences`): chosen in the header
 * or in Mijn instellingen, it follows the person to every browser; until they choose, the
 * browser's remembered choice (localStorage) holds.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api } from './api.js';
import type { Lang } from './dictionary.js';
import { lang, setLang } from './i18n.js';

export type Preferences = { language: Lang | null };

const KEY = ['me', 'preferences'];

/** Reads the saved language once a session exists and switches to it. */
export function useSavedLanguage(): void {
  const saved = useQuery({
    queryKey: KEY,
    queryFn: () => api<Preferences>('GET', '/api/auth/me/preferences'),
    staleTime: Infinity,
  });
  const language = saved.data?.language;
  useEffect(() => {
    if (language && language !== lang()) setLang(language);
  }, [language]);
}

/** Switches the language at once and saves it on the user. */
export function useChooseLanguage(): { choose: (next: Lang) => void; error: unknown; isPending: boolean } {
  const client = useQueryClient();
  const save = useMutation({
    mutationFn: (language: Lang) => api<Preferences>('PUT', '/api/auth/me/preferences', { language }),
    onSuccess: (saved) => client.setQueryData(KEY, saved),
  });
  return {
    choose: (next) => {
      setLang(next);
      save.mutate(next);
    },
    error: save.error,
    isPending: save.isPending,
  };
}

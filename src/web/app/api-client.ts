/**
 * Talks to the JSON API: same-origin fetch with the session cookie, the CSRF token on every
 * state-changing request, and errors turned into ApiError carrying the API's own message (written
 * for people) and the path of the part that was wrong.
 */
import { t } from './i18n.js';

export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly path: string,
    readonly details: readonly ErrorDetail[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
let onUnauthenticated: (() => void) | null = null;

/** Remembers the CSRF token of the session (from the log-in answer or GET /api/auth/me). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** What to do when the session has ended (a 401 on any call but the log-in itself). */
export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Builds `path?a=1&b=2`, leaving out undefined values. */
export function withQuery(
  path: string,
  query: Record<string, string | number | boolean | undefined>,
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Calls the API; resolves with the parsed JSON (undefined for 204) or rejects with ApiError. */
export async function api<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(t('error.network'), 0, 'network', '', []);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (response.ok) return json as T;
  const error = (
    json as { error?: { code?: string; message?: string; path?: string; details?: ErrorDetail[] } }
  )?.error;
  if (response.status === 401 && path !== '/api/auth/login') onUnauthenticated?.();
  throw new ApiError(
    error?.message ?? t('error.http', { status: response.status }),
    response.status,
    error?.code ?? 'http',
    error?.path ?? '',
    error?.details ?? (error?.message ? [{ path: error.path ?? '', message: error.message }] : []),
  );
}

/** The message to show for anything a call threw. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return t('error.unexpected');
}

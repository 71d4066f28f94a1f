/**
 * Talks to the JSON API: same-origin fetch with the session cookie, the CSRF token on every
 * state-changing request, and errors turned into ApiError carrying the API's `code`, `params`
 * and `path` (rendered through the dictionary by errors.tsx, never shown as raw English).
 *
 * The shapes come from the generated src/web/app/api-schema.d.ts (`npm run api-types`).
 */
import type { components, paths } from './api-schema.js';
import { lang } from './i18n.js';

export { withQuery } from './query-string.js';

export type Schemas = components['schemas'];
export type Action = Schemas['Action'];
export type Template = Schemas['Template'];
export type TemplateDefinition = Schemas['TemplateDefinition'];
export type Condition = Schemas['Condition'];
export type DossierType = Schemas['DossierType'];
export type FieldDef = DossierType['fields'][number];
export type Dossier = Schemas['Dossier'];
export type Simulation = Schemas['Simulation'];

/** The JSON answer of `GET path` (status 200), as the OpenAPI document describes it. */
export type GetResult<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { 'application/json': infer R } } } };
}
  ? R
  : never;

/** The JSON answer of `POST path` (status 200), as the OpenAPI document describes it. */
export type PostResult<P extends keyof paths> = paths[P] extends {
  post: { responses: { 200: { content: { 'application/json': infer R } } } };
}
  ? R
  : never;

export type Page<T> = { items: T[]; nextCursor: string | null };

export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
  readonly code?: string;
  readonly params?: Record<string, unknown>;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly path: string,
    readonly params: Record<string, unknown>,
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

/** `/api/x/{a}/{b}` with each part URL-encoded. */
export function apiPath(...parts: string[]): string {
  return `/api/${parts.map((p) => encodeURIComponent(p)).join('/')}`;
}

/** Calls the API; resolves with the parsed JSON (undefined for 204) or rejects with ApiError. */
export async function api<T>(
  method: Method,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  // Texts the server writes for people (explanations, reasons) come in the user's language.
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Accept-Language': lang(),
    ...extraHeaders,
  };
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
    throw new ApiError('network', 0, 'network', '', {}, []);
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
    json as {
      error?: {
        code?: string;
        message?: string;
        path?: string;
        params?: Record<string, unknown>;
        details?: ErrorDetail[];
      };
    }
  )?.error;
  if (response.status === 401 && path !== '/api/auth/login') onUnauthenticated?.();
  const path0 = error?.path ?? '';
  return Promise.reject(
    new ApiError(
      error?.message ?? `HTTP ${response.status}`,
      response.status,
      error?.code ?? 'http',
      path0,
      error?.params ?? { status: response.status },
      error?.details ?? [
        { path: path0, message: error?.message ?? '', code: error?.code, params: error?.params },
      ],
    ),
  );
}

/**
 * Query strings for the app's addresses and API calls (no DOM, no React: the address helpers and
 * their node tests import it directly).
 */

/** Builds `path?a=1&b=2`, leaving out undefined and empty values. */
export function withQuery(
  path: string,
  query: Record<string, string | number | boolean | undefined>,
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') params.set(key, String(value));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * The link a person follows to set a new password: the web UI's reset page with the one-time
 * token. `baseUrl` is where people reach Werkflow (WERKFLOW_PUBLIC_URL).
 *
 * @example passwordResetLink('https://werkflow.example.nl', 'abc') // 'https://werkflow.example.nl/reset-password?token=abc'
 */
export function passwordResetLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/reset-password?token=${encodeURIComponent(token)}`;
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Random secrets (session cookies, API tokens, reset tokens, CSRF tokens): 256 bits from the
 * operating system, base64url. Only their SHA-256 is stored. A fast hash is enough here, unlike
 * for passwords: nobody can guess their way through 2^256 possibilities, so there is nothing for
 * a slow hash to slow down.
 */
export function newSecret(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** The stored form of a secret: its SHA-256, hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares two strings in time that does not depend on where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** API tokens start with this, so secret scanners (and people) recognise them. */
export const API_TOKEN_PREFIX = 'wft_';

/** A password for a generated account: 20 characters from an alphabet without look-alikes. */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(40);
  let out = '';
  // Rejection sampling keeps every character equally likely.
  for (const b of bytes) {
    if (b < 256 - (256 % alphabet.length)) out += alphabet[b % alphabet.length];
    if (out.length === 20) break;
  }
  return out.length === 20 ? out : generatePassword();
}

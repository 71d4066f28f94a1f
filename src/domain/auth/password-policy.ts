import type { ErrorDetail } from '../errors.js';

/**
 * What a password must be. Length is what makes a password strong (NIST SP 800-63B): at least
 * 12 characters, no composition rules, and refused when it is one of the passwords every
 * attacker tries first or is made of the user's own name or e-mail address.
 */
export const PASSWORD_MIN_LENGTH = 12;
/** Argon2 takes any length, but a megabyte "password" is a denial-of-service attempt. */
export const PASSWORD_MAX_LENGTH = 256;

const COMMON = new Set([
  'password1234',
  'password12345',
  'wachtwoord123',
  'wachtwoord1234',
  'welkom123456',
  'qwertyuiop12',
  '123456789012',
  'administrator',
  'werkflow1234',
  'letmein12345',
  'iloveyou1234',
]);

/** The problems with `password` (empty when it is acceptable), each with path `password`. */
export function checkPassword(
  password: string,
  context: { email?: string; name?: string } = {},
  path = 'password',
): ErrorDetail[] {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH)
    return [
      {
        path,
        message: `The password has ${length} characters; use at least ${PASSWORD_MIN_LENGTH}. A few unrelated words make a long password that is easy to remember.`,
      },
    ];
  if (length > PASSWORD_MAX_LENGTH)
    return [
      {
        path,
        message: `The password is longer than ${PASSWORD_MAX_LENGTH} characters; choose a shorter one.`,
      },
    ];
  const lower = password.toLowerCase();
  if (new Set(lower).size <= 2)
    return [
      { path, message: 'The password repeats one or two characters; choose one that is harder to guess.' },
    ];
  if (COMMON.has(lower))
    return [{ path, message: 'This password is on the list attackers try first; choose another.' }];
  const email = context.email?.toLowerCase();
  const local = email?.split('@')[0];
  if (email && (lower === email || (local && local.length >= 4 && lower.includes(local))))
    return [{ path, message: 'The password contains your e-mail address; choose one that does not.' }];
  const name = context.name?.toLowerCase().replace(/\s+/g, '');
  if (name && name.length >= 4 && lower.replace(/\s+/g, '').includes(name))
    return [{ path, message: 'The password contains your name; choose one that does not.' }];
  return [];
}

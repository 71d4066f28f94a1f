import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { reason } from '../../domain/action/reasons.js';
import { WerkflowError } from '../../domain/errors.js';

/**
 * Mailbox passwords at rest: AES-256-GCM with a key from the environment
 * (`WERKFLOW_SECRET_KEY`: 64 hex characters, 32 bytes base64, or a passphrase of 16+ characters),
 * or — in demo and development — from a key file Werkflow generates in the data directory.
 *
 * The stored form is `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url). The key id (8 hex
 * characters of the key's SHA-256) says which key encrypted a password, so a changed key gives
 * "re-enter the password" instead of garbage.
 */
export class SecretBox {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('A secret key is 32 bytes.');
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  }

  /** Reads WERKFLOW_SECRET_KEY's forms: 64 hex, base64 of 32 bytes, or a long passphrase. */
  static fromText(text: string): SecretBox {
    const t = text.trim();
    if (/^[0-9a-fA-F]{64}$/.test(t)) return new SecretBox(Buffer.from(t, 'hex'));
    if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
      const bytes = Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64');
      if (bytes.length === 32) return new SecretBox(bytes);
    }
    if (t.length < 16) {
      throw new WerkflowError(
        'configuration',
        'WERKFLOW_SECRET_KEY is too short. Use 64 hex characters (openssl rand -hex 32) or a passphrase of at least 16 characters.',
        { reason: reason('reason.secretKeyTooShort') },
      );
    }
    // A passphrase is stretched; the salt is fixed so the same passphrase gives the same key.
    return new SecretBox(scryptSync(t, 'werkflow-secret-box', 32));
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      'v1',
      this.keyId,
      iv.toString('base64url'),
      tag.toString('base64url'),
      ct.toString('base64url'),
    ].join('.');
  }

  decrypt(stored: string): string {
    const [version, keyId, iv, tag, ct] = stored.split('.');
    if (version !== 'v1' || !keyId || iv === undefined || tag === undefined || ct === undefined) {
      throw new WerkflowError(
        'configuration',
        'A stored mailbox password is damaged; enter the password again.',
        { reason: reason('reason.mailboxPasswordDamaged') },
      );
    }
    if (keyId !== this.keyId) {
      throw new WerkflowError(
        'configuration',
        `This mailbox password was stored with another secret key (key ${keyId}, current ${this.keyId}). Set WERKFLOW_SECRET_KEY back to that key, or enter the mailbox password again.`,
        { reason: reason('reason.mailboxPasswordOtherKey', { keyId, currentKeyId: this.keyId }) },
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch (cause) {
      throw new WerkflowError(
        'configuration',
        'A stored mailbox password could not be decrypted; enter it again.',
        { cause, reason: reason('reason.mailboxPasswordUndecryptable') },
      );
    }
  }
}

export interface SecretKeySource {
  /** The value of WERKFLOW_SECRET_KEY, when set. */
  readonly envKey?: string;
  /** A key file (demo and development): read when it exists, created when `generate` is set. */
  readonly keyFile?: string;
  readonly generate?: boolean;
}

/**
 * Finds the secret key: the environment first, then the key file; creates the key file (mode
 * 600) when allowed. Null when there is no key: saving a mailbox password then fails with what
 * to set.
 */
export function loadSecretBox(source: SecretKeySource): SecretBox | null {
  if (source.envKey && source.envKey.trim() !== '') return SecretBox.fromText(source.envKey);
  if (!source.keyFile) return null;
  if (existsSync(source.keyFile)) return SecretBox.fromText(readFileSync(source.keyFile, 'utf8'));
  if (!source.generate) return null;
  mkdirSync(dirname(source.keyFile), { recursive: true });
  writeFileSync(source.keyFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(source.keyFile, 0o600);
  return SecretBox.fromText(readFileSync(source.keyFile, 'utf8'));
}

export function missingKeyError(): WerkflowError {
  return new WerkflowError(
    'configuration',
    'Mailbox passwords are stored encrypted, and no secret key is configured. Set WERKFLOW_SECRET_KEY to 64 hex characters (generate one with: openssl rand -hex 32) and restart Werkflow.',
    { reason: reason('reason.secretKeyMissing') },
  );
}

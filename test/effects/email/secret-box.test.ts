import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WerkflowError } from '../../../src/domain/errors.js';
import { SecretBox, loadSecretBox } from '../../../src/effects/email/secret-box.js';

const HEX_KEY = 'a'.repeat(64);

describe('mailbox password encryption', () => {
  it('round-trips any password and never stores it readable (property)', () => {
    const box = SecretBox.fromText(HEX_KEY);
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (password) => {
        const stored = box.encrypt(password);
        expect(box.decrypt(stored)).toBe(password);
        if (password.length >= 4) expect(stored).not.toContain(password);
      }),
    );
  });

  it('encrypts the same password differently each time', () => {
    const box = SecretBox.fromText(HEX_KEY);
    expect(box.encrypt('geheim')).not.toBe(box.encrypt('geheim'));
  });

  it('says which key is needed when the key changed, and refuses tampering', () => {
    const stored = SecretBox.fromText(HEX_KEY).encrypt('geheim');
    const other = SecretBox.fromText('b'.repeat(64));
    expect(() => other.decrypt(stored)).toThrow(
      /stored with another secret key .*enter the mailbox password again/,
    );
    const parts = stored.split('.');
    parts[4] = Buffer.from('x').toString('base64url') + parts[4]!.slice(2);
    expect(() => SecretBox.fromText(HEX_KEY).decrypt(parts.join('.'))).toThrow(WerkflowError);
  });

  it('accepts a hex key, a base64 key and a long passphrase; refuses a short one', () => {
    const base64 = Buffer.alloc(32, 7).toString('base64');
    expect(SecretBox.fromText(base64).keyId).toBe(new SecretBox(Buffer.alloc(32, 7)).keyId);
    expect(
      SecretBox.fromText('correct horse battery staple').decrypt(
        SecretBox.fromText('correct horse battery staple').encrypt('x'),
      ),
    ).toBe('x');
    expect(() => SecretBox.fromText('kort')).toThrow(/too short/);
  });

  it('takes the key from the environment first, else a key file it creates (mode 600) in the data dir', () => {
    const dir = mkdtempSync(join(tmpdir(), 'werkflow-key-'));
    const keyFile = join(dir, 'secret.key');
    expect(loadSecretBox({ keyFile })).toBeNull();
    const created = loadSecretBox({ keyFile, generate: true })!;
    expect(readFileSync(keyFile, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(loadSecretBox({ keyFile })!.keyId).toBe(created.keyId);
    expect(loadSecretBox({ keyFile, envKey: HEX_KEY })!.keyId).toBe(SecretBox.fromText(HEX_KEY).keyId);
  });
});

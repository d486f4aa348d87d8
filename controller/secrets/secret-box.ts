/**
 * AES-256-GCM sealing of credentials. A sealed value is
 * `kw1:<master key id>:<base64 iv|tag|ciphertext>`; the context (for example
 * `host:<id>:management`) is bound as additional data, so a sealed value copied to another
 * host or slot does not open there.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeywardenError } from '../../shared/errors';
import { credentialUnreadable } from '../../shared/errors';
import type { MasterKey } from './master-key';

export class SecretBox {
  constructor(private readonly master: MasterKey) {}

  get keyId(): string {
    return this.master.id;
  }

  seal(plaintext: string | Buffer, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.master.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const blob = Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
    return `kw1:${this.master.id}:${blob}`;
  }

  open(sealed: string, context: string): string {
    const m = /^kw1:([0-9a-f]{12}):([A-Za-z0-9+/=]+)$/.exec(sealed);
    if (!m?.[2]) throw sealError('a sealed credential is malformed', context);
    if (m[1] !== this.master.id)
      throw sealError(
        `a credential was sealed with master key ${m[1]}, but this controller has ${this.master.id} (check KEYWARDEN_MASTER_KEY or the data directory's master.key)`,
        context,
      );
    const raw = Buffer.from(m[2], 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.master.key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw sealError('a sealed credential failed its integrity check', context, cause);
    }
  }
}

function sealError(message: string, context: string, cause?: unknown): KeywardenError {
  return credentialUnreadable(`${message} (${context})`, {
    details: { context },
    ...(cause ? { cause } : {}),
  });
}

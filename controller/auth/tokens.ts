/** API tokens: the secret is shown once; the store keeps only its SHA-256. */
import { createHash, randomBytes } from 'node:crypto';
import { newId } from '../store/ids';
import type { Role, TokenRecord } from '../store/records';
import type { Store } from '../store/store';

export const hashSecret = (secret: string): string =>
  createHash('sha256').update(secret).digest('hex');

export const generateSecret = (): string => `kw_${randomBytes(32).toString('base64url')}`;

export async function createToken(
  store: Pick<Store, 'tokens'>,
  input: { name: string; role: Role; createdBy: string; secret?: string; personId?: string },
  now = Date.now(),
): Promise<{ token: TokenRecord; secret: string }> {
  const secret = input.secret ?? generateSecret();
  const token: TokenRecord = {
    id: newId(now),
    name: input.name,
    role: input.role,
    secretHash: hashSecret(secret),
    createdAt: now,
    createdBy: input.createdBy,
    revokedAt: null,
    personId: input.personId ?? null,
  };
  await store.tokens.create(token);
  return { token, secret };
}

/**
 * First start: seeds an admin token from KEYWARDEN_ADMIN_TOKEN, or generates one to
 * print. A configured token that is not stored yet is added, so an operator who sets
 * it later can still log in.
 */
export async function bootstrapAdminToken(
  store: Pick<Store, 'tokens' | 'audit'>,
  configured: string | undefined,
): Promise<{ secret: string; generated: boolean } | null> {
  if (configured !== undefined) {
    if (await store.tokens.findBySecretHash(hashSecret(configured))) return null;
    await createToken(store, {
      name: 'bootstrap-admin',
      role: 'admin',
      createdBy: 'system',
      secret: configured,
    });
    await store.audit.append({
      at: Date.now(),
      actor: 'system',
      action: 'token.create',
      subject: 'bootstrap-admin',
      details: { source: 'KEYWARDEN_ADMIN_TOKEN' },
    });
    return { secret: configured, generated: false };
  }
  if ((await store.tokens.count()) > 0) return null;
  const { secret } = await createToken(store, {
    name: 'first-admin',
    role: 'admin',
    createdBy: 'system',
  });
  await store.audit.append({
    at: Date.now(),
    actor: 'system',
    action: 'token.create',
    subject: 'first-admin',
    details: { source: 'generated' },
  });
  return { secret, generated: true };
}

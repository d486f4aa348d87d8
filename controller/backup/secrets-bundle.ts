/**
 * The seed's Credentials backup and Secrets backup in one file: the master key, the agent
 * CA's files and every host credential record (sealed, as the store holds them), as JSON
 * encrypted with age to the admins' public keys. Nothing in it is readable without one of
 * their identities; the controller itself cannot read its own secrets backups.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Decrypter, Encrypter } from 'age-encryption';
import { backupInvalid, backupKeyMismatch } from '../../shared/errors';
import type { HostCredentialRecord } from '../store/credential-records';
import type { Store } from '../store/store';

export const SECRETS_FORMAT = 'keywarden-secrets-backup';
export const SECRETS_VERSION = 1;
/** Named so that sorting by name sorts by time, apart from the store backups. */
export const SECRETS_PREFIX = 'keywarden-secrets-';
export const SECRETS_SUFFIX = '.age';

export interface SecretsBundle {
  format: typeof SECRETS_FORMAT;
  version: number;
  createdAt: string;
  masterKey: { id: string; base64: string };
  /** Every regular file of the CA directory (ca.key, ca.crt), or null when it has none. */
  ca: { files: Array<{ name: string; mode: number; base64: string }> } | null;
  /** Sealed with masterKey; restore puts back those newer than the store's. */
  credentials: HostCredentialRecord[];
}

export async function readCaFiles(caDir: string): Promise<SecretsBundle['ca']> {
  const names = await readdir(caDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  const files: NonNullable<SecretsBundle['ca']>['files'] = [];
  for (const name of names.sort()) {
    const p = path.join(caDir, name);
    const st = await stat(p);
    if (!st.isFile()) continue;
    files.push({ name, mode: st.mode & 0o777, base64: (await readFile(p)).toString('base64') });
  }
  return files.length ? { files } : null;
}

/** Every host's credential records, page by page through the hosts. */
export async function allHostCredentials(
  store: Pick<Store, 'hosts' | 'hostCredentials'>,
): Promise<HostCredentialRecord[]> {
  const out: HostCredentialRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.hosts.list({}, { limit: 500, ...(after ? { after } : {}) });
    for (const h of page.items) out.push(...(await store.hostCredentials.listForHost(h.id)));
    if (!page.nextCursor) return out;
    after = page.nextCursor;
  }
}

export async function encryptBundle(bundle: SecretsBundle, recipients: string[]): Promise<Buffer> {
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  return Buffer.from(await e.encrypt(JSON.stringify(bundle)));
}

/** Reads an age identity file (AGE-SECRET-KEY-1... lines; # comments as age-keygen writes). */
export function identitiesIn(text: string, file: string): string[] {
  const ids = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (ids.length === 0)
    throw backupKeyMismatch(`${file} holds no age identity (AGE-SECRET-KEY-1... line)`, {
      details: { identityFile: file },
    });
  return ids;
}

export async function decryptBundle(
  data: Uint8Array,
  identities: string[],
  where: string,
): Promise<SecretsBundle> {
  const d = new Decrypter();
  for (const id of identities) d.addIdentity(id);
  let text: string;
  try {
    text = await d.decrypt(data, 'text');
  } catch (cause) {
    const msg = (cause as Error).message;
    if (/no identity matched/i.test(msg))
      throw backupKeyMismatch(
        `${where} was not encrypted to this identity (its public key is not a recipient of the file)`,
        { cause, details: { backup: where } },
      );
    throw backupInvalid(`${where}: not a readable age file: ${msg}`, {
      cause,
      details: { backup: where },
    });
  }
  const b = JSON.parse(text) as Partial<SecretsBundle>;
  if (b.format !== SECRETS_FORMAT || b.version !== SECRETS_VERSION || !b.masterKey)
    throw backupInvalid(`${where}: not a Keywarden secrets backup of version ${SECRETS_VERSION}`, {
      details: { backup: where },
    });
  return b as SecretsBundle;
}

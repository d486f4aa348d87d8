/**
 * One secrets backup file in backupDir: the bundle encrypted to the admins' age public keys,
 * written under a temporary name and renamed, so a file of that name is always whole.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/load-config';
import { loadMasterKey } from '../secrets/master-key';
import type { Store } from '../store/store';
import {
  allHostCredentials,
  encryptBundle,
  readCaFiles,
  SECRETS_FORMAT,
  SECRETS_PREFIX,
  SECRETS_SUFFIX,
  SECRETS_VERSION,
  type SecretsBundle,
} from './secrets-bundle';

export interface WrittenSecretsBackup {
  file: string;
  size: number;
  sha256: string;
  credentials: number;
  caFiles: number;
}

export const backupStamp = (now: number) =>
  new Date(now).toISOString().replace(/[-:]/g, '').replace('.', '-');

export async function writeSecretsBackup(opts: {
  config: Pick<Config, 'dataDir' | 'masterKey' | 'caDir'>;
  store: Pick<Store, 'hosts' | 'hostCredentials'>;
  recipients: string[];
  backupDir: string;
  now: number;
}): Promise<WrittenSecretsBackup> {
  const mk = loadMasterKey(opts.config);
  const bundle: SecretsBundle = {
    format: SECRETS_FORMAT,
    version: SECRETS_VERSION,
    createdAt: new Date(opts.now).toISOString(),
    masterKey: { id: mk.id, base64: mk.key.toString('base64') },
    ca: await readCaFiles(opts.config.caDir ?? path.join(opts.config.dataDir, 'ca')),
    credentials: await allHostCredentials(opts.store),
  };
  const data = await encryptBundle(bundle, opts.recipients);
  await mkdir(opts.backupDir, { recursive: true, mode: 0o700 });
  const name = `${SECRETS_PREFIX}${backupStamp(opts.now)}-${randomBytes(3).toString('hex')}${SECRETS_SUFFIX}`;
  const partial = path.join(opts.backupDir, `.partial-${name}`);
  const file = path.join(opts.backupDir, name);
  try {
    await writeFile(partial, data, { mode: 0o600, flush: true });
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return {
    file,
    size: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    credentials: bundle.credentials.length,
    caFiles: bundle.ca?.files.length ?? 0,
  };
}

/** The secrets backups in backupDir, newest first. */
export async function listSecretsBackups(backupDir: string): Promise<string[]> {
  const names = await readdir(backupDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  return names
    .filter((n) => n.startsWith(SECRETS_PREFIX) && n.endsWith(SECRETS_SUFFIX))
    .sort()
    .reverse()
    .map((n) => path.join(backupDir, n));
}

export async function pruneSecretsBackups(backupDir: string, keep: number): Promise<string[]> {
  const old = (await listSecretsBackups(backupDir)).slice(keep);
  for (const f of old) await rm(f, { force: true });
  return old;
}

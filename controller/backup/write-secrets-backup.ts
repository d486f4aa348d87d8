/**
 * One secrets backup file in backupDir: the bundle encrypted to the admins' age public keys,
 * written under a temporary name and renamed, so a file of that name is always whole.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { backupInvalid } from '../../shared/errors';
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

/** Beside each file, in sha256sum's format (`sha256sum -c` checks it too). */
export const CHECKSUM_SUFFIX = '.sha256';

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
  const sha256 = createHash('sha256').update(data).digest('hex');
  try {
    await writeFile(partial, data, { mode: 0o600, flush: true });
    // The checksum first: a secrets backup under its name always has one to verify against.
    await writeFile(`${file}${CHECKSUM_SUFFIX}`, `${sha256}  ${name}\n`, { mode: 0o600 });
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    await rm(`${file}${CHECKSUM_SUFFIX}`, { force: true });
    throw err;
  }
  return {
    file,
    size: data.length,
    sha256,
    credentials: bundle.credentials.length,
    caFiles: bundle.ca?.files.length ?? 0,
  };
}

/**
 * Checks a secrets backup without opening it (the controller holds no identity): it is an
 * age file, and its size and SHA-256 match the checksum file written with it.
 */
export async function verifySecretsBackup(file: string): Promise<{ createdAt: number }> {
  const bad = (what: string) => backupInvalid(`${file}: ${what}`, { details: { backup: file } });
  const line = await readFile(`${file}${CHECKSUM_SUFFIX}`, 'utf8').catch(() => null);
  const want = line ? /^([0-9a-f]{64}) {2}/.exec(line)?.[1] : undefined;
  if (!want)
    throw bad(
      `its checksum file ${path.basename(file)}${CHECKSUM_SUFFIX} is missing or unreadable`,
    );
  const data = await readFile(file);
  if (!data.subarray(0, AGE_HEADER.length).equals(AGE_HEADER)) throw bad('not an age file');
  const sum = createHash('sha256').update(data).digest('hex');
  if (sum !== want) throw bad(`SHA-256 ${sum} does not match its checksum file (${want})`);
  const m = /(\d{8}T\d{6})-(\d{3})Z/.exec(path.basename(file));
  const iso = m?.[1]?.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/, '$1-$2-$3T$4:$5:$6');
  return { createdAt: iso ? Date.parse(`${iso}.${m?.[2]}Z`) : (await stat(file)).mtimeMs };
}

const AGE_HEADER = Buffer.from('age-encryption.org/v1\n');

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
  for (const f of old) {
    await rm(f, { force: true });
    await rm(`${f}${CHECKSUM_SUFFIX}`, { force: true });
  }
  return old;
}

/**
 * The key that encrypts host credentials at rest. KEYWARDEN_MASTER_KEY (32 bytes as base64
 * or hex) wins; otherwise `master.key` in the data directory, created 0600 on first start
 * with O_EXCL so two controllers starting at once on one data directory agree on it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { invalidConfig } from '../../shared/errors';

export interface MasterKey {
  key: Buffer;
  /** Short, non-secret id of the key, stored with every sealed value to name a wrong key. */
  id: string;
  source: 'env' | 'file';
}

const cache = new Map<string, MasterKey>();

export const MASTER_KEY_FILE = 'master.key';

export function loadMasterKey(config: {
  dataDir: string;
  masterKey?: string | undefined;
}): MasterKey {
  const cacheKey =
    config.masterKey !== undefined ? `env:${config.masterKey}` : `file:${config.dataDir}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  const mk =
    config.masterKey !== undefined
      ? fromSetting(config.masterKey)
      : fromFile(path.join(config.dataDir, MASTER_KEY_FILE));
  cache.set(cacheKey, mk);
  return mk;
}

function keyId(key: Buffer): string {
  return createHash('sha256')
    .update('keywarden-master-key-id')
    .update(key)
    .digest('hex')
    .slice(0, 12);
}

function fromSetting(raw: string): MasterKey {
  const v = raw.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(v)) key = Buffer.from(v, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=?$/.test(v)) key = Buffer.from(v, 'base64');
  if (key?.length !== 32)
    throw invalidConfig(
      'setting KEYWARDEN_MASTER_KEY is invalid: expected 32 random bytes as 64 hex digits or 44 base64 characters (openssl rand -base64 32)',
      { details: { setting: 'KEYWARDEN_MASTER_KEY', expected: '32 bytes, hex or base64' } },
    );
  return { key, id: keyId(key), source: 'env' };
}

function fromFile(file: string): MasterKey {
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, `${randomBytes(32).toString('base64')}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077)
    throw invalidConfig(
      `master key file ${file} is readable by others (mode ${mode.toString(8)}): chmod 600 it`,
      { details: { file, mode: mode.toString(8), expected: '600' } },
    );
  const text = readFileSync(file, 'utf8').trim();
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32)
    throw invalidConfig(`master key file ${file} does not hold 32 base64-encoded bytes`, {
      details: { file },
    });
  return { key, id: keyId(key), source: 'file' };
}

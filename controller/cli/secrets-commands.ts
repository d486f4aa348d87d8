/**
 * Local commands for the secrets side of backups, run on the controller's machine with its
 * settings (no --url, no token): `restore-secrets` opens a secrets backup with an admin's
 * age identity; `seal-backup-key` seals the SFTP target's login key with the master key.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { invalidConfig } from '../../shared/errors';
import { SFTP_KEY_CONTEXT } from '../backup/sftp-target';
import { restoreSecrets } from '../backup/restore-secrets';
import { loadConfig } from '../config/load-config';
import { MASTER_KEY_FILE } from '../secrets/master-key';
import { secretBoxFor } from '../secrets/secret-boxes';
import type { Options } from './cli-args';
import type { Output } from './job-commands';
import { UsageError } from './option-values';

export const SECRETS_OPTIONS = {
  identity: { type: 'string' },
  'ca-dir': { type: 'string' },
} as const;

export const SECRETS_USAGE = `  restore-secrets FILE.age --identity AGE-IDENTITY-FILE --data-dir DIR [--ca-dir DIR] [--store URL]
      (local: writes master.key and the CA into DIR, puts back newer host credentials)
  seal-backup-key PRIVATE-KEY-FILE   (local: prints KEYWARDEN_BACKUP_SFTP_KEY, sealed with this controller's master key)`;

export async function restoreSecretsCommand(file: string | undefined, o: Options): Promise<Output> {
  if (!file) throw new UsageError('restore-secrets needs the secrets backup file (.age)');
  if (!o.identity)
    throw new UsageError(
      'restore-secrets needs --identity FILE (your age identity, AGE-SECRET-KEY-1...)',
    );
  const dataDir = o['data-dir'];
  if (!dataDir)
    throw new UsageError('restore-secrets needs --data-dir DIR (the restored data directory)');
  const r = await restoreSecrets({
    file,
    identityFile: o.identity,
    dataDir,
    caDir: o['ca-dir'],
    storeUrl: o.store,
  });
  return {
    data: r,
    human: [
      `opened the secrets backup of ${r.createdAt} (master key id ${r.masterKeyId})`,
      ...(r.wrote.length
        ? r.wrote.map((f) => `wrote ${f}`)
        : ['its master key and CA were already in place']),
      r.credentials.store
        ? `host credentials: ${r.credentials.restored} put back into ${r.credentials.store}, ${r.credentials.kept} already as new there`
        : 'no store in the data directory yet: run keywarden restore first to put back newer host credentials too',
    ].join('\n'),
  };
}

export async function sealBackupKeyCommand(
  file: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<Output> {
  if (!file) throw new UsageError('seal-backup-key needs the private key file of the SFTP login');
  const key = await readFile(file, 'utf8');
  if (!/^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.trim()))
    throw new UsageError(`${file} is not a private key file (-----BEGIN ... PRIVATE KEY-----)`);
  const config = loadConfig(env);
  // Sealing with a key made here by mistake would give a value the controller cannot open.
  if (config.masterKey === undefined && !existsSync(path.join(config.dataDir, MASTER_KEY_FILE)))
    throw invalidConfig(
      `no master key: ${path.join(config.dataDir, MASTER_KEY_FILE)} does not exist; run with the controller's KEYWARDEN_DATA_DIR or KEYWARDEN_MASTER_KEY`,
      { details: { dataDir: config.dataDir } },
    );
  const sealed = secretBoxFor(config).seal(key, SFTP_KEY_CONTEXT);
  return { data: { sealed }, human: sealed };
}

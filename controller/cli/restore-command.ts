/**
 * `keywarden restore FILE --data-dir DIR`: runs locally, with no controller and no token.
 * The restored controller needs the master key the backup names (it is never in a backup).
 */
import { restoreBackup } from '../backup/restore-backup';
import { restoreMongoBackup } from '../backup/restore-mongo-backup';
import type { Options } from './cli-args';
import type { Output } from './job-commands';
import { UsageError } from './option-values';

export const RESTORE_OPTIONS = {
  'data-dir': { type: 'string' },
  store: { type: 'string' },
} as const;

export const RESTORE_USAGE = `  restore BACKUP-DIR|MANIFEST --data-dir DIR   (local: no --url; DIR must be empty or absent)
  restore BACKUP-DIR|MANIFEST --store mongodb://HOST/DATABASE   (a MongoDB backup; the database must be empty)`;

export async function restoreCommand(file: string | undefined, o: Options): Promise<Output> {
  if (!file) throw new UsageError('restore needs the backup directory (or its manifest.json)');
  if (o.store) {
    if (!/^mongodb(\+srv)?:\/\//.test(o.store))
      throw new UsageError(`--store ${o.store}: expected a mongodb:// URL naming the database`);
    const r = await restoreMongoBackup(file, o.store);
    return {
      data: {
        database: r.database,
        documents: r.documents,
        createdAt: r.manifest.createdAt,
        consistency: r.manifest.consistency,
        masterKeyId: r.manifest.masterKeyId,
      },
      human: [
        `restored the MongoDB store of ${r.manifest.createdAt} into database ${r.database} (${r.documents} documents, ${r.manifest.files.length} collections)`,
        `its credentials are sealed with master key id ${r.manifest.masterKeyId}: start the controllers`,
        `with that KEYWARDEN_MASTER_KEY (or keywarden restore-secrets) and the agent CA (docs/operations.md).`,
      ].join('\n'),
    };
  }
  const dataDir = o['data-dir'];
  if (!dataDir)
    throw new UsageError(
      'restore needs --data-dir DIR (a new or empty directory), or --store mongodb://... for a MongoDB backup',
    );
  const { storeFile, manifest } = await restoreBackup(file, dataDir);
  return {
    data: { storeFile, createdAt: manifest.createdAt, masterKeyId: manifest.masterKeyId },
    human: [
      `restored the store of ${manifest.createdAt} to ${storeFile}`,
      `its credentials are sealed with master key id ${manifest.masterKeyId}: before starting the`,
      `controller, set KEYWARDEN_MASTER_KEY to that key or copy its master.key (mode 600) into ${dataDir},`,
      `and restore the agent CA directory (ca/) if agents enrolled (docs/operations.md).`,
    ].join('\n'),
  };
}

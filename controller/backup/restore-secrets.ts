/**
 * `keywarden restore-secrets`: an admin's age identity opens a secrets backup; its master key
 * and CA files go into the new data directory, and host credentials newer than the
 * restored store's (a key renewed after the store backup) go back into the store. Every
 * check comes before the first write; an existing different master key or CA is never
 * overwritten.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { restoreTargetNotEmpty } from '../../shared/errors';
import { MASTER_KEY_FILE } from '../secrets/master-key';
import { openStore } from '../store/open-store';
import { decryptBundle, identitiesIn, type SecretsBundle } from './secrets-bundle';

export interface RestoredSecrets {
  createdAt: string;
  masterKeyId: string;
  wrote: string[];
  /** Credential records put back into the store, and those the store already had newer. */
  credentials: { restored: number; kept: number; store: string | null };
}

export async function restoreSecrets(opts: {
  file: string;
  identityFile: string;
  dataDir: string;
  caDir?: string | undefined;
  /** The store to put credentials back into; default DATA_DIR/keywarden.db when it exists. */
  storeUrl?: string | undefined;
}): Promise<RestoredSecrets> {
  const identities = identitiesIn(await readFile(opts.identityFile, 'utf8'), opts.identityFile);
  const bundle = await decryptBundle(await readFile(opts.file), identities, opts.file);
  const dataDir = path.resolve(opts.dataDir);
  const caDir = path.resolve(opts.caDir ?? path.join(dataDir, 'ca'));
  const keyFile = path.join(dataDir, MASTER_KEY_FILE);
  const keyText = `${bundle.masterKey.base64}\n`;
  const writes: Array<{ file: string; data: Buffer; mode: number }> = [];
  await plan(writes, keyFile, Buffer.from(keyText), 0o600);
  for (const f of bundle.ca?.files ?? [])
    await plan(
      writes,
      path.join(caDir, path.basename(f.name)),
      Buffer.from(f.base64, 'base64'),
      f.mode,
    );

  const storeFile = path.join(dataDir, 'keywarden.db');
  const storeUrl = opts.storeUrl ?? (existsSync(storeFile) ? `sqlite:${storeFile}` : undefined);

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  for (const w of writes) {
    await mkdir(path.dirname(w.file), { recursive: true, mode: 0o700 });
    await writeFile(w.file, w.data, { mode: w.mode, flag: 'wx' });
  }
  const credentials = storeUrl
    ? {
        ...(await putBackCredentials(storeUrl, bundle)),
        store: storeUrl.replace(/\/\/[^@/]*@/, '//'),
      }
    : { restored: 0, kept: 0, store: null };
  return {
    createdAt: bundle.createdAt,
    masterKeyId: bundle.masterKey.id,
    wrote: writes.map((w) => w.file),
    credentials,
  };
}

/** A file already there with the same bytes is fine (restore run twice); another is refused. */
async function plan(
  writes: Array<{ file: string; data: Buffer; mode: number }>,
  file: string,
  data: Buffer,
  mode: number,
): Promise<void> {
  const existing = await readFile(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (existing === null) writes.push({ file, data, mode });
  else if (!existing.equals(data))
    throw restoreTargetNotEmpty(
      `${file} exists and differs from the secrets backup: restore-secrets never overwrites a key; move it away first`,
      { details: { file } },
    );
}

async function putBackCredentials(
  storeUrl: string,
  bundle: SecretsBundle,
): Promise<{ restored: number; kept: number }> {
  const store = await openStore(storeUrl);
  let restored = 0;
  let kept = 0;
  try {
    for (const rec of bundle.credentials) {
      if (!(await store.hosts.get(rec.hostId))) continue; // a host deleted since
      const current = await store.hostCredentials.get(rec.hostId, rec.slot);
      if (current && current.createdAt >= rec.createdAt) {
        kept++;
        continue;
      }
      await store.hostCredentials.put(rec);
      restored++;
    }
  } finally {
    await store.close();
  }
  return { restored, kept };
}

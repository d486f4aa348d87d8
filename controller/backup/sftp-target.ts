/**
 * The seed's Backup Export to a remote directory: each backup (a store backup directory or
 * a secrets backup file) is uploaded over SFTP (ssh2's client, host key pinned, key auth
 * with a key sealed by the master key), under a temporary name and renamed when whole,
 * checked by size, and the oldest remote backups past the keep count are deleted.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { backupTargetFailed, errorCode, invalidConfig } from '../../shared/errors';
import { connectSsh } from '../../shared/session/ssh-connect';
import type { SftpTarget } from '../config/backup-settings';
import type { Config } from '../config/load-config';
import { secretBoxFor } from '../secrets/secret-boxes';

/** The sealing context of the SFTP login key: a sealed value made for anything else does not open. */
export const SFTP_KEY_CONTEXT = 'backup:sftp-key';

export interface SftpTargetSettings {
  target: SftpTarget;
  hostKeyFingerprint: string;
  privateKey: string;
}

type BackupConfig = Pick<
  Config,
  'dataDir' | 'masterKey' | 'backupSftpUrl' | 'backupSftpHostKey' | 'backupSftpKeySealed'
>;

/** The target from the settings, its key opened; null when no target is set. */
export function sftpTargetOf(config: BackupConfig): SftpTargetSettings | null {
  const target = config.backupSftpUrl;
  if (!target) return null;
  const missing = [
    config.backupSftpHostKey ? null : 'KEYWARDEN_BACKUP_SFTP_HOST_KEY',
    config.backupSftpKeySealed ? null : 'KEYWARDEN_BACKUP_SFTP_KEY',
  ].filter(Boolean);
  if (missing.length)
    throw invalidConfig(`KEYWARDEN_BACKUP_SFTP is set, so ${missing.join(' and ')} must be too`, {
      details: { missing },
    });
  return {
    target,
    hostKeyFingerprint: config.backupSftpHostKey as string,
    privateKey: secretBoxFor(config).open(config.backupSftpKeySealed as string, SFTP_KEY_CONTEXT),
  };
}

const call = <T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));

/** Every missing directory of `dir`, made 0700; one another upload made meanwhile is fine. */
export async function mkdirs(sftp: SFTPWrapper, dir: string): Promise<void> {
  let at = dir.startsWith('/') ? '/' : '';
  for (const part of dir.split('/').filter(Boolean)) {
    at = path.posix.join(at, part);
    const exists = await call<unknown>((cb) => sftp.stat(at, cb)).then(
      () => true,
      () => false,
    );
    if (exists) continue;
    await call((cb) => sftp.mkdir(at, { mode: 0o700 }, cb)).catch(async (err: unknown) => {
      // Another upload (the store and the secrets backups at once, or another controller)
      // made it between the stat and the mkdir: SFTP answers that with a bare Failure.
      const made = await call<{ isDirectory(): boolean }>((cb) => sftp.stat(at, cb)).catch(
        () => null,
      );
      if (!made?.isDirectory()) throw err;
    });
  }
}

async function rmTree(sftp: SFTPWrapper, p: string): Promise<void> {
  const st = await call<{ isDirectory(): boolean }>((cb) => sftp.lstat(p, cb));
  if (!st.isDirectory()) return call((cb) => sftp.unlink(p, cb));
  const list = await call<Array<{ filename: string }>>((cb) => sftp.readdir(p, cb));
  for (const e of list) await rmTree(sftp, path.posix.join(p, e.filename));
  await call((cb) => sftp.rmdir(p, cb));
}

/** Uploads one file, then checks the remote size against the local one. */
async function putFile(sftp: SFTPWrapper, local: string, remote: string): Promise<number> {
  await call((cb) => sftp.fastPut(local, remote, { mode: 0o600 }, cb));
  const want = (await stat(local)).size;
  const got = (await call<{ size: number }>((cb) => sftp.stat(remote, cb))).size;
  if (got !== want) throw new Error(`${remote} is ${got} bytes after upload, ${want} locally`);
  return want;
}

/**
 * Uploads `local` (a file or a directory of files) to the target as its basename, then
 * keeps only the newest `keep` remote entries starting with `prefix`.
 */
export async function uploadBackup(
  settings: SftpTargetSettings,
  local: string,
  prefix: string,
  keep: number,
): Promise<{ remote: string; bytes: number; pruned: string[] }> {
  const { target } = settings;
  const where = `sftp://${target.username}@${target.host}:${target.port}${target.dir}`;
  let client;
  try {
    client = await connectSsh({
      host: target.host,
      port: target.port,
      username: target.username,
      privateKey: settings.privateKey,
      hostKeyFingerprint: settings.hostKeyFingerprint,
    });
  } catch (cause) {
    throw backupTargetFailed(`backup target ${where}: ${(cause as Error).message}`, {
      cause,
      details: { target: where, reason: errorCode(cause) },
    });
  }
  try {
    const sftp = await call<SFTPWrapper>((cb) => client.sftp(cb));
    await mkdirs(sftp, target.dir);
    const name = path.basename(local);
    const remote = path.posix.join(target.dir, name);
    const partial = path.posix.join(target.dir, `.partial-${name}`);
    let bytes = 0;
    if ((await stat(local)).isDirectory()) {
      await call((cb) => sftp.mkdir(partial, { mode: 0o700 }, cb));
      for (const f of (await readdir(local)).sort())
        bytes += await putFile(sftp, path.join(local, f), path.posix.join(partial, f));
    } else {
      bytes = await putFile(sftp, local, partial);
    }
    await call((cb) => sftp.rename(partial, remote, cb));
    const names = (await call<Array<{ filename: string }>>((cb) => sftp.readdir(target.dir, cb)))
      .map((e) => e.filename)
      .filter((n) => n.startsWith(prefix))
      .sort()
      .reverse();
    const pruned = names.slice(keep);
    for (const n of pruned) await rmTree(sftp, path.posix.join(target.dir, n));
    return { remote: `${where}/${name}`, bytes, pruned };
  } catch (cause) {
    throw backupTargetFailed(`backup target ${where}: upload failed: ${(cause as Error).message}`, {
      cause,
      details: { target: where },
    });
  } finally {
    client.end();
  }
}

import { toErrorRecord } from '../errors';
import type { HostSession } from '../session/host-session';
import { removeAuthorizedKeys } from '../ssh/authorized-keys-edit';
import { editAuthorizedKeysFile } from './edit-authorized-keys-file';
import { existingPaths } from './existing-paths';
import { sshdViewByAccount } from './host-sshd-config';

export interface RevokeAuthorizedKeyParams {
  /** `SHA256:...` of the key to take away from every account. */
  fingerprint: string;
  sshdConfigPath?: string;
}

export interface RevokeAuthorizedKeyResult {
  files: { account: string; file: string; lines: number[] }[];
  removed: number;
  /** Files that could not be edited (a symlink out of home, a concurrent change): the key may still be there. */
  failed: { account: string; file: string; code: string; message: string }[];
}

/**
 * Removes one key from every file sshd reads for every account, whoever wrote the line:
 * the operation names the key, so hand-written lines carrying it go too (a blacklisted key).
 * Every other line stays byte for byte; each file is edited with the usual guards.
 */
export async function revokeAuthorizedKey(
  session: HostSession,
  params: RevokeAuthorizedKeyParams,
): Promise<RevokeAuthorizedKeyResult> {
  const { views } = await sshdViewByAccount(session, params);
  const files: RevokeAuthorizedKeyResult['files'] = [];
  const failed: RevokeAuthorizedKeyResult['failed'] = [];
  const present = await existingPaths(
    session,
    views.flatMap((v) => v.authorizedKeysFiles),
  );
  const done = new Set<string>();
  for (const { account, authorizedKeysFiles } of views) {
    for (const file of authorizedKeysFiles) {
      // A shared file (AuthorizedKeysFile /etc/keys) is edited once.
      if (done.has(file) || !present.has(file)) continue;
      done.add(file);
      try {
        const edit = await editAuthorizedKeysFile(
          session,
          account,
          file,
          (text) => removeAuthorizedKeys(text, params.fingerprint, { includeUnmanaged: true }),
          { createIfMissing: false },
        );
        if (edit.lines.length) files.push({ account: account.name, file, lines: edit.lines });
      } catch (err) {
        // One file that cannot be edited must not leave the key in every file after it.
        const { code, message } = toErrorRecord(err);
        failed.push({ account: account.name, file, code, message });
      }
    }
  }
  return { files, removed: files.reduce((n, f) => n + f.lines.length, 0), failed };
}

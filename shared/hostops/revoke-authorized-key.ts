import type { HostSession } from '../session/host-session';
import { removeAuthorizedKeys } from '../ssh/authorized-keys-edit';
import { editAuthorizedKeysFile } from './edit-authorized-keys-file';
import { sshdViewByAccount } from './host-sshd-config';

export interface RevokeAuthorizedKeyParams {
  /** `SHA256:...` of the key to take away from every account. */
  fingerprint: string;
  sshdConfigPath?: string;
}

export interface RevokeAuthorizedKeyResult {
  files: { account: string; file: string; lines: number[] }[];
  removed: number;
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
  const done = new Set<string>();
  for (const { account, authorizedKeysFiles } of views) {
    for (const file of authorizedKeysFiles) {
      if (done.has(file)) continue; // a shared file (AuthorizedKeysFile /etc/keys) once
      done.add(file);
      const edit = await editAuthorizedKeysFile(
        session,
        account,
        file,
        (text) => removeAuthorizedKeys(text, params.fingerprint, { includeUnmanaged: true }),
        { createIfMissing: false },
      );
      if (edit.lines.length) files.push({ account: account.name, file, lines: edit.lines });
    }
  }
  return { files, removed: files.reduce((n, f) => n + f.lines.length, 0) };
}

import type { HostSession } from '../session/host-session';
import { removeAuthorizedKeys } from '../ssh/authorized-keys-edit';
import { DEFAULT_AUTHORIZED_KEYS_FILES, expandAuthorizedKeysPath } from './authorized-keys-paths';
import type { AuthorizedKeysFileEdit } from './edit-authorized-keys-file';
import { editAuthorizedKeysFile } from './edit-authorized-keys-file';
import { findAccount } from './list-accounts';

export interface RemoveAuthorizedKeyParams {
  account: string;
  /** `SHA256:...` of the key to remove. */
  fingerprint: string;
  /**
   * Also remove lines Keywarden did not add. Only for an explicit revocation (a blacklisted
   * key): by default hand-written keys are never touched.
   */
  includeUnmanaged?: boolean;
  /** AuthorizedKeysFile patterns to look in (default sshd's: authorized_keys and authorized_keys2). */
  authorizedKeysFiles?: string[];
}

export interface RemoveAuthorizedKeyResult {
  /** One entry per file that holds the key; `lines` are the line numbers removed. */
  files: Omit<AuthorizedKeysFileEdit, 'text'>[];
  removed: number;
}

/** Removes the lines carrying one key; every other line stays byte for byte. */
export async function removeAuthorizedKey(
  session: HostSession,
  params: RemoveAuthorizedKeyParams,
): Promise<RemoveAuthorizedKeyResult> {
  const account = await findAccount(session, params.account);
  const patterns = params.authorizedKeysFiles ?? DEFAULT_AUTHORIZED_KEYS_FILES;
  const files: RemoveAuthorizedKeyResult['files'] = [];
  for (const file of new Set(patterns.map((p) => expandAuthorizedKeysPath(p, account)))) {
    const { text: _text, ...edit } = await editAuthorizedKeysFile(
      session,
      account,
      file,
      (text) =>
        removeAuthorizedKeys(text, params.fingerprint, {
          includeUnmanaged: params.includeUnmanaged ?? false,
        }),
      { createIfMissing: false },
    );
    if (edit.lines.length || edit.skippedUnmanaged.length) files.push(edit);
  }
  return { files, removed: files.reduce((n, f) => n + f.lines.length, 0) };
}

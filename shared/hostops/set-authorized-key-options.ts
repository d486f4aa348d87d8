import type { HostSession } from '../session/host-session';
import type { AuthorizedKeyOption } from '../ssh/authorized-keys';
import { setAuthorizedKeyOptions as setOptionsInText } from '../ssh/authorized-keys-edit';
import { DEFAULT_AUTHORIZED_KEYS_FILES, expandAuthorizedKeysPath } from './authorized-keys-paths';
import type { AuthorizedKeysFileEdit } from './edit-authorized-keys-file';
import { editAuthorizedKeysFile } from './edit-authorized-keys-file';
import { findAccount } from './list-accounts';

export interface SetAuthorizedKeyOptionsParams {
  account: string;
  fingerprint: string;
  /** The complete new options of the line (an empty list removes them all). */
  options: AuthorizedKeyOption[];
  authorizedKeysFiles?: string[];
}

export interface SetAuthorizedKeyOptionsResult {
  files: Omit<AuthorizedKeysFileEdit, 'text'>[];
  changed: number;
}

/** Rewrites the options of the lines carrying one managed key, and nothing else. */
export async function setAuthorizedKeyOptions(
  session: HostSession,
  params: SetAuthorizedKeyOptionsParams,
): Promise<SetAuthorizedKeyOptionsResult> {
  const account = await findAccount(session, params.account);
  const patterns = params.authorizedKeysFiles ?? DEFAULT_AUTHORIZED_KEYS_FILES;
  const files: SetAuthorizedKeyOptionsResult['files'] = [];
  for (const file of new Set(patterns.map((p) => expandAuthorizedKeysPath(p, account)))) {
    const { text: _text, ...edit } = await editAuthorizedKeysFile(
      session,
      account,
      file,
      (text) => setOptionsInText(text, params.fingerprint, params.options),
      { createIfMissing: false },
    );
    if (edit.lines.length || edit.skippedUnmanaged.length) files.push(edit);
  }
  return { files, changed: files.reduce((n, f) => n + f.lines.length, 0) };
}

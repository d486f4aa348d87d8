import type { HostSession } from '../session/host-session';
import type { AuthorizedKeyOption } from '../ssh/authorized-keys';
import { setAuthorizedKeyOptions as setOptionsInText } from '../ssh/authorized-keys-edit';
import { expandAuthorizedKeysPath } from './authorized-keys-paths';
import type { AuthorizedKeysFileEdit } from './edit-authorized-keys-file';
import { editAuthorizedKeysFile } from './edit-authorized-keys-file';
import { sshdViewOfAccount } from './host-sshd-config';

export interface SetAuthorizedKeyOptionsParams {
  account: string;
  fingerprint: string;
  /** The complete new options of the line (an empty list removes them all). */
  options: AuthorizedKeyOption[];
  /** AuthorizedKeysFile patterns to look in (default: the files sshd reads for the account). */
  authorizedKeysFiles?: string[];
  sshdConfigPath?: string;
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
  const view = await sshdViewOfAccount(session, params.account, params.sshdConfigPath);
  const { account } = view;
  const files: SetAuthorizedKeyOptionsResult['files'] = [];
  const targets = params.authorizedKeysFiles
    ? params.authorizedKeysFiles.map((p) => expandAuthorizedKeysPath(p, account))
    : view.authorizedKeysFiles;
  for (const file of new Set(targets)) {
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

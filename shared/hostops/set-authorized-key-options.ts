import type { HostSession } from '../session/host-session';
import type { AuthorizedKeyOption } from '../ssh/authorized-keys';
import { setAuthorizedKeyOptions as setOptionsInText } from '../ssh/authorized-keys-edit';
import type { AuthorizedKeysFileEdit } from './edit-authorized-keys-file';
import { editAccountKeyFiles } from './edit-authorized-keys-file';

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
  const files = await editAccountKeyFiles(session, params, (text) =>
    setOptionsInText(text, params.fingerprint, params.options),
  );
  return { files, changed: files.reduce((n, f) => n + f.lines.length, 0) };
}

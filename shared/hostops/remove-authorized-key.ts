import type { HostSession } from '../session/host-session';
import type { AuthorizedKeyOption } from '../ssh/authorized-key-options';
import { ownsByOptions, removeAuthorizedKeys } from '../ssh/authorized-keys-edit';
import type { AuthorizedKeysFileEdit } from './edit-authorized-keys-file';
import { editAccountKeyFiles } from './edit-authorized-keys-file';

export interface RemoveAuthorizedKeyParams {
  account: string;
  /** `SHA256:...` of the key to remove. */
  fingerprint: string;
  /**
   * Also remove lines Keywarden did not add. Only for an explicit revocation (a blacklisted
   * key): by default hand-written keys are never touched.
   */
  includeUnmanaged?: boolean;
  /** AuthorizedKeysFile patterns to look in (default: the files sshd reads for the account). */
  authorizedKeysFiles?: string[];
  sshdConfigPath?: string;
  /**
   * The options of the lines the controller's records say it placed for this key in this
   * account: when given, only lines with exactly these options are removed, marker or not.
   */
  ownedOptions?: AuthorizedKeyOption[][];
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
  const files = await editAccountKeyFiles(session, params, (text) =>
    removeAuthorizedKeys(text, params.fingerprint, {
      includeUnmanaged: params.includeUnmanaged ?? false,
      ...(params.ownedOptions ? { owns: ownsByOptions(params.ownedOptions) } : {}),
    }),
  );
  return { files, removed: files.reduce((n, f) => n + f.lines.length, 0) };
}

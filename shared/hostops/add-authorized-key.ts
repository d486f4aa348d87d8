import type { HostSession } from '../session/host-session';
import type { AuthorizedKeyOption } from '../ssh/authorized-keys';
import { addAuthorizedKey as addKeyToText, ownsByOptions } from '../ssh/authorized-keys-edit';
import { expandAuthorizedKeysPath } from './authorized-keys-paths';
import type { AuthorizedKeysFileEdit } from './edit-authorized-keys-file';
import { editAuthorizedKeysFile } from './edit-authorized-keys-file';
import { requireAccountKeyFile, sshdViewOfAccount } from './host-sshd-config';

export interface AddAuthorizedKeyParams {
  account: string;
  /** A public key line: `type base64 [comment]`. */
  publicKey: string;
  /** Options for the line; on an existing managed line they replace its options. */
  options?: AuthorizedKeyOption[];
  comment?: string;
  /** Recorded in the marker (`keywarden-managed:<tag>`), e.g. the authorization id. */
  tag?: string;
  /**
   * AuthorizedKeysFile pattern to write to. Default: the first file sshd reads for this
   * account according to the effective config (so a relocated host gets the key in
   * /etc/ssh/authorized_keys/%u, not in a home file sshd ignores).
   */
  authorizedKeysFile?: string;
  sshdConfigPath?: string;
  /**
   * The options of the lines the controller's records say it placed for this key here.
   * When given, an existing line with the key is rewritten only if its options are one of
   * these; any other line (marker or not) is someone else's and is left as it is.
   */
  ownedOptions?: AuthorizedKeyOption[][];
}

export type AddAuthorizedKeyResult = Omit<AuthorizedKeysFileEdit, 'text'>;

/**
 * Adds a key for an account. Idempotent: the same key twice is one line. A key already
 * present but written by someone else is left exactly as it is (`skippedUnmanaged`).
 */
export async function addAuthorizedKey(
  session: HostSession,
  params: AddAuthorizedKeyParams,
): Promise<AddAuthorizedKeyResult> {
  const view = await sshdViewOfAccount(session, params.account, params.sshdConfigPath);
  const { account } = view;
  const file = params.authorizedKeysFile
    ? requireAccountKeyFile(view, expandAuthorizedKeysPath(params.authorizedKeysFile, account))
    : (view.authorizedKeysFiles[0] ?? expandAuthorizedKeysPath('.ssh/authorized_keys', account));
  const { text: _text, ...result } = await editAuthorizedKeysFile(
    session,
    account,
    file,
    (text) =>
      addKeyToText(text, params.publicKey, {
        ...(params.options ? { options: params.options } : {}),
        ...(params.comment !== undefined ? { comment: params.comment } : {}),
        ...(params.tag !== undefined ? { tag: params.tag } : {}),
        ...(params.ownedOptions ? { owns: ownsByOptions(params.ownedOptions) } : {}),
      }),
    { createIfMissing: true },
  );
  return result;
}

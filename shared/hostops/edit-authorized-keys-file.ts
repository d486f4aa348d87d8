import { posix } from 'node:path';
import type { Account, HostSession } from '../session/host-session';
import type { AuthorizedKeysEdit } from '../ssh/authorized-keys-edit';
import { isUnderHome } from './authorized-keys-paths';
import { readBoundedFile } from './bounded-read';
import { DEFAULT_HOST_READ_LIMITS } from './host-read-limits';
import { keyFilesOf, sshdViewOfAccount } from './host-sshd-config';

export interface AuthorizedKeysFileEdit extends AuthorizedKeysEdit {
  file: string;
  /** The file (and perhaps ~/.ssh) did not exist and was created. */
  created: boolean;
}

/**
 * Reads an authorized_keys file, applies a pure text edit, and writes it back only when the
 * edit changed something, refusing if someone else changed it in between. A missing file is
 * created (when `createIfMissing`) the way ssh-copy-id does: ~/.ssh 0700 and the file 0600,
 * both owned by the account; a file outside the home is root's, 0644, like sshd expects.
 */
export async function editAuthorizedKeysFile(
  session: HostSession,
  account: Account,
  file: string,
  edit: (text: string) => AuthorizedKeysEdit,
  opts: { createIfMissing: boolean; maxBytes?: number },
): Promise<AuthorizedKeysFileEdit> {
  const inHome = isUnderHome(file, account);
  // The privilege discipline: nothing below the home is followed, and its directories must
  // belong to root or the account (UNSAFE_PATH otherwise), for the read as for the write.
  const guard = inHome
    ? { noSymlinksBelow: account.home, accountUid: account.uid }
    : { noSymlinksBelow: '/' };
  const existing = await session.lstat(file);
  if (!existing) {
    const unchanged = {
      text: '',
      changed: false,
      lines: [],
      skippedUnmanaged: [],
      file,
      created: false,
    };
    if (!opts.createIfMissing) return unchanged;
    const result = edit('');
    if (!result.changed) return unchanged;
    const owner = inHome ? { uid: account.uid, gid: account.gid } : { uid: 0, gid: 0 };
    const dir = posix.dirname(file);
    if (!(await session.lstat(dir))) {
      await session.mkdir(dir, { mode: inHome ? 0o700 : 0o755, ...owner, recursive: !inHome });
    }
    await session.writeFileAtomic(file, result.text, {
      ...guard,
      ...owner,
      mode: inHome ? 0o600 : 0o644,
      expectAbsent: true,
    });
    return { ...result, file, created: true };
  }
  // FILE_TOO_LARGE for a file past the cap: that file is refused, not the whole operation.
  const current = await readBoundedFile(
    session,
    file,
    opts.maxBytes ?? DEFAULT_HOST_READ_LIMITS.authorizedKeysBytes,
    'an authorized_keys file',
    guard,
  );
  const result = edit(current.content.toString('utf8'));
  if (result.changed) {
    // Owner and mode are kept from the file as found; only the content changes.
    await session.writeFileAtomic(file, result.text, { ...guard, expectedSha256: current.sha256 });
  }
  return { ...result, file, created: false };
}

/**
 * Applies one text edit to every existing authorized_keys file of an account: the files
 * sshd reads for it (from the host's sshd_config), or the patterns given. Returns the
 * files the edit touched or refused to touch; files without the key are left out.
 */
export async function editAccountKeyFiles(
  session: HostSession,
  target: { account: string; authorizedKeysFiles?: string[]; sshdConfigPath?: string },
  edit: (text: string) => AuthorizedKeysEdit,
): Promise<Omit<AuthorizedKeysFileEdit, 'text'>[]> {
  const view = await sshdViewOfAccount(session, target.account, target.sshdConfigPath);
  const files = keyFilesOf(view, target.authorizedKeysFiles);
  const touched: Omit<AuthorizedKeysFileEdit, 'text'>[] = [];
  for (const file of new Set(files)) {
    const { text: _text, ...result } = await editAuthorizedKeysFile(
      session,
      view.account,
      file,
      edit,
      {
        createIfMissing: false,
      },
    );
    if (result.lines.length || result.skippedUnmanaged.length) touched.push(result);
  }
  return touched;
}

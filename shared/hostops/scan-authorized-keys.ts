import type { HostSession } from '../session/host-session';
import type { AuthorizedKeyOption } from '../ssh/authorized-keys';
import { parseAuthorizedKeys } from '../ssh/authorized-keys';
import { DEFAULT_AUTHORIZED_KEYS_FILES, expandAuthorizedKeysPath } from './authorized-keys-paths';

export interface ScannedAuthorizedKey {
  account: string;
  file: string;
  line: number;
  options: AuthorizedKeyOption[];
  type: string;
  bits: number;
  fingerprint: string;
  md5: string;
  comment: string;
  managed: boolean;
}

export interface ScanAuthorizedKeysResult {
  keys: ScannedAuthorizedKey[];
  invalidLines: { account: string; file: string; line: number; reason: string }[];
  /** Files sshd would read that exist: with owner and mode, for "who can change this" checks. */
  files: { account: string; file: string; uid: number; mode: number; symlink: boolean }[];
}

export interface ScanAuthorizedKeysParams {
  /**
   * AuthorizedKeysFile patterns for an account (from the effective sshd config for that
   * user); default sshd's own default for everyone.
   */
  authorizedKeysFilesFor?: (account: string) => string[];
  /** Limit the scan to these accounts. */
  accounts?: string[];
}

/** Every key in every file sshd would read for each account, with where it is written. */
export async function scanAuthorizedKeys(
  session: HostSession,
  params: ScanAuthorizedKeysParams = {},
): Promise<ScanAuthorizedKeysResult> {
  const result: ScanAuthorizedKeysResult = { keys: [], invalidLines: [], files: [] };
  const wanted = params.accounts ? new Set(params.accounts) : undefined;
  for (const account of await session.listAccounts()) {
    if (wanted && !wanted.has(account.name)) continue;
    const patterns = params.authorizedKeysFilesFor?.(account.name) ?? DEFAULT_AUTHORIZED_KEYS_FILES;
    for (const file of new Set(patterns.map((p) => expandAuthorizedKeysPath(p, account)))) {
      const link = await session.lstat(file);
      const st = link && (await session.stat(file)); // sshd follows links: so do we, read-only
      if (st?.type !== 'file') continue;
      result.files.push({
        account: account.name,
        file,
        uid: st.uid,
        mode: st.mode,
        symlink: link?.type === 'symlink',
      });
      const parsed = parseAuthorizedKeys((await session.readFile(file)).content.toString('utf8'));
      for (const l of parsed.lines) {
        if (l.kind === 'invalid') {
          result.invalidLines.push({
            account: account.name,
            file,
            line: l.lineNumber,
            reason: l.reason,
          });
        } else if (l.kind === 'key') {
          result.keys.push({
            account: account.name,
            file,
            line: l.lineNumber,
            options: l.options,
            type: l.key.type,
            bits: l.key.bits,
            fingerprint: l.key.sha256,
            md5: l.key.md5,
            comment: l.comment,
            managed: l.managed,
          });
        }
      }
    }
  }
  return result;
}

import type { Account, HostSession } from '../session/host-session';
import type { AuthorizedKeyOption } from '../ssh/authorized-keys';
import { isKeywardenManagedComment, parseAuthorizedKeys } from '../ssh/authorized-keys';
import { keyOfUnreadableLine, unknownTypeKeyLine } from '../ssh/unreadable-key-line';
import type { LoadedSshdConfig } from '../ssh/sshd-config';
import { findingOf, isFileFinding, readBoundedFiles, type HostFinding } from './bounded-read';
import { statsOf } from './existing-paths';
import { sshdViewByAccount } from './host-sshd-config';
import type { UnsafeKeyPath } from './unsafe-key-paths';
import { unsafeKeyPaths } from './unsafe-key-paths';
import { hostReadLimits, type HostReadLimits } from './host-read-limits';

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
  /**
   * false: a key type this parser does not know (OpenSSH adds types), on an otherwise
   * well-formed line: `type` is the name as written, `bits` 0, the fingerprints the blob's.
   * sshd uses the line if its OpenSSH knows the type. Absent: a known type (and every key
   * from agents older than this field, which reported such lines in `invalidLines`).
   */
  knownType?: false;
}

export interface ScanAuthorizedKeysResult {
  keys: ScannedAuthorizedKey[];
  /**
   * Lines sshd skips. When the line still holds a key blob (a type mismatch, bad options),
   * its SHA256 fingerprint and type word are given. A well-formed line of a key type this
   * parser does not know is not here but in `keys` (`knownType: false`).
   */
  invalidLines: {
    account: string;
    file: string;
    line: number;
    reason: string;
    fingerprint?: string;
    keyType?: string;
  }[];
  /** Files sshd would read that exist: with owner and mode, for "who can change this" checks. */
  files: { account: string; file: string; uid: number; mode: number; symlink: boolean }[];
  /** Per account, AuthorizedKeysFile as the effective config gives it. */
  patterns: { account: string; patterns: string[] }[];
  /** Problems sshd would also have with its config (the scan uses what could be read). */
  configErrors: { file: string; line: number; message: string; code?: string }[];
  /**
   * Key files that were not read (too large, not a regular file, unreadable): their keys
   * are unknown, not absent. Every other file and account was read.
   */
  findings: HostFinding[];
  /** Key files another user could rewrite or redirect (StrictModes): edits refuse them. */
  unsafePaths: UnsafeKeyPath[];
}

export interface ScanAuthorizedKeysParams {
  /** The main sshd config (default /etc/ssh/sshd_config); Includes and Match are followed. */
  sshdConfigPath?: string;
  /** Limit the scan to these accounts. */
  accounts?: string[];
  /** Caps on what is read from the host (defaults in host-read-limits.ts). */
  limits?: Partial<HostReadLimits>;
}

/**
 * Every key in every file sshd would read for each account, with where it is written. The
 * files come from the effective sshd config on the host for that account (Include, Match
 * User/Group, AuthorizedKeysFile tokens), so the scan sees what sshd sees.
 */
export async function scanAuthorizedKeys(
  session: HostSession,
  params: ScanAuthorizedKeysParams = {},
  /** The config scan-full already loaded with the same path and limits. */
  prefetched?: { loaded: LoadedSshdConfig },
): Promise<ScanAuthorizedKeysResult> {
  const limits = hostReadLimits(params.limits);
  const { loaded, views } = await sshdViewByAccount(session, {
    ...params,
    limits,
    ...(prefetched ? { loaded: prefetched.loaded } : {}),
  });
  const result: ScanAuthorizedKeysResult = {
    keys: [],
    invalidLines: [],
    files: [],
    patterns: views.map((v) => ({ account: v.account.name, patterns: v.patterns })),
    configErrors: loaded.errors.map(({ file, line, message, code }) => ({
      file,
      line,
      message,
      ...(code ? { code } : {}),
    })),
    findings: [],
    unsafePaths: [],
  };
  const read: { account: Account; file: string }[] = [];
  // Every file of every account in three batches (stat, lstat, read), not four calls each.
  const wanted = views.flatMap(({ account, authorizedKeysFiles }) =>
    authorizedKeysFiles.map((file) => ({ account, file })),
  );
  // sshd follows links: so do we, read-only.
  const stats = await statsOf(
    session,
    wanted.map((w) => w.file),
    true,
  );
  const files = [...stats].filter(([, st]) => st.type === 'file').map(([f]) => f);
  const links = await statsOf(session, files, false);
  const outcomes = await readBoundedFiles(
    session,
    files.map((path) => ({
      path,
      maxBytes: limits.authorizedKeysBytes,
      what: 'an authorized_keys file',
    })),
  );
  const contents = new Map(files.map((f, i) => [f, outcomes[i]!]));
  for (const { account, file } of wanted) {
    const outcome = contents.get(file);
    const st = stats.get(file);
    if (!outcome || !st) continue;
    result.files.push({
      account: account.name,
      file,
      uid: st.uid,
      mode: st.mode,
      symlink: links.get(file)?.type === 'symlink',
    });
    read.push({ account, file });
    if (!outcome.ok) {
      // One account's file must not hide every other account's keys.
      if (!isFileFinding(outcome.error)) throw outcome.error;
      result.findings.push(findingOf(outcome.error, file, account.name));
      continue;
    }
    const content = outcome.read.content;
    const parsed = parseAuthorizedKeys(content.toString('utf8'));
    for (const l of parsed.lines) {
      const unknown = l.kind === 'invalid' ? unknownTypeKeyLine(l.raw) : null;
      if (unknown) {
        result.keys.push({
          account: account.name,
          file,
          line: l.lineNumber,
          options: unknown.options,
          type: unknown.keyType,
          bits: 0,
          fingerprint: unknown.fingerprint,
          md5: unknown.md5,
          comment: unknown.comment,
          managed: isKeywardenManagedComment(unknown.comment),
          knownType: false,
        });
      } else if (l.kind === 'invalid') {
        const key = keyOfUnreadableLine(l.raw);
        result.invalidLines.push({
          account: account.name,
          file,
          line: l.lineNumber,
          reason: l.reason,
          ...(key ? { fingerprint: key.fingerprint, keyType: key.keyType } : {}),
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
  result.unsafePaths = await unsafeKeyPaths(session, read);
  return result;
}

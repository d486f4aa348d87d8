import { posix } from 'node:path';
import type { Account, HostSession } from '../session/host-session';
import {
  authorizedKeysFilePatterns,
  authorizedKeysFiles,
  effectiveSshdConfig,
  loadSshdConfig,
  type EffectiveSshdConfig,
  type LoadedSshdConfig,
  type SshdConfigSource,
} from '../ssh/sshd-config';
import { matchPattern } from '../ssh/patterns';
import { errorCode, forbidden, limitExceeded, notFound } from '../errors';
import { findAccount, listAccounts } from './list-accounts';
import { expandAuthorizedKeysPath, isUnderHome } from './authorized-keys-paths';
import { readBoundedFiles } from './bounded-read';
import { hostReadLimits, type HostReadLimits } from './host-read-limits';

export const DEFAULT_SSHD_CONFIG = '/etc/ssh/sshd_config';

/**
 * sshd_config and its Includes, read through the session exactly as sshd would read them,
 * within the read limits (see host-read-limits.ts): what goes past one is an error entry.
 */
export function loadHostSshdConfig(
  session: HostSession,
  path = DEFAULT_SSHD_CONFIG,
  reads?: ConfigReads,
  limits: HostReadLimits = hostReadLimits(),
): Promise<LoadedSshdConfig> {
  return loadSshdConfig(sessionConfigSource(session, reads, limits), path, {
    maxFiles: limits.configFiles,
    maxLines: limits.configLines,
  });
}

/** The text and hash of each config file as it was read (for edits that must not race). */
export type ConfigReads = Map<string, { text: string; sha256: string }>;

export function sessionConfigSource(
  session: HostSession,
  reads?: ConfigReads,
  limits: HostReadLimits = hostReadLimits(),
): SshdConfigSource {
  return {
    readFile: async (path) => {
      // One capped read: a missing or non-regular file is no config file, as to sshd.
      const [outcome] = await readBoundedFiles(session, [
        { path, maxBytes: limits.configFileBytes, what: 'an sshd config file' },
      ]);
      if (!outcome) return undefined;
      if (!outcome.ok) {
        const code = errorCode(outcome.error);
        if (code === 'NOT_FOUND' || code === 'LIMIT_EXCEEDED') return undefined;
        throw outcome.error;
      }
      const read = outcome.read;
      const text = read.content.toString('utf8');
      reads?.set(path, { text, sha256: read.sha256 });
      return text;
    },
    glob: (pattern) => globHostPaths(session, pattern, limits),
  };
}

/**
 * glob(3) for `*` and `?` in any path component, over the session (no shell involved).
 * Matching is linear (patterns.ts); LIMIT_EXCEEDED when a directory holds more than
 * `dirEntries` names or the pattern matches more than `configFiles` paths, which no real
 * Include does and a pattern with a star in every component of a whole host would.
 */
export async function globHostPaths(
  session: HostSession,
  pattern: string,
  limits: Pick<HostReadLimits, 'dirEntries' | 'configFiles'> = hostReadLimits(),
): Promise<string[]> {
  if (!pattern.startsWith('/')) return [];
  const tooMany = (what: string) =>
    limitExceeded(`Include ${pattern}: ${what}; not followed`, { details: { path: pattern } });
  const parts = pattern.split('/').filter(Boolean);
  let found = ['/'];
  // The literal components before the first wildcard, in one batch of lstats.
  let lead = 0;
  while (lead < parts.length && !/[*?]/.test(parts[lead]!)) lead++;
  if (lead > 0) {
    const prefixes = parts.slice(0, lead).map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
    if ((await session.statMany(prefixes)).some((st) => !st)) return [];
    found = [prefixes[lead - 1]!];
  }
  for (const part of parts.slice(lead)) {
    const next: string[] = [];
    const wild = /[*?]/.test(part);
    // Every directory of this level listed in one batch; one that is missing or no
    // directory (NOT_FOUND, INVALID_INPUT) matches nothing, as for glob(3).
    const listings = wild ? await session.listDirMany(found) : [];
    for (const [i, dir] of found.entries()) {
      if (!wild) {
        const path = posix.join(dir, part);
        if (await session.lstat(path)) next.push(path);
        continue;
      }
      const listing = listings[i]!;
      if (!listing.ok) {
        const code = errorCode(listing.error);
        if (code === 'NOT_FOUND' || code === 'INVALID_INPUT') continue;
        throw listing.error;
      }
      const entries = listing.entries;
      if (entries.length > limits.dirEntries) {
        throw tooMany(
          `${dir} holds ${entries.length} entries, over the cap of ${limits.dirEntries}`,
        );
      }
      for (const entry of entries) {
        // As glob(3) without GLOB_PERIOD: a wildcard never matches a leading dot.
        if (entry.name.startsWith('.') && !part.startsWith('.')) continue;
        if (matchPattern(entry.name, part)) next.push(posix.join(dir, entry.name));
      }
      if (next.length > limits.configFiles) {
        throw tooMany(`matches more than ${limits.configFiles} paths`);
      }
    }
    found = next;
  }
  return found.sort();
}

export interface AccountSshdView {
  account: Account & { groups: string[] };
  /** The effective config for a connection as this account (Match User/Group applied). */
  config: EffectiveSshdConfig;
  /** AuthorizedKeysFile as written for this account ('none' kept). */
  patterns: string[];
  /** The absolute files sshd reads keys from for this account. */
  authorizedKeysFiles: string[];
}

/**
 * The key files to work on for an account: the AuthorizedKeysFile patterns a caller
 * gave, expanded for it, or else the files sshd reads for it.
 */
export function keyFilesOf(view: AccountSshdView, patterns?: string[]): string[] {
  return patterns
    ? patterns.map((p) => requireAccountKeyFile(view, expandAuthorizedKeysPath(p, view.account)))
    : view.authorizedKeysFiles;
}

/**
 * A key file a caller named is edited as root: it must be one sshd reads keys from for
 * this account, or lie in the account's own home (where the privilege discipline writes
 * it as that account's file). Anything else (`/etc/shadow`, another account's file) would
 * let whoever may start a key job write lines as root wherever they like.
 */
export function requireAccountKeyFile(view: AccountSshdView, file: string): string {
  const home = posix.normalize(view.account.home);
  const inHome = isUnderHome(file, view.account) && posix.normalize(file) === file;
  if (inHome || view.authorizedKeysFiles.includes(file)) return file;
  throw forbidden(
    `authorized keys file ${file} is neither a file sshd reads keys from for ${view.account.name} nor in its home ${home}`,
    { details: { field: 'authorizedKeysFile', value: file, account: view.account.name } },
  );
}

/**
 * Per account, what sshd would use when that account logs in. Match blocks on Host or
 * Address cannot be judged without a connection and count as not matching.
 */
export async function sshdViewByAccount(
  session: HostSession,
  opts: {
    sshdConfigPath?: string;
    accounts?: string[];
    loaded?: LoadedSshdConfig;
    limits?: Partial<HostReadLimits>;
  } = {},
): Promise<{ loaded: LoadedSshdConfig; views: AccountSshdView[] }> {
  const loaded =
    opts.loaded ??
    (await loadHostSshdConfig(
      session,
      opts.sshdConfigPath,
      undefined,
      hostReadLimits(opts.limits),
    ));
  const wanted = opts.accounts ? new Set(opts.accounts) : undefined;
  const { accounts } = await listAccounts(session);
  const views: AccountSshdView[] = [];
  for (const account of accounts) {
    if (wanted && !wanted.has(account.name)) continue;
    const config = effectiveSshdConfig(loaded, {
      user: account.name,
      host: '',
      addr: '',
      groups: account.groups,
    });
    const id = { user: account.name, home: account.home, uid: account.uid };
    views.push({
      account,
      config,
      patterns: authorizedKeysFilePatterns(config),
      authorizedKeysFiles: [
        ...new Set(authorizedKeysFiles(config, id).map((p) => posix.normalize(p))),
      ],
    });
  }
  return { loaded, views };
}

/** One account's view, or NOT_FOUND naming the account. */
export async function sshdViewOfAccount(
  session: HostSession,
  name: string,
  sshdConfigPath?: string,
): Promise<AccountSshdView> {
  const { views } = await sshdViewByAccount(session, {
    accounts: [name],
    ...(sshdConfigPath !== undefined ? { sshdConfigPath } : {}),
  });
  if (views[0]) return views[0];
  await findAccount(session, name); // throws NOT_FOUND with the usual message
  throw notFound(`no account ${JSON.stringify(name)}`);
}

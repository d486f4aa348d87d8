import { posix } from 'node:path';
import type { Account, HostSession } from '../session/host-session';
import { parsePublicKeyBlob, parsePublicKeyLine } from '../ssh/public-key';
import { errorCode } from '../errors';
import type { CappedReadOutcome } from '../session/host-session';
import { findingOf, isFileFinding, readBoundedFiles, type HostFinding } from './bounded-read';
import { statsOf } from './existing-paths';
import { hostReadLimits, type HostReadLimits } from './host-read-limits';
import { readOpensshPrivateKeyHeader } from './openssh-private-key';

export interface ScannedPrivateKey {
  account: string;
  path: string;
  format: 'openssh' | 'pem';
  encrypted: boolean;
  type?: string;
  bits?: number;
  fingerprint?: string;
  /** Where the fingerprint came from: the key file's public half, the .pub, or ssh-keygen -y. */
  fingerprintFrom?: 'key' | 'pub' | 'ssh-keygen';
  /** The public half as `type base64` (no comment), when it is known; never secret. */
  publicKey?: string;
  mode: number;
  uid: number;
}

export interface ScanPrivateKeysParams {
  /** Extra host paths to look at (e.g. IdentityFile values); ~/.ssh is always scanned. */
  extraPaths?: string[];
  /** Caps on what is read from the host (defaults in host-read-limits.ts). */
  limits?: Partial<HostReadLimits>;
}

export interface ScanPrivateKeysResult {
  keys: ScannedPrivateKey[];
  /** Files (and ~/.ssh directories) not read in full: too large, too many entries, unreadable. */
  findings: HostFinding[];
}

interface Candidate {
  path: string;
  account?: Account;
  /** A path the caller named as a key: what cannot be read of it is reported. */
  named: boolean;
}

const PRIVATE_KEY_HEADER = /^-----BEGIN ([A-Z ]*)PRIVATE KEY-----/;

/**
 * Private keys lying in each account's ~/.ssh (and extra paths), without decrypting any.
 * The host is asked in batches, whatever the number of accounts and files: the ~/.ssh
 * directories, their listings, every candidate file, then the `.pub` of the keys whose
 * file holds no public half.
 */
export async function scanPrivateKeys(
  session: HostSession,
  params: ScanPrivateKeysParams = {},
): Promise<ScanPrivateKeysResult> {
  const limits = hostReadLimits(params.limits);
  const findings: HostFinding[] = [];
  const accounts = await session.listAccounts();
  const dirOf = (a: Account) => posix.join(a.home, '.ssh');
  const dirs = await statsOf(session, accounts.map(dirOf), false);
  const withDir = accounts.filter((a) => dirs.get(dirOf(a))?.type === 'directory');
  const listings = await session.listDirMany(withDir.map(dirOf));
  const candidates: Candidate[] = [];
  withDir.forEach((account, i) => {
    const listing = listings[i]!;
    if (!listing.ok) {
      // The account was removed between the look at ~/.ssh and its listing: nothing to scan.
      if (errorCode(listing.error) === 'NOT_FOUND') return;
      throw listing.error;
    }
    const dir = dirOf(account);
    let entries = listing.entries;
    if (entries.length > limits.dirEntries) {
      findings.push({
        code: 'LIMIT_EXCEEDED',
        path: dir,
        account: account.name,
        message: `${dir} holds ${entries.length} entries; only the first ${limits.dirEntries} were looked at`,
      });
      entries = entries.slice(0, limits.dirEntries);
    }
    for (const entry of entries) {
      if (entry.type !== 'file' || entry.name.endsWith('.pub')) continue;
      candidates.push({ path: posix.join(dir, entry.name), account, named: false });
    }
  });
  const extra = params.extraPaths ?? [];
  const extraStats = await statsOf(session, extra, false);
  for (const path of extra) {
    if (extraStats.get(path)?.type === 'file') candidates.push({ path, named: true });
  }
  const reads = await readKeyFiles(
    session,
    limits,
    candidates.map((c) => c.path),
  );
  const keys: (ScannedPrivateKey | undefined)[] = [];
  const pubWanted: number[] = [];
  candidates.forEach((c, i) => {
    const outcome = reads[i]!;
    // Keys are small: anything past the cap in ~/.ssh (a long known_hosts) is no key and is
    // skipped unread and unreported; a path the caller named as a key is reported.
    if (!outcome.ok) {
      if (errorCode(outcome.error) === 'NOT_FOUND') return;
      if (!isFileFinding(outcome.error)) throw outcome.error;
      if (c.named) findings.push(findingOf(outcome.error, c.path, c.account?.name));
      return;
    }
    const key = fromKeyFile(c, outcome.read.content.toString('utf8'), outcome.read.stat);
    keys[i] = key;
    if (key && key.fingerprintFrom === undefined && !(key.format === 'openssh' && key.type)) {
      pubWanted.push(i);
    }
  });
  const pubs = await readKeyFiles(
    session,
    limits,
    pubWanted.map((i) => `${candidates[i]!.path}.pub`),
  );
  for (const [k, i] of pubWanted.entries()) {
    const key = keys[i]!;
    const c = candidates[i]!;
    const pub = fromPub(pubs[k]!, `${c.path}.pub`, c.account, findings);
    if (pub.fingerprint || key.format === 'openssh' || key.encrypted) {
      keys[i] = { ...key, ...pub };
      continue;
    }
    const content = reads[i]!;
    if (content.ok) keys[i] = { ...key, ...(await fromSshKeygen(session, content.read.content)) };
  }
  return { keys: keys.filter((k): k is ScannedPrivateKey => k !== undefined), findings };
}

function readKeyFiles(session: HostSession, limits: HostReadLimits, paths: string[]) {
  return readBoundedFiles(
    session,
    paths.map((path) => ({ path, maxBytes: limits.keyFileBytes, what: 'a key file' })),
  );
}

/** What the key file itself says: format, encryption, and the public half when it holds one. */
function fromKeyFile(
  c: Candidate,
  text: string,
  st: { mode: number; uid: number },
): ScannedPrivateKey | undefined {
  const header = PRIVATE_KEY_HEADER.exec(text);
  if (!header) return undefined;
  const base = { account: c.account?.name ?? '', path: c.path, mode: st.mode, uid: st.uid };
  if (header[1] === 'OPENSSH ') {
    const parsed = readOpensshPrivateKeyHeader(text);
    const key = parsed && parsePublicKeyBlob(parsed.publicKeyBlob);
    const encrypted = parsed ? parsed.cipher !== 'none' : true;
    if (key?.ok) {
      return {
        ...base,
        format: 'openssh',
        encrypted,
        type: key.key.type,
        bits: key.key.bits,
        fingerprint: key.key.sha256,
        fingerprintFrom: 'key',
        publicKey: `${key.key.type} ${key.key.base64}`,
      };
    }
    return { ...base, format: 'openssh', encrypted };
  }
  const encrypted = header[1] === 'ENCRYPTED ' || /Proc-Type: 4,ENCRYPTED/.test(text);
  return { ...base, format: 'pem', encrypted };
}

/**
 * The public half from the `.pub` beside a key. A missing or non-regular `.pub` is no
 * finding (most keys have none); one that could not be read is.
 */
function fromPub(
  outcome: CappedReadOutcome,
  path: string,
  account: Account | undefined,
  findings: HostFinding[],
): Partial<ScannedPrivateKey> {
  if (!outcome.ok) {
    const code = errorCode(outcome.error);
    if (code === 'NOT_FOUND' || code === 'LIMIT_EXCEEDED') return {};
    if (!isFileFinding(outcome.error)) throw outcome.error;
    findings.push(findingOf(outcome.error, path, account?.name));
    return {};
  }
  const line = parsePublicKeyLine(outcome.read.content.toString('utf8').trim());
  return line.ok
    ? {
        type: line.key.type,
        bits: line.key.bits,
        fingerprint: line.key.sha256,
        fingerprintFrom: 'pub',
        publicKey: `${line.key.type} ${line.key.base64}`,
      }
    : {};
}

/**
 * Legacy PEM carries no public half: ask ssh-keygen, with an empty passphrase so it never
 * prompts. Through `cat |` so ssh-keygen reads a pipe: a socket as /dev/stdin fails with ENXIO.
 */
async function fromSshKeygen(
  session: HostSession,
  content: Buffer,
): Promise<Partial<ScannedPrivateKey>> {
  const derived = await session.exec('sh', ['-c', 'cat | ssh-keygen -y -P "" -f /dev/stdin'], {
    stdin: content,
  });
  const line = derived.code === 0 ? parsePublicKeyLine(derived.stdout.trim()) : undefined;
  return line?.ok
    ? {
        type: line.key.type,
        bits: line.key.bits,
        fingerprint: line.key.sha256,
        fingerprintFrom: 'ssh-keygen',
        publicKey: `${line.key.type} ${line.key.base64}`,
      }
    : {};
}

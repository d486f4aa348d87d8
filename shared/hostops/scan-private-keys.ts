import { posix } from 'node:path';
import type { Account, HostSession } from '../session/host-session';
import { parsePublicKeyBlob, parsePublicKeyLine } from '../ssh/public-key';
import { findingOf, isFileFinding, readBoundedFile, type HostFinding } from './bounded-read';
import { existingPaths } from './existing-paths';
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

interface Scan {
  session: HostSession;
  limits: HostReadLimits;
  findings: HostFinding[];
}

const PRIVATE_KEY_HEADER = /^-----BEGIN ([A-Z ]*)PRIVATE KEY-----/;

/** Private keys lying in each account's ~/.ssh (and extra paths), without decrypting any. */
export async function scanPrivateKeys(
  session: HostSession,
  params: ScanPrivateKeysParams = {},
): Promise<ScanPrivateKeysResult> {
  const scan: Scan = { session, limits: hostReadLimits(params.limits), findings: [] };
  const keys: ScannedPrivateKey[] = [];
  const accounts = await session.listAccounts();
  const present = await existingPaths(
    session,
    accounts.map((a) => posix.join(a.home, '.ssh')),
  );
  for (const account of accounts) {
    const dir = posix.join(account.home, '.ssh');
    if (!present.has(dir) || (await session.lstat(dir))?.type !== 'directory') continue;
    let entries = await session.listDir(dir);
    if (entries.length > scan.limits.dirEntries) {
      scan.findings.push({
        code: 'LIMIT_EXCEEDED',
        path: dir,
        account: account.name,
        message: `${dir} holds ${entries.length} entries; only the first ${scan.limits.dirEntries} were looked at`,
      });
      entries = entries.slice(0, scan.limits.dirEntries);
    }
    for (const entry of entries) {
      if (entry.type !== 'file' || entry.name.endsWith('.pub')) continue;
      const key = await inspect(scan, posix.join(dir, entry.name), account, false);
      if (key) keys.push(key);
    }
  }
  for (const path of params.extraPaths ?? []) {
    const key =
      (await session.lstat(path))?.type === 'file'
        ? await inspect(scan, path, undefined, true)
        : undefined;
    if (key) keys.push(key);
  }
  return { keys, findings: scan.findings };
}

/**
 * A file read within the cap, or undefined with a finding (when `report`) for one that is not.
 * Any other error (the session failing) still fails the scan.
 */
async function readCapped(
  scan: Scan,
  path: string,
  account: Account | undefined,
  report: boolean,
): Promise<Buffer | undefined> {
  try {
    return (await readBoundedFile(scan.session, path, scan.limits.keyFileBytes, 'a key file'))
      .content;
  } catch (err) {
    if (!isFileFinding(err)) throw err;
    if (report) scan.findings.push(findingOf(err, path, account?.name));
    return undefined;
  }
}

async function inspect(
  scan: Scan,
  path: string,
  account: Account | undefined,
  named: boolean,
): Promise<ScannedPrivateKey | undefined> {
  const { session } = scan;
  const st = await session.stat(path);
  if (!st) return undefined;
  // Keys are small: anything past the cap in ~/.ssh (a long known_hosts) is no key and is
  // skipped unread and unreported; a path the caller named as a key is reported.
  const content = await readCapped(scan, path, account, named);
  if (!content) return undefined;
  const text = content.toString('utf8');
  const header = PRIVATE_KEY_HEADER.exec(text);
  if (!header) return undefined;
  const base = { account: account?.name ?? '', path, mode: st.mode, uid: st.uid };
  const pubOf = () => fromPub(scan, path, account);
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
    return { ...base, format: 'openssh', encrypted, ...(await pubOf()) };
  }
  const encrypted = header[1] === 'ENCRYPTED ' || /Proc-Type: 4,ENCRYPTED/.test(text);
  const pub = await pubOf();
  if (pub.fingerprint || encrypted) return { ...base, format: 'pem', encrypted, ...pub };
  // Legacy PEM carries no public half: ask ssh-keygen, with an empty passphrase so it never prompts.
  // Through `cat |` so ssh-keygen reads a pipe: a socket as /dev/stdin fails with ENXIO.
  const derived = await session.exec('sh', ['-c', 'cat | ssh-keygen -y -P "" -f /dev/stdin'], {
    stdin: content,
  });
  const line = derived.code === 0 ? parsePublicKeyLine(derived.stdout.trim()) : undefined;
  return line?.ok
    ? {
        ...base,
        format: 'pem',
        encrypted,
        type: line.key.type,
        bits: line.key.bits,
        fingerprint: line.key.sha256,
        fingerprintFrom: 'ssh-keygen',
        publicKey: `${line.key.type} ${line.key.base64}`,
      }
    : { ...base, format: 'pem', encrypted };
}

async function fromPub(
  scan: Scan,
  path: string,
  account: Account | undefined,
): Promise<Partial<ScannedPrivateKey>> {
  if ((await scan.session.stat(`${path}.pub`))?.type !== 'file') return {};
  const content = await readCapped(scan, `${path}.pub`, account, true);
  if (!content) return {};
  const line = parsePublicKeyLine(content.toString('utf8').trim());
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

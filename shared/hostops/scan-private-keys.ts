import { posix } from 'node:path';
import type { Account, HostSession } from '../session/host-session';
import { parsePublicKeyBlob, parsePublicKeyLine } from '../ssh/public-key';
import { existingPaths } from './existing-paths';
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
  mode: number;
  uid: number;
}

export interface ScanPrivateKeysParams {
  /** Extra host paths to look at (e.g. IdentityFile values); ~/.ssh is always scanned. */
  extraPaths?: string[];
}

const PRIVATE_KEY_HEADER = /^-----BEGIN ([A-Z ]*)PRIVATE KEY-----/;

/** Private keys lying in each account's ~/.ssh (and extra paths), without decrypting any. */
export async function scanPrivateKeys(
  session: HostSession,
  params: ScanPrivateKeysParams = {},
): Promise<{ keys: ScannedPrivateKey[] }> {
  const keys: ScannedPrivateKey[] = [];
  const accounts = await session.listAccounts();
  const present = await existingPaths(
    session,
    accounts.map((a) => posix.join(a.home, '.ssh')),
  );
  for (const account of accounts) {
    const dir = posix.join(account.home, '.ssh');
    if (!present.has(dir) || (await session.lstat(dir))?.type !== 'directory') continue;
    for (const entry of await session.listDir(dir)) {
      if (entry.type !== 'file' || entry.name.endsWith('.pub')) continue;
      const key = await inspect(session, posix.join(dir, entry.name), account);
      if (key) keys.push(key);
    }
  }
  for (const path of params.extraPaths ?? []) {
    const key =
      (await session.lstat(path))?.type === 'file'
        ? await inspect(session, path, undefined)
        : undefined;
    if (key) keys.push(key);
  }
  return { keys };
}

async function inspect(
  session: HostSession,
  path: string,
  account: Account | undefined,
): Promise<ScannedPrivateKey | undefined> {
  const st = await session.stat(path);
  if (!st || st.size > 64 * 1024) return undefined; // keys are small; skip anything else unread
  const { content } = await session.readFile(path);
  const text = content.toString('utf8');
  const header = PRIVATE_KEY_HEADER.exec(text);
  if (!header) return undefined;
  const base = { account: account?.name ?? '', path, mode: st.mode, uid: st.uid };
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
      };
    }
    return { ...base, format: 'openssh', encrypted, ...(await fromPub(session, path)) };
  }
  const encrypted = header[1] === 'ENCRYPTED ' || /Proc-Type: 4,ENCRYPTED/.test(text);
  const pub = await fromPub(session, path);
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
      }
    : { ...base, format: 'pem', encrypted };
}

async function fromPub(session: HostSession, path: string): Promise<Partial<ScannedPrivateKey>> {
  if ((await session.stat(`${path}.pub`))?.type !== 'file') return {};
  const line = parsePublicKeyLine(
    (await session.readFile(`${path}.pub`)).content.toString('utf8').trim(),
  );
  return line.ok
    ? {
        type: line.key.type,
        bits: line.key.bits,
        fingerprint: line.key.sha256,
        fingerprintFrom: 'pub',
      }
    : {};
}

import { posix } from 'node:path';
import { commandFailed, conflict, forbidden, invalidInput } from '../errors';
import type { HostSession } from '../session/host-session';
import { parsePublicKeyLine } from '../ssh/public-key';
import { isUnderHome } from './authorized-keys-paths';
import { findAccount } from './list-accounts';

export type PrivateKeyPolicy =
  { type: 'ed25519' } | { type: 'ecdsa'; bits: 256 | 384 | 521 } | { type: 'rsa'; bits: number };

export interface GeneratePrivateKeyParams {
  account: string;
  policy: PrivateKeyPolicy;
  comment: string;
  /** Default ~/.ssh/id_<type>. */
  path?: string;
  /** Replace an existing key (renewal); otherwise an existing file is a CONFLICT. */
  replace?: boolean;
}

export interface GeneratePrivateKeyResult {
  path: string;
  publicKeyPath: string;
  publicKey: string;
  fingerprint: string;
  bits: number;
}

// ssh-keygen runs in a private temp dir on the host; the key then goes through the
// session's atomic write so it lands 0600 and owned by the account, like any other edit.
const GENERATE =
  'set -e; d=$(mktemp -d); trap \'rm -rf "$d"\' EXIT; ssh-keygen -q -t "$1" -b "$2" -N "" -C "$3" -f "$d/k"; cat "$d/k"; printf "\\0"; cat "$d/k.pub"';

/** Generates a key pair for an account with the type and size the policy names. */
export async function generatePrivateKey(
  session: HostSession,
  params: GeneratePrivateKeyParams,
): Promise<GeneratePrivateKeyResult> {
  const { policy } = params;
  if (policy.type === 'rsa' && (policy.bits < 2048 || policy.bits > 16384)) {
    throw invalidInput(`policy.bits for rsa must be 2048..16384, got ${policy.bits}`, {
      details: { field: 'policy.bits', value: policy.bits },
    });
  }
  if (/[\r\n]/.test(params.comment))
    throw invalidInput('comment must be one line', { details: { field: 'comment' } });
  const account = await findAccount(session, params.account);
  const path = params.path ?? posix.join(account.home, '.ssh', `id_${policy.type}`);
  // Written as root: only into the account's own home, never a path anywhere on the host.
  const home = posix.normalize(account.home);
  if (!isUnderHome(path, account) || posix.normalize(path) !== path)
    throw forbidden(`path ${path} is not in the home ${home} of ${account.name}`, {
      details: { field: 'path', value: path, account: account.name },
    });
  if (!params.replace && (await session.lstat(path)))
    throw conflict(`${path} already exists`, { details: { path } });

  const bits = policy.type === 'ed25519' ? 256 : policy.bits;
  const out = await session.exec(
    'sh',
    ['-c', GENERATE, 'sh', policy.type, String(bits), params.comment],
    { timeoutMs: 120_000 },
  );
  const split = out.stdout.indexOf('\0');
  if (out.code !== 0 || split < 0) throw commandFailed(`ssh-keygen failed: ${out.stderr.trim()}`);
  const privateKey = out.stdout.slice(0, split);
  const publicKey = out.stdout.slice(split + 1).trim();
  const parsed = parsePublicKeyLine(publicKey);
  if (!parsed.ok)
    throw commandFailed(`ssh-keygen printed an unreadable public key: ${parsed.reason}`);

  const dir = posix.dirname(path);
  const owner = {
    uid: account.uid,
    gid: account.gid,
    noSymlinksBelow: home,
  };
  if (!(await session.lstat(dir)))
    await session.mkdir(dir, { mode: 0o700, uid: account.uid, gid: account.gid });
  await session.writeFileAtomic(path, privateKey, { ...owner, mode: 0o600 });
  await session.writeFileAtomic(`${path}.pub`, `${publicKey}\n`, { ...owner, mode: 0o644 });
  return {
    path,
    publicKeyPath: `${path}.pub`,
    publicKey,
    fingerprint: parsed.key.sha256,
    bits: parsed.key.bits,
  };
}

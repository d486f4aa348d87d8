/**
 * Whether a credential presented at the gateway is revoked: its key (or, for a certificate,
 * the certified key or the CA that signed it) is on Keywarden's blacklist, or the
 * operator's OpenSSH key revocation list (KEYWARDEN_GATEWAY_REVOKED_KEYS, made with
 * `ssh-keygen -k`) revokes it: by key, hash, certificate serial or key id of a CA. The KRL
 * is judged by `ssh-keygen -Q`, OpenSSH's own reader, not a parser of ours: its serial
 * ranges and per-CA sections are exactly what sshd's RevokedKeys applies.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Store } from '../store/store';

/** `reason` is said to the person: what only the operator should read goes to the log. */
export type Revocation = { revoked: false } | { revoked: true; reason: string };

export interface RevocationDeps {
  store: Pick<Store, 'inventory'>;
  krlFile: string | undefined;
  log: Pick<Logger, 'error'>;
}

export async function credentialRevocation(
  { store, krlFile, log }: RevocationDeps,
  key: { line: string; fingerprints: { what: string; fingerprint: string }[] },
): Promise<Revocation> {
  for (const { what, fingerprint } of key.fingerprints) {
    const entry = await store.inventory.blacklist.get(fingerprint);
    // The blacklist's reason stays out: whoever holds the public key would read it here.
    if (entry) return { revoked: true, reason: `${what} ${fingerprint} is blacklisted` };
  }
  if (!krlFile) return { revoked: false };
  const r = await krlCheck(krlFile, key.line);
  if (r === 'ok') return { revoked: false };
  if (r === 'revoked') return { revoked: true, reason: "it is in the gateway's revocation list" };
  // sshd refuses every key when it cannot read RevokedKeys: so does the gateway.
  log.error({ krlFile, error: r.error }, 'gateway: KEYWARDEN_GATEWAY_REVOKED_KEYS cannot be read');
  return {
    revoked: true,
    reason: "the gateway's revocation list cannot be read (the controller log says why)",
  };
}

/**
 * `ssh-keygen -Q -f KRL FILE`: 0 not revoked, 1 revoked, anything else the list is unusable.
 * The key goes in a file of its own: ssh-keygen cannot read it from stdin, and Node's stdio
 * are socket pairs, which /dev/stdin cannot open. It is public, so nothing secret is written.
 */
export async function krlCheck(
  krlFile: string,
  keyLine: string,
): Promise<'ok' | 'revoked' | { error: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'keywarden-krl-check-'));
  try {
    const keyFile = join(dir, 'key.pub');
    await writeFile(keyFile, `${keyLine}\n`, { mode: 0o600 });
    return await new Promise((resolve) => {
      execFile(
        'ssh-keygen',
        ['-Q', '-f', krlFile, keyFile],
        { timeout: 10_000 },
        (err, _out, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
          if (code === 0) resolve('ok');
          else if (code === 1) resolve('revoked');
          else
            resolve({
              error: stderr.trim().split('\n').pop() || err?.message || 'ssh-keygen failed',
            });
        },
      );
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Opens an SSH session to an agentless host with one of its credentials and its pinned key. */
import { conflict } from '../../shared/errors';
import { SshSession } from '../../shared/session/ssh-session';
import type { HostRecord } from '../store/host-records';
import type { OpenedCredential } from '../secrets/credential-vault';

export interface ConnectTimeouts {
  /** TCP connect, handshake and authentication. */
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
}

export function pinnedKeyOf(host: HostRecord): string {
  if (!host.hostKeyFingerprint)
    throw conflict(
      `host ${host.name} has no pinned host key yet: discover it first (or give the expected fingerprint)`,
      { details: { field: 'hostKeyFingerprint', value: null } },
    );
  return host.hostKeyFingerprint;
}

export function accountOf(host: HostRecord): string {
  if (!host.managementAccount)
    throw conflict(`host ${host.name} has no management account`, {
      details: { field: 'managementAccount', value: null },
    });
  return host.managementAccount;
}

export function connectHost(
  host: HostRecord,
  cred: OpenedCredential,
  t: ConnectTimeouts,
): Promise<SshSession> {
  return SshSession.connect({
    host: host.address,
    port: host.port,
    username: accountOf(host),
    ...(cred.kind === 'password' ? { password: cred.secret } : { privateKey: cred.secret }),
    hostKeyFingerprint: pinnedKeyOf(host),
    readyTimeoutMs: t.connectTimeoutMs,
    keepaliveIntervalMs: t.keepaliveIntervalMs,
  });
}

/** Logs in with the credential on a connection of its own and proves root access (sudo -n). */
export async function proveLogin(
  host: HostRecord,
  cred: OpenedCredential,
  t: ConnectTimeouts,
): Promise<void> {
  const session = await connectHost(host, cred, t);
  try {
    const r = await session.exec('true', [], { timeoutMs: t.connectTimeoutMs });
    if (r.code !== 0)
      throw conflict(
        `logged in to ${host.name} as ${accountOf(host)} but could not run commands as root: ${r.stderr.trim()}`,
        { details: { exitCode: r.code } },
      );
  } finally {
    await session.close();
  }
}

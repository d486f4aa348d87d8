/**
 * Creates an agentless host and, when it has a credential, queues its discovery. The host
 * id is derived from address and port, so the same endpoint added twice (two imports, a
 * range scan that finds a known host) is one host: the store's unique id decides, on both
 * adapters, with no read-then-write race.
 */
import { createHash } from 'node:crypto';
import { conflict, errorCode, notFound } from '../../shared/errors';
import type { HostRecord } from '../store/host-records';
import type { Store } from '../store/store';
import type { CredentialVault } from '../secrets/credential-vault';
import type { ValidHost } from './new-host-input';

export function agentlessHostId(address: string, port: number): string {
  return `agentless-${createHash('sha256').update(`${address.toLowerCase()}:${port}`).digest('hex').slice(0, 20)}`;
}

export interface AddHostDeps {
  store: Pick<Store, 'hosts' | 'hostGroups' | 'audit' | 'hostCredentials'>;
  vault: CredentialVault;
  /** Queues `discover` for the new host (API: the job queue; jobs: ctx.enqueue). */
  queueDiscovery: (hostId: string) => Promise<{ id: string }>;
  now: () => number;
}

export interface AddedHost {
  host: HostRecord;
  discoverJobId: string | null;
}

export async function addAgentlessHost(
  deps: AddHostDeps,
  h: ValidHost,
  actor: string,
): Promise<AddedHost> {
  const id = agentlessHostId(h.address, h.port);
  if (h.groupId && !(await deps.store.hostGroups.get(h.groupId)))
    throw notFound(`host group ${h.groupId} does not exist`, {
      details: { field: 'groupId', value: h.groupId },
    });
  const now = deps.now();
  let host: HostRecord;
  try {
    host = await deps.store.hosts.create(
      {
        id,
        name: h.name,
        address: h.address,
        port: h.port,
        kind: 'agentless',
        state: 'discovered',
        groupId: h.groupId,
        hostKeyFingerprint: h.hostKeyFingerprint,
        managementAccount: h.managementAccount || null,
        agentId: null,
        os: null,
        sshProduct: null,
        lastSeenAt: null,
      },
      now,
    );
  } catch (err) {
    if (errorCode(err) === 'CONFLICT')
      throw conflict(`a host at ${h.address}:${h.port} already exists (${id})`, {
        details: { field: 'address', value: `${h.address}:${h.port}`, hostId: id },
      });
    throw err;
  }
  if (h.credential) await deps.vault.putInitial(id, h.credential, now);
  await deps.store.audit.append({
    at: now,
    actor,
    action: 'host.added',
    subject: id,
    details: {
      address: `${h.address}:${h.port}`,
      managementAccount: h.managementAccount,
      credential: h.credential ? ('password' in h.credential ? 'password' : 'private-key') : null,
      expectedHostKey: h.hostKeyFingerprint,
    },
  });
  const job = h.credential ? await deps.queueDiscovery(id) : null;
  return { host, discoverJobId: job?.id ?? null };
}

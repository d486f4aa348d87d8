/**
 * Blacklisting a key that Keywarden itself logs in with would lock it out of hosts: the
 * removal children take the line out of the management account's authorized_keys, and the
 * revocation list makes sshd refuse the key everywhere. Such a request is refused before
 * anything is recorded, naming the host; the operator renews that host's management key
 * (renew-mgmt-key) first, after which the old key can be blacklisted.
 */
import { conflict } from '../../shared/errors';
import type { Store } from '../store/store';

type Source = Pick<Store, 'hosts' | 'hostCredentials'>;

export async function refuseManagementKey(
  store: Source,
  fingerprint: string,
  /** What was asked, for the message (quarantining and retiring use the same guard). */
  action = 'blacklisting',
): Promise<void> {
  // The credentials of this key only (an index), not every agentless host's.
  for (const used of await store.hostCredentials.listByFingerprint(fingerprint)) {
    // A retired key is no longer used: blacklisting it is what renewal makes safe.
    if (used.slot === 'retired') continue;
    const host = await store.hosts.get(used.hostId);
    // Only agentless hosts are logged in to with these credentials (a leftover of a deleted
    // host, or of a host now reached through an agent, locks nothing out).
    if (host?.kind !== 'agentless') continue;
    throw conflict(
      `key ${fingerprint} is the ${used.slot} credential Keywarden uses to log in to host ${host.name}: ${action} it would lock Keywarden out; renew that host's management key first (renew-mgmt-key)`,
      { details: { field: 'fingerprint', value: fingerprint, hostId: host.id, slot: used.slot } },
    );
  }
}

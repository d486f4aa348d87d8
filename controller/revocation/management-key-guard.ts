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
  let after: string | undefined;
  do {
    const page = await store.hosts.list(
      { kind: 'agentless' },
      { limit: 500, ...(after ? { after } : {}) },
    );
    for (const host of page.items) {
      const creds = await store.hostCredentials.listForHost(host.id);
      // A retired key is no longer used: blacklisting it is what renewal makes safe.
      const used = creds.find((c) => c.slot !== 'retired' && c.fingerprint === fingerprint);
      if (!used) continue;
      throw conflict(
        `key ${fingerprint} is the ${used.slot} credential Keywarden uses to log in to host ${host.name}: ${action} it would lock Keywarden out; renew that host's management key first (renew-mgmt-key)`,
        { details: { field: 'fingerprint', value: fingerprint, hostId: host.id, slot: used.slot } },
      );
    }
    after = page.nextCursor ?? undefined;
  } while (after);
}

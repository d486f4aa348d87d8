/**
 * Who may open a session to (host, account): decided by the same records as every other
 * access, never by a list of the gateway's own. A person may when one of their keys is
 * granted there by an active, unexpired authorization (to the host or to its group), or
 * when they are in the directory group of an access group that grants the host's group as
 * that account (the processing robot may not have turned it into authorizations yet).
 * A grant carrying from= admits the person only from where its from= allows: the line it
 * would put on the host would not let them in from elsewhere, so neither does the gateway.
 */
import type { AuthorizedKeyOption } from '../../shared/ssh/authorized-key-options';
import { matchHostAndIp } from '../../shared/ssh/effective-access/allowed-user';
import type { PersonRecord } from '../store/directory-records';
import type { HostRecord } from '../store/host-records';
import type { Store } from '../store/store';

export type AccessVerdict =
  | { allowed: true; via: { authorizationId: string } | { accessGroupId: string } }
  | { allowed: false; reason: string };

/** Where the person connects from, and the key they signed with (a certificate's key too). */
export interface SessionSource {
  address: string;
  fingerprint: string;
}

/**
 * A grant's own from= judged against where the person connects from, as sshd would judge
 * it had the person's key been on the host: OpenSSH patterns, negation and CIDR
 * (match_host_and_ip, shared with the effective-access code). The gateway does no reverse
 * DNS (sshd's UseDNS no): names in from= are matched against the address.
 */
function fromRefusal(options: readonly AuthorizedKeyOption[], address: string): string | null {
  const from = options.find((o) => o.name === 'from')?.value;
  if (from === undefined) return null;
  const r = matchHostAndIp(address, address, from);
  if (r === 1) return null;
  if (r === -1) return `its from="${from}" is not a valid pattern list`;
  return `it allows connections only from="${from}", and you connect from ${address}`;
}

export async function decideSessionAccess(
  store: Pick<Store, 'authorizations' | 'directory'>,
  person: PersonRecord,
  host: HostRecord,
  account: string,
  source: SessionSource,
  now: number,
): Promise<AccessVerdict> {
  if (person.state !== 'active')
    return { allowed: false, reason: `${person.uid} has left the directory` };
  // A grant that matches but whose from= excludes the person's address: said if none admits.
  let excluded: string | null = null;
  const fingerprints = new Set([...person.keys.map((k) => k.fingerprint), source.fingerprint]);
  for (const fingerprint of fingerprints) {
    const page = await store.authorizations.list(
      { state: ['active'], fingerprint, account },
      { limit: 200 },
    );
    for (const a of page.items) {
      const applies =
        (a.expiresAt === null || a.expiresAt > now) &&
        ('hostId' in a.target
          ? a.target.hostId === host.id
          : host.groupId !== null && a.target.groupId === host.groupId);
      if (!applies) continue;
      const refused = fromRefusal(a.options, source.address);
      if (!refused) return { allowed: true, via: { authorizationId: a.id } };
      excluded ??= `authorization ${a.id} lets ${person.uid} in as ${account} on ${host.name}, but ${refused}`;
    }
  }
  if (host.groupId !== null) {
    const groups = await store.directory.listAccessGroups();
    for (const g of groups) {
      const member =
        g.hostGroupId === host.groupId &&
        g.account === account &&
        ((g.directoryGroup !== null && person.groups.includes(g.directoryGroup)) ||
          (g.members ?? []).includes(person.id));
      if (!member) continue;
      const refused = fromRefusal(g.options, source.address);
      if (!refused) return { allowed: true, via: { accessGroupId: g.id } };
      excluded ??= `access group ${g.id} lets ${person.uid} in as ${account} on ${host.name}, but ${refused}`;
    }
  }
  if (excluded) return { allowed: false, reason: excluded };
  return {
    allowed: false,
    reason: `${person.uid} has no authorization for ${account} on ${host.name}: ask for one (keywarden authorizations add, or an access group)`,
  };
}

/** The active person owning the key with this fingerprint, if exactly one does. */
export async function personOfKey(
  store: Pick<Store, 'directory'>,
  fingerprint: string,
): Promise<PersonRecord | null> {
  const people = (await store.directory.listPeople({ state: 'active' })).filter((p) =>
    p.keys.some((k) => k.fingerprint === fingerprint),
  );
  return people.length === 1 ? (people[0] as PersonRecord) : null;
}

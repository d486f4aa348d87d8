/**
 * Who may open a session to (host, account): decided by the same records as every other
 * access, never by a list of the gateway's own. A person may when one of their keys is
 * granted there by an active, unexpired authorization (to the host or to its group), or
 * when they are in the directory group of an access group that grants the host's group as
 * that account (the processing robot may not have turned it into authorizations yet).
 */
import type { PersonRecord } from '../store/directory-records';
import type { HostRecord } from '../store/host-records';
import type { Store } from '../store/store';

export type AccessVerdict =
  | { allowed: true; via: { authorizationId: string } | { accessGroupId: string } }
  | { allowed: false; reason: string };

export async function decideSessionAccess(
  store: Pick<Store, 'authorizations' | 'directory'>,
  person: PersonRecord,
  host: HostRecord,
  account: string,
  now: number,
): Promise<AccessVerdict> {
  if (person.state !== 'active')
    return { allowed: false, reason: `${person.uid} has left the directory` };
  for (const key of person.keys) {
    const page = await store.authorizations.list(
      { state: ['active'], fingerprint: key.fingerprint, account },
      { limit: 200 },
    );
    const grant = page.items.find(
      (a) =>
        (a.expiresAt === null || a.expiresAt > now) &&
        ('hostId' in a.target
          ? a.target.hostId === host.id
          : host.groupId !== null && a.target.groupId === host.groupId),
    );
    if (grant) return { allowed: true, via: { authorizationId: grant.id } };
  }
  if (host.groupId !== null) {
    const groups = await store.directory.listAccessGroups();
    const ag = groups.find(
      (g) =>
        g.hostGroupId === host.groupId &&
        g.account === account &&
        ((g.directoryGroup !== null && person.groups.includes(g.directoryGroup)) ||
          (g.members ?? []).includes(person.id)),
    );
    if (ag) return { allowed: true, via: { accessGroupId: ag.id } };
  }
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

/**
 * The seed's "Account discovery" (update accounts with the directory's changes): every
 * account the inventory found on a host is matched to a person, by an admin's mapping
 * (on that host, then on every host) or, with accountMatch `uid`, by its name being the
 * person's uid. An account whose person has left is marked departed, audited, and raises a
 * `departed-person-account` alert (one per host and account) through the alerts path, so
 * notifications and SIEM export carry it; the alert is resolved when the account is gone
 * or its person is back.
 */
import type { JobContext } from '../engine/job-definition';
import {
  accountOwnerId,
  type AccountOwnerRecord,
  type PersonRecord,
} from '../store/directory-records';
import { ldapSyncOptions } from './ldap-settings';

export interface AccountDiscoveryResult {
  matched: number;
  departed: number;
  newlyDeparted: number;
  resolved: number;
}

export const DEPARTED_ALERT = 'departed-person-account';
const alertKey = (hostId: string, account: string) => `${DEPARTED_ALERT}:${hostId}:${account}`;

// One run at a time in this process: ldap-sync and account-discovery both run it, and two
// runs at once would each audit the same departure.
let running: Promise<unknown> = Promise.resolve();

export function discoverAccounts(ctx: JobContext): Promise<AccountDiscoveryResult> {
  const next = running.then(() => discoverOnce(ctx));
  running = next.catch(() => undefined);
  return next;
}

async function discoverOnce(ctx: JobContext): Promise<AccountDiscoveryResult> {
  const settings = await ctx.store.directory.getLdap();
  const byUid = settings && ldapSyncOptions(settings).accountMatch === 'uid';
  const people = new Map((await ctx.store.directory.listPeople()).map((p) => [p.id, p]));
  const uids = new Map<string, PersonRecord>();
  for (const p of people.values())
    if (!uids.has(p.uid.toLowerCase()) || p.state === 'active') uids.set(p.uid.toLowerCase(), p);
  const mappings = await ctx.store.directory.listAccountMappings();
  const mapped = (hostId: string, account: string) =>
    mappings.find((m) => m.account === account && m.hostId === hostId) ??
    mappings.find((m) => m.account === account && m.hostId === null);
  const existing = new Map((await ctx.store.directory.listAccountOwners()).map((o) => [o.id, o]));
  if (people.size === 0 && existing.size === 0)
    return { matched: 0, departed: 0, newlyDeparted: 0, resolved: 0 };
  const accounts = await ctx.store.inventory.items.list('account', {});
  const now = ctx.now();
  const result: AccountDiscoveryResult = { matched: 0, departed: 0, newlyDeparted: 0, resolved: 0 };
  const kept = new Set<string>();
  for (const a of accounts) {
    const name = a.account ?? a.key;
    const mapping = mapped(a.hostId, name);
    const person = mapping
      ? people.get(mapping.personId)
      : byUid
        ? uids.get(name.toLowerCase())
        : undefined;
    if (!person) continue;
    const id = accountOwnerId(a.hostId, name);
    const had = existing.get(id);
    const departed = person.state === 'left';
    const next: AccountOwnerRecord = {
      id,
      hostId: a.hostId,
      account: name,
      personId: person.id,
      method: mapping ? 'mapping' : 'uid',
      departed,
      since: had?.personId === person.id ? had.since : now,
      departedAt: departed
        ? had?.departed && had.personId === person.id
          ? had.departedAt
          : now
        : null,
    };
    kept.add(id);
    result.matched += 1;
    if (departed) result.departed += 1;
    if (JSON.stringify(had) !== JSON.stringify(next))
      await ctx.store.directory.putAccountOwner(next);
    if (departed && !(had?.departed && had.personId === person.id)) {
      result.newlyDeparted += 1;
      await ctx.store.audit.append({
        at: now,
        actor: ctx.job.createdBy,
        action: 'account.owner-departed',
        subject: id,
        details: { hostId: a.hostId, account: name, personId: person.id, method: next.method },
      });
      await ctx.store.alerts.raise(
        {
          type: DEPARTED_ALERT,
          severity: 'warning',
          subject: a.hostId,
          message: `account ${name} on host ${a.hostId} belongs to ${person.name} (${person.uid}), who has left the directory`,
          dedupeKey: alertKey(a.hostId, name),
          context: { hostId: a.hostId, account: name, extra: { personId: person.id } },
        },
        now,
      );
    } else if (!departed && had?.departed)
      result.resolved += await resolve(ctx, a.hostId, name, now);
  }
  for (const had of existing.values()) {
    if (kept.has(had.id)) continue;
    await ctx.store.directory.removeAccountOwner(had.id);
    if (had.departed) result.resolved += await resolve(ctx, had.hostId, had.account, now);
  }
  return result;
}

async function resolve(ctx: JobContext, hostId: string, account: string, now: number) {
  const open = await ctx.store.alerts.latestByDedupeKey(alertKey(hostId, account));
  if (open?.state !== 'open') return 0;
  await ctx.store.alerts.setState(open.id, 'resolved', now, {
    reason: 'the account is gone, or no longer belongs to someone who left',
    by: ctx.job.type,
  });
  return 1;
}

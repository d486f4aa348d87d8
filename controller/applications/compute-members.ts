/**
 * Application membership from association rules, as the seed's internal-applications-update
 * sets it: a rule without an account pattern takes in the whole host; one with an account
 * pattern takes in the host's accounts (as the last scan found them) whose names match.
 * Hosts are read a page at a time, once for all the applications recomputed together.
 */
import type { HostRecord } from '../store/host-records';
import type { ApplicationMember, ApplicationRecord } from '../store/reporting-store';
import type { Store } from '../store/store';
import { ruleTakesAccount, ruleTakesHost } from './application-rules';

type Reader = Pick<Store, 'hosts' | 'inventory' | 'applications'>;
const PAGE = 500;

async function hostAccounts(store: Reader, hostId: string): Promise<string[]> {
  const out: string[] = [];
  let after: string | undefined;
  do {
    const page = await store.inventory.items.listPage(
      'account',
      { hostId },
      { limit: PAGE, ...(after ? { after } : {}) },
    );
    for (const item of page.items) if (item.account) out.push(item.account);
    after = page.nextCursor ?? undefined;
  } while (after);
  return out;
}

function membersOfHost(
  app: ApplicationRecord,
  host: HostRecord,
  accounts: () => Promise<string[]>,
): Promise<ApplicationMember[]> | ApplicationMember[] {
  const rules = app.rules.filter((r) => ruleTakesHost(r, host));
  if (rules.length === 0) return [];
  if (rules.some((r) => r.accountPattern === undefined))
    return [{ hostId: host.id, account: null }];
  return accounts().then((names) =>
    names
      .filter((a) => rules.some((r) => ruleTakesAccount(r, a)))
      .map((account) => ({ hostId: host.id, account })),
  );
}

/**
 * Recomputes and stores the members of these applications; returns each one's count.
 * `onPage` is called after each page of hosts (a job's heartbeat and cancellation).
 */
export async function recomputeMembers(
  store: Reader,
  apps: ApplicationRecord[],
  now: () => number,
  onPage: (hostsRead: number) => Promise<void> = async () => undefined,
): Promise<Record<string, number>> {
  const found = new Map<string, ApplicationMember[]>(apps.map((a) => [a.id, []]));
  let after: string | undefined;
  let read = 0;
  do {
    const page = await store.hosts.list({}, { limit: PAGE, ...(after ? { after } : {}) });
    for (const host of page.items) {
      // The host's accounts are read once, and only when some rule needs them.
      let accounts: Promise<string[]> | undefined;
      const lazyAccounts = () => (accounts ??= hostAccounts(store, host.id));
      for (const app of apps)
        found.get(app.id)!.push(...(await membersOfHost(app, host, lazyAccounts)));
    }
    read += page.items.length;
    await onPage(read);
    after = page.nextCursor ?? undefined;
  } while (after);
  const counts: Record<string, number> = {};
  for (const app of apps)
    counts[app.name] = await store.applications.setMembers(app.id, found.get(app.id)!, now());
  return counts;
}

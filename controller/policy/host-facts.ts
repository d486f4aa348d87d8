/** Loads what the rules of a host need, and nothing they do not. */
import { coveringAuthorizations } from '../authorizations/coverage';
import type { InventoryItem } from '../store/inventory-records';
import type { Store } from '../store/store';
import type { HostFacts, HostInfo, HostNeed } from './policy-types';

export type FactsStore = Pick<Store, 'inventory' | 'authorizations' | 'hosts' | 'applications'>;

export async function hostInfoOf(
  store: Pick<Store, 'hosts' | 'applications'>,
  hostId: string,
  withApplications: boolean,
): Promise<HostInfo> {
  const h = await store.hosts.get(hostId);
  const info = { hostId, hostName: h?.name ?? hostId, groupId: h?.groupId ?? null };
  return withApplications ? withApplicationsOf(store, info) : info;
}

/** The host's application memberships by account ('' for the host as a whole). */
export async function withApplicationsOf(
  store: Pick<Store, 'applications'>,
  info: HostInfo,
): Promise<HostInfo> {
  const applications = new Map<string, string[]>();
  for (const m of await store.applications.membershipsOfHost(info.hostId))
    applications.set(m.account, [...(applications.get(m.account) ?? []), m.applicationId]);
  return { ...info, applications };
}

export async function loadHostFacts(
  store: FactsStore,
  info: HostInfo,
  needs: ReadonlySet<HostNeed>,
  opts: {
    /** Already read (a fleet walk pages through them); read here when absent. */
    authorizedKeys?: InventoryItem<'authorized-key'>[];
    /** False when the caller knows the host has none (skips a read). */
    mayHavePrivateKeys?: boolean;
    /** Authorization id -> active, shared across the hosts of one walk. */
    activeAuthorizations?: Map<string, boolean>;
  } = {},
): Promise<HostFacts> {
  const { hostId } = info;
  const items = store.inventory.items;
  const [authorizedKeys, privateKeys, usage, config, root] = await Promise.all([
    opts.authorizedKeys ?? items.list('authorized-key', { hostId }),
    opts.mayHavePrivateKeys === false ? [] : items.list('private-key', { hostId }),
    needs.has('usage') ? store.inventory.keyUsage.list({ hostId }) : [],
    needs.has('config') ? store.inventory.hostConfigs.get(hostId) : null,
    needs.has('root-account') ? items.list('account', { hostId, account: 'root' }) : [],
  ]);
  const coveredBy = needs.has('coverage')
    ? await coveringAuthorizations(
        store,
        hostId,
        authorizedKeys,
        opts.activeAuthorizations ?? new Map(),
      )
    : new Map<string, string | null>();
  return {
    ...info,
    authorizedKeys,
    privateKeys,
    usage,
    config,
    rootAccount: root[0]?.data ?? null,
    coveredBy,
  };
}

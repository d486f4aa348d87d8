/**
 * Full evaluation (internal-reporting, a policy edit, a dry run): every host in the order
 * the inventory keeps them (host id, then item), a batch of hosts at a time. For each batch
 * and policy, the alerts of exactly that stretch of the key space are read and compared, so
 * memory holds one batch, never the fleet; and since the stretches follow each other with
 * no gap, an alert of a host that has left the inventory is resolved too.
 */
import type { InventoryItem } from '../store/inventory-records';
import type { PolicyRecord } from '../store/policy-records';
import type { AlertSeverity } from '../store/records';
import { loadHostFacts } from './host-facts';
import {
  alertOf,
  planChanges,
  type NewAlert,
  type PlanSink,
  type PolicyPlan,
} from './plan-changes';
import {
  blacklistIfNeeded,
  fleetRuleOf,
  hostRuleOf,
  inForce,
  needsOf,
  type PolicyStore,
} from './policy-set';
import {
  dedupeKeyOf,
  policyObjectsRange,
  policyRange,
  type FleetFacts,
  type HostInfo,
} from './policy-types';
import { accountInScope, hostInScope, needsApplications } from './scope';
import { withApplicationsOf } from './host-facts';

const HOSTS_PER_BATCH = 200;
const PAGE = 5000;

export interface GroupTally {
  byPolicy: Record<string, number>;
  bySeverity: Partial<Record<AlertSeverity, number>>;
}

export interface FleetEvaluation {
  hosts: number;
  /** Findings now (violations), raised or already alerted. */
  findings: number;
  raise: number;
  resolve: number;
  /** Findings by host group ('(none)' for hosts in no group). */
  groups: Record<string, GroupTally>;
}

export interface FleetOptions {
  now: number;
  sink: PlanSink;
  /** Reason given to alerts resolved because their cause is gone. */
  reason: string;
  /** Default: every policy in force. */
  policies?: PolicyRecord[];
  /** Also resolve the alerts of these policies (removed, disabled). */
  retired?: PolicyRecord[];
  progress?: (hosts: number) => Promise<void>;
  signal?: AbortSignal;
}

const hostOrder = (id: string) => `${id}|`;

export async function evaluateFleet(store: PolicyStore, o: FleetOptions): Promise<FleetEvaluation> {
  const all = o.policies ?? (await store.policies.list()).filter(inForce);
  const out: FleetEvaluation = { hosts: 0, findings: 0, raise: 0, resolve: 0, groups: {} };
  const tally = (policy: PolicyRecord, groupId: string | null | undefined) => {
    const g = (out.groups[groupId ?? '(none)'] ??= { byPolicy: {}, bySeverity: {} });
    g.byPolicy[policy.id] = (g.byPolicy[policy.id] ?? 0) + 1;
    g.bySeverity[policy.severity] = (g.bySeverity[policy.severity] ?? 0) + 1;
    out.findings++;
  };
  const plan = async (
    policy: PolicyRecord,
    wanted: Map<string, NewAlert>,
    range: { from: string; to: string },
  ): Promise<PolicyPlan> => {
    const p = planChanges(policy, wanted, await store.alerts.listActiveKeysInRange(range), o.now);
    out.raise += p.raise.length;
    out.resolve += p.resolve.length;
    return p;
  };

  for (const p of o.retired ?? []) await retire(store, p, o.sink, out);

  const hostPolicies = all.filter((p) => hostRuleOf(p) !== null);
  const fleetPolicies = all.filter((p) => fleetRuleOf(p) !== null);
  const hosts = new Map<string, HostInfo>();
  for (let after: string | undefined; ;) {
    const page = await store.hosts.list({}, { limit: 1000, after });
    for (const h of page.items)
      hosts.set(h.id, { hostId: h.id, hostName: h.name, groupId: h.groupId });
    if (!page.nextCursor) break;
    after = page.nextCursor;
  }
  const withApps = needsApplications(all);
  const infoOf = async (id: string): Promise<HostInfo> => {
    const info = hosts.get(id) ?? { hostId: id, hostName: id, groupId: null };
    return withApps ? withApplicationsOf(store, info) : info;
  };

  if (hostPolicies.length > 0) {
    // Private keys are few beside authorized lines: who holds each is kept for the walk.
    const holders = new Map<string, Set<string>>();
    const pkHosts = new Set<string>();
    for (let after: string | undefined; ;) {
      const page = await store.inventory.items.listPage('private-key', {}, { limit: PAGE, after });
      for (const k of page.items) {
        pkHosts.add(k.hostId);
        if (k.fingerprint) {
          const s = holders.get(k.fingerprint) ?? new Set<string>();
          s.add(k.hostId);
          holders.set(k.fingerprint, s);
        }
      }
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    const fleet: FleetFacts = {
      blacklist: await blacklistIfNeeded(store, hostPolicies),
      privateKeyHosts: (fp) => holders.get(fp)?.size ?? 0,
    };
    const activeAuthorizations = new Map<string, boolean>();
    const extras = [...new Set([...hosts.keys(), ...pkHosts])].sort((a, b) =>
      hostOrder(a) < hostOrder(b) ? -1 : 1,
    );
    let nextExtra = 0;
    // per policy: the findings of the batch, and where its stretch of keys starts
    let batch = new Map<string, Map<string, NewAlert>>();
    let batchHosts = 0;
    let lower = 'host:';
    const flush = async (upper: string) => {
      const plans: PolicyPlan[] = [];
      for (const p of hostPolicies) {
        const range = { from: dedupeKeyOf(p.id, lower), to: dedupeKeyOf(p.id, upper) };
        plans.push(await plan(p, batch.get(p.id) ?? new Map(), range));
      }
      await o.sink.apply(plans, o.reason);
      batch = new Map();
      batchHosts = 0;
      lower = upper;
      await o.progress?.(out.hosts);
    };
    const evaluateOne = async (
      hostId: string,
      authorizedKeys: InventoryItem<'authorized-key'>[],
    ) => {
      const info = await infoOf(hostId);
      const inScope = hostPolicies.filter((p) => hostInScope(p.scope, info));
      if (inScope.length > 0) {
        const facts = await loadHostFacts(store, info, needsOf(inScope), {
          authorizedKeys,
          mayHavePrivateKeys: pkHosts.has(hostId),
          activeAuthorizations,
        });
        for (const p of inScope) {
          let wanted = batch.get(p.id);
          if (!wanted) batch.set(p.id, (wanted = new Map()));
          for (const f of hostRuleOf(p)!.evaluate(p.rule as never, facts, fleet, o.now)) {
            if (!accountInScope(p.scope, f.account, info)) continue;
            const alert = alertOf(p, f, info);
            wanted.set(alert.dedupeKey, alert);
            tally(p, info.groupId);
          }
        }
      }
      out.hosts++;
      if (++batchHosts >= HOSTS_PER_BATCH) await flush(`host:${hostId}|\uffff`);
    };
    const upTo = async (hostId: string | null) => {
      while (nextExtra < extras.length) {
        const e = extras[nextExtra]!;
        if (hostId !== null && hostOrder(e) >= hostOrder(hostId)) break;
        nextExtra++;
        await evaluateOne(e, []);
      }
      if (hostId !== null && extras[nextExtra] === hostId) nextExtra++;
    };
    let current: string | null = null;
    let items: InventoryItem<'authorized-key'>[] = [];
    for (let after: string | undefined; ;) {
      if (o.signal?.aborted) throw o.signal.reason ?? new Error('aborted');
      const page = await store.inventory.items.listPage(
        'authorized-key',
        {},
        { limit: PAGE, after },
      );
      for (const item of page.items) {
        if (item.hostId !== current) {
          if (current !== null) await evaluateOne(current, items);
          await upTo(item.hostId);
          current = item.hostId;
          items = [];
        }
        items.push(item);
      }
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    if (current !== null) await evaluateOne(current, items);
    await upTo(null);
    await flush('host;');
  }

  for (const p of fleetPolicies) {
    const rule = fleetRuleOf(p)!;
    const wanted = new Map<string, NewAlert>();
    for (let after: string | undefined; ;) {
      const page = await store.authorizations.list({ state: ['active'] }, { limit: 1000, after });
      for (const a of page.items) {
        const target: HostInfo =
          'hostId' in a.target
            ? await infoOf(a.target.hostId)
            : // a group grant has no one host: a policy scoped to applications leaves it out
              { hostId: '', hostName: '', groupId: a.target.groupId };
        if (!hostInScope(p.scope, target) || !accountInScope(p.scope, a.account, target)) continue;
        for (const f of rule.evaluate(p.rule as never, a, o.now)) {
          const alert = alertOf(
            p,
            {
              ...f,
              ...('hostId' in a.target
                ? { hostName: target.hostName, groupId: target.groupId }
                : {}),
            },
            null,
          );
          wanted.set(alert.dedupeKey, alert);
          tally(p, target.groupId);
        }
      }
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    await o.sink.apply(
      [await plan(p, wanted, policyObjectsRange(p.id, 'authorization:'))],
      o.reason,
    );
  }
  return out;
}

/** Resolves every open or dismissed alert of a policy that is no longer in force. */
async function retire(store: PolicyStore, p: PolicyRecord, sink: PlanSink, out: FleetEvaluation) {
  const why = p.removedAt !== null ? 'removed' : 'disabled';
  const range = policyRange(p.id);
  for (let from = range.from; ;) {
    const page = await store.alerts.listActiveKeysInRange({ from, to: range.to }, PAGE);
    if (page.length === 0) break;
    out.resolve += page.length;
    await sink.apply(
      [{ policy: p, raise: [], resolve: page, kept: 0 }],
      `policy ${p.name} was ${why}`,
    );
    from = `${page.at(-1)!.dedupeKey}\0`;
  }
}

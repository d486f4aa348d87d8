/**
 * Incremental evaluation: after a scan changed a host, only that host's findings are
 * compared with only that host's alerts (one key range per policy), so the cost is one
 * host's inventory, not the fleet's. A private key shared across hosts is the exception:
 * a copy appearing or vanishing here changes the count for the other holders, so they are
 * evaluated again for that policy too.
 */
import type { PolicyRecord } from '../store/policy-records';
import { hostInfoOf, loadHostFacts } from './host-facts';
import {
  alertOf,
  planChanges,
  storeSink,
  type NewAlert,
  type PlanSink,
  type PolicyPlan,
} from './plan-changes';
import { blacklistIfNeeded, hostRuleOf, inForce, needsOf, type PolicyStore } from './policy-set';
import { policyHostRange, type FleetFacts, type HostFacts } from './policy-types';
import { accountInScope, hostInScope, needsApplications } from './scope';

export interface HostEvaluation {
  hostId: string;
  policies: number;
  raised: number;
  resolved: number;
}

async function privateKeyHostCounts(
  store: PolicyStore,
  fingerprints: Iterable<string>,
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const fp of new Set(fingerprints)) {
    const items = await store.inventory.items.list('private-key', { fingerprint: fp });
    out.set(fp, new Set(items.map((i) => i.hostId)));
  }
  return out;
}

export async function evaluateHostPolicies(
  store: PolicyStore,
  hostId: string,
  opts: {
    now: number;
    reason: string;
    policies?: PolicyRecord[];
    sink?: PlanSink;
    fanOut?: boolean;
  },
): Promise<HostEvaluation> {
  const policies = (opts.policies ?? (await store.policies.list())).filter(
    (p) => inForce(p) && hostRuleOf(p) !== null,
  );
  const sink = opts.sink ?? storeSink(store.alerts, opts.now);
  const result: HostEvaluation = { hostId, policies: policies.length, raised: 0, resolved: 0 };
  if (policies.length === 0) return result;
  const info = await hostInfoOf(store, hostId, needsApplications(policies));
  const inScope = policies.filter((p) => hostInScope(p.scope, info));
  const facts: HostFacts | null = inScope.length
    ? await loadHostFacts(store, info, needsOf(inScope))
    : null;
  const shared = inScope.some((p) => p.rule.kind === 'shared-private-key');
  const holders = shared
    ? await privateKeyHostCounts(
        store,
        (facts?.privateKeys ?? []).flatMap((k) => (k.fingerprint ? [k.fingerprint] : [])),
      )
    : new Map<string, Set<string>>();
  const fleet: FleetFacts = {
    blacklist: await blacklistIfNeeded(store, inScope),
    privateKeyHosts: (fp) => holders.get(fp)?.size ?? 0,
  };
  const others = new Map<PolicyRecord, Set<string>>();
  const plans: PolicyPlan[] = [];
  for (const policy of policies) {
    const active = await store.alerts.listActiveInRange(policyHostRange(policy.id, hostId));
    const wanted = new Map<string, NewAlert>();
    if (facts && inScope.includes(policy)) {
      for (const f of hostRuleOf(policy)!.evaluate(policy.rule as never, facts, fleet, opts.now)) {
        if (!accountInScope(policy.scope, f.account, info)) continue;
        const alert = alertOf(policy, f, info);
        wanted.set(alert.dedupeKey, alert);
      }
    }
    const plan = planChanges(policy, wanted, active);
    plans.push(plan);
    result.raised += plan.raise.length;
    result.resolved += plan.resolve.length;
    if (policy.rule.kind === 'shared-private-key' && opts.fanOut !== false) {
      // the other holders of the keys this host holds, or held when its alerts were raised
      const fps = new Set([
        ...(facts?.privateKeys ?? []).flatMap((k) => (k.fingerprint ? [k.fingerprint] : [])),
        ...active.flatMap((a) => (a.context.fingerprint ? [a.context.fingerprint] : [])),
      ]);
      const hosts = new Set<string>();
      for (const [, held] of await privateKeyHostCounts(store, fps))
        for (const h of held) if (h !== hostId) hosts.add(h);
      others.set(policy, hosts);
    }
  }
  await sink.apply(plans, opts.reason);
  for (const [policy, hosts] of others) {
    for (const other of hosts) {
      const r = await evaluateHostPolicies(store, other, {
        ...opts,
        policies: [policy],
        sink,
        fanOut: false,
      });
      result.raised += r.raised;
      result.resolved += r.resolved;
    }
  }
  return result;
}

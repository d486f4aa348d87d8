/** One policy over the whole inventory, as it is now (in force, disabled or removed). */
import { notFound } from '../../shared/errors';
import { evaluateFleet, type FleetEvaluation } from './evaluate-fleet';
import { storeSink } from './plan-changes';
import { dedupeKeyOf } from './policy-types';
import { inForce, type PolicyStore } from './policy-set';

export async function evaluatePolicyChange(
  store: PolicyStore,
  policyId: string,
  o: { now: () => number; progress?: (hosts: number) => Promise<void> },
): Promise<
  Omit<FleetEvaluation, 'groups'> & { version: number; passes: number; severityChanged: number }
> {
  // An edit that lands while this runs (its own job was deduplicated into this one) is
  // evaluated by another pass before the job ends.
  for (let passes = 1; ; passes++) {
    const policy = await store.policies.get(policyId);
    if (!policy)
      throw notFound(`no policy ${policyId}`, { details: { field: 'policyId', value: policyId } });
    const now = o.now();
    const sink = storeSink(store.alerts, now);
    const { groups: _g, ...r } = await evaluateFleet(store, {
      now,
      sink,
      reason: `cause gone after policy ${policy.name} was changed (version ${policy.version})`,
      policies: inForce(policy) ? [policy] : [],
      retired: inForce(policy) ? [] : [policy],
      ...(o.progress ? { progress: o.progress } : {}),
    });
    // alerts the walk kept (their cause is still there) take the policy's severity as edited
    const severityChanged = inForce(policy)
      ? await store.alerts.setSeverityInRange(
          { from: dedupeKeyOf(policy.id, ''), to: `${dedupeKeyOf(policy.id, '')}\uffff` },
          policy.severity,
          now,
        )
      : 0;
    const after = await store.policies.get(policyId);
    if (!after || after.version === policy.version || passes >= 3)
      return {
        ...r,
        raise: sink.raised,
        resolve: sink.resolved,
        version: policy.version,
        passes,
        severityChanged,
      };
  }
}

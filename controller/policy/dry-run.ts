/**
 * A dry run: what a proposed policy (new, edited or removed) would raise and resolve against
 * the current inventory, computed by the same walk as a real evaluation with a sink that
 * only counts and keeps examples. Nothing is written.
 */
import type { PolicyInput, PolicyRecord } from '../store/policy-records';
import type { AlertRecord } from '../store/records';
import { evaluateFleet } from './evaluate-fleet';
import type { NewAlert, PlanSink, PolicyPlan } from './plan-changes';
import { inForce, type PolicyStore } from './policy-set';

export interface DryRunItem {
  dedupeKey: string;
  severity: string;
  subject: string;
  message: string;
  context: NewAlert['context'];
  /** The alert that would be resolved (absent for one that would be raised). */
  alertId?: string;
  state?: string;
}

export interface DryRunResult {
  policy: PolicyRecord;
  hosts: number;
  findings: number;
  wouldRaise: { count: number; items: DryRunItem[] };
  wouldResolve: { count: number; items: DryRunItem[] };
  /** Findings that already have an open or dismissed alert: nothing would change for them. */
  unchanged: number;
}

const EXAMPLES = 100;

const fromAlert = (a: AlertRecord): DryRunItem => ({
  dedupeKey: a.dedupeKey,
  severity: a.severity,
  subject: a.subject,
  message: a.message,
  context: a.context,
  alertId: a.id,
  state: a.state,
});

export async function dryRunPolicy(
  store: PolicyStore,
  proposal: { current: PolicyRecord | null; input: PolicyInput | null; by: string },
  now: number,
): Promise<DryRunResult> {
  const { current, input } = proposal;
  const policy: PolicyRecord = {
    ...(current ?? {
      id: `dry-run-${now.toString(36)}`,
      version: 0,
      createdAt: now,
      removedAt: null,
    }),
    ...(input ?? {}),
    ...(input === null ? { removedAt: now } : {}),
    version: (current?.version ?? 0) + 1,
    updatedAt: now,
    updatedBy: proposal.by,
  } as PolicyRecord;
  const result: DryRunResult = {
    policy,
    hosts: 0,
    findings: 0,
    wouldRaise: { count: 0, items: [] },
    wouldResolve: { count: 0, items: [] },
    unchanged: 0,
  };
  const count = async (plan: PolicyPlan) => {
    result.wouldRaise.count += plan.raise.length;
    result.wouldResolve.count += plan.resolve.length;
    result.unchanged += plan.kept;
    for (const a of plan.raise.slice(0, EXAMPLES - result.wouldRaise.items.length))
      result.wouldRaise.items.push({
        dedupeKey: a.dedupeKey,
        severity: a.severity,
        subject: a.subject,
        message: a.message,
        context: a.context,
      });
    for (const a of plan.resolve.slice(0, EXAMPLES - result.wouldResolve.items.length)) {
      const alert = await store.alerts.get(a.id);
      if (alert) result.wouldResolve.items.push(fromAlert(alert));
    }
  };
  const sink: PlanSink = {
    apply: async (plans) => {
      for (const plan of plans) await count(plan);
    },
  };
  const r = await evaluateFleet(store, {
    now,
    sink,
    reason: 'dry run',
    policies: inForce(policy) ? [policy] : [],
    retired: inForce(policy) || current === null ? [] : [policy],
  });
  result.hosts = r.hosts;
  result.findings = r.findings;
  return result;
}

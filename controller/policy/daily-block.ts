/**
 * The policy part of the daily reporting block: findings per host group, by policy and by
 * severity, and how each count moved since the previous day's block (a policy or group
 * missing on one side counts as 0 there). Per application once applications exist.
 */
import type { ReportingRecord } from '../store/host-records';
import type { FleetEvaluation, GroupTally } from './evaluate-fleet';

export interface PolicyBlock {
  evaluatedAt: number;
  hosts: number;
  findings: number;
  raised: number;
  resolved: number;
  ms: number;
  groups: Record<string, GroupTally>;
  totals: GroupTally;
  /** Count now minus count in the previous day's block; null when there is none. */
  trends: {
    previousBlockId: string;
    previousAt: number;
    totals: GroupTally;
    groups: Record<string, GroupTally>;
  } | null;
}

export const DAY_MS = 86_400_000;
export const startOfUtcDay = (t: number): number => t - (t % DAY_MS);

function sum(into: GroupTally, g: GroupTally): void {
  for (const [k, v] of Object.entries(g.byPolicy)) into.byPolicy[k] = (into.byPolicy[k] ?? 0) + v;
  for (const [k, v] of Object.entries(g.bySeverity))
    into.bySeverity[k as keyof GroupTally['bySeverity']] =
      (into.bySeverity[k as keyof GroupTally['bySeverity']] ?? 0) + (v ?? 0);
}

function delta(now: GroupTally | undefined, before: GroupTally | undefined): GroupTally {
  const out: GroupTally = { byPolicy: {}, bySeverity: {} };
  const n = now ?? { byPolicy: {}, bySeverity: {} };
  const b = before ?? { byPolicy: {}, bySeverity: {} };
  for (const k of new Set([...Object.keys(n.byPolicy), ...Object.keys(b.byPolicy)]))
    out.byPolicy[k] = (n.byPolicy[k] ?? 0) - (b.byPolicy[k] ?? 0);
  const sevs = new Set([...Object.keys(n.bySeverity), ...Object.keys(b.bySeverity)]);
  for (const k of sevs as Set<keyof GroupTally['bySeverity']>)
    out.bySeverity[k] = (n.bySeverity[k] ?? 0) - (b.bySeverity[k] ?? 0);
  return out;
}

export function policyBlock(
  e: FleetEvaluation & { raised: number; resolved: number; ms: number },
  now: number,
  previous: ReportingRecord | null,
): PolicyBlock {
  const totals: GroupTally = { byPolicy: {}, bySeverity: {} };
  for (const g of Object.values(e.groups)) sum(totals, g);
  const before = previous?.data.policies as PolicyBlock | undefined;
  return {
    evaluatedAt: now,
    hosts: e.hosts,
    findings: e.findings,
    raised: e.raised,
    resolved: e.resolved,
    ms: e.ms,
    groups: e.groups,
    totals,
    trends:
      previous && before
        ? {
            previousBlockId: previous.id,
            previousAt: previous.createdAt,
            totals: delta(totals, before.totals),
            groups: Object.fromEntries(
              [...new Set([...Object.keys(e.groups), ...Object.keys(before.groups)])].map((g) => [
                g,
                delta(e.groups[g], before.groups[g]),
              ]),
            ),
          }
        : null,
  };
}

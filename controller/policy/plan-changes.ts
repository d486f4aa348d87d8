/**
 * From findings to alert changes: what to raise, what to resolve, what stays. One alert per
 * (policy, object): a finding whose alert is open or dismissed changes nothing (a dismissed
 * alert is not raised again while its cause persists); an open or dismissed alert whose
 * finding is gone is resolved, which also lets the cause be raised anew if it comes back.
 */
import type { AlertRepository } from '../store/store';
import type { AlertState } from '../store/records';
import type { PolicyRecord } from '../store/policy-records';
import { dedupeKeyOf, type Finding, type HostInfo } from './policy-types';

export type NewAlert = Parameters<AlertRepository['raise']>[0];

/** What a plan needs of an open or dismissed alert. */
export interface ActiveAlert {
  id: string;
  dedupeKey: string;
  state: AlertState;
  updatedAt: number;
}

export interface PolicyPlan {
  policy: PolicyRecord;
  raise: NewAlert[];
  resolve: ActiveAlert[];
  /** Findings whose alert is already open or dismissed. */
  kept: number;
}

export function alertOf(policy: PolicyRecord, f: Finding, host: HostInfo | null): NewAlert {
  const hostId = f.hostId ?? host?.hostId;
  const hostName = f.hostName ?? host?.hostName ?? hostId;
  const groupId = f.groupId !== undefined ? f.groupId : (host?.groupId ?? null);
  return {
    type: 'policy',
    severity: policy.severity,
    subject: hostName ? `${policy.name}: ${hostName}` : policy.name,
    message: `${policy.name}: ${f.message}`,
    dedupeKey: dedupeKeyOf(policy.id, f.object),
    context: {
      policyId: policy.id,
      ...(hostId ? { hostId } : {}),
      ...(hostName ? { hostName } : {}),
      ...(groupId ? { groupId } : {}),
      ...(f.account !== null ? { account: f.account } : {}),
      ...(f.fingerprint !== null ? { fingerprint: f.fingerprint } : {}),
      ...(f.authorizationId ? { authorizationId: f.authorizationId } : {}),
      extra: { rule: policy.rule.kind, policyVersion: policy.version, ...(f.extra ?? {}) },
    },
  };
}

export function planChanges(
  policy: PolicyRecord,
  wanted: Map<string, NewAlert>,
  active: ActiveAlert[],
  /**
   * Alerts changed after this (a scan's evaluation, a dismissal, while a fleet walk that
   * read the inventory earlier was running) are left for the next evaluation: the walk's
   * view of their host may be older than theirs.
   */
  changedAfter = Infinity,
): PolicyPlan {
  const plan: PolicyPlan = { policy, raise: [], resolve: [], kept: 0 };
  const activeKeys = new Set<string>();
  for (const a of active) {
    activeKeys.add(a.dedupeKey);
    if (!wanted.has(a.dedupeKey) && a.updatedAt <= changedAfter) plan.resolve.push(a);
  }
  for (const [key, alert] of wanted) {
    if (activeKeys.has(key)) plan.kept++;
    else plan.raise.push(alert);
  }
  return plan;
}

/** Where plans go: the store (evaluation), or a report (dry run). */
export interface PlanSink {
  /** The plans of one host or one batch of hosts: one durable write for all of them. */
  apply(plans: PolicyPlan[], reason: string): Promise<void>;
}

export function storeSink(
  alerts: AlertRepository,
  now: number,
): PlanSink & { raised: number; resolved: number } {
  const sink = {
    raised: 0,
    resolved: 0,
    async apply(plans: PolicyPlan[], reason: string) {
      const raise = plans.flatMap((p) => p.raise);
      const setState = plans.flatMap((p) =>
        p.resolve.map((a) => ({
          id: a.id,
          state: 'resolved' as const,
          note: { reason, by: 'policy' },
        })),
      );
      if (raise.length + setState.length === 0) return;
      const { created } = await alerts.applyMany({ raise, setState }, now);
      sink.raised += created.filter(Boolean).length;
      sink.resolved += setState.length;
    },
  };
  return sink;
}

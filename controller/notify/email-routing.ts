/**
 * Who hears about an alert change: every rule whose conditions all hold (severity at
 * least its minimum; each non-empty list containing the alert's value) adds its
 * recipients. A recipient matched by several rules hears of the change once.
 */
import type { AlertEvent, AlertSeverity } from '../store/records';
import type { NotificationRuleRecord } from '../store/notification-records';

export const SEVERITY_RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

export function ruleMatches(rule: NotificationRuleRecord, e: AlertEvent): boolean {
  const a = e.alert;
  const ctx = a.context;
  if (!rule.events.includes(e.kind)) return false;
  if (SEVERITY_RANK[a.severity] < SEVERITY_RANK[rule.minSeverity]) return false;
  if (rule.alertTypes.length > 0 && !rule.alertTypes.includes(a.type)) return false;
  if (rule.policyIds.length > 0 && !(ctx.policyId && rule.policyIds.includes(ctx.policyId)))
    return false;
  if (rule.groupIds.length > 0 && !(ctx.groupId && rule.groupIds.includes(ctx.groupId)))
    return false;
  if (
    rule.applicationIds.length > 0 &&
    !(ctx.applicationIds ?? []).some((id) => rule.applicationIds.includes(id))
  )
    return false;
  return true;
}

/** Recipient (lower-cased) to the events they hear of, in feed order. */
export function routeEvents(
  rules: readonly NotificationRuleRecord[],
  events: readonly AlertEvent[],
): Map<string, AlertEvent[]> {
  const out = new Map<string, AlertEvent[]>();
  for (const e of events) {
    const to = new Set<string>();
    for (const r of rules)
      if (ruleMatches(r, e)) for (const addr of r.recipients) to.add(addr.toLowerCase());
    for (const addr of to) {
      const list = out.get(addr) ?? [];
      list.push(e);
      out.set(addr, list);
    }
  }
  return out;
}

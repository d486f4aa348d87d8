/** Which policies an evaluation runs, split by what their rule looks at. */
import type { PolicyRecord } from '../store/policy-records';
import type { BlacklistRecord } from '../store/inventory-records';
import type { Store } from '../store/store';
import { RULES } from './rules';
import type { FleetRule, HostNeed, HostRule } from './policy-types';

export type PolicyStore = Pick<
  Store,
  'inventory' | 'authorizations' | 'hosts' | 'alerts' | 'policies' | 'applications'
>;

export const inForce = (p: PolicyRecord): boolean => p.enabled && p.removedAt === null;

export const hostRuleOf = (p: PolicyRecord): HostRule | null => {
  const r = RULES[p.rule.kind];
  return r.scope === 'host' ? (r as HostRule) : null;
};

export const fleetRuleOf = (p: PolicyRecord): FleetRule | null => {
  const r = RULES[p.rule.kind];
  return r.scope === 'fleet' ? (r as FleetRule) : null;
};

export function needsOf(policies: PolicyRecord[]): Set<HostNeed> {
  const needs = new Set<HostNeed>();
  for (const p of policies) for (const n of hostRuleOf(p)?.needs ?? []) needs.add(n);
  return needs;
}

export async function blacklistIfNeeded(
  store: PolicyStore,
  policies: PolicyRecord[],
): Promise<Map<string, BlacklistRecord>> {
  if (!policies.some((p) => p.rule.kind === 'blacklisted-key')) return new Map();
  return new Map((await store.inventory.blacklist.list()).map((b) => [b.fingerprint, b]));
}

/**
 * Application association rules: checking what an operator gives, and deciding which
 * hosts and accounts a rule takes in. Patterns are OpenSSH wildcards (shared/ssh/patterns),
 * which never backtrack, so a hostile pattern cannot stall a recompute.
 */
import { invalidInput } from '../../shared/errors';
import { matchPattern } from '../../shared/ssh/patterns';
import type { HostRecord } from '../store/host-records';
import type { ApplicationRule } from '../store/reporting-store';
import type { Store } from '../store/store';

export const MAX_RULES = 50;
const PATTERN = /^[A-Za-z0-9_.*?@$-]{1,200}$/;

/** Each rule as given, checked: known groups, sane patterns, at least one condition. */
export async function checkRules(
  store: Pick<Store, 'hostGroups'>,
  rules: ApplicationRule[],
): Promise<ApplicationRule[]> {
  if (rules.length === 0 || rules.length > MAX_RULES)
    throw invalidInput(`rules: give 1 to ${MAX_RULES} association rules, got ${rules.length}`, {
      details: { field: 'rules', value: rules.length, expected: `1 to ${MAX_RULES} rules` },
    });
  const out: ApplicationRule[] = [];
  for (const [i, r] of rules.entries()) {
    const field = `rules[${i}]`;
    if (r.groupId === undefined && r.hostPattern === undefined && r.accountPattern === undefined)
      throw invalidInput(`${field}: a rule needs groupId, hostPattern or accountPattern`, {
        details: { field, expected: 'at least one of groupId, hostPattern, accountPattern' },
      });
    for (const key of ['hostPattern', 'accountPattern'] as const) {
      const v = r[key];
      if (v !== undefined && !PATTERN.test(v))
        throw invalidInput(
          `${field}.${key}: ${JSON.stringify(v)} is not a pattern: letters, digits, . _ - @ $ and the wildcards * ?, up to 200 characters`,
          { details: { field: `${field}.${key}`, value: v, expected: 'a wildcard pattern' } },
        );
    }
    if (r.groupId !== undefined && !(await store.hostGroups.get(r.groupId)))
      throw invalidInput(`${field}.groupId: no host group ${r.groupId}`, {
        details: {
          field: `${field}.groupId`,
          value: r.groupId,
          expected: 'an existing host group id',
        },
      });
    out.push({
      ...(r.groupId !== undefined ? { groupId: r.groupId } : {}),
      ...(r.hostPattern !== undefined ? { hostPattern: r.hostPattern } : {}),
      ...(r.accountPattern !== undefined ? { accountPattern: r.accountPattern } : {}),
    });
  }
  return out;
}

/** The rule's host conditions hold for this host (host names compare case-insensitively). */
export function ruleTakesHost(rule: ApplicationRule, host: HostRecord): boolean {
  if (rule.groupId !== undefined && host.groupId !== rule.groupId) return false;
  if (
    rule.hostPattern !== undefined &&
    !matchPattern(host.name.toLowerCase(), rule.hostPattern.toLowerCase())
  )
    return false;
  return true;
}

export const ruleTakesAccount = (rule: ApplicationRule, account: string): boolean =>
  rule.accountPattern === undefined || matchPattern(account, rule.accountPattern);

/**
 * Policies as data: a rule the inventory is checked against, with the severity of the
 * alerts it raises and the part of the fleet it applies to. Every edit is a new version;
 * the versions before it are kept (policy_versions) so "what did the rule say then" stays
 * answerable. A removed policy keeps its record (removedAt set) and its versions.
 */
import type { AlertSeverity } from './records';

/** Which hosts and accounts a policy looks at; an absent field does not narrow. */
export interface PolicyScope {
  /** Host group ids: only hosts in one of these groups. */
  groupIds?: string[];
  /** Glob patterns (`*`, `?`) of host names: only hosts whose name matches one. */
  hostNames?: string[];
  /** Glob patterns of account names: only findings about a matching account. */
  accounts?: string[];
  /**
   * Application ids: only hosts that belong to one of them (as a whole or through an
   * account), and of those only findings about the whole host or about an account that
   * belongs (the host as a whole belonging counts for all its accounts).
   */
  applicationIds?: string[];
}

/** The rule kinds, one evaluator each (controller/policy/rules/). */
export type PolicyRule =
  | { kind: 'weak-key'; rsaMinBits: number; deprecatedTypes: string[] }
  | { kind: 'unused-key'; days: number }
  | { kind: 'old-key'; days: number }
  | { kind: 'shared-private-key'; maxHosts: number }
  | { kind: 'root-key-without-from' }
  | { kind: 'unmanaged-key' }
  | { kind: 'sshd-setting'; keyword: 'PasswordAuthentication' | 'PermitRootLogin' }
  | { kind: 'blacklisted-key' }
  | { kind: 'expiring-authorization'; days: number };

export type PolicyRuleKind = PolicyRule['kind'];

/** What an admin writes: the stored record adds id, version and times. */
export interface PolicyInput {
  name: string;
  description: string;
  enabled: boolean;
  severity: AlertSeverity;
  scope: PolicyScope;
  rule: PolicyRule;
}

export interface PolicyRecord extends PolicyInput {
  id: string;
  /** 1 for the first; each edit adds one. */
  version: number;
  createdAt: number;
  updatedAt: number;
  updatedBy: string;
  /** When it was removed; null while it is in force. */
  removedAt: number | null;
}

/**
 * What policy evaluation works with. A rule looks at one host's facts (or, for the rules
 * about authorizations, at the fleet's records) and returns findings; a finding becomes an
 * alert whose dedupe key says which policy and which object it is about, so the same cause
 * is one alert however often it is evaluated.
 *
 * Object keys: `host:<hostId>|<what on the host>` for host findings, so every alert of one
 * host for one policy lies in one key range (`policyHostRange`); `authorization:<id>` for
 * the fleet findings.
 */
import type { TSchema } from '@sinclair/typebox';
import type { AuthorizationRecord } from '../store/authorization-records';
import type {
  AccountData,
  BlacklistRecord,
  HostConfigRecord,
  InventoryItem,
  KeyUsageRecord,
} from '../store/inventory-records';
import type { PolicyRecord, PolicyRule, PolicyRuleKind } from '../store/policy-records';
import type { AlertContext } from '../store/records';

export interface HostInfo {
  hostId: string;
  /** The registered host's name; the inventory id for a host scanned without registering it. */
  hostName: string;
  groupId: string | null;
  /**
   * Application ids by account ('' for the host as a whole), loaded only when a policy in
   * play is scoped to applications.
   */
  applications?: ReadonlyMap<string, readonly string[]>;
}

/** Facts a rule may need beyond the host's keys; each is loaded only when a rule asks. */
export type HostNeed = 'usage' | 'config' | 'coverage' | 'root-account';

export interface HostFacts extends HostInfo {
  authorizedKeys: InventoryItem<'authorized-key'>[];
  privateKeys: InventoryItem<'private-key'>[];
  /** Logins seen in the host's auth logs (need: usage). */
  usage: KeyUsageRecord[];
  /** The last config scan (need: config); null before the first. */
  config: HostConfigRecord | null;
  /** The root account as scanned (need: root-account); null when not in the inventory. */
  rootAccount: AccountData | null;
  /** Authorized-key item key -> the authorization whose placement it is, or null (need: coverage). */
  coveredBy: Map<string, string | null>;
}

export interface FleetFacts {
  blacklist: Map<string, BlacklistRecord>;
  /** On how many hosts a private key (by fingerprint) is stored. */
  privateKeyHosts(fingerprint: string): number;
}

export interface Finding {
  /** What on the host (or in the fleet) this is about; unique per policy. */
  object: string;
  account: string | null;
  fingerprint: string | null;
  /** One sentence naming what is wrong and where (the policy name is added). */
  message: string;
  authorizationId?: string;
  hostId?: string;
  hostName?: string;
  groupId?: string | null;
  extra?: AlertContext['extra'];
}

interface RuleBase<K extends PolicyRuleKind> {
  kind: K;
  /** The rule's parameters, without `kind` (validation names the field that is wrong). */
  params: TSchema;
  /** A plain sentence for `policies show` and the docs. */
  explain(rule: Extract<PolicyRule, { kind: K }>): string;
}

export interface HostRule<K extends PolicyRuleKind = PolicyRuleKind> extends RuleBase<K> {
  scope: 'host';
  needs: readonly HostNeed[];
  evaluate(
    rule: Extract<PolicyRule, { kind: K }>,
    host: HostFacts,
    fleet: FleetFacts,
    now: number,
  ): Finding[];
}

export interface FleetRule<K extends PolicyRuleKind = PolicyRuleKind> extends RuleBase<K> {
  scope: 'fleet';
  /** Authorizations in force, one at a time (the caller pages through them). */
  evaluate(
    rule: Extract<PolicyRule, { kind: K }>,
    authorization: AuthorizationRecord,
    now: number,
  ): Finding[];
}

export type AnyRule = HostRule | FleetRule;

export const DAY_MS = 86_400_000;

export const dedupeKeyOf = (policyId: string, object: string): string =>
  `policy:${policyId}:${object}`;

export const hostObject = (hostId: string, what: string): string => `host:${hostId}|${what}`;

/** Every dedupe key of the policy's findings on this host lies in [from, to). */
export const policyHostRange = (policyId: string, hostId: string) => ({
  from: dedupeKeyOf(policyId, `host:${hostId}|`),
  to: dedupeKeyOf(policyId, `host:${hostId}|\uffff`),
});

/** Every dedupe key of the policy lies in [from, to). */
export const policyRange = (policyId: string) => ({
  from: `policy:${policyId}:`,
  to: `policy:${policyId};`,
});

/** Where a policy's alerts of one kind of object lie: all host findings, or all fleet findings. */
export const policyObjectsRange = (policyId: string, prefix: 'host:' | 'authorization:') => ({
  from: dedupeKeyOf(policyId, prefix),
  to: dedupeKeyOf(policyId, `${prefix.slice(0, -1)};`),
});

export type { PolicyRecord };

/**
 * The policies a new controller starts with, so an operator gets alerts before writing a
 * rule. Seeded once by id: an operator who edits or removes one keeps that choice.
 */
import type { PolicyInput } from '../store/policy-records';
import type { Store } from '../store/store';

export const DEFAULT_POLICIES: ReadonlyArray<{ id: string } & PolicyInput> = [
  {
    id: 'default-weak-keys',
    name: 'Weak keys',
    description: 'RSA keys under 2048 bits and DSA keys, authorized or stored',
    enabled: true,
    severity: 'critical',
    scope: {},
    rule: { kind: 'weak-key', rsaMinBits: 2048, deprecatedTypes: ['ssh-dss'] },
  },
  {
    id: 'default-root-key-without-from',
    name: 'Root by key from anywhere',
    description: 'A key opens root from any address (no from= on its line)',
    enabled: true,
    severity: 'warning',
    scope: {},
    rule: { kind: 'root-key-without-from' },
  },
  {
    id: 'default-unmanaged-root-key',
    name: 'Unmanaged root access',
    description:
      'A key authorized for root that no authorization covers; widen the accounts scope to watch every account',
    enabled: true,
    severity: 'warning',
    scope: { accounts: ['root'] },
    rule: { kind: 'unmanaged-key' },
  },
  {
    id: 'default-password-authentication',
    name: 'Password logins allowed',
    description: 'PasswordAuthentication yes in the effective sshd config',
    enabled: true,
    severity: 'warning',
    scope: {},
    rule: { kind: 'sshd-setting', keyword: 'PasswordAuthentication' },
  },
  {
    id: 'default-permit-root-login',
    name: 'Root logins with a password allowed',
    description: 'PermitRootLogin yes in the effective sshd config',
    enabled: true,
    severity: 'critical',
    scope: {},
    rule: { kind: 'sshd-setting', keyword: 'PermitRootLogin' },
  },
  {
    id: 'default-blacklisted-keys',
    name: 'Blacklisted key present',
    description: 'A blacklisted key is still authorized or stored on a host',
    enabled: true,
    severity: 'critical',
    scope: {},
    rule: { kind: 'blacklisted-key' },
  },
  {
    id: 'default-shared-private-key',
    name: 'Private key on several hosts',
    description: 'The same private key is stored on more than one host',
    enabled: true,
    severity: 'warning',
    scope: {},
    rule: { kind: 'shared-private-key', maxHosts: 1 },
  },
  {
    id: 'default-unused-keys',
    name: 'Unused keys',
    description: 'Authorized keys nobody logged in with for 90 days',
    enabled: true,
    severity: 'info',
    scope: {},
    rule: { kind: 'unused-key', days: 90 },
  },
  {
    id: 'default-old-private-keys',
    name: 'Private key rotation due',
    description: 'Private keys first seen more than a year ago (renew-private-key rotates them)',
    enabled: true,
    severity: 'info',
    scope: {},
    rule: { kind: 'old-key', days: 365 },
  },
  {
    id: 'default-expiring-authorizations',
    name: 'Authorization about to expire',
    description: 'An authorization expires within 7 days',
    enabled: true,
    severity: 'warning',
    scope: {},
    rule: { kind: 'expiring-authorization', days: 7 },
  },
];

/** Creates the defaults that were never created (removed ones stay removed). */
export async function seedDefaultPolicies(
  store: Pick<Store, 'policies'>,
  now: number,
): Promise<string[]> {
  const created: string[] = [];
  for (const { id, ...input } of DEFAULT_POLICIES)
    if (await store.policies.createIfAbsent(id, input, 'system', now)) created.push(id);
  return created;
}

/** The rule kinds, one evaluator each: the table validation and evaluation look kinds up in. */
import type { PolicyRuleKind } from '../../store/policy-records';
import type { AnyRule } from '../policy-types';
import { blacklistedKeyRule } from './blacklisted-key';
import { expiringAuthorizationRule } from './expiring-authorization';
import { oldKeyRule } from './old-key';
import { rootKeyWithoutFromRule } from './root-key-without-from';
import { sharedPrivateKeyRule } from './shared-private-key';
import { sshdSettingRule } from './sshd-setting';
import { unmanagedKeyRule } from './unmanaged-key';
import { unusedKeyRule } from './unused-key';
import { weakKeyRule } from './weak-key';

export const RULES: { readonly [K in PolicyRuleKind]: AnyRule & { kind: K } } = {
  'weak-key': weakKeyRule as AnyRule & { kind: 'weak-key' },
  'unused-key': unusedKeyRule as AnyRule & { kind: 'unused-key' },
  'old-key': oldKeyRule as AnyRule & { kind: 'old-key' },
  'shared-private-key': sharedPrivateKeyRule as AnyRule & { kind: 'shared-private-key' },
  'root-key-without-from': rootKeyWithoutFromRule as AnyRule & { kind: 'root-key-without-from' },
  'unmanaged-key': unmanagedKeyRule as AnyRule & { kind: 'unmanaged-key' },
  'sshd-setting': sshdSettingRule as AnyRule & { kind: 'sshd-setting' },
  'blacklisted-key': blacklistedKeyRule as AnyRule & { kind: 'blacklisted-key' },
  'expiring-authorization': expiringAuthorizationRule as AnyRule & {
    kind: 'expiring-authorization';
  },
};

export const RULE_KINDS = Object.keys(RULES) as PolicyRuleKind[];

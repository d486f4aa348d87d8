/**
 * `PasswordAuthentication yes` or `PermitRootLogin yes` in the host's effective sshd config
 * (the last config scan's global settings). A keyword the config does not set has OpenSSH's
 * default, which for PasswordAuthentication is yes.
 */
import { Type } from '@sinclair/typebox';
import { hostObject, type HostRule } from '../policy-types';

const DEFAULTS: Record<string, string> = {
  passwordauthentication: 'yes',
  permitrootlogin: 'prohibit-password',
};

export const sshdSettingRule: HostRule<'sshd-setting'> = {
  kind: 'sshd-setting',
  scope: 'host',
  needs: ['config'],
  params: Type.Object({
    keyword: Type.Union([Type.Literal('PasswordAuthentication'), Type.Literal('PermitRootLogin')], {
      description: 'the setting that must not be yes',
    }),
  }),
  explain: (r) => `${r.keyword} yes in the effective sshd config`,
  evaluate(rule, host) {
    if (!host.config) return [];
    const keyword = rule.keyword.toLowerCase();
    const set = host.config.settings.find((s) => s.keyword === keyword);
    const value = (set?.values[0] ?? DEFAULTS[keyword] ?? '').toLowerCase();
    if (value !== 'yes') return [];
    const where = set
      ? `${set.file} line ${set.line}`
      : 'the OpenSSH default: the config does not set it';
    return [
      {
        object: hostObject(host.hostId, `sshd|${keyword}`),
        account: null,
        fingerprint: null,
        message: `sshd on host ${host.hostName} has ${rule.keyword} yes (${where})`,
        extra: { keyword: rule.keyword, ...(set ? { file: set.file, line: set.line } : {}) },
      },
    ];
  },
};

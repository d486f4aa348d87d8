/**
 * The rule evaluators on a host's facts as the inventory holds them: what each finds and
 * the sentence an operator reads. Evaluation against a store is in
 * test/integration/policy/.
 */
import { describe, expect, it } from 'vitest';
import { RULES } from '../../../controller/policy/rules';
import type { FleetFacts, HostFacts, HostRule } from '../../../controller/policy/policy-types';
import type { HostConfigRecord, InventoryItem } from '../../../controller/store/inventory-records';
import type { PolicyRule } from '../../../controller/store/policy-records';
import { validatePolicyInput } from '../../../controller/policy/validate-policy';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 30);

const line = (
  account: string,
  fp: string,
  o: Partial<InventoryItem<'authorized-key'>['data']> & { firstSeenAt?: number } = {},
): InventoryItem<'authorized-key'> => {
  const file =
    account === 'root' ? '/root/.ssh/authorized_keys' : `/home/${account}/.ssh/authorized_keys`;
  return {
    id: `h|authorized-key|${account}|${file}|${fp}`,
    kind: 'authorized-key',
    hostId: 'h',
    key: `${account}|${file}|${fp}`,
    account,
    fingerprint: fp,
    data: {
      file,
      line: 1,
      options: [],
      type: 'ssh-ed25519',
      bits: 256,
      comment: '',
      managed: false,
      ...o,
    },
    firstSeenAt: o.firstSeenAt ?? NOW - 400 * DAY,
    lastSeenAt: NOW,
    removedAt: null,
  };
};

const config = (settings: Array<[string, string]>): HostConfigRecord => ({
  hostId: 'h',
  scannedAt: NOW,
  os: null,
  ssh: { product: null, serverVersion: null, clientVersion: null },
  sshdConfigPath: '/etc/ssh/sshd_config',
  files: [],
  errors: [],
  settings: settings.map(([keyword, v], i) => ({
    keyword,
    values: [v],
    file: '/etc/ssh/sshd_config',
    line: i + 1,
  })),
});

const host = (over: Partial<HostFacts>): HostFacts => ({
  hostId: 'h',
  hostName: 'web1',
  groupId: null,
  authorizedKeys: [],
  privateKeys: [],
  usage: [],
  config: null,
  rootAccount: null,
  coveredBy: new Map(),
  ...over,
});
const fleet: FleetFacts = { blacklist: new Map(), privateKeyHosts: () => 1 };

const run = (rule: PolicyRule, facts: HostFacts) =>
  (RULES[rule.kind] as HostRule).evaluate(rule as never, facts, fleet, NOW);

describe('policy rules', () => {
  it('unused-key: a key nobody used for N days, not one used lately nor one added lately', () => {
    const facts = host({
      authorizedKeys: [
        line('a', 'SHA256:old'),
        line('a', 'SHA256:used'),
        line('a', 'SHA256:new', { firstSeenAt: NOW - DAY }),
      ],
      usage: [
        {
          hostId: 'h',
          account: 'a',
          fingerprint: 'SHA256:used',
          from: '10.0.0.1',
          firstUsedAt: 0,
          lastUsedAt: NOW - 2 * DAY,
          count: 3,
        },
      ],
    });
    const found = run({ kind: 'unused-key', days: 90 }, facts);
    expect(found.map((f) => f.fingerprint)).toEqual(['SHA256:old']);
    expect(found[0]!.message).toContain('has not been used for 90 days (never used)');
  });

  it('old-key: a private key past its age names renew-private-key as the fix', () => {
    const pk: InventoryItem<'private-key'> = {
      id: 'h|private-key|/home/b/.ssh/id_rsa',
      kind: 'private-key',
      hostId: 'h',
      key: '/home/b/.ssh/id_rsa',
      account: 'b',
      fingerprint: 'SHA256:pk',
      data: {
        path: '/home/b/.ssh/id_rsa',
        format: 'openssh',
        encrypted: false,
        type: 'ssh-rsa',
        bits: 3072,
        mode: 0o600,
        uid: 1,
      },
      firstSeenAt: NOW - 500 * DAY,
      lastSeenAt: NOW,
      removedAt: null,
    };
    const [f] = run({ kind: 'old-key', days: 365 }, host({ privateKeys: [pk] }));
    expect(f?.message).toBe(
      'private key SHA256:pk stored at /home/b/.ssh/id_rsa (account b) on host web1 was first seen 500 days ago (rotate after 365): renew it with the renew-private-key job',
    );
    expect(f?.extra).toMatchObject({ fix: 'renew-private-key' });
  });

  it('sshd-setting: yes in the config, or PasswordAuthentication left to its default', () => {
    expect(
      run(
        { kind: 'sshd-setting', keyword: 'PermitRootLogin' },
        host({ config: config([['permitrootlogin', 'yes']]) }),
      )[0]?.message,
    ).toBe('sshd on host web1 has PermitRootLogin yes (/etc/ssh/sshd_config line 1)');
    expect(
      run({ kind: 'sshd-setting', keyword: 'PermitRootLogin' }, host({ config: config([]) })),
    ).toEqual([]);
    expect(
      run(
        { kind: 'sshd-setting', keyword: 'PasswordAuthentication' },
        host({ config: config([]) }),
      )[0]?.message,
    ).toContain('the OpenSSH default');
    expect(
      run(
        { kind: 'sshd-setting', keyword: 'PasswordAuthentication' },
        host({ config: config([['passwordauthentication', 'no']]) }),
      ),
    ).toEqual([]);
    expect(run({ kind: 'sshd-setting', keyword: 'PasswordAuthentication' }, host({}))).toEqual([]);
  });

  it('root-key-without-from: decided by effective access, so PermitRootLogin no and from= count', () => {
    const keys = [
      line('root', 'SHA256:open'),
      line('root', 'SHA256:limited', { options: [{ name: 'from', value: '10.0.0.0/8' }] }),
    ];
    const rule: PolicyRule = { kind: 'root-key-without-from' };
    expect(
      run(rule, host({ authorizedKeys: keys, config: config([]) })).map((f) => f.fingerprint),
    ).toEqual(['SHA256:open']);
    expect(
      run(rule, host({ authorizedKeys: keys, config: config([['permitrootlogin', 'no']]) })),
    ).toEqual([]);
    expect(
      run(
        rule,
        host({
          authorizedKeys: keys,
          config: config([['permitrootlogin', 'forced-commands-only']]),
        }),
      ),
    ).toEqual([]);
  });

  it('unmanaged-key: lines no authorization covers', () => {
    const keys = [line('a', 'SHA256:x'), line('a', 'SHA256:y')];
    const coveredBy = new Map([[keys[0]!.key, 'auth-1']]);
    expect(
      run({ kind: 'unmanaged-key' }, host({ authorizedKeys: keys, coveredBy })).map(
        (f) => f.fingerprint,
      ),
    ).toEqual(['SHA256:y']);
  });
});

describe('policy validation', () => {
  const ok = { name: 'n', severity: 'info', rule: { kind: 'unmanaged-key' } };
  it.each([
    [
      { ...ok, rule: { kind: 'weak-key', rsaMinBits: 512, deprecatedTypes: [] } },
      'rule.rsaMinBits',
      /rule\.rsaMinBits: .*1024.*, got 512/,
    ],
    [
      { ...ok, rule: { kind: 'sshd-setting', keyword: 'UsePAM' } },
      'rule.keyword',
      /rule\.keyword: expected one of PasswordAuthentication, PermitRootLogin, got "UsePAM"/,
    ],
    [
      { ...ok, severity: 'urgent' },
      'severity',
      /severity: expected one of info, warning, critical/,
    ],
    [
      { ...ok, rule: { kind: 'weak-key', rsaMinBits: 2048 } },
      'rule.deprecatedTypes',
      /rule\.deprecatedTypes/,
    ],
    [{ ...ok, scope: { accounts: ['a b'] } }, 'scope.accounts.0', /no spaces/],
    [{ ...ok, extra: 1 }, 'extra', /no such field here/],
    [{ severity: 'info', rule: { kind: 'unmanaged-key' } }, 'name', /name/],
  ])('names the wrong field (%#)', (body, field, message) => {
    expect(() => validatePolicyInput(body)).toThrowError(message);
    try {
      validatePolicyInput(body);
    } catch (e) {
      expect(e).toMatchObject({ code: 'INVALID_INPUT', details: { field } });
    }
  });
  it('fills the defaults of a valid body', () => {
    expect(validatePolicyInput(ok)).toEqual({ ...ok, description: '', enabled: true, scope: {} });
  });
});

/**
 * The evaluator's decisions that a real login cannot show from loopback (host names with
 * UseDNS, external commands, AuthenticationMethods) and its small parsers. Everything a
 * loopback login can show is judged by OpenSSH in
 * test/integration/access/effective-access-openssh.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  acceptedAlgorithms,
  evaluateEffectiveAccess,
  matchHostAndIp,
  matchUserPattern,
  parseExpiryTime,
  type EffectiveAccessInput,
} from '../../../shared/ssh/effective-access';
import { parsePublicKeyLine } from '../../../shared/ssh/public-key';
import { parseSshdConfigText } from '../../../shared/ssh/sshd-config';
import { encodeSshString } from '../../../shared/ssh/ssh-wire';

function ed25519(): { line: string; sha256: string } {
  const blob = Buffer.concat([encodeSshString('ssh-ed25519'), encodeSshString(randomBytes(32))]);
  const line = `ssh-ed25519 ${blob.toString('base64')}`;
  const parsed = parsePublicKeyLine(line);
  if (!parsed.ok) throw new Error(parsed.reason);
  return { line, sha256: parsed.key.sha256 };
}

const alice = { name: 'alice', uid: 1001, groups: ['alice'], home: '/home/alice' };
const KEYS = '/home/alice/.ssh/authorized_keys';

function input(config: string, keys: string, address = '192.0.2.10', hostname?: string) {
  const loaded = parseSshdConfigText(config, '/etc/ssh/sshd_config');
  return {
    config: { entries: loaded.entries, files: ['/etc/ssh/sshd_config'], errors: [] },
    account: alice,
    source: { address, ...(hostname ? { hostname } : {}) },
    files: new Map([[KEYS, keys]]),
    now: Date.UTC(2026, 0, 1),
  } satisfies EffectiveAccessInput;
}

describe('effective access: what loopback logins cannot show', () => {
  it('matches from= host names only with UseDNS yes, against the resolved name', () => {
    const k = ed25519();
    const keys = `from="*.example.com" ${k.line}\n`;
    const named = (config: string) =>
      evaluateEffectiveAccess(input(config, keys, '192.0.2.10', 'ws1.example.com')).keys[0];
    expect(named('UseDNS yes\n')).toMatchObject({ canLogIn: true });
    expect(named('UseDNS no\n')).toMatchObject({
      canLogIn: false,
      reason: expect.stringMatching(/not permitted by from=/),
    });
  });

  it('leaves a key the files do not grant to AuthorizedKeysCommand, and says so', () => {
    const inFile = ed25519();
    const config =
      'AuthorizedKeysCommand /usr/bin/ldap-keys %u\nAuthorizedKeysCommandUser nobody\n';
    const access = evaluateEffectiveAccess(
      input(config, `${inFile.line}\nexpiry-time="20200101" ${ed25519().line}\n`),
    );
    expect(access.external).toEqual([
      { keyword: 'AuthorizedKeysCommand', command: '/usr/bin/ldap-keys %u', user: 'nobody' },
    ]);
    expect(access.keys.map((k) => [k.canLogIn, k.decidedBy])).toEqual([
      [true, null],
      [false, 'authorized-keys-command'],
    ]);
  });

  it('refuses every key when AuthenticationMethods asks for more than a key', () => {
    const k = ed25519();
    const config = 'AuthenticationMethods publickey,password\n';
    const access = evaluateEffectiveAccess(input(config, `${k.line}\n`));
    expect(access.denied).toMatch(/AuthenticationMethods publickey,password/);
    expect(access.keys[0]?.canLogIn).toBe(false);
    const either = evaluateEffectiveAccess(
      input('AuthenticationMethods publickey,password publickey\n', `${k.line}\n`),
    );
    expect(either.keys[0]?.canLogIn).toBe(true);
  });
});

describe('effective access: a large shared account', () => {
  it('judges a file of 20 000 key lines without comparing every key with every line', () => {
    const lines = Array.from({ length: 20_000 }, (_, i) =>
      i % 2 === 0 ? ed25519().line : `from="10.${i % 250}.0.0/16" ${ed25519().line}`,
    );
    const started = performance.now();
    const access = evaluateEffectiveAccess(input('', lines.join('\n')));
    const ms = performance.now() - started;
    expect(access.keys).toHaveLength(20_000);
    expect(access.keys.filter((k) => k.canLogIn)).toHaveLength(10_000);
    // Every key looks only at its own lines: linear, not keys × lines (400 million steps).
    expect(ms).toBeLessThan(20_000);
  });
});

describe('effective access: the small parsers follow OpenSSH', () => {
  it('reads expiry-time as sshd does (host local time, or UTC with Z)', () => {
    expect(parseExpiryTime('20260102')).toBe(Date.UTC(2026, 0, 2) / 1000);
    expect(parseExpiryTime('202601021530Z', 120)).toBe(Date.UTC(2026, 0, 2, 15, 30) / 1000);
    expect(parseExpiryTime('202601021530', 120)).toBe(Date.UTC(2026, 0, 2, 13, 30) / 1000);
    expect(parseExpiryTime('20260102153045UTC')).toBe(Date.UTC(2026, 0, 2, 15, 30, 45) / 1000);
    expect(parseExpiryTime('20261302')).toBeUndefined();
    expect(parseExpiryTime('2026010')).toBeUndefined();
  });

  it('matches from= lists like match_host_and_ip: a negation wins, CIDR and names', () => {
    expect(matchHostAndIp('10.1.2.3', '10.1.2.3', '10.0.0.0/8,!10.1.2.3')).toBe(0);
    expect(matchHostAndIp('10.1.2.4', '10.1.2.4', '10.0.0.0/8,!10.1.2.3')).toBe(1);
    expect(matchHostAndIp('ws.example.com', '10.9.9.9', '*.example.com')).toBe(1);
    expect(matchHostAndIp('ws.example.com', '10.9.9.9', '10.0.0.0/8,!ws.example.com')).toBe(0);
    expect(matchHostAndIp('10.1.2.3', '10.1.2.3', '10.0.0.1/8')).toBe(-1);
    expect(matchUserPattern('bob', '10.1.2.3', '10.1.2.3', 'bob@10.1.0.0/16')).toBe(1);
    expect(matchUserPattern('bob', '10.2.2.3', '10.2.2.3', 'bob@10.1.0.0/16')).toBe(0);
    expect(matchUserPattern('bob', '10.2.2.3', '10.2.2.3', 'b*')).toBe(1);
  });

  it('edits the default PubkeyAcceptedAlgorithms with +, - and ^', () => {
    expect(acceptedAlgorithms('+ssh-rsa').at(-1)).toBe('ssh-rsa');
    expect(acceptedAlgorithms('^ssh-rsa')[0]).toBe('ssh-rsa');
    expect(acceptedAlgorithms('-ecdsa*').some((a) => a.startsWith('ecdsa'))).toBe(false);
    expect(acceptedAlgorithms('-ecdsa*')).toContain('ssh-ed25519-cert-v01@openssh.com');
    expect(acceptedAlgorithms('ssh-ed25519')).toEqual(['ssh-ed25519']);
  });
});

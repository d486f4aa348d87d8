import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findKnownHosts,
  hashKnownHostName,
  hashedNameMatches,
  knownHostName,
  parseKnownHosts,
  serializeKnownHosts,
} from '../../../shared/ssh/known-hosts';
import { mutatedInputs } from './fuzz';
import { generateKey, makeTempDir, type TempDir } from './keygen';

let dir: TempDir;
let text = '';
let hashedText = '';

/** Line numbers `ssh-keygen -F name -f file` reports for a host. */
function keygenFind(file: string, name: string): number[] {
  try {
    const out = execFileSync('ssh-keygen', ['-F', name, '-f', file], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return [...out.matchAll(/found: line (\d+)/g)].map((m) => Number(m[1]));
  } catch {
    return []; // exit status 1: not found
  }
}

beforeAll(() => {
  dir = makeTempDir();
  const a = generateKey(dir, 'a', 'ed25519');
  const b = generateKey(dir, 'b', 'ecdsa', 256);
  text = [
    '# fleet',
    `web1.example.com,10.0.0.5 ${a}`,
    `*.example.com,!db.example.com ${b}`,
    `[bastion.example.com]:2222 ${a}`,
    `@cert-authority *.corp ${b}`,
    `@revoked * ${a.split(' ').slice(0, 2).join(' ')}`,
    'garbage line',
    `10.0.0.? ${b}`,
    '',
  ].join('\n');
  writeFileSync(dir.file('kh'), text);
  writeFileSync(dir.file('hashed'), `web1.example.com ${a}\n[bastion.example.com]:2222 ${b}\n`);
  execFileSync('ssh-keygen', ['-H', '-f', dir.file('hashed')], { stdio: 'pipe' });
  hashedText = readFileSync(dir.file('hashed'), 'utf8');
});
afterAll(() => dir.cleanup());

const cases: [string, number?][] = [
  ['web1.example.com'],
  ['WEB1.example.com'],
  ['db.example.com'],
  ['app.example.com'],
  ['bastion.example.com', 2222],
  ['bastion.example.com'],
  ['10.0.0.5'],
  ['10.0.0.55'],
  ['x.corp'],
];

describe('known_hosts matching against ssh-keygen -F', () => {
  it('finds the same lines for patterns, negation, wildcards, ports and markers', () => {
    const file = parseKnownHosts(text);
    const seen: number[] = [];
    for (const [host, port] of cases) {
      const ours = findKnownHosts(file, host, port).map((e) => e.lineNumber);
      const theirs = keygenFind(dir.file('kh'), knownHostName(host, port));
      expect(ours, `${host}:${port ?? 22}`).toEqual(theirs);
      seen.push(theirs.length);
    }
    // ssh-keygen -F lists @revoked and @cert-authority lines too; guard against a vacuous pass.
    expect(seen).toEqual([3, 3, 1, 2, 2, 2, 3, 1, 2]);
    expect(file.lines.find((l) => l.kind === 'invalid')).toMatchObject({
      lineNumber: 7,
      reason: 'no key data after the key type',
    });
    expect(file.lines[4]).toMatchObject({
      kind: 'host',
      marker: '@cert-authority',
      hosts: '*.corp',
    });
  });

  it('matches names hashed by ssh-keygen -H and hashes the same way', () => {
    const file = parseKnownHosts(hashedText);
    const entries = file.lines.filter((l) => l.kind === 'host');
    expect(entries.every((e) => e.kind === 'host' && e.hashed)).toBe(true);
    expect(findKnownHosts(file, 'web1.example.com').map((e) => e.lineNumber)).toEqual([1]);
    expect(findKnownHosts(file, 'bastion.example.com', 2222).map((e) => e.lineNumber)).toEqual([2]);
    expect(findKnownHosts(file, 'bastion.example.com')).toEqual([]);
    const first = entries[0]!;
    if (first.kind !== 'host') throw new Error('unreachable');
    const salt = Buffer.from(first.hosts.split('|')[2]!, 'base64');
    expect(hashKnownHostName('web1.example.com', salt)).toBe(first.hosts);
    expect(hashedNameMatches(hashKnownHostName('x'), 'x')).toBe(true);
    expect(hashedNameMatches(hashKnownHostName('x'), 'y')).toBe(false);
  });

  it('round-trips any text byte for byte', () => {
    for (const t of [
      text,
      hashedText,
      text.replace(/\n/g, '\r\n'),
      'a\r',
      '\n\n',
      '@revoked',
      'x'.repeat(70000),
    ]) {
      expect(serializeKnownHosts(parseKnownHosts(t))).toBe(t);
    }
    for (const t of mutatedInputs(7, text.split('\n'), 2000)) {
      expect(serializeKnownHosts(parseKnownHosts(t))).toBe(t);
    }
  });
});

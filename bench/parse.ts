/**
 * bench:parse: how fast Keywarden reads authorized_keys compared with `ssh-keygen -l`.
 *
 * Builds a 100,000-line authorized_keys corpus from a few hundred distinct real keys per
 * type (made with ssh-keygen; security-key blobs built from real key material, certificates
 * signed with ssh-keygen -s), repeated with varied comments and options, then times
 * parseAuthorizedKeys (SHA256 and MD5 fingerprints of every key, plus formatting the
 * ssh-keygen -l line) against `ssh-keygen -l -f` on the same file, checks that both print
 * the same lines, and prints one JSON line.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizedKeyEntries, parseAuthorizedKeys } from '../shared/ssh/authorized-keys';
import { formatKeygenLine } from '../shared/ssh/public-key';
import { encodeSshString } from '../shared/ssh/ssh-wire';

const TOTAL_KEYS = 100_000;
const dir = mkdtempSync(join(tmpdir(), 'kw-bench-parse-'));

/** Distinct keys per type: RSA and DSA generation is slow, the others are quick. */
const PLAN: [type: string, bits: number, count: number][] = [
  ['ed25519', 256, 300],
  ['ecdsa', 256, 200],
  ['ecdsa', 384, 100],
  ['ecdsa', 521, 100],
  ['rsa', 2048, 24],
  ['rsa', 3072, 8],
  ['dsa', 1024, 24],
];

function generate(): Map<string, string[]> {
  // One shell loop per type, at most two running at once (the machine has two cores).
  const scripts = PLAN.map(([type, bits, count]) => {
    const prefix = join(dir, `${type}${bits}-`);
    return `for i in $(seq 1 ${count}); do ssh-keygen -q -t ${type} -b ${bits} -N '' -C x -f ${prefix}$i </dev/null >/dev/null; done`;
  });
  const half = Math.ceil(scripts.length / 2);
  execFileSync('sh', [
    '-c',
    `(${scripts.slice(0, half).join('; ')}) & (${scripts.slice(half).join('; ')}) & wait`,
  ]);
  const byType = new Map<string, string[]>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.pub'))) {
    const kind = name.replace(/-\d+\.pub$/, '');
    const [type = '', blob = ''] = readFileSync(join(dir, name), 'utf8').split(' ');
    byType.set(kind, [...(byType.get(kind) ?? []), `${type} ${blob}`]);
  }
  // Security keys: same wire format a FIDO token would produce, from real Ed25519/P-256 points.
  const sk = (type: string, parts: Buffer[]) =>
    `${type} ${Buffer.concat([encodeSshString(type), ...parts.map(encodeSshString)]).toString('base64')}`;
  byType.set(
    'sk-ed25519',
    (byType.get('ed25519256') ?? []).slice(0, 100).map((l) => {
      const b = Buffer.from(l.split(' ')[1] ?? '', 'base64');
      return sk('sk-ssh-ed25519@openssh.com', [b.subarray(b.length - 32), Buffer.from('ssh:')]);
    }),
  );
  byType.set(
    'sk-ecdsa',
    (byType.get('ecdsa256') ?? []).slice(0, 100).map((l) => {
      const b = Buffer.from(l.split(' ')[1] ?? '', 'base64');
      return sk('sk-ecdsa-sha2-nistp256@openssh.com', [
        Buffer.from('nistp256'),
        b.subarray(b.length - 65),
        Buffer.from('ssh:'),
      ]);
    }),
  );
  const certs = readdirSync(dir)
    .filter((n) => /^(ed25519256|ecdsa384)-\d{1,2}\.pub$/.test(n))
    .slice(0, 60);
  execFileSync(
    'ssh-keygen',
    [
      '-q',
      '-s',
      join(dir, 'ed25519256-1'),
      '-I',
      'bench',
      '-n',
      'root',
      ...certs.map((n) => join(dir, n)),
    ],
    { stdio: 'pipe' },
  );
  byType.set(
    'cert',
    readdirSync(dir)
      .filter((n) => n.endsWith('-cert.pub'))
      .map((n) => readFileSync(join(dir, n), 'utf8').split(' ').slice(0, 2).join(' ')),
  );
  return byType;
}

function corpus(byType: Map<string, string[]>): string {
  const all = [...byType.values()].flat();
  const lines: string[] = [];
  for (let i = 0; i < TOTAL_KEYS; i++) {
    const key = all[i % all.length] as string;
    const comment = `user${i}@host${i % 97}.example.com`;
    if (i % 5 === 0) lines.push(`from="10.${i % 256}.0.0/16",no-pty ${key} ${comment}`);
    else if (i % 50 === 1)
      lines.push(`command="/usr/bin/backup --id \\"${i}\\"",restrict ${key} ${comment}`);
    else lines.push(`${key} ${comment}`);
  }
  return lines.join('\n') + '\n';
}

function main(): void {
  const started = Date.now();
  const byType = generate();
  const distinct = Object.fromEntries([...byType].map(([k, v]) => [k, v.length]));
  const file = join(dir, 'authorized_keys');
  writeFileSync(file, corpus(byType));
  const bytes = readFileSync(file).length;

  const t0 = process.hrtime.bigint();
  const text = readFileSync(file, 'utf8');
  const entries = authorizedKeyEntries(parseAuthorizedKeys(text));
  const oursOut = entries.map((e) => formatKeygenLine(e.key, e.comment));
  const oursMs = Number(process.hrtime.bigint() - t0) / 1e6;

  const t1 = process.hrtime.bigint();
  const keygenOut = execFileSync('ssh-keygen', ['-l', '-f', file], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const keygenMs = Number(process.hrtime.bigint() - t1) / 1e6;
  const theirs = keygenOut.split('\n').filter((l) => l !== '');
  const same = theirs.length === oursOut.length && theirs.every((l, i) => l === oursOut[i]);

  const rate = (ms: number) => ({
    ms: Math.round(ms),
    keysPerSec: Math.round((entries.length / ms) * 1000),
    mbPerSec: Number((bytes / 1e6 / (ms / 1000)).toFixed(1)),
  });
  rmSync(dir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      bench: 'parse',
      keys: entries.length,
      bytes,
      distinctKeys: distinct,
      note: 'a few hundred distinct ssh-keygen keys per type repeated with varied comments/options; sk keys hand-built',
      keywarden: rate(oursMs),
      sshKeygen: rate(keygenMs),
      ratio: Number((keygenMs / oursMs).toFixed(2)),
      outputIdentical: same,
      totalSeconds: Math.round((Date.now() - started) / 1000),
    }),
  );
  if (!same) process.exitCode = 1;
}

main();

import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuthLogLine, parseAuthLogText } from '../../../shared/ssh/auth-log';
import {
  readAuthLogEvents,
  rotatedLogFiles,
  type AuthLogCursor,
  type LogFileAccess,
} from '../../../shared/ssh/auth-log-files';
import { parsePublicKeyLine } from '../../../shared/ssh/public-key';
import { generateKey, makeTempDir, signKey, type TempDir } from './keygen';

const NOW = Date.UTC(2026, 10, 23, 18, 0, 0);
const opts = { now: NOW };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

describe('what a real sshd logs', () => {
  let dir: TempDir;
  let messages: string[] = [];
  let userKey = '';
  let caKey = '';

  beforeAll(async () => {
    dir = makeTempDir('kw-authlog-');
    chmodSync(dir.path, 0o700);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', dir.file('hostkey')]);
    userKey = generateKey(dir, 'user', 'ed25519');
    caKey = generateKey(dir, 'ca', 'ecdsa', 384);
    generateKey(dir, 'certuser', 'ecdsa', 256);
    signKey(dir, 'ca', 'certuser', { id: 'alice id (ops)', principals: ['root'], serial: 42 });
    writeFileSync(dir.file('authorized_keys'), userKey + '\n');
    const port = await freePort();
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${dir.file('hostkey')}`,
      `AuthorizedKeysFile ${dir.file('authorized_keys')}`,
      `TrustedUserCAKeys ${dir.file('ca.pub')}`,
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      `PidFile ${dir.file('sshd.pid')}`,
    ].join('\n');
    writeFileSync(dir.file('sshd_config'), config + '\n');
    const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', dir.file('sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    sshd.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (stderr.includes('Server listening')) {
          clearInterval(t);
          resolve();
        }
        if (sshd.exitCode !== null) reject(new Error(stderr));
      }, 20);
    });
    const ssh = (extra: string[]) =>
      execFileSync(
        'ssh',
        [
          '-F',
          '/dev/null',
          '-o',
          'BatchMode=yes',
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          'UserKnownHostsFile=/dev/null',
          '-o',
          'IdentitiesOnly=yes',
          '-p',
          String(port),
          ...extra,
          'root@127.0.0.1',
          'true',
        ],
        { stdio: 'pipe' },
      );
    ssh(['-i', dir.file('user')]);
    ssh(['-i', dir.file('certuser'), '-o', `CertificateFile=${dir.file('certuser-cert.pub')}`]);
    await new Promise((r) => setTimeout(r, 200));
    sshd.kill();
    messages = stderr.split('\n').filter((l) => l.startsWith('Accepted publickey'));
  });
  afterAll(() => dir.cleanup());

  it('parses the plain and certificate logins sshd printed, fingerprints as ssh-keygen computes', () => {
    expect(messages).toHaveLength(2);
    const user = parsePublicKeyLine(userKey);
    const certUser = parsePublicKeyLine(
      execFileSync('cat', [dir.file('certuser-cert.pub')], { encoding: 'utf8' }),
    );
    const ca = parsePublicKeyLine(caKey);
    if (!user.ok || !certUser.ok || !ca.ok) throw new Error('key parse failed');
    const lines = messages.map((m, i) => `Nov 23 17:39:4${i} web1 sshd[${100 + i}]: ${m}`);
    const events = parseAuthLogText(lines.join('\n'), opts);
    expect(events).toEqual([
      {
        timeMs: Date.UTC(2026, 10, 23, 17, 39, 40),
        host: 'web1',
        pid: 100,
        user: 'root',
        addr: '127.0.0.1',
        port: expect.any(Number),
        keyType: 'ED25519',
        fingerprint: user.key.sha256,
      },
      {
        timeMs: Date.UTC(2026, 10, 23, 17, 39, 41),
        host: 'web1',
        pid: 101,
        user: 'root',
        addr: '127.0.0.1',
        port: expect.any(Number),
        keyType: 'ECDSA-CERT',
        fingerprint: certUser.key.sha256,
        certificate: {
          keyId: 'alice id (ops)',
          serial: '42',
          caKeyType: 'ECDSA',
          caFingerprint: ca.key.sha256,
        },
      },
    ]);
  });
});

describe('line formats', () => {
  const msg =
    'Accepted publickey for deploy from 2001:db8::7 port 50022 ssh2: RSA SHA256:abc/def+ghi';
  const expected = {
    user: 'deploy',
    addr: '2001:db8::7',
    port: 50022,
    keyType: 'RSA',
    fingerprint: 'SHA256:abc/def+ghi',
  };

  it('reads ISO-8601, RFC 5424 and journalctl -o json lines', () => {
    expect(parseAuthLogLine(`2026-11-23T17:39:45.123456+01:00 web2 sshd[9]: ${msg}`, opts)).toEqual(
      {
        ...expected,
        timeMs: Date.UTC(2026, 10, 23, 16, 39, 45, 123),
        host: 'web2',
        pid: 9,
      },
    );
    expect(
      parseAuthLogLine(`<38>1 2026-11-23T17:39:45Z web3 sshd 77 - - ${msg}`, opts),
    ).toMatchObject({
      ...expected,
      timeMs: Date.UTC(2026, 10, 23, 17, 39, 45),
      host: 'web3',
      pid: 77,
    });
    const journal = {
      __REALTIME_TIMESTAMP: '1795455585123999',
      _HOSTNAME: 'web4',
      _PID: '31',
      _COMM: 'sshd',
      SYSLOG_IDENTIFIER: 'sshd',
      MESSAGE: [...Buffer.from(msg)],
    };
    expect(parseAuthLogLine(JSON.stringify(journal), opts)).toEqual({
      ...expected,
      timeMs: 1795455585123,
      host: 'web4',
      pid: 31,
    });
    expect(
      parseAuthLogLine(
        JSON.stringify({ ...journal, MESSAGE: msg, _COMM: 'cron', SYSLOG_IDENTIFIER: 'cron' }),
        opts,
      ),
    ).toBeUndefined();
    expect(parseAuthLogLine(`Nov 23 17:39:45 web1 sudo[1]: ${msg}`, opts)).toBeUndefined();
    expect(parseAuthLogLine('{"MESSAGE": "Accepted publickey', opts)).toBeUndefined();
  });

  it('puts December lines read in January in the previous year', () => {
    const jan = { now: Date.UTC(2027, 0, 1, 0, 10) };
    const text = `Dec 31 23:59:59 h sshd[1]: ${msg}\nJan  1 00:00:01 h sshd[2]: ${msg}\n`;
    expect(parseAuthLogText(text, jan).map((e) => new Date(e.timeMs).toISOString())).toEqual([
      '2026-12-31T23:59:59.000Z',
      '2027-01-01T00:00:01.000Z',
    ]);
    const cet = parseAuthLogText(text, { ...jan, utcOffsetMinutes: 60 });
    expect(new Date(cet[1]!.timeMs).toISOString()).toBe('2026-12-31T23:00:01.000Z');
  });
});

describe('rotated files and the cursor', () => {
  const files = new Map<string, { data: Buffer; id: string; mtimeMs: number }>();
  let nextId = 1;
  const access: LogFileAccess = {
    list: () => Promise.resolve([...files.keys()].map((p) => p.slice('/var/log/'.length))),
    stat: (p) => {
      const f = files.get(p);
      return Promise.resolve(f && { identity: f.id, size: f.data.length, mtimeMs: f.mtimeMs });
    },
    read: (p, start = 0) => Promise.resolve(files.get(p)?.data.subarray(start)),
  };
  let second = 0;
  const line = (user: string) => {
    second++;
    const t = new Date(Date.UTC(2026, 10, 23, 10, 0, Math.floor(second / 3)));
    const stamp = `Nov 23 ${t.toISOString().slice(11, 19)}`;
    return `${stamp} h sshd[1]: Accepted publickey for ${user} from 10.0.0.1 port 1 ssh2: ED25519 SHA256:x\n`;
  };
  const put = (name: string, text: string, gz = false) =>
    files.set(`/var/log/${name}`, {
      data: gz ? gzipSync(text) : Buffer.from(text),
      id: String(nextId++),
      mtimeMs: NOW,
    });
  const append = (name: string, text: string) => {
    const f = files.get(`/var/log/${name}`)!;
    f.data = Buffer.concat([f.data, Buffer.from(text)]);
  };
  const users = async (cursor?: AuthLogCursor) => {
    const scan = await readAuthLogEvents(access, { ...opts, cursor });
    return { users: scan.events.map((e) => e.user), cursor: scan.cursor };
  };

  it('orders rotations oldest first', () => {
    expect(
      rotatedLogFiles(
        ['auth.log', 'auth.log.1', 'auth.log.10.gz', 'auth.log.2.gz', 'syslog', 'auth.log.gz'],
        'auth.log',
      ),
    ).toEqual(['auth.log.10.gz', 'auth.log.2.gz', 'auth.log.1', 'auth.log']);
    expect(
      rotatedLogFiles(['auth.log', 'auth.log-20261101.gz', 'auth.log-20261008'], 'auth.log'),
    ).toEqual(['auth.log-20261008', 'auth.log-20261101.gz', 'auth.log']);
  });

  it('reads every event exactly once across appends, rotation, compression and partial lines', async () => {
    put('auth.log.2.gz', line('a1') + line('a2'), true);
    put('auth.log.1', line('b1') + 'Nov 23 10:00:01 h CRON[2]: noise\n' + line('b2'));
    put('auth.log', line('c1') + line('c2'));
    const s1 = await users();
    expect(s1.users).toEqual(['a1', 'a2', 'b1', 'b2', 'c1', 'c2']);

    // A line being written is left for the next scan.
    const partial = line('c3');
    append('auth.log', partial.slice(0, 20));
    const s2 = await users(s1.cursor);
    expect(s2.users).toEqual([]);
    append('auth.log', partial.slice(20) + line('c4'));
    const s3 = await users(s2.cursor);
    expect(s3.users).toEqual(['c3', 'c4']);

    // logrotate: auth.log -> auth.log.1 (same file), auth.log.1 -> auth.log.2.gz, new auth.log.
    append('auth.log', line('c5'));
    const old1 = files.get('/var/log/auth.log.1')!;
    files.set('/var/log/auth.log.3.gz', files.get('/var/log/auth.log.2.gz')!);
    files.set('/var/log/auth.log.2.gz', {
      ...old1,
      data: gzipSync(old1.data),
      id: String(nextId++),
    });
    files.set('/var/log/auth.log.1', files.get('/var/log/auth.log')!);
    put('auth.log', line('d1'));
    const s4 = await users(s3.cursor);
    expect(s4.users).toEqual(['c5', 'd1']);

    // The cursor's file compressed away (no identity match): falls back to time + count.
    const s5 = await users({
      timeMs: s3.cursor.timeMs,
      countAtTime: s3.cursor.countAtTime,
      file: { identity: 'gone', offset: 0 },
    });
    expect(s5.users).toEqual(['c5', 'd1']);
    const again = await users(s4.cursor);
    expect(again.users).toEqual([]);
    const fromTimeOnly = await users({
      timeMs: s4.cursor.timeMs,
      countAtTime: s4.cursor.countAtTime,
    });
    expect(fromTimeOnly.users).toEqual([]);
  });
});

import { appendFile, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanKeyActivity } from '../../../shared/hostops/scan-key-activity';
import { LocalSession } from '../../../shared/session/local-session';
import { parseAuthLogLine } from '../../../shared/ssh/auth-log';

const FP = 'SHA256:Z8Ez2QkCcBMe5mR7dxt2C+BTI0vM3CLyPzsSzc7JbK4';
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const login = (sec: number, user: string) =>
  `2026-11-23T10:00:${String(sec).padStart(2, '0')}.000000+00:00 web1 sshd[${100 + sec}]: Accepted publickey for ${user} from 10.0.0.${sec} port 5022 ssh2: ED25519 ${FP}\n`;

/** The largest resident set seen while `work` runs, above what it was before. */
async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sample = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - before };
  } finally {
    clearInterval(sample);
  }
}

/** Auth logs a host can make as large as it likes: read in bounded time and memory. */
describe('reading hostile auth logs within bounds', () => {
  let root = '';
  const real = (p: string) => join(root, p);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kwt-bounded-logs-'));
    await mkdir(real('/var/log'), { recursive: true });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('expands a compressed log that inflates to 600 MiB as a stream, up to the cap', async () => {
    // Gzip members concatenated are one valid gzip file: 600 copies of a 1 MiB member.
    const noise = gzipSync(Buffer.from('Nov 23 10:00:00 web1 CRON[2]: noise\n'.repeat(MiB / 36)));
    const file = await open(real('/var/log/auth.log.1.gz'), 'w');
    await file.write(gzipSync(login(1, 'ann')));
    for (let i = 0; i < 600; i++) await file.write(noise);
    await file.close();
    await writeFile(real('/var/log/auth.log'), login(2, 'ben'));

    const session = new LocalSession({ rootPrefix: root });
    const { result, growth } = await peakRssGrowth(() =>
      scanKeyActivity(session, { logFiles: ['/var/log/auth.log'], journal: 'never' }),
    );
    expect(result.events.map((e) => e.user)).toEqual(['ann', 'ben']);
    expect(result.findings).toEqual([
      expect.objectContaining({
        code: 'LIMIT_EXCEEDED',
        path: '/var/log/auth.log.1.gz',
        limit: 64 * MiB,
      }),
    ]);
    // Generous: the whole expanded file alone would be 600 MiB.
    expect(growth).toBeLessThan(200 * MiB);
    await rm(real('/var/log/auth.log.1.gz'));
  });

  it('reads the newest part of a 3 GiB live log and resumes after it', async () => {
    const path = real('/var/log/auth.log');
    await writeFile(path, login(3, 'cy'));
    const file = await open(path, 'r+');
    await file.write(`\n${login(4, 'dee')}`, 3 * GiB); // sparse: no disk used before it
    await file.close();
    const session = new LocalSession({ rootPrefix: root });
    const scan = (cursor?: Awaited<ReturnType<typeof scanKeyActivity>>['cursor']) =>
      scanKeyActivity(session, {
        logFiles: ['/var/log/auth.log'],
        journal: 'never',
        ...(cursor ? { cursor } : {}),
      });
    const { result, growth } = await peakRssGrowth(() => scan());
    expect(result.events.map((e) => e.user)).toEqual(['dee']);
    expect(result.findings).toEqual([
      expect.objectContaining({
        code: 'LIMIT_EXCEEDED',
        path: '/var/log/auth.log',
        limit: 16 * MiB,
      }),
    ]);
    expect(growth).toBeLessThan(200 * MiB);
    await appendFile(path, login(5, 'eve'));
    const next = await scan(result.cursor);
    expect(next.events.map((e) => e.user)).toEqual(['eve']);
    expect(next.findings).toEqual([]);
    await rm(path);
  });

  it('keeps at most the capped number of logins per scan, the next scans going on from there', async () => {
    await writeFile(real('/var/log/auth.log.1'), login(11, 'a') + login(12, 'b') + login(12, 'c'));
    await writeFile(real('/var/log/auth.log'), login(13, 'd') + login(14, 'e'));
    const session = new LocalSession({ rootPrefix: root });
    const scan = (cursor?: Awaited<ReturnType<typeof scanKeyActivity>>['cursor']) =>
      scanKeyActivity(session, {
        logFiles: ['/var/log/auth.log'],
        journal: 'never',
        limits: { logEvents: 2 },
        ...(cursor ? { cursor } : {}),
      });
    const users = (r: Awaited<ReturnType<typeof scanKeyActivity>>) => r.events.map((e) => e.user);
    const first = await scan();
    expect(users(first)).toEqual(['a', 'b']);
    expect(first.findings).toEqual([
      expect.objectContaining({ code: 'LIMIT_EXCEEDED', path: '/var/log/auth.log', limit: 2 }),
    ]);
    const second = await scan(first.cursor);
    expect(users(second)).toEqual(['c', 'd']);
    const third = await scan(second.cursor);
    expect(users(third)).toEqual(['e']);
    expect(third.findings).toEqual([]);
    expect(users(await scan(third.cursor))).toEqual([]);
    await rm(real('/var/log/auth.log.1'));
    await rm(real('/var/log/auth.log'));
  });

  it('reads the journal in slices no larger than the cap, the cursor going on from each', async () => {
    const bin = real('/fake-bin');
    await mkdir(bin);
    const entries = real('/journal.json');
    await writeFile(
      join(bin, 'journalctl'),
      [
        '#!/bin/sh',
        'after=""',
        'for a; do case "$a" in --after-cursor=*) after="${a#--after-cursor=}";; esac; done',
        'emit=0; [ -z "$after" ] && emit=1',
        'while IFS= read -r line; do',
        '  [ $emit = 1 ] && printf "%s\\n" "$line"',
        '  case "$line" in *"\\"__CURSOR\\":\\"$after\\""*) emit=1;; esac',
        `done < '${entries}'`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const entry = (n: number, user: string) =>
      `${JSON.stringify({
        __CURSOR: `s=1;i=${n}`,
        __REALTIME_TIMESTAMP: String(Date.UTC(2026, 10, 23, 10, 0, n) * 1000),
        SYSLOG_IDENTIFIER: 'sshd-session',
        MESSAGE: `Accepted publickey for ${user} from 10.1.0.${n} port 50022 ssh2: ED25519 ${FP}`,
      })}\n`;
    const one = entry(1, 'ann');
    await writeFile(entries, one + entry(2, 'ben') + entry(3, 'cy'));
    const path = process.env['PATH'];
    process.env['PATH'] = `${bin}:${path ?? ''}`;
    try {
      const session = new LocalSession({ rootPrefix: root });
      // Room for one record and a half: the half is read by the next scan.
      const opts = {
        logFiles: ['/var/log/none.log'],
        limits: { logBytesPerFile: Math.floor(one.length * 1.5) },
      };
      const first = await scanKeyActivity(session, opts);
      expect(first.events.map((e) => e.user)).toEqual(['ann']);
      expect(first.findings).toEqual([
        expect.objectContaining({ code: 'LIMIT_EXCEEDED', path: 'journal' }),
      ]);
      const second = await scanKeyActivity(session, { ...opts, cursor: first.cursor });
      expect(second.events.map((e) => e.user)).toEqual(['ben']);
      const third = await scanKeyActivity(session, { ...opts, cursor: second.cursor });
      expect(third.events.map((e) => e.user)).toEqual(['cy']);
    } finally {
      process.env['PATH'] = path;
    }
  });

  // The RFC 5424 pattern split `[][]...[]` in 2^n ways: seconds for 24 pairs, doubling with each.
  it('parses an RFC 5424 line of many empty SD elements in linear time', () => {
    const started = performance.now();
    const line = `<38>1 2026-11-23T10:00:01Z web1 sshd 42 - ${'[]'.repeat(25)}\u2028Accepted publickey for ann from 10.0.0.1 port 1 ssh2: ED25519 ${FP}`;
    const e = parseAuthLogLine(line, { now: Date.UTC(2026, 10, 24) });
    expect(e).toBeUndefined();
    const ok = parseAuthLogLine(
      `<38>1 2026-11-23T10:00:01Z web1 sshd 42 - [meta a="x\\]y"][b] Accepted publickey for ann from 10.0.0.1 port 1 ssh2: ED25519 ${FP}`,
      { now: Date.UTC(2026, 10, 24) },
    );
    expect(ok).toMatchObject({ user: 'ann', addr: '10.0.0.1', pid: 42 });
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

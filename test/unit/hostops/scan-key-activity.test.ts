import { appendFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanKeyActivity } from '../../../shared/hostops/scan-key-activity';
import { LocalSession } from '../../../shared/session/local-session';

const FP = 'SHA256:Z8Ez2QkCcBMe5mR7dxt2C+BTI0vM3CLyPzsSzc7JbK4';
const line = (sec: number, user: string, addr: string) =>
  `2026-11-23T10:00:${String(sec).padStart(2, '0')}.000000+00:00 web1 sshd[${100 + sec}]: Accepted publickey for ${user} from ${addr} port 5${sec}22 ssh2: ED25519 ${FP}\n`;

/** Key logins read through a session from a log that grows, rotates and is compressed. */
describe('scanning key activity through a session', () => {
  let root = '';
  const log = '/var/log/auth.log';
  const real = (p: string) => join(root, p);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kwt-activity-'));
    await mkdir(real('/var/log'), { recursive: true });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('reports each login once across appends, a half-written line, rotation and gzip', async () => {
    const session = new LocalSession({ rootPrefix: root });
    const scan = (cursor?: Awaited<ReturnType<typeof scanKeyActivity>>['cursor']) =>
      scanKeyActivity(session, { logFiles: [log], ...(cursor ? { cursor } : {}) });
    const users = (r: Awaited<ReturnType<typeof scanKeyActivity>>) => r.events.map((e) => e.user);

    await writeFile(real(log), `${line(1, 'ann', '10.0.0.1')}noise\n${line(2, 'ben', '10.0.0.2')}`);
    const first = await scan();
    expect(users(first)).toEqual(['ann', 'ben']);
    expect(first.events[0]).toMatchObject({
      time: '2026-11-23T10:00:01.000Z',
      address: '10.0.0.1',
      port: 5122,
      keyType: 'ED25519',
      fingerprint: FP,
      file: log,
    });

    // A line still being written is left for the next scan, then read whole.
    const third = line(3, 'cy', '10.0.0.3');
    await appendFile(real(log), third.slice(0, 40));
    const second = await scan(first.cursor);
    expect(users(second)).toEqual([]);
    await appendFile(real(log), third.slice(40));
    const afterAppend = await scan(second.cursor);
    expect(users(afterAppend)).toEqual(['cy']);

    // logrotate: the file is renamed, a new one starts, then the old one is compressed.
    await appendFile(real(log), line(4, 'dee', '10.0.0.4'));
    await rename(real(log), real(`${log}.1`));
    await writeFile(real(log), line(5, 'eve', '10.0.0.5'));
    const rotated = await scan(afterAppend.cursor);
    expect(users(rotated)).toEqual(['dee', 'eve']);
    await writeFile(real(`${log}.1.gz`), gzipSync(await readFile(real(`${log}.1`))));
    await rm(real(`${log}.1`));
    expect(users(await scan(rotated.cursor))).toEqual([]);
    // Without a cursor everything is there, the compressed rotation included.
    expect(users(await scan())).toEqual(['ann', 'ben', 'cy', 'dee', 'eve']);
  });

  it('names the logs that do not exist', async () => {
    const session = new LocalSession({ rootPrefix: root });
    const r = await scanKeyActivity(session, { logFiles: ['/var/log/secure'], journal: 'never' });
    expect(r).toMatchObject({ events: [], missingFiles: ['/var/log/secure'], journal: false });
  });

  // No journald runs here: a stand-in journalctl replays entries after --after-cursor as the
  // real one does, so what is proven is the cursor hand-over and the filter arguments.
  it('reads the journal after its own cursor when the host keeps no auth log', async () => {
    const bin = real('/fake-bin');
    await mkdir(bin);
    const entries = real('/journal.json');
    const argsFile = real('/journalctl-args');
    await writeFile(
      join(bin, 'journalctl'),
      [
        '#!/bin/sh',
        'after=""',
        'for a; do case "$a" in --after-cursor=*) after="${a#--after-cursor=}";; esac; done',
        `echo "$@" > '${argsFile}'`,
        'emit=0; [ -z "$after" ] && emit=1',
        'while IFS= read -r line; do',
        '  [ $emit = 1 ] && printf "%s\\n" "$line"',
        '  case "$line" in *"\\"__CURSOR\\":\\"$after\\""*) emit=1;; esac',
        `done < '${entries}'`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const entry = (cursor: string, sec: number, message: string) =>
      `${JSON.stringify({
        __CURSOR: cursor,
        __REALTIME_TIMESTAMP: String(Date.UTC(2026, 10, 23, 10, 0, sec) * 1000),
        SYSLOG_IDENTIFIER: 'sshd-session',
        _PID: '4242',
        MESSAGE: message,
      })}\n`;
    const accepted = (user: string, addr: string) =>
      `Accepted publickey for ${user} from ${addr} port 50022 ssh2: ED25519 ${FP}`;
    await writeFile(
      entries,
      entry('s=1;i=1', 1, accepted('ann', '10.1.0.1')) +
        entry('s=1;i=2', 2, 'Connection closed by 10.1.0.9 port 1 [preauth]'),
    );
    const path = process.env['PATH'];
    process.env['PATH'] = `${bin}:${path ?? ''}`;
    try {
      const session = new LocalSession({ rootPrefix: root });
      const opts = { logFiles: ['/var/log/none.log'] };
      const first = await scanKeyActivity(session, opts);
      expect(first).toMatchObject({ journal: true, cursor: { journal: 's=1;i=2' } });
      expect(first.events).toEqual([
        expect.objectContaining({
          user: 'ann',
          address: '10.1.0.1',
          file: 'journal',
          time: '2026-11-23T10:00:01.000Z',
        }),
      ]);
      expect(await readFile(argsFile, 'utf8')).toContain(
        'SYSLOG_IDENTIFIER=sshd SYSLOG_IDENTIFIER=sshd-session',
      );

      await appendFile(entries, entry('s=1;i=3', 3, accepted('ben', '10.1.0.2')));
      const second = await scanKeyActivity(session, { ...opts, cursor: first.cursor });
      expect(second.events.map((e) => e.user)).toEqual(['ben']);
      expect(await readFile(argsFile, 'utf8')).toContain('--after-cursor=s=1;i=2');
      expect((await scanKeyActivity(session, { ...opts, cursor: second.cursor })).events).toEqual(
        [],
      );
    } finally {
      process.env['PATH'] = path;
    }
  });
});

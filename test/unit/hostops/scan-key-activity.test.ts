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
    const r = await scanKeyActivity(session, { logFiles: ['/var/log/secure'] });
    expect(r).toMatchObject({ events: [], missingFiles: ['/var/log/secure'] });
  });
});

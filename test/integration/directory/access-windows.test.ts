/**
 * "Members of dbas may log in as deploy on group db, from these addresses, for at most 8
 * hours a day", against a real sshd: the access group's source restriction and its window
 * (09:00-17:00 Europe/Berlin, at most 8 hours) become `from=` and `expiry-time=` on the line.
 * The engine's clock (every job's ctx.now) is moved instead of waiting for hours, while sshd
 * judges the lines by the real time:
 * 1. the clock a week back, inside that day's window: the grant is made with an expiry-time
 *    that has really passed — the line is there (its removal has not happened) and sshd
 *    refuses the key because of it;
 * 2. the clock at the next real window: the run queued for the window's close catches up
 *    (a controller that was down at the close and the next opening), the old line goes, a
 *    new one ending at today's 17:00 lands, and the member logs in — from an allowed
 *    address only;
 * 3. the clock past 17:00: the run queued for the close removes the line, sshd refuses,
 *    and the grant stands for the next window.
 */
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessGrantRecord, PersonRecord } from '../../../controller/store/directory-records';
import type { AuditRecord, JobRecord } from '../../../controller/store/records';
import { sshLogin } from '../../helpers/sshd-client';
import { generateClientKey } from '../../helpers/sshd';
import { createTestUser, removeTestUsers, type TestUser } from '../../helpers/sshd-users';
import { startSshdFleet, type FleetHost, type SshdFleet } from '../../helpers/sshd-fleet';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { fleetApi, keywarden, waitFor } from '../authorizations/authorization-fleet';

type Key = Awaited<ReturnType<typeof generateClientKey>>;
const DAY = 86_400_000;
const ZONE = 'Europe/Berlin';

/** Berlin's wall clock of an instant, `YYYY-MM-DD HH:MM` (independent of the code under test). */
const berlin = (ms: number) =>
  new Intl.DateTimeFormat('sv-SE', {
    timeZone: ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(ms));
/** The first quarter hour at or after `from` whose Berlin time is `hhmm`. */
const nextBerlin = (from: number, hhmm: string) => {
  let t = Math.ceil(from / 900_000) * 900_000;
  while (!berlin(t).endsWith(` ${hhmm}`)) t += 900_000;
  return t;
};
/** sshd's expiry-time of an instant: YYYYMMDDHHMMSSZ. */
const expiryTime = (ms: number) => new Date(ms).toISOString().replace(/[-:T]|\.\d+/g, '');

describe('access group windows and sources, judged by a real sshd', { timeout: 300_000 }, () => {
  let fleet: SshdFleet;
  let ctl: TestController;
  let keyDir = '';
  let deploy: TestUser;
  let alice: Key;
  let hostId = '';
  /** How far the engine's clock is from the wall clock. */
  let offset = 0;
  const clock = () => Date.now() + offset;
  const api = fleetApi(() => ctl);
  const host = () => fleet.hosts[0] as FleetHost;
  const keysFile = () => join(keyDir, 'hosts', host().address, deploy.name);
  const readKeys = () => readFile(keysFile(), 'utf8').catch(() => '');
  const aliceLine = async () =>
    (await readKeys()).split('\n').find((l) => l.includes(alice.publicKey.split(' ')[1] ?? '?'));
  const login = async (from = '127.0.0.1') =>
    (
      await sshLogin({
        host: host().address,
        port: host().port,
        user: deploy.name,
        identityFile: alice.path,
        bindAddress: from,
      })
    ).code;
  const env = () => ({ KEYWARDEN_URL: ctl.url, KEYWARDEN_TOKEN: ctl.adminToken });
  const grant = async () =>
    (await ctl.services.store.directory.listGrants({ personId: 'alice' }))[0] as
      AccessGrantRecord | undefined;
  const queuedWindowRuns = async () =>
    (
      await ctl.api<{ items: JobRecord[] }>(
        'GET',
        '/api/v1/jobs?type=access-groups-processing&state=queued,running&limit=50',
      )
    ).body.items.map((j) => j.runAt);

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'kwt-windows-'));
    await chmod(keyDir, 0o755);
    await mkdir(join(keyDir, 'homes'), { mode: 0o755 });
    deploy = await createTestUser({ name: 'deploy' }, join(keyDir, 'homes'));
    alice = await generateClientKey(keyDir, 'alice');
    fleet = await startSshdFleet({
      count: 1,
      settings: (address) => ({
        AuthorizedKeysFile: `${join(keyDir, 'hosts', address)}/%u .ssh/authorized_keys`,
        // debug1 names why a line was passed over ("entry expired at ...").
        LogLevel: 'DEBUG',
      }),
    });
    await mkdir(join(keyDir, 'hosts', host().address), { recursive: true });
    ctl = await startTestController({
      env: { KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([host().sshd.configPath]) },
      clock,
    });
    await ctl.services.store.hostGroups.setScanDefaults(
      { 'scan-authorized-keys': 0, 'scan-configs': 0, 'scan-host-key-activity': 0, 'scan-full': 0 },
      Date.now(),
    );
    // Only the runs the windows queue (and the test's) process the access groups.
    const off = await ctl.api('PATCH', '/api/v1/robots/access-groups-processing', {
      body: { intervalMs: 365 * DAY },
    });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    // Its first run (at start) over: a run still queued at the wall clock's time would hold
    // the access group's own run back once the engine's clock is moved a week back.
    await waitFor('the robot idle', async () => (await queuedWindowRuns()).length === 0);
    hostId = await api.addManagedHost(host());
    const firstScans = await ctl.api<{ items: JobRecord[] }>('GET', `/api/v1/jobs?host=${hostId}`);
    for (const j of firstScans.body.items) await api.jobEnded(j.id);
    const scan = await api.runJob('scan-configs', hostId, {
      sshdConfigPath: host().sshd.configPath,
    });
    expect(scan.state, JSON.stringify(scan.error)).toBe('completed');
    const group = await ctl.api('POST', '/api/v1/host-groups', { body: { id: 'db', name: 'db' } });
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    const moved = await ctl.api('PUT', `/api/v1/hosts/${hostId}/group`, {
      body: { groupId: 'db' },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBeLessThan(300);
    const now = Date.now();
    const person: PersonRecord = {
      id: 'alice',
      directoryId: 'uuid-alice',
      dn: 'uid=alice,ou=people,dc=example,dc=test',
      uid: 'alice',
      name: 'Alice Admin',
      email: 'alice@example.test',
      state: 'active',
      keys: [{ publicKey: alice.publicKey, fingerprint: alice.fingerprint, source: 'api' }],
      groups: ['dbas'],
      createdAt: now,
      updatedAt: now,
      leftAt: null,
    };
    await ctl.services.store.directory.putPerson(person);
  }, 300_000);

  afterAll(async () => {
    await ctl?.stop();
    await fleet?.stop();
    await removeTestUsers([deploy].filter((u) => u !== undefined));
    await rm(keyDir, { recursive: true, force: true });
  });

  it('refuses a bad source or window with a clear error, creating nothing', async () => {
    const add = (extra: string[]) =>
      keywarden(
        [
          'access-groups',
          'add',
          '--id',
          'bad',
          '--directory-group',
          'dbas',
          '--group',
          'db',
          '--account',
          deploy.name,
          ...extra,
        ],
        env(),
      );
    const hostBits = await add(['--source', '10.1.2.3/8']);
    expect(hostBits.code).not.toBe(0);
    expect(hostBits.stderr).toMatch(
      /10\.1\.2\.3\/8.*give the network address, e\.g\. 10\.0\.0\.0\/8/,
    );
    const tooLong = await add([
      '--access-window',
      'mon-fri 08:00-18:00',
      '--time-zone',
      ZONE,
      '--max-hours-per-day',
      '8',
    ]);
    expect(tooLong.code).not.toBe(0);
    expect(tooLong.stderr).toMatch(
      /schedule\.maxHoursPerDay: the windows starting on mon hold 10 hours/,
    );
    const badZone = await add(['--access-window', '09:00-17:00', '--time-zone', 'Europe/Atlantis']);
    expect(badZone.code).not.toBe(0);
    expect(badZone.stderr).toMatch(
      /schedule\.timeZone: "Europe\/Atlantis" is not a named IANA time zone/,
    );
    const twice = await add(['--source', '10.0.0.0/8', '--option', 'from=10.0.0.0/8']);
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toMatch(/give the source restriction once/);
    expect(await ctl.services.store.directory.getAccessGroup('bad')).toBeNull();
  });

  it('a window that has already ended is refused by sshd through expiry-time, line or not', async () => {
    // A week back, 10:00 in Berlin: the engine is inside that day's window, which really ended.
    const t1 = nextBerlin(Date.now() - 7 * DAY, '10:00');
    const end1 = nextBerlin(t1, '17:00');
    offset = t1 - Date.now();
    const res = await keywarden(
      [
        '--json',
        'access-groups',
        'add',
        '--id',
        'dbas-db',
        '--directory-group',
        'dbas',
        '--group',
        'db',
        '--account',
        deploy.name,
        '--source',
        '127.0.0.0/8',
        '--source',
        '!127.0.0.9',
        '--access-window',
        '09:00-17:00',
        '--time-zone',
        ZONE,
        '--max-hours-per-day',
        '8',
      ],
      env(),
    );
    expect(res.code, res.stderr).toBe(0);
    const shown = JSON.parse(res.stdout) as { accessGroup: { from: string[] } };
    expect(shown.accessGroup.from).toEqual(['127.0.0.0/8', '!127.0.0.9']);
    const line = await waitFor('the line of the week-old window', aliceLine);
    expect(line).toContain(`from="127.0.0.0/8,!127.0.0.9",expiry-time="${expiryTime(end1)}"`);
    expect((await grant())?.windowEndsAt).toBe(end1);
    // The removal has not happened (the engine is still inside the window), sshd refuses anyway.
    expect(await login()).not.toBe(0);
    await host().sshd.waitForLog(/entry expired at/);
    expect(await aliceLine()).toBe(line);
    // A run is queued for the window's close.
    expect(await queuedWindowRuns()).toContain(end1);
  });

  it('the next window: the controller catches up, the member logs in from an allowed address only', async () => {
    const t2 = nextBerlin(Date.now(), '10:00');
    const end2 = nextBerlin(t2, '17:00');
    const before = (await grant()) as AccessGrantRecord;
    // Eight days on at once, as a controller that was down at the close and the opening.
    offset = t2 - Date.now();
    const now = await waitFor('a grant for the open window', async () => {
      const g = await grant();
      return g?.windowEndsAt === end2 && !g.windowClosed ? g : null;
    });
    expect(now.id).toBe(before.id); // the same grant: only its authorization follows the windows
    expect(now.authorizationId).not.toBe(before.authorizationId);
    // The old line gone and the new one placed: one line of the key, ending at today's 17:00.
    const line = await waitFor('the new line only', async () => {
      const lines = (await readKeys())
        .split('\n')
        .filter((l) => l.includes(alice.publicKey.split(' ')[1] ?? '?'));
      return lines.length === 1 && lines[0]?.includes(expiryTime(end2)) ? lines[0] : null;
    });
    expect(line).toContain(`from="127.0.0.0/8,!127.0.0.9",expiry-time="${expiryTime(end2)}"`);
    expect(await login('127.0.0.1')).toBe(0);
    expect(await login('127.0.0.9')).not.toBe(0);
    await host().sshd.waitForLog(/not from a permitted host.*127\.0\.0\.9/);
    const audit = await ctl.api<{ items: AuditRecord[] }>('GET', '/api/v1/audit?limit=500');
    const actions = audit.body.items.map((a) => a.action);
    expect(actions).toContain('access-group.window-closed');
    expect(actions.filter((a) => a === 'access-group.granted')).toHaveLength(2);
  });

  it('the window closes: the line goes without the interval robot, sshd refuses, the grant stands', async () => {
    const g = (await grant()) as AccessGrantRecord;
    expect(await queuedWindowRuns()).toContain(g.windowEndsAt);
    offset = (g.windowEndsAt as number) + 60_000 - Date.now();
    const closed = await waitFor('the window closed', async () => {
      const x = await grant();
      return x?.windowClosed ? x : null;
    });
    expect(closed.id).toBe(g.id);
    await waitFor('the line gone', async () => (await aliceLine()) === undefined);
    expect(await login()).not.toBe(0);
    const shown = await keywarden(['access-groups', 'show', 'dbas-db'], env());
    expect(shown.stdout).toMatch(
      /from 127\.0\.0\.0\/8,!127\.0\.0\.9; .* 09:00-17:00 Europe\/Berlin, at most 8 h a day/,
    );
    expect(shown.stdout).toMatch(/closed/);
  });
});

/**
 * People and access from a real directory, end to end: Debian's slapd on loopback (over
 * StartTLS, the CA pinned), a real controller managing a real sshd host over SSH, the real
 * CLI. A person with an SSH key in `web-admins` is synced, the access group maps the group
 * to host group `web` as `deploy`, and OpenSSH lets the key in; taken out of the group (or
 * out of the directory), the next sync takes the key off the host and OpenSSH refuses it,
 * while other lines stay. A sync that fails (wrong bind password) revokes nothing.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonRecord } from '../../../controller/store/directory-records';
import { NO_OVERRIDES } from '../../../controller/store/host-records';
import type { AuditRecord, JobRecord } from '../../../controller/store/records';
import { generateClientKey } from '../../helpers/sshd';
import { createTestUser, removeTestUsers, type TestUser } from '../../helpers/sshd-users';
import { startSshdFleet, type FleetHost, type SshdFleet } from '../../helpers/sshd-fleet';
import { ADMIN_DN, SUFFIX, startTestSlapd, type TestSlapd } from '../../helpers/slapd';
import { startTestController, type TestController } from '../../helpers/test-controller';
import {
  fleetApi,
  keywarden,
  login as sshLoginAs,
  waitFor,
} from '../authorizations/authorization-fleet';
import { group, groupDn, person, seed, userDn } from './directory-fixture';

type Key = Awaited<ReturnType<typeof generateClientKey>>;

describe(
  'people from LDAP drive access: a group change reaches sshd at the next sync',
  { timeout: 240_000 },
  () => {
    let slapd: TestSlapd;
    let fleet: SshdFleet;
    let ctl: TestController;
    let env: Record<string, string>;
    let keyDir = '';
    let deploy: TestUser;
    let hostId = '';
    let alice: Key;
    let bob: Key;
    let foreign: Key;
    const api = fleetApi(() => ctl);
    const host = () => fleet.hosts[0] as FleetHost;
    const keysFile = () => join(keyDir, 'hosts', host().address, deploy.name);
    const readKeys = () => readFile(keysFile(), 'utf8').catch(() => '');
    const loginCode = async (key: Key) => (await sshLoginAs(host(), deploy.name, key.path)).code;
    const cli = async (args: string[]) => {
      const res = await keywarden(['--json', ...args], env);
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(0);
      return JSON.parse(res.stdout) as unknown;
    };
    const sync = async () => {
      const job = await api.runJob('ldap-sync', null, {});
      return job;
    };
    const people = async () => (await cli(['people', 'list'])) as { items: PersonRecord[] };

    beforeAll(async () => {
      keyDir = await mkdtemp(join(tmpdir(), 'kwt-ldap-'));
      await chmod(keyDir, 0o755);
      await mkdir(join(keyDir, 'homes'), { mode: 0o755 });
      deploy = await createTestUser({ name: 'deploy' }, join(keyDir, 'homes'));
      [alice, bob, foreign] = await Promise.all([
        generateClientKey(keyDir, 'alice'),
        generateClientKey(keyDir, 'bob'),
        generateClientKey(keyDir, 'foreign'),
      ]);
      slapd = await startTestSlapd(
        seed(
          person('alice', 'Alice Admin', [alice.publicKey]),
          person('bob', 'Bob Builder', [bob.publicKey]),
          person('carol', 'Carol Other', []),
          group('web-admins', [userDn('alice'), userDn('bob')]),
        ),
      );
      fleet = await startSshdFleet({
        count: 1,
        settings: (address) => ({
          AuthorizedKeysFile: `${join(keyDir, 'hosts', address)}/%u .ssh/authorized_keys`,
        }),
      });
      await mkdir(join(keyDir, 'hosts', host().address), { recursive: true });
      ctl = await startTestController({
        env: {
          KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([host().sshd.configPath]),
        },
      });
      env = { KEYWARDEN_URL: ctl.url, KEYWARDEN_TOKEN: ctl.adminToken };
      await ctl.services.store.hostGroups.setScanDefaults(
        {
          'scan-authorized-keys': 0,
          'scan-configs': 0,
          'scan-host-key-activity': 0,
          'scan-full': 0,
        },
        Date.now(),
      );
      hostId = await api.addManagedHost(host());
      const firstScans = await ctl.api<{ items: JobRecord[] }>(
        'GET',
        `/api/v1/jobs?host=${hostId}`,
      );
      for (const j of firstScans.body.items) await api.jobEnded(j.id);
      const scan = await api.runJob('scan-configs', hostId, {
        sshdConfigPath: host().sshd.configPath,
      });
      expect(scan.state, JSON.stringify(scan.error)).toBe('completed');
      await ctl.services.store.hostGroups.create(
        { id: 'web', name: 'web', description: 'test group', scanIntervalsMs: NO_OVERRIDES },
        Date.now(),
      );
      await ctl.services.store.hosts.update(hostId, { groupId: 'web' }, Date.now());
      // A line of the account's own that no directory change may touch.
      await writeFile(keysFile(), `# deploy's own key\n${foreign.publicKey}\n`, { mode: 0o644 });
      await writeFile(join(keyDir, 'ca.pem'), slapd.caPem);
      await writeFile(join(keyDir, 'bind-password'), `${slapd.adminPassword}\n`, { mode: 0o600 });
    }, 300_000);

    afterAll(async () => {
      await ctl?.stop();
      await fleet?.stop();
      await slapd?.stop();
      if (deploy) await removeTestUsers([deploy]);
      await rm(keyDir, { recursive: true, force: true });
    });

    it('an operator points Keywarden at the directory (CLI): the bind password is never shown or audited', async () => {
      const set = (await cli([
        'directory',
        'set',
        '--ldap-url',
        slapd.url,
        '--ca-file',
        join(keyDir, 'ca.pem'),
        '--bind-dn',
        ADMIN_DN,
        '--bind-password-file',
        join(keyDir, 'bind-password'),
        '--user-base',
        `ou=people,${SUFFIX}`,
        '--group-base',
        `ou=groups,${SUFFIX}`,
      ])) as Record<string, unknown>;
      expect(set).toMatchObject({ url: slapd.url, startTls: true, bindPasswordSet: true });
      const shown = await keywarden(['directory', 'show'], env);
      const audit = await ctl.api<{ items: AuditRecord[] }>('GET', '/api/v1/audit?limit=500');
      const stored = JSON.stringify(await ctl.services.store.directory.getLdap());
      for (const text of [JSON.stringify(set), shown.stdout, JSON.stringify(audit.body), stored])
        expect(text).not.toContain(slapd.adminPassword);
    });

    it('a sync brings people with their keys and groups (CLI people list/show)', async () => {
      const job = await sync();
      expect(job.state, JSON.stringify(job.error)).toBe('completed');
      const list = await people();
      expect(list.items.map((p) => [p.uid, p.state, p.groups, p.keys.length])).toEqual([
        ['alice', 'active', ['web-admins'], 1],
        ['bob', 'active', ['web-admins'], 1],
        ['carol', 'active', [], 0],
      ]);
      const aliceId = list.items[0]?.id as string;
      const shown = (await cli(['people', 'show', aliceId])) as { person: PersonRecord };
      expect(shown.person).toMatchObject({
        dn: userDn('alice'),
        email: 'alice@example.test',
        keys: [{ fingerprint: alice.fingerprint, source: 'directory' }],
      });
    });

    it('an access group maps web-admins to host group web as deploy: members log in over real ssh', async () => {
      expect(await loginCode(alice)).not.toBe(0);
      const noGroup = await keywarden(
        [
          'access-groups',
          'add',
          '--directory-group',
          'web-admins',
          '--group',
          'nope',
          '--account',
          deploy.name,
        ],
        env,
      );
      expect(noGroup.code).toBe(4);
      expect(noGroup.stderr).toContain('no host group nope');
      const badOption = await keywarden(
        [
          'access-groups',
          'add',
          '--directory-group',
          'web-admins',
          '--group',
          'web',
          '--account',
          deploy.name,
          '--option',
          'expiry-time=20300101',
        ],
        env,
      );
      expect(badOption.code).toBe(1);
      expect(badOption.stderr).toContain('expiry-time');
      expect(((await cli(['access-groups', 'list'])) as { items: unknown[] }).items).toEqual([]);
      await cli([
        'access-groups',
        'add',
        '--id',
        'web-admins-web',
        '--directory-group',
        'web-admins',
        '--group',
        'web',
        '--account',
        // The test's "deploy" account (its name carries the suite's prefix).
        deploy.name,
        '--option',
        'no-port-forwarding',
      ]);
      await waitFor('alice lets in', async () => (await loginCode(alice)) === 0);
      await waitFor('bob lets in', async () => (await loginCode(bob)) === 0);
      const listed = (await cli(['access-groups', 'list'])) as { items: Array<{ id: string }> };
      expect(listed.items.map((g) => g.id)).toEqual(['web-admins-web']);
      const keys = await readKeys();
      expect(keys).toContain(foreign.publicKey);
      expect(keys).toMatch(/no-port-forwarding.*ssh-ed25519/);
    });

    it('a sync that fails (wrong bind password) revokes nothing', async () => {
      await writeFile(join(keyDir, 'wrong-password'), 'not-the-password\n');
      await cli([
        'directory',
        'set',
        '--ldap-url',
        slapd.url,
        '--ca-file',
        join(keyDir, 'ca.pem'),
        '--bind-dn',
        ADMIN_DN,
        '--bind-password-file',
        join(keyDir, 'wrong-password'),
        '--user-base',
        `ou=people,${SUFFIX}`,
        '--group-base',
        `ou=groups,${SUFFIX}`,
      ]);
      const job = await sync();
      expect(job.state).toBe('failed');
      expect(job.error).toMatchObject({ code: 'DIRECTORY_UNAVAILABLE' });
      expect((await people()).items.every((p) => p.state === 'active')).toBe(true);
      expect(await loginCode(alice)).toBe(0);
      // A filter that matches nobody reads as "everyone left": refused, not applied.
      await cli([
        'directory',
        'set',
        '--ldap-url',
        slapd.url,
        '--ca-file',
        join(keyDir, 'ca.pem'),
        '--bind-dn',
        ADMIN_DN,
        '--bind-password-file',
        join(keyDir, 'bind-password'),
        '--user-base',
        `ou=people,${SUFFIX}`,
        '--group-base',
        `ou=groups,${SUFFIX}`,
        '--user-filter',
        '(uid=nobody-at-all)',
      ]);
      const empty = await sync();
      expect(empty.state).toBe('failed');
      expect(empty.error).toMatchObject({ code: 'DIRECTORY_UNAVAILABLE' });
      expect((await people()).items.every((p) => p.state === 'active')).toBe(true);
      expect(await loginCode(alice)).toBe(0);
      await cli([
        'directory',
        'set',
        '--ldap-url',
        slapd.url,
        '--ca-file',
        join(keyDir, 'ca.pem'),
        '--bind-dn',
        ADMIN_DN,
        '--bind-password-file',
        join(keyDir, 'bind-password'),
        '--user-base',
        `ou=people,${SUFFIX}`,
        '--group-base',
        `ou=groups,${SUFFIX}`,
      ]);
    });

    it('alice taken out of web-admins (ldapmodify): the next sync takes her key off and sshd refuses it; bob and the own line stay', async () => {
      await slapd.modify(
        `dn: ${groupDn('web-admins')}\nchangetype: modify\ndelete: member\nmember: ${userDn('alice')}\n`,
      );
      const job = await sync();
      expect(job.state, JSON.stringify(job.error)).toBe('completed');
      expect(job.result).toMatchObject({ access: { revoked: 1, granted: 0 } });
      await waitFor('alice refused', async () => (await loginCode(alice)) !== 0);
      expect(await loginCode(bob)).toBe(0);
      const keys = await readKeys();
      expect(keys).not.toContain(alice.publicKey.split(' ')[1]);
      expect(keys).toContain(`# deploy's own key\n${foreign.publicKey}`);
      expect(await loginCode(foreign)).toBe(0);
      const audit = await ctl.api<{ items: AuditRecord[] }>('GET', '/api/v1/audit?limit=500');
      expect(audit.body.items.map((a) => a.action)).toEqual(
        expect.arrayContaining(['person.groups-changed', 'access-group.revoked']),
      );
    });

    it('bob removed from the directory: he is marked left and his key goes at the same sync', async () => {
      await slapd.modify(`dn: ${userDn('bob')}\nchangetype: delete\n`);
      const job = await sync();
      expect(job.state, JSON.stringify(job.error)).toBe('completed');
      expect(job.result).toMatchObject({ left: 1, access: { revoked: 1 } });
      const bobNow = (await people()).items.find((p) => p.uid === 'bob');
      expect(bobNow?.state).toBe('left');
      await waitFor('bob refused', async () => (await loginCode(bob)) !== 0);
      expect(await loginCode(foreign)).toBe(0);
      expect(await readKeys()).toContain(foreign.publicKey);
    });
  },
);

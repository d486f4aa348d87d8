/**
 * People and access from a real directory, end to end, as docs/directory.md walks it:
 * Debian's slapd on loopback (over StartTLS, the CA pinned), a real controller managing a
 * real sshd host over SSH, the real CLI. A person with an SSH key in `web-admins` is synced,
 * the access group maps the group to host group `web` as `deploy`, and OpenSSH lets the key
 * in; keys found on the host are attributed to people (directory key, comment, by hand) and
 * accounts matched to them; taken out of the group, disabled (AD userAccountControl, through
 * a test schema: slapd has no such attribute) or removed from the directory, the next sync
 * takes the key off the host and OpenSSH refuses it, while other lines stay; the departed
 * person's account is marked and alerted on. A sync that fails (wrong bind password, or a
 * connection cut mid-sync) revokes nothing.
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
import { startCuttingProxy, type CuttingProxy } from '../../helpers/cutting-proxy';
import {
  ADMIN_DN,
  AD_ACCOUNT_CONTROL_SCHEMA,
  SUFFIX,
  startTestSlapd,
  type TestSlapd,
} from '../../helpers/slapd';
import { startTestController, type TestController } from '../../helpers/test-controller';
import {
  fleetApi,
  keywarden,
  login as sshLoginAs,
  waitFor,
} from '../authorizations/authorization-fleet';
import { group, groupDn, person, seed, userDn } from './directory-fixture';

type Key = Awaited<ReturnType<typeof generateClientKey>>;

/** A person whose account AD-style flags can disable (userAccountControl, test schema). */
const adPerson = (uid: string, name: string, keys: string[], uac: number) =>
  person(uid, name, keys).replace(
    'objectClass: ldapPublicKey\n',
    `objectClass: ldapPublicKey\nobjectClass: kwTestAdAccount\nuserAccountControl: ${uac}\n`,
  );

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
    let erin: TestUser;
    let hostId = '';
    let alice: Key;
    let bob: Key;
    let dave: Key;
    let carol: Key;
    let foreign: Key;
    let proxy: CuttingProxy;
    const ids: Record<string, string> = {};
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
    const directorySet = (over: { url?: string; passwordFile?: string; extra?: string[] } = {}) =>
      cli([
        'directory',
        'set',
        '--ldap-url',
        over.url ?? slapd.url,
        '--ca-file',
        join(keyDir, 'ca.pem'),
        '--bind-dn',
        ADMIN_DN,
        '--bind-password-file',
        over.passwordFile ?? join(keyDir, 'bind-password'),
        '--user-base',
        `ou=people,${SUFFIX}`,
        '--group-base',
        `ou=groups,${SUFFIX}`,
        '--page-size',
        '2',
        '--key-comment-pattern',
        '^([^@\\s]+)@example\\.test$',
        ...(over.extra ?? []),
      ]);

    beforeAll(async () => {
      keyDir = await mkdtemp(join(tmpdir(), 'kwt-ldap-'));
      await chmod(keyDir, 0o755);
      await mkdir(join(keyDir, 'homes'), { mode: 0o755 });
      deploy = await createTestUser({ name: 'deploy' }, join(keyDir, 'homes'));
      erin = await createTestUser({ name: 'erin' }, join(keyDir, 'homes'));
      [alice, bob, dave, carol, foreign] = await Promise.all([
        generateClientKey(keyDir, 'alice'),
        generateClientKey(keyDir, 'bob'),
        generateClientKey(keyDir, 'dave'),
        generateClientKey(keyDir, 'carol'),
        generateClientKey(keyDir, 'foreign'),
      ]);
      slapd = await startTestSlapd(
        seed(
          person('alice', 'Alice Admin', [alice.publicKey]),
          person('bob', 'Bob Builder', [bob.publicKey]),
          person('carol', 'Carol Other', []),
          adPerson('dave', 'Dave Disabled-Later', [dave.publicKey], 512),
          // A person whose uid is the name of an account on the host (account discovery by uid).
          person(erin.name, 'Erin Account', []),
          group('web-admins', [userDn('alice'), userDn('bob'), userDn('dave')]),
        ),
        { schema: AD_ACCOUNT_CONTROL_SCHEMA },
      );
      proxy = await startCuttingProxy(slapd.port);
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
      // A line of the account's own that no directory change may touch, and carol's key with
      // a comment naming her (attributed by the comment pattern).
      const carolLine = `${carol.publicKey.split(' ').slice(0, 2).join(' ')} carol@example.test`;
      await writeFile(keysFile(), `# deploy's own key\n${foreign.publicKey}\n${carolLine}\n`, {
        mode: 0o644,
      });
      await writeFile(join(keyDir, 'ca.pem'), slapd.caPem);
      await writeFile(join(keyDir, 'bind-password'), `${slapd.adminPassword}\n`, { mode: 0o600 });
    }, 300_000);

    afterAll(async () => {
      await ctl?.stop();
      await fleet?.stop();
      await proxy?.stop();
      await slapd?.stop();
      await removeTestUsers([deploy, erin].filter((u) => u !== undefined));
      await rm(keyDir, { recursive: true, force: true });
    });

    it('an operator points Keywarden at the directory (CLI): the bind password is never shown or audited', async () => {
      const set = (await directorySet()) as Record<string, unknown>;
      expect(set).toMatchObject({
        url: slapd.url,
        startTls: true,
        bindPasswordSet: true,
        pageSize: 2,
        incremental: true,
      });
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
      expect(job.result).toMatchObject({ mode: 'full', serverKind: 'ldap', users: 5 });
      expect(list.items.map((p) => [p.uid, p.state, p.groups, p.keys.length])).toEqual([
        ['alice', 'active', ['web-admins'], 1],
        ['bob', 'active', ['web-admins'], 1],
        ['carol', 'active', [], 0],
        ['dave', 'active', ['web-admins'], 1],
        [erin.name, 'active', [], 0],
      ]);
      for (const p of list.items) ids[p.uid === erin.name ? 'erin' : p.uid] = p.id;
      const aliceId = ids.alice as string;
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

    it('keys found on the host are attributed to people: by the directory, by comment, by hand (people show, keys show)', async () => {
      // What the access group placed and the account's own lines, as a scan finds them;
      // and the host's accounts (erin's by uid).
      const scan = await api.runJob('scan-full', hostId, {
        sshdConfigPath: host().sshd.configPath,
      });
      expect(scan.state, JSON.stringify(scan.error)).toBe('completed');
      const discovery = await api.runJob('account-discovery', null, {});
      expect(discovery.state, JSON.stringify(discovery.error)).toBe('completed');
      const shown = async (fp: string) =>
        (await cli(['keys', 'show', fp])) as {
          owner: { personId: string; method: string; uid: string } | null;
        };
      expect((await shown(alice.fingerprint)).owner).toMatchObject({
        personId: ids.alice,
        method: 'directory',
        uid: 'alice',
      });
      expect((await shown(carol.fingerprint)).owner).toMatchObject({
        personId: ids.carol,
        method: 'comment',
      });
      expect((await shown(foreign.fingerprint)).owner).toBeNull();
      const human = await keywarden(['keys', 'show', carol.fingerprint], env);
      expect(human.stdout).toContain('owner: Carol Other (carol, active) by comment');
      // By hand: the account's own key is bob's.
      await cli(['keys', 'attribute', foreign.fingerprint, '--person', ids.bob as string]);
      expect((await shown(foreign.fingerprint)).owner).toMatchObject({
        personId: ids.bob,
        method: 'manual',
      });
      const unknown = await keywarden(
        ['keys', 'attribute', foreign.fingerprint, '--person', 'nobody'],
        env,
      );
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain('no person nobody');
      const carolShown = (await cli(['people', 'show', ids.carol as string])) as {
        fleetKeys: Array<{ fingerprint: string; method: string }>;
      };
      expect(carolShown.fleetKeys).toEqual([
        expect.objectContaining({ fingerprint: carol.fingerprint, method: 'comment' }),
      ]);
      // Fleet accounts: erin's by uid; the deploy account mapped to bob by hand.
      const erinShown = (await cli(['people', 'show', ids.erin as string])) as {
        accounts: Array<{ hostId: string; account: string; method: string; departed: boolean }>;
      };
      expect(erinShown.accounts).toEqual([
        expect.objectContaining({ hostId, account: erin.name, method: 'uid', departed: false }),
      ]);
      const mapped = (await cli([
        'people',
        'map-account',
        '--account',
        deploy.name,
        '--host',
        hostId,
        '--person',
        ids.bob as string,
      ])) as { jobId: string };
      expect((await api.jobEnded(mapped.jobId)).state).toBe('completed');
      const bobAccounts = (await cli(['people', 'accounts', '--person', ids.bob as string])) as {
        items: Array<{ account: string; method: string; departed: boolean }>;
      };
      expect(bobAccounts.items).toEqual([
        expect.objectContaining({ account: deploy.name, method: 'mapping', departed: false }),
      ]);
      const audit = await ctl.api<{ items: AuditRecord[] }>('GET', '/api/v1/audit?limit=500');
      expect(audit.body.items.map((a) => a.action)).toEqual(
        expect.arrayContaining(['key.attributed', 'key.owner.set', 'account-mapping.add']),
      );
    });

    it('a sync that fails (wrong bind password, or the connection cut mid-sync) revokes nothing', async () => {
      await writeFile(join(keyDir, 'wrong-password'), 'not-the-password\n');
      await directorySet({ passwordFile: join(keyDir, 'wrong-password') });
      const job = await sync();
      expect(job.state).toBe('failed');
      expect(job.error).toMatchObject({ code: 'DIRECTORY_UNAVAILABLE' });
      expect((await people()).items.every((p) => p.state === 'active')).toBe(true);
      expect(await loginCode(alice)).toBe(0);
      // A filter that matches nobody reads as "everyone left": refused, not applied.
      await directorySet({ extra: ['--user-filter', '(uid=nobody-at-all)'] });
      const empty = await sync();
      expect(empty.state).toBe('failed');
      expect(empty.error).toMatchObject({ code: 'DIRECTORY_UNAVAILABLE' });
      expect((await people()).items.every((p) => p.state === 'active')).toBe(true);
      expect(await loginCode(alice)).toBe(0);
      // Through a proxy that drops the connection half way through a sync's conversation.
      await directorySet({ url: `ldap://127.0.0.1:${proxy.port}` });
      const through = await sync();
      expect(through.state, JSON.stringify(through.error)).toBe('completed');
      proxy.cutAfter(Math.floor(proxy.serverBytes() / 2));
      const cut = await sync();
      expect(cut.state).toBe('failed');
      expect(cut.error).toMatchObject({ code: 'DIRECTORY_UNAVAILABLE' });
      expect((await people()).items.every((p) => p.state === 'active')).toBe(true);
      expect(await loginCode(alice)).toBe(0);
      expect(await loginCode(dave)).toBe(0);
      proxy.cutAfter(null);
      await directorySet();
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

    it('an access group of people listed by hand: alice put in gets her key back; taken out, it goes', async () => {
      expect(await loginCode(alice)).not.toBe(0);
      await cli([
        'access-groups',
        'add',
        '--id',
        'by-hand',
        '--member',
        ids.alice as string,
        '--group',
        'web',
        '--account',
        deploy.name,
      ]);
      await waitFor('alice lets in again', async () => (await loginCode(alice)) === 0);
      const last = await keywarden(
        ['access-groups', 'remove-member', 'by-hand', '--person', ids.alice as string],
        env,
      );
      expect(last.code).not.toBe(0);
      expect(last.stderr).toContain('remove the access group instead');
      await cli(['access-groups', 'add-member', 'by-hand', '--person', ids.carol as string]);
      await cli(['access-groups', 'remove-member', 'by-hand', '--person', ids.alice as string]);
      await waitFor('alice refused again', async () => (await loginCode(alice)) !== 0);
      const shown = (await cli(['access-groups', 'show', 'by-hand'])) as {
        accessGroup: { directoryGroup: string | null; members: string[] };
        members: Array<{ uid: string }>;
      };
      expect(shown.accessGroup).toMatchObject({ directoryGroup: null, members: [ids.carol] });
      expect(shown.members.map((m) => m.uid)).toEqual(['carol']);
      await cli(['access-groups', 'remove', 'by-hand']);
      expect(await loginCode(bob)).toBe(0);
      const audit = await ctl.api<{ items: AuditRecord[] }>('GET', '/api/v1/audit?limit=500');
      expect(audit.body.items.map((a) => a.action)).toEqual(
        expect.arrayContaining(['access-group.member-add', 'access-group.member-remove']),
      );
    });

    it('dave disabled in the directory (userAccountControl 514): the next, incremental, sync marks him left and sshd refuses his key', async () => {
      expect(await loginCode(dave)).toBe(0);
      await slapd.modify(
        `dn: ${userDn('dave')}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 514\n`,
      );
      const job = await sync();
      expect(job.state, JSON.stringify(job.error)).toBe('completed');
      expect(job.result).toMatchObject({ mode: 'incremental', left: 1, access: { revoked: 1 } });
      expect((await people()).items.find((p) => p.uid === 'dave')?.state).toBe('left');
      await waitFor('dave refused', async () => (await loginCode(dave)) !== 0);
      expect(await loginCode(bob)).toBe(0);
      const audit = await ctl.api<{ items: AuditRecord[] }>('GET', '/api/v1/audit?limit=500');
      expect(
        audit.body.items.find((a) => a.action === 'person.left' && a.subject === ids.dave)?.details,
      ).toMatchObject({ reason: 'disabled in the directory' });
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
      // Deleted, not disabled: still found by an incremental run (every user's id is listed).
      expect(job.result).toMatchObject({ mode: 'incremental' });
    });

    it("bob's account (mapped to him) is marked departed and raises an alert", async () => {
      const departed = (await cli(['people', 'accounts', '--departed'])) as {
        items: Array<{ hostId: string; account: string; personId: string }>;
      };
      expect(departed.items).toEqual([
        expect.objectContaining({ hostId, account: deploy.name, personId: ids.bob }),
      ]);
      const human = await keywarden(['people', 'accounts', '--departed'], env);
      expect(human.stdout).toContain('DEPARTED');
      const alerts = await ctl.api<{
        items: Array<{ type: string; state: string; message: string }>;
      }>('GET', '/api/v1/alerts?type=departed-person-account');
      expect(alerts.body.items).toEqual([
        expect.objectContaining({
          state: 'open',
          message: expect.stringContaining(`account ${deploy.name}`),
        }),
      ]);
      const audit = await ctl.api<{ items: AuditRecord[] }>('GET', '/api/v1/audit?limit=500');
      expect(audit.body.items.map((a) => a.action)).toContain('account.owner-departed');
      // Erin (by uid) is still active: her account is not marked.
      expect(departed.items.some((a) => a.account === erin.name)).toBe(false);
    });
  },
);

/**
 * What a sync reads from a real OpenLDAP server (Debian's slapd on loopback, StartTLS with
 * the CA pinned): paged searches past a server size limit, nested groups with a cycle and
 * a depth bound, AD's userAccountControl disabled bit (slapd has no such attribute: the test
 * loads a small schema defining it, AD_ACCOUNT_CONTROL_SCHEMA), an incremental read by
 * modifyTimestamp, and a connection dropped mid-read failing the whole read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDirectoryChanges } from '../../../controller/directory/directory-changes';
import { formatGeneralizedTime } from '../../../controller/directory/ldap-filters';
import { readFullDirectory } from '../../../controller/directory/read-directory';
import type { LdapSettingsRecord } from '../../../controller/store/directory-records';
import { startCuttingProxy } from '../../helpers/cutting-proxy';
import {
  AD_ACCOUNT_CONTROL_SCHEMA,
  SUFFIX,
  startTestSlapd,
  type TestSlapd,
} from '../../helpers/slapd';
import { group, groupDn, person, seed, userDn } from './directory-fixture';

const SERVICE_DN = `cn=keywarden,${SUFFIX}`;
const SERVICE_PASSWORD = 'service-account-secret';
const PEOPLE = Array.from({ length: 12 }, (_, i) => `user${String(i).padStart(2, '0')}`);
const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl k@laptop';

const adUser = (uid: string, uac: number) => `dn: ${userDn(uid)}
objectClass: inetOrgPerson
objectClass: kwTestAdAccount
uid: ${uid}
cn: ${uid}
sn: ${uid}
userAccountControl: ${uac}
`;

describe('directory reads against a real slapd', { timeout: 120_000 }, () => {
  let slapd: TestSlapd;
  let settings: LdapSettingsRecord;

  beforeAll(async () => {
    slapd = await startTestSlapd(
      seed(
        `dn: ${SERVICE_DN}\nobjectClass: person\ncn: keywarden\nsn: service\nuserPassword: ${SERVICE_PASSWORD}\n`,
        ...PEOPLE.map((u) => person(u, `Person ${u}`, [KEY])),
        adUser('ad-enabled', 512),
        adUser('ad-disabled', 514),
        // ring-a → ring-b → ring-c → ring-a: a cycle; each ring holds one person.
        group('ring-a', [userDn('user00'), groupDn('ring-b')]),
        group('ring-b', [userDn('user01'), groupDn('ring-c')]),
        group('ring-c', [userDn('user02'), groupDn('ring-a')]),
        group('flat', [userDn('user03')]),
      ),
      {
        schema: AD_ACCOUNT_CONTROL_SCHEMA,
        // The service account sees at most 5 entries a search unless it pages, in pages of at most 4.
        databaseConf: `limits dn.exact="${SERVICE_DN}" size.soft=5 size.hard=5 size.pr=4 size.prtotal=unlimited`,
      },
    );
    settings = {
      url: slapd.url,
      startTls: true,
      caCertificate: slapd.caPem,
      bindDn: SERVICE_DN,
      bindPasswordSealed: 'unused here',
      userBase: `ou=people,${SUFFIX}`,
      userFilter: '(objectClass=inetOrgPerson)',
      groupBase: `ou=groups,${SUFFIX}`,
      groupFilter: '(objectClass=groupOfNames)',
      pageSize: 4,
      updatedAt: 0,
      updatedBy: 'test',
    };
  }, 60_000);

  afterAll(async () => {
    await slapd?.stop();
  });

  it('pages past the server size limit with the configured page size; a page size the server refuses fails the read', async () => {
    const read = await readFullDirectory(settings, SERVICE_PASSWORD);
    expect(read.users).toHaveLength(PEOPLE.length + 2);
    expect(read.serverKind).toBe('ldap');
    // Pages of 50 exceed what the server allows (adminLimitExceeded): the read fails whole.
    await expect(
      readFullDirectory({ ...settings, pageSize: 50 }, SERVICE_PASSWORD),
    ).rejects.toMatchObject({ code: 'DIRECTORY_UNAVAILABLE' });
  });

  it('follows nested groups through a cycle, and no deeper than nestingDepth', async () => {
    const groupsOf = (users: Array<{ uid: string; groups: string[] }>, uid: string) =>
      users.find((u) => u.uid === uid)?.groups;
    const deep = await readFullDirectory(settings, SERVICE_PASSWORD);
    for (const u of ['user00', 'user01', 'user02'])
      expect(groupsOf(deep.users, u)).toEqual(['ring-a', 'ring-b', 'ring-c']);
    expect(groupsOf(deep.users, 'user03')).toEqual(['flat']);
    expect(deep.tooDeep).toEqual([]);
    const shallow = await readFullDirectory({ ...settings, nestingDepth: 1 }, SERVICE_PASSWORD);
    // One level: ring-b holds ring-c (user02's), not ring-c's ring-a (user00's).
    expect(groupsOf(shallow.users, 'user02')).toEqual(['ring-b', 'ring-c']);
    expect(groupsOf(shallow.users, 'user00')).toEqual(['ring-a', 'ring-c']);
    expect(shallow.tooDeep.length).toBeGreaterThan(0);
  });

  it("reads AD's userAccountControl ACCOUNTDISABLE bit (0x2) as disabled", async () => {
    const { users } = await readFullDirectory(settings, SERVICE_PASSWORD);
    expect(users.find((u) => u.uid === 'ad-disabled')?.disabled).toBe(true);
    expect(users.find((u) => u.uid === 'ad-enabled')?.disabled).toBe(false);
  });

  it('reads only what changed since the mark (modifyTimestamp), yet lists every user present', async () => {
    const full = await readFullDirectory(settings, SERVICE_PASSWORD);
    expect(full.mark?.attribute).toBe('modifyTimestamp');
    const allGroups = new Set(['ring-a', 'ring-b', 'ring-c', 'flat']);
    // A mark whose one-minute overlap starts after the seed was written: nothing before counts.
    await new Promise((r) => setTimeout(r, 1_100));
    const since = {
      attribute: 'modifyTimestamp' as const,
      value: formatGeneralizedTime(Math.floor(Date.now() / 1000) * 1000 + 60_000),
    };
    const quiet = await readDirectoryChanges(settings, SERVICE_PASSWORD, since, allGroups);
    expect(quiet).toMatchObject({ changed: [], members: null });
    expect(quiet?.present.size).toBe(PEOPLE.length + 2);
    await slapd.modify(
      `dn: ${userDn('user05')}\nchangetype: modify\nreplace: mail\nmail: new@example.test\n`,
    );
    const one = await readDirectoryChanges(settings, SERVICE_PASSWORD, since, allGroups);
    expect(one?.changed.map((u) => [u.uid, u.email, u.groups])).toEqual([
      ['user05', 'new@example.test', []],
    ]);
    expect(one?.members).not.toBeNull();
    // A group people were in that is gone makes the groups read again.
    const gone = await readDirectoryChanges(
      settings,
      SERVICE_PASSWORD,
      one?.mark ?? since,
      new Set([...allGroups, 'deleted-group']),
    );
    expect(gone?.members?.get('flat')).toBeDefined();
    // A mark of another kind (AD's USN against this server) is not used: the caller reads whole.
    expect(
      await readDirectoryChanges(
        settings,
        SERVICE_PASSWORD,
        { attribute: 'uSNChanged', value: '100' },
        allGroups,
      ),
    ).toBeNull();
  });

  it('a connection dropped mid-read fails the whole read at once, not after the operation timeout', async () => {
    const proxy = await startCuttingProxy(slapd.port);
    try {
      const via = { ...settings, url: `ldap://127.0.0.1:${proxy.port}` };
      await readFullDirectory(via, SERVICE_PASSWORD);
      const whole = proxy.serverBytes();
      proxy.cutAfter(Math.floor(whole / 2));
      const started = Date.now();
      await expect(
        readFullDirectory(via, SERVICE_PASSWORD, { timeoutMs: 120_000 }),
      ).rejects.toMatchObject({
        code: 'DIRECTORY_UNAVAILABLE',
        message: expect.stringContaining('Connection closed'),
      });
      // A generous bound: far below the 120 s operation timeout a hung unbind used to wait.
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      await proxy.stop();
    }
  });
});

/**
 * Reading a real OpenLDAP server (Debian's slapd on loopback): StartTLS with the CA
 * pinned, users with their sshPublicKey values, group membership through nested groups,
 * and a server that refuses or goes away failing the whole read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDirectory } from '../../../controller/directory/read-directory';
import type { LdapSettingsRecord } from '../../../controller/store/directory-records';
import { ADMIN_DN, SUFFIX, startTestSlapd, type TestSlapd } from '../../helpers/slapd';
import { group, groupDn, person, seed, userDn } from './directory-fixture';

const KEY_A =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop';

describe('read-directory: a real slapd over StartTLS', () => {
  let slapd: TestSlapd;
  let settings: LdapSettingsRecord;

  beforeAll(async () => {
    slapd = await startTestSlapd(
      seed(
        person('alice', 'Alice Admin', [KEY_A]),
        person('bob', 'Bob Builder', []),
        group('web-admins', [userDn('alice')]),
        group('staff', [groupDn('web-admins'), userDn('bob')]),
      ),
    );
    settings = {
      url: slapd.url,
      startTls: true,
      caCertificate: slapd.caPem,
      bindDn: ADMIN_DN,
      bindPasswordSealed: 'unused here',
      userBase: `ou=people,${SUFFIX}`,
      userFilter: '(objectClass=inetOrgPerson)',
      groupBase: `ou=groups,${SUFFIX}`,
      groupFilter: '(objectClass=groupOfNames)',
      updatedAt: 0,
      updatedBy: 'test',
    };
  }, 60_000);

  afterAll(async () => {
    await slapd?.stop();
  });

  it('reads users, keys and groups, nested groups included', async () => {
    const users = await readDirectory(settings, slapd.adminPassword);
    const alice = users.find((u) => u.uid === 'alice');
    expect(alice).toMatchObject({
      dn: userDn('alice'),
      name: 'Alice Admin',
      email: 'alice@example.test',
      sshPublicKeys: [KEY_A],
      disabled: false,
      groups: ['staff', 'web-admins'],
    });
    // entryUUID, not the DN: a rename keeps the person.
    expect(alice?.directoryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(users.find((u) => u.uid === 'bob')?.groups).toEqual(['staff']);
  });

  it('reads an account locked by ppolicy (pwdAccountLockedTime) as disabled', async () => {
    await slapd.modify(
      `dn: ${userDn('bob')}\nchangetype: modify\nreplace: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z\n`,
    );
    try {
      const users = await readDirectory(settings, slapd.adminPassword);
      expect(users.find((u) => u.uid === 'bob')?.disabled).toBe(true);
      expect(users.find((u) => u.uid === 'alice')?.disabled).toBe(false);
    } finally {
      await slapd.modify(
        `dn: ${userDn('bob')}\nchangetype: modify\ndelete: pwdAccountLockedTime\n`,
      );
    }
  });

  it('reads the same over ldaps://', async () => {
    const users = await readDirectory(
      { ...settings, url: slapd.ldapsUrl, startTls: false },
      slapd.adminPassword,
    );
    expect(users.map((u) => u.uid).sort()).toEqual(['alice', 'bob']);
  });

  it('refuses a server whose certificate does not chain to the pinned CA', async () => {
    const other = await startTestSlapd(seed());
    try {
      await expect(
        readDirectory({ ...settings, caCertificate: other.caPem }, slapd.adminPassword),
      ).rejects.toMatchObject({ code: 'DIRECTORY_UNAVAILABLE' });
    } finally {
      await other.stop();
    }
  });

  it('fails the whole read on a wrong password or a server that is gone', async () => {
    await expect(readDirectory(settings, 'wrong')).rejects.toMatchObject({
      code: 'DIRECTORY_UNAVAILABLE',
    });
    const gone = await startTestSlapd(seed());
    const url = gone.url;
    await gone.stop();
    await expect(
      readDirectory({ ...settings, url }, slapd.adminPassword, { timeoutMs: 5_000 }),
    ).rejects.toMatchObject({ code: 'DIRECTORY_UNAVAILABLE' });
  });
});

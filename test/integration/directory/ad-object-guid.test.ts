/**
 * Active Directory's objectGUID as the person's directory id, read over the wire from a
 * real slapd (Debian's, StartTLS with the CA pinned) that carries the attribute as binary
 * through a small test schema (AD_OBJECT_GUID_SCHEMA): the id is the GUID's string form, a
 * person an earlier version keyed by the DN is adopted with their grants, and a renamed and
 * moved user keeps their person, groups and grants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGeneralizedTime } from '../../../controller/directory/ldap-filters';
import { LDAP_BIND_PASSWORD_CONTEXT } from '../../../controller/directory/ldap-settings';
import { readFullDirectory } from '../../../controller/directory/read-directory';
import type { LdapSyncResult } from '../../../controller/directory/ldap-sync-run';
import { secretBoxFor } from '../../../controller/secrets/secret-boxes';
import { toPersonKey } from '../../../controller/directory/person-keys';
import type {
  LdapSettingsRecord,
  PersonKey,
  PersonRecord,
} from '../../../controller/store/directory-records';
import { NO_OVERRIDES } from '../../../controller/store/host-records';
import { AD_OBJECT_GUID_SCHEMA, SUFFIX, startTestSlapd, type TestSlapd } from '../../helpers/slapd';
import { startTestEngine, type TestEngine } from '../../helpers/test-engine';
import { group, person, seed, userDn } from './directory-fixture';

const SERVICE_DN = `cn=keywarden,${SUFFIX}`;
const SERVICE_PASSWORD = 'service-account-secret';
const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop';
// The bytes of an AD objectGUID and the string form AD's tools show for it.
const ALICE_GUID_BYTES = Buffer.from('74E5D2BC588D3641A9DF8A19B145DB79', 'hex');
const ALICE_GUID = 'bcd2e574-8d58-4136-a9df-8a19b145db79';

const withGuid = (entry: string, guid: Buffer) =>
  entry.replace(
    'objectClass: ldapPublicKey\n',
    `objectClass: ldapPublicKey\nobjectClass: kwTestAdObject\nobjectGUID:: ${guid.toString('base64')}\n`,
  );

describe('objectGUID as the directory id, against a real slapd', { timeout: 120_000 }, () => {
  let slapd: TestSlapd;
  let settings: LdapSettingsRecord;
  let t: TestEngine;

  beforeAll(async () => {
    slapd = await startTestSlapd(
      seed(
        `dn: ${SERVICE_DN}\nobjectClass: person\ncn: keywarden\nsn: service\nuserPassword: ${SERVICE_PASSWORD}\n`,
        `dn: ou=eng,ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: eng\n`,
        withGuid(person('alice', 'Alice Admin', [KEY]), ALICE_GUID_BYTES),
        withGuid(person('mallory', 'Mallory Short', []), Buffer.from('0102030405', 'hex')),
        group('web-admins', [userDn('alice')]),
      ),
      { schema: AD_OBJECT_GUID_SCHEMA },
    );
    t = await startTestEngine();
    settings = {
      url: slapd.url,
      startTls: true,
      caCertificate: slapd.caPem,
      bindDn: SERVICE_DN,
      bindPasswordSealed: secretBoxFor(t.config).seal(SERVICE_PASSWORD, LDAP_BIND_PASSWORD_CONTEXT),
      userBase: `ou=people,${SUFFIX}`,
      userFilter: '(objectClass=inetOrgPerson)',
      groupBase: `ou=groups,${SUFFIX}`,
      groupFilter: '(objectClass=groupOfNames)',
      updatedAt: 1,
      updatedBy: 'test',
    };
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await slapd?.stop();
  });

  const run = async (type: string) => {
    const { job } = await t.queue.enqueueByName(type, {}, { createdBy: 'test', trigger: 'admin' });
    const done = await t.waitForState(job.id, ['completed', 'failed'], 60_000);
    expect(done.state, JSON.stringify(done.error)).toBe('completed');
    return done.result as LdapSyncResult;
  };

  it('reads objectGUID as bytes and keys the user by its GUID string; a value of another length is refused', async () => {
    const read = await readFullDirectory(settings, SERVICE_PASSWORD);
    const alice = read.users.find((u) => u.uid === 'alice');
    expect(alice?.directoryId).toBe(ALICE_GUID);
    // The entryUUID and the DN an earlier sync may have keyed the person by.
    expect(alice?.formerIds).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/), userDn('alice')]);
    expect(read.users.map((u) => u.uid)).toEqual(['alice']);
    expect(read.refused).toEqual([
      { dn: userDn('mallory'), reason: 'objectGUID is 5 bytes, not 16 bytes' },
    ]);
  });

  it('adopts a person keyed by the DN with their grants, and keeps them through a rename and a move', async () => {
    const now = Date.now();
    await t.store.directory.putLdap(settings);
    await t.store.hostGroups.create(
      { id: 'web', name: 'web', description: '', scanIntervalsMs: NO_OVERRIDES },
      now,
    );
    // As an earlier version stored an AD user: keyed by the DN.
    const before: PersonRecord = {
      id: 'person-alice',
      directoryId: userDn('alice'),
      dn: userDn('alice'),
      uid: 'alice',
      name: 'Alice Admin',
      email: 'alice@example.test',
      state: 'active',
      keys: [toPersonKey(KEY, 'directory') as PersonKey],
      groups: ['web-admins'],
      createdAt: now,
      updatedAt: now,
      leftAt: null,
    };
    await t.store.directory.putPerson(before);
    await t.store.directory.addAccessGroup({
      id: 'web-admins-web',
      directoryGroup: 'web-admins',
      hostGroupId: 'web',
      account: 'deploy',
      options: [],
      createdBy: 'test',
      createdAt: now,
    });
    expect(await run('access-groups-processing')).toMatchObject({ granted: 1 });
    const grants = await t.store.directory.listGrants({ personId: 'person-alice' });
    expect(grants).toHaveLength(1);

    // Where the earlier version's last sync left off: this run would read only the changes,
    // but the users it lists under ids it does not know make it a full one.
    await t.store.directory.putSyncState({
      settingsUpdatedAt: settings.updatedAt,
      serverKind: 'ldap',
      // Later than the seed, overlap included: no user counts as changed since.
      mark: { attribute: 'modifyTimestamp', value: formatGeneralizedTime(now + 120_000) },
      runsSinceFull: 0,
      lastFullAt: now,
      lastRunAt: now,
    });
    const first = await run('ldap-sync');
    expect(first).toMatchObject({ mode: 'full', adopted: 1, created: 0, left: 0 });
    const people = await t.store.directory.listPeople();
    const mallory = people.find((p) => p.uid === 'mallory');
    expect(mallory).toBeUndefined();
    expect(people).toHaveLength(1);
    const adopted = people[0] as PersonRecord;
    expect(adopted).toMatchObject({
      id: 'person-alice',
      directoryId: ALICE_GUID,
      state: 'active',
      groups: ['web-admins'],
    });
    expect(await t.store.directory.listGrants({ personId: 'person-alice' })).toEqual(grants);
    expect(first.access).toMatchObject({ granted: 0, revoked: 0 });
    const audit = await t.store.audit.list(
      { action: 'person.directory-id-changed' },
      { limit: 10 },
    );
    expect(audit.items.map((a) => [a.subject, a.details])).toEqual([
      ['person-alice', expect.objectContaining({ before: userDn('alice'), after: ALICE_GUID })],
    ]);

    // Renamed and moved (AD: a new sAMAccountName and OU): the GUID does not change.
    await slapd.modify(
      `dn: ${userDn('alice')}\nchangetype: modrdn\nnewrdn: uid=alice.smith\ndeleteoldrdn: 1\nnewsuperior: ou=eng,ou=people,${SUFFIX}\n`,
    );
    await slapd.modify(
      `dn: cn=web-admins,ou=groups,${SUFFIX}\nchangetype: modify\nreplace: member\nmember: uid=alice.smith,ou=eng,ou=people,${SUFFIX}\n`,
    );
    const second = await run('ldap-sync');
    expect(second).toMatchObject({
      mode: 'incremental',
      created: 0,
      left: 0,
      access: { granted: 0, revoked: 0 },
    });
    const after = await t.store.directory.getPerson('person-alice');
    expect(after).toMatchObject({
      directoryId: ALICE_GUID,
      dn: `uid=alice.smith,ou=eng,ou=people,${SUFFIX}`,
      uid: 'alice.smith',
      state: 'active',
      groups: ['web-admins'],
    });
    expect(await t.store.directory.listPeople()).toHaveLength(1);
    expect(await t.store.directory.listGrants({ personId: 'person-alice' })).toEqual(grants);

    // A run with nothing changed since the mark knows who is there from the light listing
    // alone: it must list her by the same id (objectGUID), or she would be taken as gone.
    const state = await t.store.directory.getSyncState();
    await t.store.directory.putSyncState({
      ...(state as NonNullable<typeof state>),
      mark: { attribute: 'modifyTimestamp', value: formatGeneralizedTime(Date.now() + 120_000) },
    });
    expect(await run('ldap-sync')).toMatchObject({ mode: 'incremental', users: 0, left: 0 });
    expect((await t.store.directory.getPerson('person-alice'))?.state).toBe('active');
    expect(await t.store.directory.listGrants({ personId: 'person-alice' })).toEqual(grants);
  });
});

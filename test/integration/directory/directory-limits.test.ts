/**
 * Bounds on what a directory sends, against a real slapd (Debian's, on loopback): more
 * sshPublicKey values than a person may have, a key value too long, a display name too long,
 * one message larger than the bound, and a page larger than the page size asked for (a proxy
 * raises the size in the request, as a server that ignores it would answer), groups nested
 * deeper than nestingDepth, a group name over its bound. Each is refused
 * by name — in the job result and, once when new, in the audit — never cut short.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECTORY_LIMITS } from '../../../controller/directory/directory-limits';
import { formatGeneralizedTime } from '../../../controller/directory/ldap-filters';
import { LDAP_BIND_PASSWORD_CONTEXT } from '../../../controller/directory/ldap-settings';
import type { LdapSyncResult } from '../../../controller/directory/ldap-sync-run';
import { readFullDirectory } from '../../../controller/directory/read-directory';
import { secretBoxFor } from '../../../controller/secrets/secret-boxes';
import type { LdapSettingsRecord } from '../../../controller/store/directory-records';
import { startPagingProxy } from '../../helpers/paging-proxy';
import { SUFFIX, startTestSlapd, type TestSlapd } from '../../helpers/slapd';
import { startTestEngine, type TestEngine } from '../../helpers/test-engine';
import { group, groupDn, person, seed, userDn } from './directory-fixture';

const SERVICE_DN = `cn=keywarden,${SUFFIX}`;
const SERVICE_PASSWORD = 'service-account-secret';
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
/** A well-formed ed25519 public key line with a fresh key. */
const newKey = (comment: string) => {
  const blob = Buffer.concat([
    u32(11),
    Buffer.from('ssh-ed25519'),
    u32(32),
    randomBytes(32),
  ]).toString('base64');
  return `ssh-ed25519 ${blob} ${comment}`;
};
const PEOPLE = Array.from({ length: 8 }, (_, i) => `user${i}`);
const MANY_KEYS = Array.from({ length: DIRECTORY_LIMITS.keysPerPerson + 1 }, (_, i) =>
  newKey(`k${i}`),
);
const GOOD_KEY = newKey('good@laptop');
const LONG_GROUP = 'g'.repeat(DIRECTORY_LIMITS.groupNameChars + 1);
const LONG_GROUP_REFUSAL = {
  dn: groupDn('long-name'),
  reason: `cn is ${LONG_GROUP.length} characters, more than ${DIRECTORY_LIMITS.groupNameChars}`,
};
// A valid key whose comment makes the line longer than the bound.
const LONG_KEY = newKey('x'.repeat(DIRECTORY_LIMITS.keyLineChars));

describe('bounds on what the directory sends', { timeout: 120_000 }, () => {
  let slapd: TestSlapd;
  let settings: LdapSettingsRecord;
  let t: TestEngine;

  beforeAll(async () => {
    slapd = await startTestSlapd(
      seed(
        `dn: ${SERVICE_DN}\nobjectClass: person\ncn: keywarden\nsn: service\nuserPassword: ${SERVICE_PASSWORD}\n`,
        ...PEOPLE.map((u) => person(u, `Person ${u}`, [])),
        person('keyring', 'Key Ring', MANY_KEYS),
        person('bigkey', 'Big Key', [GOOD_KEY, LONG_KEY]),
        person('longname', 'Long Name', []),
        // deep-a → deep-b → deep-c: two levels, one more than nestingDepth 1.
        group('deep-a', [groupDn('deep-b')]),
        group('deep-b', [groupDn('deep-c')]),
        group('deep-c', [userDn('user0')]),
        // Its RDN is short (slapd's database bounds a DN), its other name is not.
        `${group('long-name', [userDn('user1')])}cn: ${LONG_GROUP}\n`,
      ),
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
      pageSize: 4,
      nestingDepth: 1,
      updatedAt: 1,
      updatedBy: 'test',
    };
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    await slapd?.stop();
  });

  const run = async () => {
    const { job } = await t.queue.enqueueByName(
      'ldap-sync',
      {},
      { createdBy: 'test', trigger: 'admin' },
    );
    const done = await t.waitForState(job.id, ['completed', 'failed'], 60_000);
    expect(done.state, JSON.stringify(done.error)).toBe('completed');
    return done.result as LdapSyncResult;
  };
  const limitAudits = async () =>
    (await t.store.audit.list({ action: 'directory.limits-exceeded' }, { limit: 10 })).items;
  const personByUid = async (uid: string) =>
    (await t.store.directory.listPeople()).find((p) => p.uid === uid);

  it('takes none of the keys of a person over the key bound, rejects a key line over its length, refuses an entry with a name over its bound; audits each once', async () => {
    await t.store.directory.putLdap(settings);
    const first = await run();
    expect(first).toMatchObject({
      mode: 'full',
      tooManyKeys: [userDn('keyring')],
      rejectedKeys: 1,
      refusedEntries: [LONG_GROUP_REFUSAL],
      nestingTooDeep: [groupDn('deep-b')],
    });
    expect((await personByUid('keyring'))?.keys).toEqual([]);
    // No one is a member through a refused group.
    expect((await personByUid('user1'))?.groups).toEqual([]);
    expect((await personByUid('bigkey'))?.keys.map((k) => k.publicKey)).toEqual([GOOD_KEY]);
    expect((await limitAudits()).map((a) => a.details)).toEqual([
      expect.objectContaining({
        exceeded: [
          `refused ${LONG_GROUP_REFUSAL.dn}: ${LONG_GROUP_REFUSAL.reason}`,
          `keys not taken ${userDn('keyring')}: more than ${DIRECTORY_LIMITS.keysPerPerson} sshPublicKey values`,
          `nesting not followed below ${groupDn('deep-b')}`,
        ],
      }),
    ]);

    const longName = 'N'.repeat(DIRECTORY_LIMITS.nameChars + 1);
    await slapd.modify(
      `dn: ${userDn('longname')}\nchangetype: modify\nreplace: displayName\ndisplayName: ${longName}\n`,
    );
    const reason = `displayName is ${longName.length} characters, more than ${DIRECTORY_LIMITS.nameChars}`;
    const second = await run();
    expect(second).toMatchObject({
      mode: 'incremental',
      left: 1,
      refusedEntries: [{ dn: userDn('longname'), reason }, LONG_GROUP_REFUSAL],
    });
    const gone = await personByUid('longname');
    expect(gone).toMatchObject({ state: 'left', name: 'Long Name' });
    const left = await t.store.audit.list(
      { action: 'person.left', subject: gone?.id },
      { limit: 5 },
    );
    expect(left.items.map((a) => a.details.reason)).toEqual([`directory entry refused: ${reason}`]);
    expect((await limitAudits()).length).toBe(2);
    expect((await limitAudits()).map((a) => a.details.exceeded)).toContainEqual([
      `refused ${userDn('longname')}: ${reason}`,
    ]);

    // Still over the bounds at the next run: nothing new to audit.
    const third = await run();
    expect(third.refusedEntries).toEqual([{ dn: userDn('longname'), reason }, LONG_GROUP_REFUSAL]);
    expect((await limitAudits()).length).toBe(2);

    // Once nothing changed since the mark, the refused entry (listed, its person left) does
    // not make the run a full one: it is no person coming back.
    const state = await t.store.directory.getSyncState();
    await t.store.directory.putSyncState({
      ...(state as NonNullable<typeof state>),
      mark: { attribute: 'modifyTimestamp', value: formatGeneralizedTime(Date.now() + 120_000) },
    });
    const quiet = await run();
    expect(quiet).toMatchObject({ mode: 'incremental', users: 0, left: 0 });
    expect((await personByUid('longname'))?.state).toBe('left');
    expect((await limitAudits()).length).toBe(2);
  });

  it('drops the connection on one message over the bound: the read fails whole, naming it', async () => {
    const read = await readFullDirectory(settings, SERVICE_PASSWORD);
    // Every user (and the group refused over its name), with the bound at its default.
    expect(read.users.length + read.refused.length).toBe(PEOPLE.length + 3 + 1);
    // The keyring entry (101 keys) is some 10 kB: over a bound of 8 kB.
    await expect(
      readFullDirectory(settings, SERVICE_PASSWORD, { maxMessageBytes: 8192 }),
    ).rejects.toMatchObject({
      code: 'DIRECTORY_UNAVAILABLE',
      message: expect.stringContaining('a message (one entry) of more than 8192 bytes'),
    });
  });

  it('fails the read when a page holds more entries than the page size asked for', async () => {
    const proxy = await startPagingProxy(slapd.port);
    try {
      // Anonymous over plain ldap://: the proxy reads the requests (no password crosses).
      const via = {
        ...settings,
        url: `ldap://127.0.0.1:${proxy.port}`,
        startTls: false,
        bindPasswordSealed: null,
      };
      // Relayed as is, the read pages through every user (more than one page of 4).
      expect((await readFullDirectory(via, null)).users.length).toBeGreaterThan(4);
      proxy.rewrite({ from: 4, to: 50 });
      await expect(readFullDirectory(via, null)).rejects.toMatchObject({
        code: 'DIRECTORY_UNAVAILABLE',
        message: expect.stringContaining(
          `the server sent ${PEOPLE.length + 3} entries in one page, more than the page size 4`,
        ),
      });
    } finally {
      await proxy.stop();
    }
  });
});

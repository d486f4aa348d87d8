import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideSessionAccess, personOfKey } from '../../../controller/gateway/session-access';
import { parseTargetName } from '../../../controller/gateway/target-name';
import type { AuthorizationRecord } from '../../../controller/store/authorization-records';
import type { PersonRecord } from '../../../controller/store/directory-records';
import type { HostRecord } from '../../../controller/store/host-records';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import type { Store } from '../../../controller/store/store';

const NOW = 1_800_000_000_000;
/** Where the person connects from, signing with a key none of these people registered. */
const SRC = { address: '192.0.2.10', fingerprint: 'SHA256:presented' };
const person = (uid: string, over: Partial<PersonRecord> = {}): PersonRecord => ({
  id: `p-${uid}`,
  directoryId: uid,
  dn: `uid=${uid}`,
  uid,
  name: uid,
  email: null,
  state: 'active',
  keys: [{ publicKey: `ssh-ed25519 AAAA${uid}`, fingerprint: `SHA256:${uid}`, source: 'api' }],
  groups: [],
  createdAt: NOW,
  updatedAt: NOW,
  leftAt: null,
  ...over,
});
const host = (over: Partial<HostRecord> = {}): HostRecord => ({
  id: 'h1',
  name: 'web-01',
  address: '10.0.0.1',
  port: 22,
  kind: 'agentless',
  state: 'managed',
  groupId: 'web',
  hostKeyFingerprint: null,
  managementAccount: null,
  agentId: null,
  os: null,
  sshProduct: null,
  lastSeenAt: null,
  scanIntervalsMs: {},
  createdAt: NOW,
  updatedAt: NOW,
  ...over,
});
const grant = (id: string, over: Partial<AuthorizationRecord>): AuthorizationRecord => ({
  id,
  fingerprint: 'SHA256:alice',
  publicKey: 'ssh-ed25519 AAAAalice',
  source: { kind: 'public-key' },
  account: 'deploy',
  target: { hostId: 'h1' },
  options: [],
  expiresAt: null,
  onDrift: 'restore',
  state: 'active',
  createdBy: 'test',
  createdAt: NOW,
  removedBy: null,
  removedAt: null,
  updatedAt: NOW,
  ...over,
});

describe('who may open a gateway session', () => {
  let dir = '';
  let store: Store;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kw-gw-access-'));
    store = openSqliteStore(path.join(dir, 'kw.db'));
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the target as account@host and refuses anything else, naming the field', () => {
    expect(parseTargetName('deploy@web-01')).toEqual({ account: 'deploy', host: 'web-01' });
    expect(parseTargetName('deploy@h1@x')).toEqual({ account: 'deploy', host: 'h1@x' });
    for (const bad of ['deploy', '@web-01', 'deploy@', 'de ploy@web'])
      expect(() => parseTargetName(bad)).toThrow(/account@host/);
  });

  it('allows a key granted on the host or its group, not an expired, removed or other-account grant', async () => {
    const alice = person('alice');
    const h = host();
    const refused = await decideSessionAccess(store, alice, h, 'deploy', SRC, NOW);
    expect(refused).toMatchObject({ allowed: false });
    expect(refused.allowed ? '' : refused.reason).toContain(
      'alice has no authorization for deploy on web-01',
    );
    await store.authorizations.create(grant('a1', { expiresAt: NOW - 1 }));
    await store.authorizations.create(grant('a2', { account: 'root' }));
    await store.authorizations.create(grant('a3', { state: 'removed' }));
    await store.authorizations.create(grant('a4', { target: { hostId: 'h2' } }));
    expect((await decideSessionAccess(store, alice, h, 'deploy', SRC, NOW)).allowed).toBe(false);
    await store.authorizations.create(grant('a5', { target: { groupId: 'web' } }));
    expect(await decideSessionAccess(store, alice, h, 'deploy', SRC, NOW)).toEqual({
      allowed: true,
      via: { authorizationId: 'a5' },
    });
    expect(
      (await decideSessionAccess(store, person('alice', { state: 'left' }), h, 'deploy', SRC, NOW))
        .allowed,
    ).toBe(false);
  });

  it('allows a member of an access group that covers the host group as the account', async () => {
    const bob = person('bob', { groups: ['ops'] });
    await store.directory.addAccessGroup({
      id: 'ops-web',
      directoryGroup: 'ops',
      hostGroupId: 'web',
      account: 'deploy',
      options: [],
      createdBy: 'test',
      createdAt: NOW,
    });
    expect(await decideSessionAccess(store, bob, host(), 'deploy', SRC, NOW)).toEqual({
      allowed: true,
      via: { accessGroupId: 'ops-web' },
    });
    expect((await decideSessionAccess(store, bob, host(), 'root', SRC, NOW)).allowed).toBe(false);
    expect(
      (await decideSessionAccess(store, bob, host({ groupId: 'db' }), 'deploy', SRC, NOW)).allowed,
    ).toBe(false);
  });

  it('allows a person listed by hand in an access group, and not another', async () => {
    await store.directory.addAccessGroup({
      id: 'listed-web',
      directoryGroup: null,
      members: ['p-dana'],
      hostGroupId: 'web',
      account: 'deploy',
      options: [],
      createdBy: 'test',
      createdAt: NOW,
    });
    expect(await decideSessionAccess(store, person('dana'), host(), 'deploy', SRC, NOW)).toEqual({
      allowed: true,
      via: { accessGroupId: 'listed-web' },
    });
    expect(
      (await decideSessionAccess(store, person('erin'), host(), 'deploy', SRC, NOW)).allowed,
    ).toBe(false);
  });

  it("applies a grant's own from= to where the person connects from, with OpenSSH patterns, negation and CIDR", async () => {
    const frank = person('frank');
    const h = host({ id: 'h-from', groupId: null });
    const at = (address: string) => ({ address, fingerprint: 'SHA256:other' });
    await store.authorizations.create(
      grant('f1', {
        fingerprint: 'SHA256:frank',
        target: { hostId: 'h-from' },
        options: [{ name: 'from', value: '10.1.0.0/16,!10.1.2.3,192.0.2.*' }],
      }),
    );
    for (const ok of ['10.1.9.9', '192.0.2.77'])
      expect(await decideSessionAccess(store, frank, h, 'deploy', at(ok), NOW)).toEqual({
        allowed: true,
        via: { authorizationId: 'f1' },
      });
    for (const refused of ['10.1.2.3', '10.2.0.1', '198.51.100.1']) {
      const v = await decideSessionAccess(store, frank, h, 'deploy', at(refused), NOW);
      expect(v.allowed ? '' : v.reason).toBe(
        `authorization f1 lets frank in as deploy on web-01, but it allows connections only from="10.1.0.0/16,!10.1.2.3,192.0.2.*", and you connect from ${refused}`,
      );
    }
    // Another grant without from= admits the person from anywhere.
    await store.authorizations.create(
      grant('f2', { fingerprint: 'SHA256:frank', target: { hostId: 'h-from' } }),
    );
    expect(await decideSessionAccess(store, frank, h, 'deploy', at('10.1.2.3'), NOW)).toEqual({
      allowed: true,
      via: { authorizationId: 'f2' },
    });
    // A malformed CIDR refuses, as sshd refuses the line.
    await store.authorizations.create(
      grant('g1', {
        fingerprint: 'SHA256:gina',
        target: { hostId: 'h-from' },
        options: [{ name: 'from', value: '10.0.0.1/8' }],
      }),
    );
    const bad = await decideSessionAccess(store, person('gina'), h, 'deploy', at('10.0.0.1'), NOW);
    expect(bad.allowed ? '' : bad.reason).toContain(
      'from="10.0.0.1/8" is not a valid pattern list',
    );
  });

  it("applies an access group's from= and admits the key the person signed with", async () => {
    await store.directory.addAccessGroup({
      id: 'ops-db',
      directoryGroup: 'dba',
      hostGroupId: 'db',
      account: 'postgres',
      options: [{ name: 'from', value: '127.0.0.0/8' }],
      createdBy: 'test',
      createdAt: NOW,
    });
    const hank = person('hank', { groups: ['dba'] });
    const db = host({ id: 'h-db', groupId: 'db' });
    const from = (address: string) => ({ address, fingerprint: 'SHA256:x' });
    expect(
      (await decideSessionAccess(store, hank, db, 'postgres', from('127.0.0.2'), NOW)).allowed,
    ).toBe(true);
    const v = await decideSessionAccess(store, hank, db, 'postgres', from('192.0.2.1'), NOW);
    expect(v.allowed ? '' : v.reason).toContain('access group ops-db lets hank in as postgres');
    // A grant of the certified key the person signed with (not one of their listed keys).
    await store.authorizations.create(
      grant('c1', { fingerprint: 'SHA256:cert-key', target: { hostId: 'h-db' }, account: 'app' }),
    );
    expect(
      await decideSessionAccess(
        store,
        hank,
        db,
        'app',
        { address: '192.0.2.1', fingerprint: 'SHA256:cert-key' },
        NOW,
      ),
    ).toEqual({ allowed: true, via: { authorizationId: 'c1' } });
  });

  it('finds the one active person owning a key', async () => {
    await store.directory.putPerson(person('carol'));
    await store.directory.putPerson(person('dave', { state: 'left' }));
    expect((await personOfKey(store, 'SHA256:carol'))?.uid).toBe('carol');
    expect(await personOfKey(store, 'SHA256:dave')).toBeNull();
    expect(await personOfKey(store, 'SHA256:nobody')).toBeNull();
  });
});

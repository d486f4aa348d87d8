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
    const refused = await decideSessionAccess(store, alice, h, 'deploy', NOW);
    expect(refused).toMatchObject({ allowed: false });
    expect(refused.allowed ? '' : refused.reason).toContain(
      'alice has no authorization for deploy on web-01',
    );
    await store.authorizations.create(grant('a1', { expiresAt: NOW - 1 }));
    await store.authorizations.create(grant('a2', { account: 'root' }));
    await store.authorizations.create(grant('a3', { state: 'removed' }));
    await store.authorizations.create(grant('a4', { target: { hostId: 'h2' } }));
    expect((await decideSessionAccess(store, alice, h, 'deploy', NOW)).allowed).toBe(false);
    await store.authorizations.create(grant('a5', { target: { groupId: 'web' } }));
    expect(await decideSessionAccess(store, alice, h, 'deploy', NOW)).toEqual({
      allowed: true,
      via: { authorizationId: 'a5' },
    });
    expect(
      (await decideSessionAccess(store, person('alice', { state: 'left' }), h, 'deploy', NOW))
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
    expect(await decideSessionAccess(store, bob, host(), 'deploy', NOW)).toEqual({
      allowed: true,
      via: { accessGroupId: 'ops-web' },
    });
    expect((await decideSessionAccess(store, bob, host(), 'root', NOW)).allowed).toBe(false);
    expect(
      (await decideSessionAccess(store, bob, host({ groupId: 'db' }), 'deploy', NOW)).allowed,
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
    expect(await decideSessionAccess(store, person('dana'), host(), 'deploy', NOW)).toEqual({
      allowed: true,
      via: { accessGroupId: 'listed-web' },
    });
    expect((await decideSessionAccess(store, person('erin'), host(), 'deploy', NOW)).allowed).toBe(
      false,
    );
  });

  it('finds the one active person owning a key', async () => {
    await store.directory.putPerson(person('carol'));
    await store.directory.putPerson(person('dave', { state: 'left' }));
    expect((await personOfKey(store, 'SHA256:carol'))?.uid).toBe('carol');
    expect(await personOfKey(store, 'SHA256:dave')).toBeNull();
    expect(await personOfKey(store, 'SHA256:nobody')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import type { PersonRecord } from '../../../controller/store/directory-records';
import { accessGrantId } from '../../../controller/store/directory-records';
import type { ContractContext } from './store-contract';

const T0 = 1_800_000_000_000;

const person = (id: string, over: Partial<PersonRecord> = {}): PersonRecord => ({
  id,
  directoryId: `uuid-${id}`,
  dn: `uid=${id},ou=people,dc=example,dc=test`,
  uid: id,
  name: `Person ${id}`,
  email: `${id}@example.test`,
  state: 'active',
  keys: [{ publicKey: 'ssh-ed25519 AAAA x', fingerprint: 'SHA256:x', source: 'directory' }],
  groups: ['web-admins'],
  createdAt: T0,
  updatedAt: T0,
  leftAt: null,
  ...over,
});

export function directoryContract(ctx: ContractContext): void {
  describe('people, ldap settings, access groups and grants', () => {
    it('keeps one LDAP settings record, replaced whole', async () => {
      const { store } = ctx.get();
      expect(await store.directory.getLdap()).toBeNull();
      const s = {
        url: 'ldap://127.0.0.1:389',
        startTls: true,
        caCertificate: null,
        bindDn: 'cn=admin,dc=example,dc=test',
        bindPasswordSealed: 'kw1:abc:def',
        userBase: 'ou=people,dc=example,dc=test',
        userFilter: '(objectClass=inetOrgPerson)',
        groupBase: 'ou=groups,dc=example,dc=test',
        groupFilter: '(objectClass=groupOfNames)',
        updatedAt: T0,
        updatedBy: 'alice',
      };
      await store.directory.putLdap(s);
      await store.directory.putLdap({ ...s, startTls: false, updatedAt: T0 + 1 });
      expect(await store.directory.getLdap()).toEqual({ ...s, startTls: false, updatedAt: T0 + 1 });
    });

    it('stores people, replaces them by id and lists them by name or state', async () => {
      const { store } = ctx.get();
      await store.directory.putPerson(person('p2', { name: 'Zed' }));
      await store.directory.putPerson(person('p1', { name: 'Ann' }));
      await store.directory.putPerson(person('p2', { name: 'Bob', state: 'left', leftAt: T0 + 5 }));
      expect((await store.directory.listPeople()).map((p) => p.name)).toEqual(['Ann', 'Bob']);
      expect((await store.directory.listPeople({ state: 'left' })).map((p) => p.id)).toEqual([
        'p2',
      ]);
      expect(await store.directory.getPerson('p2')).toEqual(
        person('p2', { name: 'Bob', state: 'left', leftAt: T0 + 5 }),
      );
      expect(await store.directory.getPerson('nobody')).toBeNull();
    });

    it('refuses a second access group with the same id and removes one', async () => {
      const { store } = ctx.get();
      const g = {
        id: 'web-admins-web',
        directoryGroup: 'web-admins',
        hostGroupId: 'web',
        account: 'deploy',
        options: [{ name: 'no-pty' }],
        createdBy: 'alice',
        createdAt: T0,
      };
      await store.directory.addAccessGroup(g);
      await expect(store.directory.addAccessGroup(g)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await store.directory.listAccessGroups()).toEqual([g]);
      expect(await store.directory.getAccessGroup(g.id)).toEqual(g);
      const manual = { ...g, directoryGroup: null, members: ['p1', 'p2'] };
      expect(await store.directory.replaceAccessGroup(manual)).toBe(true);
      expect(await store.directory.getAccessGroup(g.id)).toEqual(manual);
      expect(await store.directory.replaceAccessGroup({ ...manual, id: 'nope' })).toBe(false);
      expect(await store.directory.getAccessGroup('nope')).toBeNull();
      expect(await store.directory.removeAccessGroup(g.id)).toBe(true);
      expect(await store.directory.removeAccessGroup(g.id)).toBe(false);
      expect(await store.directory.listAccessGroups()).toEqual([]);
    });

    it('finds grants again by access group and by person', async () => {
      const { store } = ctx.get();
      const grant = (g: string, p: string, f: string) => ({
        id: accessGrantId(g, p, f),
        accessGroupId: g,
        personId: p,
        fingerprint: f,
        authorizationId: `auth-${g}-${p}-${f}`,
        createdAt: T0,
      });
      await store.directory.putGrant(grant('g1', 'p1', 'SHA256:a'));
      await store.directory.putGrant(grant('g1', 'p2', 'SHA256:a'));
      await store.directory.putGrant(grant('g2', 'p1', 'SHA256:b'));
      await store.directory.putGrant(grant('g2', 'p1', 'SHA256:b'));
      expect((await store.directory.listGrants({ personId: 'p1' })).map((g) => g.id)).toEqual([
        'g1/p1/SHA256:a',
        'g2/p1/SHA256:b',
      ]);
      expect(
        (await store.directory.listGrants({ accessGroupId: 'g1', personId: 'p2' })).map(
          (g) => g.authorizationId,
        ),
      ).toEqual(['auth-g1-p2-SHA256:a']);
      expect(await store.directory.listGrants()).toHaveLength(3);
      expect(await store.directory.removeGrant('g1/p1/SHA256:a')).toBe(true);
      expect(await store.directory.listGrants({ accessGroupId: 'g1' })).toHaveLength(1);
    });

    it('lets exactly one of several racing callers claim a grant, and a window of it', async () => {
      const { store } = ctx.get();
      const id = accessGrantId('race', 'p1', 'SHA256:r');
      const claims = Array.from({ length: 8 }, (_, i) => ({
        id,
        accessGroupId: 'race',
        personId: 'p1',
        fingerprint: 'SHA256:r',
        authorizationId: `auth-${i}`,
        createdAt: T0,
        placing: true,
      }));
      const won = await Promise.all(claims.map((c) => store.directory.claimGrant(c)));
      expect(won.filter(Boolean)).toHaveLength(1);
      const [stored] = await store.directory.listGrants({ accessGroupId: 'race' });
      expect(stored?.authorizationId).toBe(`auth-${won.indexOf(true)}`);
      // Made: the grant is replaced whole; a claim of it still loses.
      await store.directory.putGrant({ ...claims[0]!, placing: undefined, authorizationId: 'a' });
      expect(await store.directory.claimGrant(claims[1]!)).toBe(false);
      // Taken back (the person left): the next membership claims it anew.
      await store.directory.removeGrant(id);
      expect(await store.directory.claimGrant(claims[2]!)).toBe(true);

      const windowClaim = (windowEndsAt: number, i: number) => ({
        id: `${id}@${windowEndsAt}`,
        grantId: id,
        windowEndsAt,
        authorizationId: `w-${i}`,
        at: T0,
      });
      const day1 = await Promise.all(
        [0, 1, 2, 3, 4, 5].map((i) => store.directory.claimGrantWindow(windowClaim(T0, i))),
      );
      expect(day1.filter(Boolean)).toHaveLength(1);
      expect(await store.directory.claimGrantWindow(windowClaim(T0 + 86_400_000, 9))).toBe(true);
      expect(await store.directory.pruneGrantWindowClaims(T0 + 1)).toBe(1);
      expect(await store.directory.claimGrantWindow(windowClaim(T0 + 86_400_000, 10))).toBe(false);
    });

    it('keeps one sync state, replaced whole', async () => {
      const { store } = ctx.get();
      expect(await store.directory.getSyncState()).toBeNull();
      const s = {
        settingsUpdatedAt: T0,
        serverKind: 'ldap' as const,
        mark: { attribute: 'modifyTimestamp' as const, value: '20270101000000Z' },
        runsSinceFull: 0,
        lastFullAt: T0,
        lastRunAt: T0,
      };
      await store.directory.putSyncState(s);
      await store.directory.putSyncState({ ...s, runsSinceFull: 3, mark: null });
      expect(await store.directory.getSyncState()).toEqual({ ...s, runsSinceFull: 3, mark: null });
    });

    it('keeps one owner per key, found by fingerprint and by person', async () => {
      const { store } = ctx.get();
      const owner = (fp: string, personId: string, method: 'directory' | 'manual') => ({
        fingerprint: fp,
        personId,
        method,
        detail: null,
        by: 'ldap-sync',
        at: T0,
      });
      await store.directory.putKeyOwner(owner('SHA256:b', 'p1', 'directory'));
      await store.directory.putKeyOwner(owner('SHA256:a', 'p1', 'directory'));
      await store.directory.putKeyOwner(owner('SHA256:a', 'p2', 'manual'));
      expect(await store.directory.getKeyOwner('SHA256:a')).toEqual(
        owner('SHA256:a', 'p2', 'manual'),
      );
      expect(
        (await store.directory.listKeyOwners({ personId: 'p1' })).map((o) => o.fingerprint),
      ).toEqual(['SHA256:b']);
      expect((await store.directory.listKeyOwners()).map((o) => o.fingerprint)).toEqual([
        'SHA256:a',
        'SHA256:b',
      ]);
      expect(await store.directory.removeKeyOwner('SHA256:a')).toBe(true);
      expect(await store.directory.removeKeyOwner('SHA256:a')).toBe(false);
      expect(await store.directory.getKeyOwner('SHA256:a')).toBeNull();
    });

    it('lists account owners by person and by departed, and account mappings by id', async () => {
      const { store } = ctx.get();
      const owner = (hostId: string, account: string, personId: string, departed: boolean) => ({
        id: `${hostId}|${account}`,
        hostId,
        account,
        personId,
        method: 'uid' as const,
        departed,
        since: T0,
        departedAt: departed ? T0 + 1 : null,
      });
      await store.directory.putAccountOwner(owner('h2', 'bob', 'p2', false));
      await store.directory.putAccountOwner(owner('h1', 'bob', 'p2', false));
      await store.directory.putAccountOwner(owner('h1', 'ann', 'p1', false));
      await store.directory.putAccountOwner(owner('h2', 'bob', 'p2', true));
      expect(
        (await store.directory.listAccountOwners({ departed: true })).map((o) => o.id),
      ).toEqual(['h2|bob']);
      expect(
        (await store.directory.listAccountOwners({ personId: 'p2' })).map((o) => o.id),
      ).toEqual(['h1|bob', 'h2|bob']);
      expect(await store.directory.listAccountOwners({ personId: 'p2', departed: false })).toEqual([
        owner('h1', 'bob', 'p2', false),
      ]);
      expect(await store.directory.removeAccountOwner('h1|bob')).toBe(true);
      expect(await store.directory.listAccountOwners()).toHaveLength(2);
      const m = {
        id: 'map-1',
        account: 'svc',
        hostId: null,
        personId: 'p1',
        createdBy: 'alice',
        createdAt: T0,
      };
      await store.directory.addAccountMapping(m);
      await expect(store.directory.addAccountMapping(m)).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      expect(await store.directory.listAccountMappings()).toEqual([m]);
      expect(await store.directory.removeAccountMapping('map-1')).toBe(true);
      expect(await store.directory.listAccountMappings()).toEqual([]);
    });
  });
}

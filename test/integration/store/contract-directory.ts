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
  });
}

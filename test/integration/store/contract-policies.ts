import { describe, expect, it } from 'vitest';
import type { PolicyInput } from '../../../controller/store/policy-records';
import type { ContractContext } from './store-contract';

const T0 = 1_800_000_000_000;

const weak: PolicyInput = {
  name: 'weak keys',
  description: 'RSA under 2048 bits, DSA',
  enabled: true,
  severity: 'critical',
  scope: { accounts: ['root'] },
  rule: { kind: 'weak-key', rsaMinBits: 2048, deprecatedTypes: ['ssh-dss'] },
};

export function policiesContract(ctx: ContractContext): void {
  describe('policies', () => {
    it('creates, edits with a version kept per edit, refuses a stale edit, removes, and lists versions', async () => {
      const { store } = ctx.get();
      const p = await store.policies.create('pc-weak', weak, 'alice', T0);
      expect(p).toMatchObject({ id: 'pc-weak', version: 1, removedAt: null, updatedBy: 'alice' });
      await expect(store.policies.create('pc-weak', weak, 'bob', T0)).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      expect(await store.policies.get('pc-weak')).toEqual(p);

      const edited = await store.policies.update(
        'pc-weak',
        { ...weak, severity: 'warning' },
        1,
        'bob',
        T0 + 1,
      );
      expect(edited).toMatchObject({ version: 2, severity: 'warning', createdAt: T0 });
      // an edit made from version 1 lost the race to the one above
      await expect(
        store.policies.update('pc-weak', weak, 1, 'carol', T0 + 2),
      ).rejects.toMatchObject({ code: 'CONFLICT', details: { version: 2 } });
      expect(await store.policies.update('pc-none', weak, 1, 'carol', T0)).toBeNull();

      expect((await store.policies.list()).map((x) => x.id)).toContain('pc-weak');
      const removed = await store.policies.remove('pc-weak', 'dave', T0 + 3);
      expect(removed).toMatchObject({ version: 3, removedAt: T0 + 3, updatedBy: 'dave' });
      expect(await store.policies.remove('pc-weak', 'dave', T0 + 4)).toBeNull();
      await expect(store.policies.update('pc-weak', weak, 3, 'x', T0 + 5)).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      expect((await store.policies.list()).map((x) => x.id)).not.toContain('pc-weak');
      expect((await store.policies.list({ includeRemoved: true })).map((x) => x.id)).toContain(
        'pc-weak',
      );
      const versions = await store.policies.versions('pc-weak');
      expect(versions.map((v) => [v.version, v.severity, v.updatedBy, v.removedAt])).toEqual([
        [1, 'critical', 'alice', null],
        [2, 'warning', 'bob', null],
        [3, 'warning', 'dave', T0 + 3],
      ]);
      expect(versions[0]?.rule).toEqual(weak.rule);
    });

    it('seeds a default once, and not again after it was removed', async () => {
      const { store } = ctx.get();
      expect(await store.policies.createIfAbsent('pc-seed', weak, 'system', T0)).toBe(true);
      expect(await store.policies.createIfAbsent('pc-seed', weak, 'system', T0)).toBe(false);
      await store.policies.remove('pc-seed', 'alice', T0 + 1);
      expect(await store.policies.createIfAbsent('pc-seed', weak, 'system', T0 + 2)).toBe(false);
      expect((await store.policies.get('pc-seed'))?.removedAt).toBe(T0 + 1);
    });
  });
}

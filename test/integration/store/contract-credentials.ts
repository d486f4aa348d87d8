import { describe, expect, it } from 'vitest';
import type { HostCredentialRecord } from '../../../controller/store/credential-records';
import type { ContractContext } from './store-contract';

const cred = (over: Partial<HostCredentialRecord> = {}): HostCredentialRecord => ({
  hostId: 'hc-1',
  slot: 'initial',
  kind: 'password',
  sealed: 'kw1:000000000000:c2VhbGVk',
  publicKey: null,
  fingerprint: null,
  createdAt: 1_800_000_000_000,
  ...over,
});

export function credentialsContract(ctx: ContractContext): void {
  describe('host credentials', () => {
    it('keeps one record per host and slot; a put replaces it', async () => {
      const { store } = ctx.get();
      await store.hostCredentials.put(cred());
      await store.hostCredentials.put(
        cred({
          slot: 'management',
          kind: 'private-key',
          publicKey: 'ssh-ed25519 AAAA k',
          fingerprint: 'SHA256:x',
        }),
      );
      await store.hostCredentials.put(cred({ hostId: 'hc-2' }));
      expect(await store.hostCredentials.get('hc-1', 'initial')).toEqual(cred());
      await store.hostCredentials.put(cred({ sealed: 'kw1:000000000000:bmV3', createdAt: 5 }));
      expect(await store.hostCredentials.get('hc-1', 'initial')).toMatchObject({
        sealed: 'kw1:000000000000:bmV3',
        createdAt: 5,
      });
      expect((await store.hostCredentials.listForHost('hc-1')).map((c) => c.slot)).toEqual([
        'initial',
        'management',
      ]);
      expect(await store.hostCredentials.get('hc-1', 'pending')).toBeNull();
    });

    it('removes one slot or every slot of a host, and says whether anything went', async () => {
      const { store } = ctx.get();
      expect(await store.hostCredentials.remove('hc-1', 'initial')).toBe(true);
      expect(await store.hostCredentials.remove('hc-1', 'initial')).toBe(false);
      expect(await store.hostCredentials.get('hc-1', 'management')).not.toBeNull();
      await store.hostCredentials.put(cred({ slot: 'retired' }));
      expect(await store.hostCredentials.removeHost('hc-1')).toBe(2);
      expect(await store.hostCredentials.listForHost('hc-1')).toEqual([]);
      expect(await store.hostCredentials.listForHost('hc-2')).toHaveLength(1);
    });

    it('finds the records of a key by its fingerprint, across hosts and slots', async () => {
      const { store } = ctx.get();
      const key = (hostId: string, slot: HostCredentialRecord['slot'], fingerprint: string) =>
        cred({
          hostId,
          slot,
          kind: 'private-key',
          publicKey: `ssh-ed25519 AAAA ${hostId}`,
          fingerprint,
        });
      await store.hostCredentials.put(key('fp-2', 'management', 'SHA256:shared'));
      await store.hostCredentials.put(key('fp-1', 'retired', 'SHA256:shared'));
      await store.hostCredentials.put(key('fp-1', 'management', 'SHA256:own'));
      await store.hostCredentials.put(cred({ hostId: 'fp-3' }));
      const found = await store.hostCredentials.listByFingerprint('SHA256:shared');
      expect(found.map((c) => [c.hostId, c.slot])).toEqual([
        ['fp-1', 'retired'],
        ['fp-2', 'management'],
      ]);
      expect(found[0]).toEqual(key('fp-1', 'retired', 'SHA256:shared'));
      expect(await store.hostCredentials.listByFingerprint('SHA256:none')).toEqual([]);
    });
  });
}

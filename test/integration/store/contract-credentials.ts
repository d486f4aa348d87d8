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
  });
}

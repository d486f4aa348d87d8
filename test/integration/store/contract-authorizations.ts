import { describe, expect, it } from 'vitest';
import type {
  AuthorizationRecord,
  PlacementRecord,
} from '../../../controller/store/authorization-records';
import type { ContractContext } from './store-contract';

const T0 = 1_800_000_000_000;
const FP = `SHA256:${'a'.repeat(43)}`;

const authz = (over: Partial<AuthorizationRecord> = {}): AuthorizationRecord => ({
  id: 'az-1',
  fingerprint: FP,
  publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKx alice@laptop',
  source: { kind: 'public-key' },
  account: 'deploy',
  target: { groupId: 'g-web' },
  options: [{ name: 'from', value: '10.0.0.0/8' }, { name: 'restrict' }],
  expiresAt: T0 + 3_600_000,
  onDrift: 'restore',
  state: 'active',
  createdBy: 'token:admin',
  createdAt: T0,
  removedBy: null,
  removedAt: null,
  updatedAt: T0,
  ...over,
});

const placement = (over: Partial<PlacementRecord> = {}): PlacementRecord => ({
  authorizationId: 'az-1',
  hostId: 'h-1',
  account: 'deploy',
  fingerprint: FP,
  options: [{ name: 'expiry-time', value: '20270115080000Z' }, { name: 'restrict' }],
  state: 'pending',
  jobId: 'j-1',
  confirmedAt: null,
  error: null,
  updatedAt: T0,
  ...over,
});

export function authorizationsContract(ctx: ContractContext): void {
  describe('authorizations', () => {
    it('keeps an authorization as given and refuses a second one with the same id', async () => {
      const { store } = ctx.get();
      expect(await store.authorizations.create(authz())).toEqual(authz());
      await expect(store.authorizations.create(authz())).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      const private_ = authz({
        id: 'az-2',
        source: {
          kind: 'private-key',
          hostId: 'h-a',
          account: 'build',
          path: '/home/build/.ssh/id',
        },
        target: { hostId: 'h-2' },
        expiresAt: null,
        onDrift: 'drop',
        options: [],
      });
      await store.authorizations.create(private_);
      expect(await store.authorizations.get('az-2')).toEqual(private_);
      expect(await store.authorizations.get('az-none')).toBeNull();
    });

    it('lists newest first, filtered by state, key, account and target, in pages', async () => {
      const { store } = ctx.get();
      await store.authorizations.create(
        authz({ id: 'az-3', account: 'ops', fingerprint: 'SHA256:x' }),
      );
      const ids = async (f: Parameters<typeof store.authorizations.list>[0]) =>
        (await store.authorizations.list(f, { limit: 10 })).items.map((a) => a.id);
      expect(await ids({})).toEqual(['az-3', 'az-2', 'az-1']);
      expect(await ids({ fingerprint: FP })).toEqual(['az-2', 'az-1']);
      expect(await ids({ account: 'ops' })).toEqual(['az-3']);
      expect(await ids({ groupId: 'g-web' })).toEqual(['az-3', 'az-1']);
      expect(await ids({ hostId: 'h-2' })).toEqual(['az-2']);
      expect(await ids({ state: ['removed'] })).toEqual([]);
      const first = await store.authorizations.list({}, { limit: 2 });
      expect(first.items.map((a) => a.id)).toEqual(['az-3', 'az-2']);
      const second = await store.authorizations.list(
        {},
        { limit: 2, after: first.nextCursor as string },
      );
      expect(second).toEqual({ items: [authz()], nextCursor: null });
    });

    it('moves state only from the states given, keeping who removed it and when in history', async () => {
      const { store } = ctx.get();
      const removed = await store.authorizations.transition(
        'az-3',
        ['active'],
        { state: 'removed', by: 'token:ops' },
        T0 + 20,
      );
      expect(removed).toMatchObject({
        state: 'removed',
        removedBy: 'token:ops',
        removedAt: T0 + 20,
        updatedAt: T0 + 20,
      });
      // An expiry racing the removal finds it no longer active: it does not win.
      expect(
        await store.authorizations.transition(
          'az-3',
          ['active'],
          { state: 'expired', by: 'system' },
          T0 + 30,
        ),
      ).toBeNull();
      expect(await store.authorizations.get('az-3')).toEqual(removed);
      expect((await store.authorizations.list({ state: ['removed'] }, { limit: 5 })).items).toEqual(
        [removed],
      );
      expect(
        await store.authorizations.transition('az-none', ['active'], { state: 'removed' }, T0),
      ).toBeNull();
    });

    it('keeps one placement per authorization and host, replaced whole, found by host and account', async () => {
      const { store } = ctx.get();
      await store.authorizations.putPlacement(placement());
      await store.authorizations.putPlacement(placement({ hostId: 'h-2' }));
      await store.authorizations.putPlacement(
        placement({ authorizationId: 'az-2', hostId: 'h-1', account: 'root', options: [] }),
      );
      const present = placement({
        state: 'present',
        jobId: 'j-2',
        confirmedAt: T0 + 5,
        updatedAt: T0 + 5,
      });
      await store.authorizations.putPlacement(present);
      expect(await store.authorizations.getPlacement('az-1', 'h-1')).toEqual(present);
      expect(await store.authorizations.getPlacement('az-1', 'h-9')).toBeNull();
      const keys = (ps: PlacementRecord[]) => ps.map((p) => `${p.authorizationId}@${p.hostId}`);
      expect(keys(await store.authorizations.listPlacements({ authorizationId: 'az-1' }))).toEqual([
        'az-1@h-1',
        'az-1@h-2',
      ]);
      expect(keys(await store.authorizations.listPlacements({ hostId: 'h-1' }))).toEqual([
        'az-1@h-1',
        'az-2@h-1',
      ]);
      expect(
        keys(
          await store.authorizations.listPlacements({
            hostId: 'h-1',
            account: 'deploy',
            fingerprint: FP,
            state: ['present'],
          }),
        ),
      ).toEqual(['az-1@h-1']);
      expect(await store.authorizations.listPlacements({ state: [] })).toEqual([]);
    });

    it('writes many placements at once, replacing those that exist', async () => {
      const { store } = ctx.get();
      const many = Array.from({ length: 5 }, (_, i) =>
        placement({ authorizationId: 'az-4', hostId: `hm-${i}` }),
      );
      await store.authorizations.putPlacements(many);
      await store.authorizations.putPlacements([
        { ...many[0]!, state: 'removing', updatedAt: T0 + 9 },
      ]);
      await store.authorizations.putPlacements([]);
      const got = await store.authorizations.listPlacements({ authorizationId: 'az-4' });
      expect(got).toEqual([
        { ...many[0]!, state: 'removing', updatedAt: T0 + 9 },
        ...many.slice(1),
      ]);
    });
  });
}

import { describe, expect, it, vi } from 'vitest';
import type { KeyQuarantineRecord } from '../../../controller/store/retirement-records';
import type { ContractContext } from './store-contract';

const FP = 'SHA256:quarantinecontract000000000000000000000000';

export function retirementExportContract(ctx: ContractContext): void {
  describe('audit feed, key quarantines, export cursors', () => {
    it('feeds audit entries in the order they were written, once, after a cursor', async () => {
      const { store } = ctx.get();
      // The feed's end as it is now: earlier contracts wrote entries too.
      let end: string | undefined;
      for (let page = await store.audit.feed(undefined, 500); page.length;) {
        end = page.at(-1)?.cursor;
        page = await store.audit.feed(end, 500);
      }
      const now = Date.now();
      // Written newest-`at` first: the feed follows the writes, not `at` (the id order).
      for (const [i, at] of [now, now - 60_000, now - 120_000].entries())
        await store.audit.append({
          at,
          actor: 'feed-test',
          action: 'feed.test',
          subject: `e${i}`,
          details: { i },
        });
      const mine = async (after: string | undefined) =>
        (await store.audit.feed(after, 1000)).filter((e) => e.entry.action === 'feed.test');
      // MongoDB serves an entry once its feed id has settled (about a second).
      await vi.waitFor(async () => expect(await mine(end)).toHaveLength(3), {
        timeout: 10_000,
        interval: 100,
      });
      const feed = await mine(end);
      expect(feed.map((e) => e.entry.subject)).toEqual(['e0', 'e1', 'e2']);
      expect(feed[0]?.entry.details).toEqual({ i: 0 });
      expect((await mine(feed[0]?.cursor)).map((e) => e.entry.subject)).toEqual(['e1', 'e2']);
      expect(await mine(feed[2]?.cursor)).toEqual([]);
    });

    it('keeps the original line of an active quarantine and moves it through its states', async () => {
      const { store } = ctx.get();
      const rec: KeyQuarantineRecord = {
        id: `h1|alice|/home/alice/.ssh/authorized_keys|${FP}`,
        fingerprint: FP,
        hostId: 'h1',
        account: 'alice',
        file: '/home/alice/.ssh/authorized_keys',
        originalLine: '  no-pty   ssh-ed25519 AAAA laptop \r',
        quarantineOptions: [{ name: 'restrict' }, { name: 'from', value: '0.0.0.0/32' }],
        state: 'quarantining',
        quarantinedAt: 1000,
        watchUntil: 5000,
        updatedAt: 1000,
        by: 'admin:a',
        sshdConfigPath: null,
      };
      expect(await store.keyQuarantines.begin(rec)).toEqual(rec);
      // A retry must not overwrite the original with the restricted line it wrote.
      const again = await store.keyQuarantines.begin({ ...rec, originalLine: 'restrict ssh-...' });
      expect(again.originalLine).toBe(rec.originalLine);
      expect(await store.keyQuarantines.setState(rec.id, ['restored'], 'deleted', 2000, 'x')).toBe(
        null,
      );
      const q = await store.keyQuarantines.setState(
        rec.id,
        ['quarantining'],
        'quarantined',
        2000,
        'admin:b',
      );
      expect(q).toMatchObject({ state: 'quarantined', updatedAt: 2000, by: 'admin:b' });
      expect(
        (await store.keyQuarantines.list({ state: ['quarantined'], watchEndedBefore: 6000 })).map(
          (r) => r.id,
        ),
      ).toEqual([rec.id]);
      expect(await store.keyQuarantines.list({ watchEndedBefore: 5000 })).toEqual([]);
      await store.keyQuarantines.setState(rec.id, ['quarantined'], 'restored', 3000, 'admin:c');
      // Once ended, a new quarantine of the same line starts afresh.
      const fresh = await store.keyQuarantines.begin({
        ...rec,
        originalLine: 'new',
        state: 'quarantining',
      });
      expect(fresh).toMatchObject({ originalLine: 'new', state: 'quarantining' });
      expect(await store.keyQuarantines.list({ fingerprint: FP, hostId: 'h1' })).toHaveLength(1);
      expect(await store.keyQuarantines.get('nope')).toBeNull();
    });

    it('keeps each export sink’s cursors', async () => {
      const { store } = ctx.get();
      expect(await store.exportCursors.get('siem-a')).toBeNull();
      await store.exportCursors.put({ sinkId: 'siem-a', alerts: '5', audit: null, updatedAt: 1 });
      await store.exportCursors.put({ sinkId: 'siem-a', alerts: '7', audit: 'x', updatedAt: 2 });
      expect(await store.exportCursors.get('siem-a')).toEqual({
        sinkId: 'siem-a',
        alerts: '7',
        audit: 'x',
        updatedAt: 2,
      });
      expect((await store.exportCursors.list()).map((c) => c.sinkId)).toContain('siem-a');
      // One holder per sink and period; the holder keeps it, the other is refused.
      expect(await store.exportCursors.takeLease('siem-a', 10, 'ctl-1', 1)).toBe(true);
      expect(await store.exportCursors.takeLease('siem-a', 10, 'ctl-2', 2)).toBe(false);
      expect(await store.exportCursors.takeLease('siem-a', 10, 'ctl-1', 3)).toBe(true);
      expect(await store.exportCursors.takeLease('siem-b', 10, 'ctl-2', 3)).toBe(true);
      await store.exportCursors.dropLeases('siem-a', 11);
      expect(await store.exportCursors.takeLease('siem-a', 10, 'ctl-2', 4)).toBe(true);
      expect(await store.exportCursors.takeLease('siem-a', 11, 'ctl-2', 4)).toBe(true);
      await store.exportCursors.releaseLeases('siem-a', 'ctl-2');
      expect(await store.exportCursors.takeLease('siem-a', 11, 'ctl-1', 5)).toBe(true);
      expect(await store.exportCursors.takeLease('siem-b', 10, 'ctl-1', 5)).toBe(false);
    });
  });
}

import { describe, expect, it } from 'vitest';
import type { ContractContext } from './store-contract';

/** Far from every other contract's audit times, so their entries are never in range. */
const T0 = 1_500_000_000_000;
const DAY = 86_400_000;

export function auditRetentionContract(ctx: ContractContext): void {
  describe('audit retention', () => {
    it('purges audit entries recorded before the cut-off and keeps the rest', async () => {
      const { store } = ctx.get();
      const at = [T0 - 400 * DAY, T0 - 366 * DAY, T0 - 365 * DAY, T0 - 10 * DAY, T0];
      for (const [i, t] of at.entries())
        await store.audit.append({
          at: t,
          actor: 'retention-test',
          action: 'retention.test',
          subject: `entry-${i}`,
          details: { i },
        });
      const listed = async () =>
        (await store.audit.list({ action: 'retention.test' }, { limit: 100 })).items
          .map((e) => e.subject)
          .sort();
      // The cut-off itself is kept: only entries strictly older go.
      expect(await store.audit.purge(T0 - 365 * DAY)).toBe(2);
      expect(await listed()).toEqual(['entry-2', 'entry-3', 'entry-4']);
      expect(await store.audit.purge(T0 - 365 * DAY)).toBe(0);
      expect(await store.audit.purge(T0 + 1)).toBe(3);
      expect(await listed()).toEqual([]);
    });
  });
}

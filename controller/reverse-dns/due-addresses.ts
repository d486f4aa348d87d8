/**
 * The key-activity source addresses whose reverse DNS is due: never looked up, or expired.
 * Key usage is read a page at a time; distinct addresses are kept up to `max` (one run's
 * worth: the next run finds the rest, since those looked up are no longer due).
 */
import { isIP } from 'node:net';
import type { Store } from '../store/store';

export async function dueSourceAddresses(
  store: Pick<Store, 'inventory' | 'reverseDns'>,
  now: number,
  max: number,
): Promise<{ due: string[]; seen: number }> {
  const due: string[] = [];
  const seen = new Set<string>();
  let pending: string[] = [];
  const flush = async () => {
    const cached = new Map((await store.reverseDns.get(pending)).map((r) => [r.address, r]));
    for (const a of pending) if ((cached.get(a)?.expiresAt ?? 0) <= now) due.push(a);
    pending = [];
  };
  let after: string | undefined;
  do {
    const page = await store.inventory.keyUsage.listPage(
      {},
      { limit: 1000, ...(after ? { after } : {}) },
    );
    for (const u of page.items) {
      if (seen.has(u.from) || isIP(u.from) === 0) continue;
      seen.add(u.from);
      pending.push(u.from);
    }
    if (pending.length >= 500) await flush();
    after = page.nextCursor ?? undefined;
  } while (after && due.length < max && seen.size < max * 10);
  await flush();
  return { due: due.slice(0, max), seen: seen.size };
}

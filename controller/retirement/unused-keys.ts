/**
 * Keys authorized somewhere and unused for N days: no login recorded by key activity in
 * that time, and known to Keywarden for at least that long (before the first scan there is
 * no record of use either way). The candidates for quarantine-key.
 */
import type { Store } from '../store/store';
import { DAY_MS } from './quarantine-options';

export interface UnusedKey {
  fingerprint: string;
  /** Lines (not removed) that authorize it, and on how many hosts. */
  lines: number;
  hosts: number;
  firstSeenAt: number;
  /** The last recorded login anywhere; null when none was ever recorded. */
  lastUsedAt: number | null;
  /** Lines of it already quarantined (not yet restored or deleted). */
  quarantined: number;
}

const PAGE = 500;

export async function unusedKeys(
  store: Pick<Store, 'inventory' | 'keyQuarantines'>,
  days: number,
  now: number,
  limit: number,
): Promise<{ items: UnusedKey[]; truncated: boolean }> {
  const since = now - days * DAY_MS;
  // One pass over key activity (one row per host, account, key and source) for the last uses.
  const lastUse = new Map<string, number>();
  let after: string | undefined;
  do {
    const page = await store.inventory.keyUsage.listPage(
      {},
      { limit: PAGE, ...(after ? { after } : {}) },
    );
    for (const u of page.items)
      lastUse.set(u.fingerprint, Math.max(lastUse.get(u.fingerprint) ?? 0, u.lastUsedAt));
    after = page.nextCursor ?? undefined;
  } while (after);
  const active = new Map<string, number>();
  for (const r of await store.keyQuarantines.list({ state: ['quarantining', 'quarantined'] }))
    active.set(r.fingerprint, (active.get(r.fingerprint) ?? 0) + 1);
  const items: UnusedKey[] = [];
  after = undefined;
  do {
    const page = await store.inventory.items.listFingerprints(
      { kinds: ['authorized-key'] },
      { limit: PAGE, ...(after ? { after } : {}) },
    );
    const unused = page.items.filter((fp) => (lastUse.get(fp) ?? 0) < since);
    for (const s of await store.inventory.items.summarize('authorized-key', unused)) {
      if (s.firstSeenAt > since) continue;
      items.push({
        fingerprint: s.fingerprint,
        lines: s.items,
        hosts: s.hosts,
        firstSeenAt: s.firstSeenAt,
        lastUsedAt: lastUse.get(s.fingerprint) ?? null,
        quarantined: active.get(s.fingerprint) ?? 0,
      });
      if (items.length > limit) return { items: items.slice(0, limit), truncated: true };
    }
    after = page.nextCursor ?? undefined;
  } while (after);
  return { items, truncated: false };
}

import type { Store } from '../store/store';

/**
 * A scan that finds a blacklisted key authorized somewhere (written back by hand, or on a
 * host the blacklist sweep could not reach) raises a critical alert per host and key.
 */
export async function flagBlacklistedKeys(
  store: Pick<Store, 'inventory' | 'alerts'>,
  hostId: string,
  keys: { account: string; file: string; fingerprint: string }[],
  now: number,
): Promise<string[]> {
  if (keys.length === 0) return [];
  const banned = new Map((await store.inventory.blacklist.list()).map((b) => [b.fingerprint, b]));
  const found = keys.filter((k) => banned.has(k.fingerprint));
  for (const k of found) {
    await store.alerts.raise(
      {
        type: 'blacklisted-key-found',
        severity: 'critical',
        subject: hostId,
        message: `blacklisted key ${k.fingerprint} (${banned.get(k.fingerprint)?.reason ?? ''}) lets ${k.account} in through ${k.file}`,
        dedupeKey: `blacklisted-key-found:${hostId}:${k.fingerprint}`,
      },
      now,
    );
  }
  return [...new Set(found.map((k) => k.fingerprint))];
}

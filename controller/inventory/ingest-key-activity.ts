import type { ScanKeyActivityResult } from '../../shared/hostops/scan-key-activity';
import type { Store } from '../store/store';

/**
 * Logins into key usage, then the cursor. In that order: a crash between the two makes the
 * next scan read the same logins again (last used is unchanged, only the count grows),
 * where the other order would lose them.
 */
export async function ingestKeyActivity(
  store: Pick<Store, 'inventory'>,
  hostId: string,
  scan: ScanKeyActivityResult,
  now: number,
): Promise<{ logins: number }> {
  await store.inventory.keyUsage.record(
    hostId,
    scan.events.map((e) => ({
      account: e.user,
      fingerprint: e.fingerprint,
      from: e.address,
      at: Date.parse(e.time),
    })),
  );
  await store.inventory.keyUsage.setCursor(hostId, scan.cursor, now);
  return { logins: scan.events.length };
}

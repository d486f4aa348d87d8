/**
 * The key figures of internal-calculate-statistics, read from the inventory a page at a
 * time so a fleet of millions of authorized-key lines is counted in bounded memory: what is
 * held at once is one page of items and one host's key usage, never the fleet.
 *
 * - keys: distinct fingerprints (authorized or stored) by type, by type and size, and by
 *   age (when the fleet first saw the key);
 * - authorized-key lines: managed or foreign, used or never used (from key usage), used in
 *   the last 90 days; accounts with key access (root apart);
 * - private keys: files, encrypted or not;
 * - logins: key-usage rows and their login count, and rows active since a given time.
 */
import type { AuthorizedKeyData, PrivateKeyData } from '../store/inventory-records';
import type { Store } from '../store/store';

const DAY = 86_400_000;
const PAGE = 1000;
export const AGE_BUCKETS = [
  ['under-30d', 30 * DAY],
  ['30-90d', 90 * DAY],
  ['90-365d', 365 * DAY],
  ['over-365d', Infinity],
] as const;

type Reader = Pick<Store, 'inventory' | 'hosts'>;
type Progress = (step: string, done: number) => Promise<void>;

export interface KeyStatistics {
  keys: {
    total: number;
    byType: Record<string, number>;
    bySize: Record<string, number>;
    byAge: Record<string, number>;
  };
  authorizedKeys: {
    lines: number;
    managed: number;
    foreign: number;
    used: number;
    unused: number;
    usedLast90Days: number;
  };
  accounts: { withKeyAccess: number; rootWithKeyAccess: number };
  privateKeys: { files: number; encrypted: number; unencrypted: number };
  usage: { rows: number; logins: number; rowsActiveSince: number | null };
}

const bump = (m: Record<string, number>, k: string, n = 1) => {
  m[k] = (m[k] ?? 0) + n;
};
const ageBucket = (ageMs: number) => AGE_BUCKETS.find(([, max]) => ageMs < max)![0];

async function distinctKeys(store: Reader, now: number, progress: Progress) {
  const out: KeyStatistics['keys'] = { total: 0, byType: {}, bySize: {}, byAge: {} };
  for (const [b] of AGE_BUCKETS) out.byAge[b] = 0;
  let after: string | undefined;
  do {
    const page = await store.inventory.items.listFingerprints(
      { kinds: ['authorized-key', 'private-key'] },
      { limit: PAGE, ...(after ? { after } : {}) },
    );
    const authorized = await store.inventory.items.summarize('authorized-key', page.items);
    const known = new Set(authorized.map((s) => s.fingerprint));
    const stored = await store.inventory.items.summarize(
      'private-key',
      page.items.filter((f) => !known.has(f)),
    );
    for (const s of [...authorized, ...stored]) {
      const d = s.data as Partial<AuthorizedKeyData & PrivateKeyData>;
      const type = d.type ?? 'unknown';
      out.total++;
      bump(out.byType, type);
      bump(out.bySize, `${type} ${d.bits ?? '?'}`);
      bump(out.byAge, ageBucket(now - s.firstSeenAt));
    }
    after = page.nextCursor ?? undefined;
    await progress('keys', out.total);
  } while (after);
  return out;
}

/** Every page of one host's present items of a kind (served by the (kind, host) index). */
async function* hostItems<K extends 'authorized-key' | 'private-key'>(
  store: Reader,
  kind: K,
  hostId: string,
) {
  let after: string | undefined;
  do {
    const page = await store.inventory.items.listPage(
      kind,
      { hostId },
      { limit: PAGE, ...(after ? { after } : {}) },
    );
    yield* page.items;
    after = page.nextCursor ?? undefined;
  } while (after);
}

/**
 * Lines and private keys host by host (registered hosts: a host removed from Keywarden is no
 * longer counted), each host's key usage read once when its lines begin.
 */
async function hostByHost(store: Reader, now: number, progress: Progress) {
  const lines: KeyStatistics['authorizedKeys'] = {
    lines: 0,
    managed: 0,
    foreign: 0,
    used: 0,
    unused: 0,
    usedLast90Days: 0,
  };
  const accounts = { withKeyAccess: 0, rootWithKeyAccess: 0 };
  const keyFiles = { files: 0, encrypted: 0, unencrypted: 0 };
  let after: string | undefined;
  do {
    const hosts = await store.hosts.list({}, { limit: PAGE, ...(after ? { after } : {}) });
    for (const host of hosts.items) {
      const lastUse = new Map<string, number>();
      for (const u of await store.inventory.keyUsage.list({ hostId: host.id })) {
        const k = `${u.account}|${u.fingerprint}`;
        lastUse.set(k, Math.max(lastUse.get(k) ?? 0, u.lastUsedAt));
      }
      const hostAccounts = new Set<string>();
      for await (const item of hostItems(store, 'authorized-key', host.id)) {
        const account = item.account ?? '';
        if (!hostAccounts.has(account)) {
          hostAccounts.add(account);
          accounts.withKeyAccess++;
          if (account === 'root') accounts.rootWithKeyAccess++;
        }
        lines.lines++;
        if (item.data.managed) lines.managed++;
        else lines.foreign++;
        const used = lastUse.get(`${account}|${item.fingerprint ?? ''}`);
        if (used === undefined) lines.unused++;
        else {
          lines.used++;
          if (used >= now - 90 * DAY) lines.usedLast90Days++;
        }
      }
      for await (const item of hostItems(store, 'private-key', host.id)) {
        keyFiles.files++;
        if (item.data.encrypted) keyFiles.encrypted++;
        else keyFiles.unencrypted++;
      }
    }
    after = hosts.nextCursor ?? undefined;
    await progress('hosts', lines.lines);
  } while (after);
  return { lines, accounts, keyFiles };
}

async function usage(store: Reader, since: number | null, progress: Progress) {
  const out = { rows: 0, logins: 0, rowsActiveSince: since === null ? null : 0 };
  let after: string | undefined;
  do {
    const page = await store.inventory.keyUsage.listPage(
      {},
      { limit: PAGE, ...(after ? { after } : {}) },
    );
    for (const u of page.items) {
      out.rows++;
      out.logins += u.count;
      if (since !== null && u.lastUsedAt > since)
        out.rowsActiveSince = (out.rowsActiveSince ?? 0) + 1;
    }
    after = page.nextCursor ?? undefined;
    await progress('key-usage', out.rows);
  } while (after);
  return out;
}

/** `since`: logins after it are counted apart (the previous run, for trends). */
export async function keyStatistics(
  store: Reader,
  now: number,
  since: number | null,
  progress: Progress = async () => undefined,
): Promise<KeyStatistics> {
  const keys = await distinctKeys(store, now, progress);
  const { lines, accounts, keyFiles } = await hostByHost(store, now, progress);
  return {
    keys,
    authorizedKeys: lines,
    accounts,
    privateKeys: keyFiles,
    usage: await usage(store, since, progress),
  };
}

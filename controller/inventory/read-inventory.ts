/**
 * The inventory as the API and CLI show it: pages of one host's items, keys as fleet
 * entities, and each authorized line with its last use. Every read is one bounded page.
 */
import type { InventoryItem, InventoryKind } from '../store/inventory-records';
import type { FingerprintSummary, InventoryFilter } from '../store/inventory-store';
import type { Page, Store } from '../store/store';

type Reader = Pick<Store, 'inventory' | 'hosts'>;

/** Usage rows read per line to find its last use (one per source address). */
const SOURCES_PER_LINE = 1000;

/**
 * A host the controller knows: registered, or with inventory of its own (jobs given a
 * `connection` keep their findings under `ssh:<address>:<port>` without registering it).
 */
export async function hostKnown(store: Reader, hostId: string): Promise<boolean> {
  if (await store.hosts.get(hostId)) return true;
  if (await store.inventory.hostConfigs.get(hostId)) return true;
  for (const kind of ['account', 'authorized-key'] as const) {
    const page = await store.inventory.items.listPage(
      kind,
      { hostId, includeRemoved: true },
      { limit: 1 },
    );
    if (page.items.length > 0) return true;
  }
  return false;
}

/** Each line's latest login (host, account and key alike), from the key-usage rows. */
export async function lastUses(
  store: Reader,
  lines: InventoryItem<'authorized-key'>[],
): Promise<Array<{ at: number; from: string } | null>> {
  return Promise.all(
    lines.map(async (l) => {
      if (!l.account || !l.fingerprint) return null;
      const uses = await store.inventory.keyUsage.listPage(
        { hostId: l.hostId, account: l.account, fingerprint: l.fingerprint },
        { limit: SOURCES_PER_LINE },
      );
      let best: { at: number; from: string } | null = null;
      for (const u of uses.items)
        if (!best || u.lastUsedAt > best.at) best = { at: u.lastUsedAt, from: u.from };
      return best;
    }),
  );
}

export function itemPage<K extends InventoryKind>(
  store: Reader,
  kind: K,
  filter: InventoryFilter,
  page: { limit: number; cursor?: string },
): Promise<Page<InventoryItem<K>>> {
  return store.inventory.items.listPage(kind, filter, {
    limit: page.limit,
    ...(page.cursor ? { after: page.cursor } : {}),
  });
}

export interface KeyEntity {
  fingerprint: string;
  type: string | null;
  bits: number | null;
  comment: string | null;
  authorized: { lines: number; hosts: number };
  stored: { files: number; hosts: number };
  firstSeenAt: number | null;
  blacklisted: boolean;
  /** false: a key type Keywarden does not know (its lines are kept by fingerprint). */
  knownType: boolean;
}

/** What the fleet holds of these keys: where they are authorized and stored. */
export async function keyEntities(store: Reader, fingerprints: string[]): Promise<KeyEntity[]> {
  const [auth, priv, black] = await Promise.all([
    store.inventory.items.summarize('authorized-key', fingerprints),
    store.inventory.items.summarize('private-key', fingerprints),
    Promise.all(fingerprints.map((fp) => store.inventory.blacklist.get(fp))),
  ]);
  const byFp = (list: FingerprintSummary[]) => new Map(list.map((s) => [s.fingerprint, s]));
  const a = byFp(auth);
  const p = byFp(priv);
  return fingerprints.map((fingerprint, i) => {
    const as = a.get(fingerprint);
    const ps = p.get(fingerprint);
    const data = (as?.data ?? ps?.data ?? {}) as {
      type?: string | null;
      bits?: number | null;
      comment?: string;
      knownType?: false;
    };
    const seen = [as?.firstSeenAt, ps?.firstSeenAt].filter((t): t is number => t !== undefined);
    return {
      fingerprint,
      type: data.type ?? null,
      bits: data.bits ?? null,
      comment: as ? ((as.data as { comment?: string }).comment ?? null) : null,
      authorized: { lines: as?.items ?? 0, hosts: as?.hosts ?? 0 },
      stored: { files: ps?.items ?? 0, hosts: ps?.hosts ?? 0 },
      firstSeenAt: seen.length ? Math.min(...seen) : null,
      blacklisted: black[i] !== null,
      knownType: data.knownType !== false,
    };
  });
}

/** Pages of fingerprints read to fill one page of a type-filtered key list. */
const MAX_ROUNDS = 10;

/**
 * Keys present in the fleet (or on one host), in fingerprint order; with `prefix`, those
 * whose fingerprint starts with it, with `comment`, those authorized by a line whose comment
 * holds it. The type lives in each item's data, so a type filter reads at most MAX_ROUNDS
 * pages of keys, and a comment search one window of lines: a page can hold fewer than
 * `limit` keys and still have a nextCursor, which continues the search.
 */
export async function listKeys(
  store: Reader,
  filter: { type?: string; hostId?: string; prefix?: string; comment?: string },
  page: { limit: number; cursor?: string },
): Promise<Page<KeyEntity>> {
  const out: KeyEntity[] = [];
  let after = page.cursor;
  // A comment search already reads a bounded window of lines per page: one is enough.
  const rounds = filter.comment === undefined ? MAX_ROUNDS : 1;
  for (let round = 0; round < rounds; round++) {
    const fps = await store.inventory.items.listFingerprints(
      {
        kinds: ['authorized-key', 'private-key'],
        ...(filter.hostId ? { hostId: filter.hostId } : {}),
        ...(filter.prefix !== undefined ? { prefix: filter.prefix } : {}),
        ...(filter.comment !== undefined ? { comment: filter.comment } : {}),
      },
      { limit: page.limit, ...(after ? { after } : {}) },
    );
    const entities = await keyEntities(store, fps.items);
    for (const e of entities) {
      after = e.fingerprint;
      if (filter.type && e.type !== filter.type) continue;
      out.push(e);
      if (out.length === page.limit)
        return { items: out, nextCursor: e === entities.at(-1) ? fps.nextCursor : after };
    }
    if (!fps.nextCursor) return { items: out, nextCursor: null };
    after = fps.nextCursor;
  }
  return { items: out, nextCursor: after ?? null };
}

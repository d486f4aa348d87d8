/**
 * The roster of a host's inventory: one document per (host, kind), `_id` `${hostId}|${kind}`,
 * listing the ids of every item of that host and kind ever recorded (items are never
 * deleted, only marked removed). A host's items are then read by `_id` alone.
 *
 * Why: the one query shape every MongoDB-compatible server serves from an index is an `_id`
 * equality. FerretDB 1.24 (the test server, SQLite backend) pushes down nothing else: a find
 * by { kind, hostId } decodes every document of the collection, so "who could log in to H
 * on date D" took 17-45 s on 200,000 lines. With the roster it is one `_id` lookup and one
 * per item of the host, on any server.
 *
 * The roster is `complete` once a scan of the whole host (not limited to accounts) wrote it
 * from every item of that host and kind; until then readers use the filtered query. Ids
 * are only added ($addToSet, idempotent). On a server whose updates are not atomic
 * (FerretDB) two writers racing on one host could lose an id: every full scan adds all the
 * host's ids again, so such a loss lasts until that host's next scan at most.
 */
import type { Filter } from 'mongodb';
import type { InventoryKind } from '../inventory-records';
import type { InventoryFilter } from '../inventory-store';
import type { InventoryCollections, InventoryDoc } from './inventory-collections';
import { upsertRetried } from './collections';

const rosterId = (hostId: string, kind: InventoryKind) => `${hostId}|${kind}`;

export async function addToRoster(
  c: InventoryCollections,
  hostId: string,
  kind: InventoryKind,
  ids: string[],
  complete = false,
): Promise<void> {
  if (ids.length === 0 && !complete) return;
  await upsertRetried(() =>
    c.rosters.updateOne(
      { _id: rosterId(hostId, kind) },
      {
        $addToSet: { ids: { $each: ids } },
        ...(complete ? { $set: { complete: true } } : {}),
      },
      { upsert: true },
    ),
  );
}

/** Items fetched by `_id` at once, at most this many requests in flight. */
const IN_FLIGHT = 32;

/**
 * The host's items of `kind` matching the filter, from its roster; null when the host has
 * no complete roster yet (the caller then queries by fields).
 */
export async function listFromRoster(
  c: InventoryCollections,
  kind: InventoryKind,
  f: InventoryFilter & { hostId: string },
): Promise<InventoryDoc[] | null> {
  const roster = await c.rosters.findOne({ _id: rosterId(f.hostId, kind) });
  if (!roster?.complete) return null;
  // An authorized key's id starts with its account: fetch only that account's (the fields
  // are checked again below, so a name containing `|` cannot let another account's in).
  const prefix =
    f.account !== undefined && (kind === 'authorized-key' || kind === 'account')
      ? `${f.hostId}|${kind}|${f.account}`
      : `${f.hostId}|${kind}|`;
  const ids = roster.ids.filter((id) => id.startsWith(prefix));
  const docs: InventoryDoc[] = [];
  for (let i = 0; i < ids.length; i += IN_FLIGHT) {
    const found = await Promise.all(
      ids.slice(i, i + IN_FLIGHT).map((_id) => c.items.findOne({ _id } as Filter<InventoryDoc>)),
    );
    for (const d of found) {
      if (!d || d.kind !== kind || d.hostId !== f.hostId) continue;
      if (f.account !== undefined && d.account !== f.account) continue;
      if (f.fingerprint !== undefined && d.fingerprint !== f.fingerprint) continue;
      if (!f.includeRemoved && d.removedAt !== null) continue;
      docs.push(d);
    }
  }
  return docs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

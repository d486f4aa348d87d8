/** Indexes of the inventory (migration ids 10-19 belong to the inventory area). */
type IndexSpec = { name: string; key: Record<string, 1 | -1> };

export const inventoryMigrations: Array<{
  id: number;
  name: string;
  indexes: Record<string, IndexSpec[]>;
}> = [
  {
    id: 10,
    name: 'inventory: items by host and by fingerprint, key usage',
    indexes: {
      // _id is `${hostId}|${kind}|${key}`: the scan sync and "keys on this host" go by host,
      // "who can log in with this key" by fingerprint.
      inventory_items: [
        { name: 'host', key: { kind: 1, hostId: 1, key: 1 } },
        { name: 'fingerprint', key: { kind: 1, fingerprint: 1 } },
      ],
      key_usage: [
        { name: 'host', key: { hostId: 1 } },
        { name: 'fingerprint', key: { fingerprint: 1 } },
      ],
    },
  },
  {
    id: 40,
    name: "inventory: pages of one key's places and its usage in tuple order",
    indexes: {
      // "Where is this key": its items in _id order, a page at a time.
      inventory_items: [
        { name: 'fingerprint_pages', key: { kind: 1, fingerprint: 1, removedAt: 1, _id: 1 } },
      ],
      // Key usage pages are sorted by (host, account, key, source).
      key_usage: [{ name: 'tuple', key: { hostId: 1, account: 1, fingerprint: 1, from: 1 } }],
    },
  },
];

/**
 * Repositories of the inventory (see inventory-records.ts). Both adapters implement them
 * and pass test/integration/store/contract-inventory.ts.
 */
import type {
  BlacklistRecord,
  HostConfigRecord,
  InventoryItem,
  InventoryKind,
  KeyUsageRecord,
  KeyUse,
  NewInventoryItem,
} from './inventory-records';
import type { Page } from './store';

export interface InventoryFilter {
  hostId?: string;
  account?: string;
  fingerprint?: string;
  /** Include items marked removed (default: only those present). */
  includeRemoved?: boolean;
}

export interface SyncResult {
  /** New, or back after having been removed. */
  added: number;
  kept: number;
  removed: number;
}

export interface InventoryItemRepository {
  /**
   * A scan's complete answer for one host and kind: these items are present (first seen
   * kept, last seen `observedAt`), and present items of that host and kind (within
   * `accounts`, when the scan was limited to them) not among them are marked removed.
   * `observedAt` is when the scan read the host (taken before it started): an item
   * recorded later than that, by an edit that ran beside the scan, is newer than the scan
   * and is left as recorded, neither overwritten, revived nor marked removed.
   */
  sync<K extends InventoryKind>(
    kind: K,
    hostId: string,
    items: NewInventoryItem<K>[],
    observedAt: number,
    scope?: { accounts?: string[] },
  ): Promise<SyncResult>;
  /** One item seen (an edit added it): present, without touching the others. */
  upsert(item: NewInventoryItem, now: number): Promise<void>;
  /** Items an edit took away; returns how many were present. */
  markRemoved(kind: InventoryKind, hostId: string, keys: string[], now: number): Promise<number>;
  /** Served by (kind, host) and (kind, fingerprint) indexes; ordered by host, then key. */
  list<K extends InventoryKind>(kind: K, filter: InventoryFilter): Promise<InventoryItem<K>[]>;
  /** One page of `list`, ordered by item id (host, then the item's key); `after` = last id. */
  listPage<K extends InventoryKind>(
    kind: K,
    filter: InventoryFilter,
    page: InventoryPage,
  ): Promise<Page<InventoryItem<K>>>;
  /**
   * Keys as fleet entities: the distinct fingerprints of present items of these kinds
   * (on one host when given), in order; `after` = the last fingerprint of the page before.
   */
  listFingerprints(filter: FingerprintFilter, page: InventoryPage): Promise<Page<string>>;
  /** For each given fingerprint (a page of them) with present items of `kind`: where it is. */
  summarize(kind: InventoryKind, fingerprints: string[]): Promise<FingerprintSummary[]>;
}

export interface FingerprintFilter {
  kinds: InventoryKind[];
  hostId?: string;
  /** Fingerprints that start with this (served by the fingerprint index). */
  prefix?: string;
  /**
   * Keys of an authorized-key line whose comment holds this text (ASCII case ignored); other
   * kinds have no comment and match nothing. No index can find text inside a comment, so a
   * page reads at most COMMENT_SCAN_LINES lines (and the rest of the last key's) in
   * fingerprint order: it may hold fewer than `limit` keys, even none, and still have a
   * nextCursor where the next page goes on.
   */
  comment?: string;
  /** Lines a page of a comment search reads at most; default COMMENT_SCAN_LINES. */
  scanLines?: number;
}

/** Lines one page of a comment search reads at most (a few tenths of a second on SQLite). */
export const COMMENT_SCAN_LINES = 25_000;

export interface InventoryPage {
  limit: number;
  after?: string;
}

export interface FingerprintSummary {
  fingerprint: string;
  /** Present items of the kind with this fingerprint, and on how many hosts. */
  items: number;
  hosts: number;
  /** When the earliest of them was first seen. */
  firstSeenAt: number;
  /** The data of one of them (the key's type and bits are the same in all). */
  data: unknown;
}

export interface KeyUsageRepository {
  /** Adds logins: last used only moves forward, the count adds up. */
  record(hostId: string, uses: KeyUse[]): Promise<void>;
  list(filter: {
    hostId?: string;
    fingerprint?: string;
    account?: string;
  }): Promise<KeyUsageRecord[]>;
  /** One page of `list` in the same order; the cursor is opaque (INVALID_INPUT when forged). */
  listPage(
    filter: { hostId?: string; fingerprint?: string; account?: string },
    page: InventoryPage,
  ): Promise<Page<KeyUsageRecord>>;
  /** Where the host's next key-activity scan resumes (opaque JSON); null before the first. */
  getCursor(hostId: string): Promise<unknown>;
  setCursor(hostId: string, cursor: unknown, now: number): Promise<void>;
  /** Deletes logins last seen before `before` (an approved purge request); returns how many. */
  purge(before: number): Promise<number>;
}

export interface BlacklistRepository {
  /** Records the fingerprint unless it is already there (then the existing entry wins). */
  add(
    entry: Omit<BlacklistRecord, 'createdAt'>,
    now: number,
  ): Promise<{ entry: BlacklistRecord; created: boolean }>;
  get(fingerprint: string): Promise<BlacklistRecord | null>;
  list(): Promise<BlacklistRecord[]>;
}

export interface HostConfigRepository {
  /** Replaces the host's last configuration scan. */
  put(rec: HostConfigRecord): Promise<void>;
  get(hostId: string): Promise<HostConfigRecord | null>;
}

export interface InventoryStore {
  items: InventoryItemRepository;
  keyUsage: KeyUsageRepository;
  blacklist: BlacklistRepository;
  hostConfigs: HostConfigRepository;
}

/**
 * The inventory: what scans and edits found on hosts. An item (account, authorized key,
 * private key, host key) is kept when it disappears: it is marked removed, so "who could
 * log in where, and until when" stays answerable. Times are ms since the epoch.
 */

import type { SshdConfigEntry } from '../../shared/ssh/sshd-config';

export type InventoryKind = 'account' | 'authorized-key' | 'private-key' | 'host-key';

export interface AccountData {
  uid: number;
  gid: number;
  home: string;
  shell: string;
  gecos: string;
  groups: string[];
}

export interface AuthorizedKeyData {
  file: string;
  line: number;
  options: { name: string; value?: string }[];
  type: string;
  bits: number;
  comment: string;
  /** The line carries Keywarden's marker (Keywarden added it). */
  managed: boolean;
  /**
   * false: a key type Keywarden's parser does not know (OpenSSH adds types); `type` is the
   * name as written, `bits` 0. sshd uses the line if its OpenSSH knows the type. Absent: known.
   */
  knownType?: false;
}

export interface PrivateKeyData {
  path: string;
  format: 'openssh' | 'pem';
  encrypted: boolean;
  type: string | null;
  bits: number | null;
  mode: number;
  uid: number;
  /** The public half (`type base64`) when the scan could read it; absent in older records. */
  publicKey?: string | null;
}

export interface HostKeyData {
  path: string;
  type: string | null;
  bits: number | null;
  md5: string | null;
  error: string | null;
}

export interface InventoryData {
  account: AccountData;
  'authorized-key': AuthorizedKeyData;
  'private-key': PrivateKeyData;
  'host-key': HostKeyData;
}

export interface NewInventoryItem<K extends InventoryKind = InventoryKind> {
  kind: K;
  hostId: string;
  /** Unique per host and kind: see `inventoryItemKey`. */
  key: string;
  account: string | null;
  fingerprint: string | null;
  data: InventoryData[K];
}

export interface InventoryItem<
  K extends InventoryKind = InventoryKind,
> extends NewInventoryItem<K> {
  id: string;
  firstSeenAt: number;
  lastSeenAt: number;
  /** When a scan or an edit no longer found it; null while it is there. */
  removedAt: number | null;
}

/**
 * The identity of an item on its host: the same line moved within a file stays one item.
 * Every line of a key in a file is an item (sshd reads them all: a later line can let in
 * what an earlier one's from= refused): the first keeps `account|file|fingerprint`, the
 * n-th (`occurrence` n, from 2, in line order) gets `|#n`, so a key written once keeps the
 * identity (and history) it always had.
 */
export function inventoryItemKey(
  kind: InventoryKind,
  parts: {
    account?: string | null;
    file?: string;
    path?: string;
    fingerprint?: string | null;
    occurrence?: number;
  },
): string {
  switch (kind) {
    case 'account':
      return parts.account ?? '';
    case 'authorized-key': {
      const first = `${parts.account ?? ''}|${parts.file ?? ''}|${parts.fingerprint ?? ''}`;
      return (parts.occurrence ?? 1) > 1 ? `${first}|#${parts.occurrence}` : first;
    }
    default:
      return parts.path ?? '';
  }
}

export const inventoryItemId = (hostId: string, kind: InventoryKind, key: string): string =>
  `${hostId}|${kind}|${key}`;

/** One row per (host, account, key, source address): the last time that login happened. */
export interface KeyUsageRecord {
  hostId: string;
  account: string;
  fingerprint: string;
  from: string;
  firstUsedAt: number;
  lastUsedAt: number;
  count: number;
}

export interface KeyUse {
  account: string;
  fingerprint: string;
  from: string;
  at: number;
}

export interface BlacklistRecord {
  fingerprint: string;
  reason: string;
  createdBy: string;
  createdAt: number;
}

/** The last configuration scan of a host (OS, SSH product, sshd settings). */
export interface HostConfigRecord {
  hostId: string;
  scannedAt: number;
  os: { id: string; versionId: string; prettyName: string } | null;
  ssh: { product: string | null; serverVersion: string | null; clientVersion: string | null };
  sshdConfigPath: string;
  files: { path: string; sha256: string; size: number }[];
  errors: { file: string; line: number; message: string }[];
  /** Effective global sshd settings: lowercase keyword, values, where they are set. */
  settings: { keyword: string; values: string[]; file: string; line: number }[];
  /** The config as loaded, Match blocks kept (scans from older agents lack it). */
  entries?: SshdConfigEntry[];
}

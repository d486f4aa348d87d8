/**
 * Scan results into the inventory. Each function takes one operation's JSON result and
 * makes the store say what the host said: found items present, vanished ones removed.
 */
import type { AccountInventory } from '../../shared/hostops/list-accounts';
import type { ScanAuthorizedKeysResult } from '../../shared/hostops/scan-authorized-keys';
import type { ScanConfigsResult } from '../../shared/hostops/scan-configs';
import type { ScannedPrivateKey } from '../../shared/hostops/scan-private-keys';
import { inventoryItemKey, type NewInventoryItem } from '../store/inventory-records';
import type { SyncResult } from '../store/inventory-store';
import type { Store } from '../store/store';

type InventoryDeps = Pick<Store, 'inventory' | 'hosts'>;

export function ingestAccounts(
  store: InventoryDeps,
  hostId: string,
  scan: AccountInventory,
  now: number,
): Promise<SyncResult> {
  const items: NewInventoryItem<'account'>[] = scan.accounts.map((a) => ({
    kind: 'account',
    hostId,
    key: inventoryItemKey('account', { account: a.name }),
    account: a.name,
    fingerprint: null,
    data: {
      uid: a.uid,
      gid: a.gid,
      home: a.home,
      shell: a.shell,
      gecos: a.gecos,
      groups: a.groups,
    },
  }));
  return store.inventory.items.sync('account', hostId, items, now);
}

export function authorizedKeyItem(
  hostId: string,
  k: ScanAuthorizedKeysResult['keys'][number],
  /** 1 for the key's first line in its file, 2 for its second... (inventoryItemKey). */
  occurrence = 1,
): NewInventoryItem<'authorized-key'> {
  return {
    kind: 'authorized-key',
    hostId,
    key: inventoryItemKey('authorized-key', { ...k, occurrence }),
    account: k.account,
    fingerprint: k.fingerprint,
    data: {
      file: k.file,
      line: k.line,
      options: k.options,
      type: k.type,
      bits: k.bits,
      comment: k.comment,
      managed: k.managed,
      ...(k.knownType === false ? { knownType: false as const } : {}),
    },
  };
}

export async function ingestAuthorizedKeys(
  store: InventoryDeps,
  hostId: string,
  scan: ScanAuthorizedKeysResult,
  now: number,
  accounts?: string[],
): Promise<SyncResult> {
  // Every line is an item: the same key twice in one file is two (sshd reads both).
  const byKey = new Map<string, NewInventoryItem<'authorized-key'>>();
  const seen = new Map<string, number>();
  for (const k of [...scan.keys].sort((a, b) => a.line - b.line)) {
    const first = inventoryItemKey('authorized-key', k);
    const occurrence = (seen.get(first) ?? 0) + 1;
    seen.set(first, occurrence);
    const item = authorizedKeyItem(hostId, k, occurrence);
    byKey.set(item.key, item);
  }
  await keepKeysOfUnreadFiles(store, hostId, scan, byKey);
  return store.inventory.items.sync(
    'authorized-key',
    hostId,
    [...byKey.values()],
    now,
    accounts ? { accounts } : {},
  );
}

/**
 * A key file the scan refused to read (too large, not a regular file) still holds whatever
 * it held: its keys stay in the inventory as they were, rather than being marked removed.
 * (An agent older than the findings field sends none: nothing is kept, as before.)
 */
async function keepKeysOfUnreadFiles(
  store: InventoryDeps,
  hostId: string,
  scan: ScanAuthorizedKeysResult,
  byKey: Map<string, NewInventoryItem<'authorized-key'>>,
): Promise<void> {
  const unread = new Set(
    (scan.findings ?? []).flatMap((f) => (f.account ? [`${f.account}\0${f.path}`] : [])),
  );
  if (unread.size === 0) return;
  for (const item of await store.inventory.items.list('authorized-key', { hostId })) {
    if (!unread.has(`${item.account ?? ''}\0${item.data.file}`) || byKey.has(item.key)) continue;
    const { kind, key, account, fingerprint, data } = item;
    byKey.set(key, { kind, hostId, key, account, fingerprint, data });
  }
}

export function privateKeyItem(
  hostId: string,
  k: ScannedPrivateKey,
): NewInventoryItem<'private-key'> {
  return {
    kind: 'private-key',
    hostId,
    key: inventoryItemKey('private-key', { path: k.path }),
    account: k.account || null,
    fingerprint: k.fingerprint ?? null,
    data: {
      path: k.path,
      format: k.format,
      encrypted: k.encrypted,
      type: k.type ?? null,
      bits: k.bits ?? null,
      mode: k.mode,
      uid: k.uid,
      publicKey: k.publicKey ?? null,
    },
  };
}

export function ingestPrivateKeys(
  store: InventoryDeps,
  hostId: string,
  scan: { keys: ScannedPrivateKey[] },
  now: number,
): Promise<SyncResult> {
  const items = scan.keys.map((k) => privateKeyItem(hostId, k));
  return store.inventory.items.sync('private-key', hostId, items, now);
}

/** Host keys as items, the config scan as the host's record, OS and SSH on the host itself. */
export async function ingestConfigs(
  store: InventoryDeps,
  hostId: string,
  scan: ScanConfigsResult,
  now: number,
): Promise<SyncResult> {
  // Two scans of one host may end in the other order than they looked: the later look
  // stays (a scheduled scan-full that started first must not put back the config path and
  // settings a scan-configs read after it).
  const recorded = await store.inventory.hostConfigs.get(hostId);
  if (!recorded || recorded.scannedAt <= now) await putConfig(store, hostId, scan, now);
  const items: NewInventoryItem<'host-key'>[] = scan.hostKeys.map((k) => ({
    kind: 'host-key',
    hostId,
    key: inventoryItemKey('host-key', { path: k.path }),
    account: null,
    fingerprint: k.fingerprint ?? null,
    data: {
      path: k.path,
      type: k.type ?? null,
      bits: k.bits ?? null,
      md5: k.md5 ?? null,
      error: k.error ?? null,
    },
  }));
  const synced = await store.inventory.items.sync('host-key', hostId, items, now);
  if (await store.hosts.get(hostId)) {
    await store.hosts.update(
      hostId,
      {
        os: scan.os?.prettyName || null,
        sshProduct: scan.ssh.serverVersion ?? scan.ssh.clientVersion,
        lastSeenAt: now,
      },
      now,
    );
  }
  return synced;
}

/** A key pair an edit just wrote, as the inventory keeps private keys. */
export function generatedKeyItem(
  hostId: string,
  account: string,
  key: { path: string; fingerprint: string; bits: number; type: string; publicKey?: string },
  uid: number,
): NewInventoryItem<'private-key'> {
  return {
    kind: 'private-key',
    hostId,
    key: inventoryItemKey('private-key', { path: key.path }),
    account,
    fingerprint: key.fingerprint,
    data: {
      path: key.path,
      format: 'openssh',
      encrypted: false,
      type: key.type,
      bits: key.bits,
      mode: 0o600,
      uid,
      publicKey: key.publicKey ?? null,
    },
  };
}

function putConfig(store: InventoryDeps, hostId: string, scan: ScanConfigsResult, now: number) {
  return store.inventory.hostConfigs.put({
    hostId,
    scannedAt: now,
    os: scan.os && { id: scan.os.id, versionId: scan.os.versionId, prettyName: scan.os.prettyName },
    ssh: scan.ssh,
    sshdConfigPath: scan.sshdConfig.path,
    files: scan.sshdConfig.files,
    errors: scan.sshdConfig.errors,
    settings: scan.sshdConfig.settings,
    ...(scan.sshdConfig.entries ? { entries: scan.sshdConfig.entries } : {}),
  });
}

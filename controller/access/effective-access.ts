/**
 * Effective access for one host and account from what the inventory holds: the last config
 * scan's sshd settings and the scanned authorized_keys lines, decided by the shared
 * evaluator (shared/ssh/effective-access) as sshd would decide a login from `source`.
 *
 * The inventory holds less than the host, and the answer says where that matters
 * (`limitations`): lines sshd skips are not kept (every other line is, each its own
 * record, also a key of a type Keywarden does not know); CA and principals files are not
 * scanned; a config scan from an older agent has the global settings only, not the Match
 * blocks. A host whose config has not been scanned yet has no answer.
 *
 * Exports:
 * - `InventoryEffectiveAccess`, `effectiveAccessFromInventory(store, query)`: one account.
 * - `effectiveAccessOnHost(store, query)`: every account of the host that has keys.
 * - `configFromSettings(settings)`: a scan's settings as a loaded config without Match blocks.
 */
import { notFound } from '../../shared/errors';
import {
  evaluateEffectiveAccess,
  keyLineFromParts,
  unknownTypeLineFromParts,
  type AccessAccount,
  type EffectiveAccess,
  type KeyLine,
} from '../../shared/ssh/effective-access';
import { plainTypeOf } from '../../shared/ssh/key-types';
import type { LoadedSshdConfig } from '../../shared/ssh/sshd-config';
import type { HostConfigRecord, InventoryItem } from '../store/inventory-records';
import type { Store } from '../store/store';

export interface EffectiveAccessQuery {
  hostId: string;
  account: string;
  /** The client address to decide for (from=, Match Address, user@host patterns). */
  sourceAddress: string;
  now: number;
}

export interface InventoryEffectiveAccess extends EffectiveAccess {
  hostId: string;
  /** When the settings used were scanned. */
  configScannedAt: number;
  /** What the inventory could not tell, so what the answer may miss. */
  limitations: string[];
}

export function configFromSettings(settings: HostConfigRecord['settings']): LoadedSshdConfig {
  return {
    entries: settings.map((s) => ({
      type: 'directive' as const,
      keyword: s.keyword,
      name: s.keyword,
      args: s.values,
      rest: s.values.join(' '),
      file: s.file,
      line: s.line,
    })),
    files: [],
    errors: [],
  };
}

const NO_MATCH_BLOCKS =
  'Match blocks are not in this config scan (an older agent sent only the global settings): a Match block that changes them for this account or source is not applied';
const LIMITATIONS = [
  "lines sshd skips (bad options, a declared type not the key's) are not in the inventory",
];

type AccountItem = InventoryItem<'account'>;
type KeyItem = InventoryItem<'authorized-key'>;

/**
 * The shared evaluator over inventory records for one account: what policy evaluation uses
 * (a host without a config scan is judged on sshd's defaults, an empty config).
 */
export function keyAccessOfAccount(
  config: HostConfigRecord | null,
  account: AccessAccount,
  items: KeyItem[],
  sourceAddress: string,
  now: number,
): EffectiveAccess {
  const keyLines: KeyLine[] = [];
  for (const item of items) {
    if (item.fingerprint === null) continue;
    const { file, line, options } = item.data;
    const plainType = plainTypeOf(item.data.type);
    if (item.data.knownType === false || plainType === undefined) {
      // sshd decides by whether its OpenSSH knows the type: said so, not guessed.
      const key = { fingerprint: item.fingerprint, keyType: item.data.type };
      keyLines.push(unknownTypeLineFromParts(file, line, key, options));
      continue;
    }
    const key = { sha256: item.fingerprint, type: item.data.type, plainType, bits: item.data.bits };
    keyLines.push(keyLineFromParts(file, line, key, options));
  }
  return evaluateEffectiveAccess({
    config: !config
      ? { entries: [], files: [], errors: [] }
      : config.entries
        ? { entries: config.entries, files: [], errors: [] }
        : configFromSettings(config.settings),
    account,
    source: { address: sourceAddress },
    files: new Map(),
    keyLines,
    now,
  });
}

function evaluateAccount(
  config: HostConfigRecord,
  account: AccountItem,
  items: KeyItem[],
  sourceAddress: string,
  now: number,
): InventoryEffectiveAccess {
  const name = account.account ?? '';
  const access = keyAccessOfAccount(
    config,
    { name, uid: account.data.uid, groups: account.data.groups, home: account.data.home },
    items,
    sourceAddress,
    now,
  );
  const limitations = config.entries ? [...LIMITATIONS] : [NO_MATCH_BLOCKS, ...LIMITATIONS];
  const trusted = config.settings.find((s) => s.keyword === 'trustedusercakeys')?.values[0];
  if (trusted !== undefined && trusted.toLowerCase() !== 'none') {
    limitations.push(
      `TrustedUserCAKeys ${trusted} is not scanned: certificates signed by its CAs may also log in`,
    );
  }
  return { hostId: config.hostId, configScannedAt: config.scannedAt, ...access, limitations };
}

async function hostConfig(store: Pick<Store, 'inventory'>, hostId: string) {
  const config = await store.inventory.hostConfigs.get(hostId);
  if (!config) throw notFound(`host ${hostId} has no config scan yet`);
  return config;
}

/** One account of one host. */
export async function effectiveAccessFromInventory(
  store: Pick<Store, 'inventory'>,
  query: EffectiveAccessQuery,
): Promise<InventoryEffectiveAccess> {
  const { hostId, account: name } = query;
  const config = await hostConfig(store, hostId);
  const [account] = await store.inventory.items.list('account', { hostId, account: name });
  if (!account) throw notFound(`account ${name} is not in the inventory of host ${hostId}`);
  const items = await store.inventory.items.list('authorized-key', { hostId, account: name });
  return evaluateAccount(config, account, items, query.sourceAddress, query.now);
}

/** Every account of the host that has authorized keys: "who can log in to host H from A". */
export async function effectiveAccessOnHost(
  store: Pick<Store, 'inventory'>,
  query: Omit<EffectiveAccessQuery, 'account'>,
): Promise<InventoryEffectiveAccess[]> {
  const config = await hostConfig(store, query.hostId);
  const accounts = await store.inventory.items.list('account', { hostId: query.hostId });
  const items = await store.inventory.items.list('authorized-key', { hostId: query.hostId });
  const byAccount = new Map<string, KeyItem[]>();
  for (const item of items) {
    const list = byAccount.get(item.account ?? '');
    if (list) list.push(item);
    else byAccount.set(item.account ?? '', [item]);
  }
  return accounts.flatMap((a) => {
    const keys = byAccount.get(a.account ?? '');
    return keys ? [evaluateAccount(config, a, keys, query.sourceAddress, query.now)] : [];
  });
}

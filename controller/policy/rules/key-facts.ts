/** How findings name keys and where they are: shared by the rules about keys. */
import { plainTypeOf } from '../../../shared/ssh/key-types';
import type { InventoryItem } from '../../store/inventory-records';
import type { HostFacts } from '../policy-types';

export type KeyItem = InventoryItem<'authorized-key'> | InventoryItem<'private-key'>;

/** The key type without a certificate suffix (`ssh-rsa` for an RSA certificate too). */
export const plainType = (type: string | null): string | null =>
  type === null ? null : (plainTypeOf(type) ?? type);

/** "authorized for alice (/home/alice/.ssh/authorized_keys line 2)" or "stored at /path (account bob)". */
export function whereIs(item: KeyItem): string {
  if (item.kind === 'authorized-key') {
    const d = item.data as InventoryItem<'authorized-key'>['data'];
    return `authorized for ${item.account ?? '?'} (${d.file} line ${d.line})`;
  }
  const d = item.data as InventoryItem<'private-key'>['data'];
  return `stored at ${d.path}${item.account ? ` (account ${item.account})` : ''}`;
}

/** The object a finding about this item is: one per item on its host. */
export const itemObject = (item: KeyItem): string =>
  `${item.kind === 'authorized-key' ? 'ak' : 'pk'}|${item.key}`;

export const keysOf = (host: HostFacts): KeyItem[] => [...host.authorizedKeys, ...host.privateKeys];

export const typeAndBits = (item: KeyItem): { type: string | null; bits: number | null } => ({
  type: item.data.type,
  bits: item.data.bits,
});

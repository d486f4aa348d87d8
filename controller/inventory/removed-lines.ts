/**
 * The inventory items of authorized_keys lines an edit just removed: each line of a key in a
 * file is its own item (inventoryItemKey), so the removed ones are found by their line
 * numbers, and the lines of the key the edit left (a hand-written one it skipped) stay.
 */
import type { Store } from '../store/store';

export async function keysOfRemovedLines(
  store: Pick<Store, 'inventory'>,
  hostId: string,
  fingerprint: string,
  files: { account: string; file: string; lines: number[] }[],
): Promise<string[]> {
  if (files.length === 0) return [];
  const items = await store.inventory.items.list('authorized-key', { hostId, fingerprint });
  const keys: string[] = [];
  for (const f of files) {
    const inFile = items.filter((i) => (i.account ?? '') === f.account && i.data.file === f.file);
    const removed = inFile.filter((i) => f.lines.includes(i.data.line));
    // Line numbers from a scan older than the file's last change: no item says which lines
    // went, so all the key's lines there are taken as gone (the next scan says what is left).
    keys.push(...(removed.length ? removed : inFile).map((i) => i.key));
  }
  return keys;
}

/**
 * The synthetic inventory of bench:access: HOSTS hosts of ACCOUNTS accounts, keys shared
 * at random, LINES authorized-key lines per account (5% removed, 10% with from=), a
 * private key stored in 1% of accounts, and key usage for 5% of lines. Deterministic.
 */
import { createHash } from 'node:crypto';
import { inventoryItemId, inventoryItemKey } from '../controller/store/inventory-records';

export interface InventorySize {
  hosts: number;
  accountsPerHost: number;
  keys: number;
  linesPerAccount: number;
}

export const DAY = 86_400_000;

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const fingerprintOf = (i: number) =>
  `SHA256:${createHash('sha256').update(`bench-key-${i}`).digest('base64').replace(/=+$/, '')}`;
export const hostIdOf = (h: number) => `bench-h${String(h).padStart(6, '0')}`;
export const accountOf = (a: number) => `u${String(a).padStart(2, '0')}`;

export interface InventoryRow {
  id: string;
  kind: 'account' | 'authorized-key' | 'private-key';
  hostId: string;
  key: string;
  account: string;
  fingerprint: string | null;
  data: string;
  firstSeenAt: number;
  lastSeenAt: number;
  removedAt: number | null;
}

export interface UseRow {
  hostId: string;
  account: string;
  fingerprint: string;
  from: string;
  lastUsedAt: number;
}

/** Every row of one host, handed to `emit` host by host. */
export function* syntheticHosts(
  size: InventorySize,
  now: number,
): Generator<{ rows: InventoryRow[]; uses: UseRow[] }> {
  const rnd = mulberry32(42);
  const fps: string[] = [];
  const fp = (k: number) => (fps[k] ??= fingerprintOf(k));
  for (let h = 0; h < size.hosts; h++) {
    const hostId = hostIdOf(h);
    const rows: InventoryRow[] = [];
    const uses: UseRow[] = [];
    for (let a = 0; a < size.accountsPerHost; a++) {
      const account = accountOf(a);
      const home = `/home/${account}`;
      const seen = now - Math.floor(rnd() * 90) * DAY;
      const accKey = inventoryItemKey('account', { account });
      rows.push({
        id: inventoryItemId(hostId, 'account', accKey),
        kind: 'account',
        hostId,
        key: accKey,
        account,
        fingerprint: null,
        data: JSON.stringify({
          uid: 1000 + a,
          gid: 1000 + a,
          home,
          shell: '/bin/bash',
          gecos: '',
          groups: [],
        }),
        firstSeenAt: seen,
        lastSeenAt: now,
        removedAt: null,
      });
      const file = `${home}/.ssh/authorized_keys`;
      const taken = new Set<number>();
      for (let l = 0; l < size.linesPerAccount; l++) {
        let k = Math.floor(rnd() * size.keys);
        while (taken.has(k)) k = (k + 1) % size.keys;
        taken.add(k);
        const fingerprint = fp(k);
        const key = inventoryItemKey('authorized-key', { account, file, fingerprint });
        const first = now - Math.floor(rnd() * 90 * DAY);
        const removed = rnd() < 0.05 ? first + Math.floor(rnd() * (now - first)) : null;
        const options = rnd() < 0.1 ? [{ name: 'from', value: `10.${h % 256}.0.0/16` }] : [];
        rows.push({
          id: inventoryItemId(hostId, 'authorized-key', key),
          kind: 'authorized-key',
          hostId,
          key,
          account,
          fingerprint,
          data: JSON.stringify({
            file,
            line: l + 1,
            options,
            type: 'ssh-ed25519',
            bits: 256,
            comment: `k${k}`,
            managed: false,
          }),
          firstSeenAt: first,
          lastSeenAt: removed ?? now,
          removedAt: removed,
        });
        if (removed === null && rnd() < 0.05)
          uses.push({
            hostId,
            account,
            fingerprint,
            from: `10.9.${l}.${a}`,
            lastUsedAt: now - Math.floor(rnd() * DAY),
          });
      }
      if (rnd() < 0.01) {
        const path = `${home}/.ssh/id_ed25519`;
        const key = inventoryItemKey('private-key', { path });
        rows.push({
          id: inventoryItemId(hostId, 'private-key', key),
          kind: 'private-key',
          hostId,
          key,
          account,
          fingerprint: fp(Math.floor(rnd() * size.keys)),
          data: JSON.stringify({
            path,
            format: 'openssh',
            encrypted: false,
            type: 'ssh-ed25519',
            bits: 256,
            mode: 0o600,
            uid: 1000 + a,
          }),
          firstSeenAt: now - 30 * DAY,
          lastSeenAt: now,
          removedAt: null,
        });
      }
    }
    yield { rows, uses };
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refuseManagementKey } from '../../../controller/revocation/management-key-guard';
import type { HostRecord } from '../../../controller/store/host-records';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import type { Store } from '../../../controller/store/store';

const HOSTS = 300;
const fp = (i: number) => `SHA256:mgmt-${i}`;

/**
 * The blacklist's guard looks up the key among the credentials (an index), instead of
 * reading every agentless host's credentials on each blacklisting.
 */
describe('refusing to blacklist a key Keywarden logs in with', () => {
  let dir = '';
  let store: Store;
  const hosts: HostRecord[] = [];
  let perHostReads = 0;
  let hostPages = 0;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kw-mgmt-guard-'));
    store = openSqliteStore(path.join(dir, 'kw.db'), { synchronous: 'NORMAL' });
    for (let i = 0; i < HOSTS; i++) {
      const host = await store.hosts.create(
        {
          name: `guarded-${i}`,
          address: `192.0.2.${i % 250}`,
          port: 22 + i,
          kind: i === 7 ? 'agent' : 'agentless',
          state: 'managed',
          hostKeyFingerprint: null,
          managementAccount: 'mgmt',
          agentId: null,
          os: null,
          sshProduct: null,
          lastSeenAt: null,
        },
        1,
      );
      hosts.push(host);
      await store.hostCredentials.put({
        hostId: host.id,
        slot: i === 3 ? 'retired' : 'management',
        kind: 'private-key',
        sealed: 'kw1:000000000000:c2VhbGVk',
        publicKey: `ssh-ed25519 AAAA ${i}`,
        fingerprint: fp(i),
        createdAt: 1,
      });
    }
    // Counted from here: what the guard itself reads.
    const { listForHost } = store.hostCredentials;
    store.hostCredentials.listForHost = (id) => (perHostReads++, listForHost(id));
    const { list } = store.hosts;
    store.hosts.list = (f, p) => (hostPages++, list(f, p));
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the host whose management key it is, reading only that key', async () => {
    await expect(refuseManagementKey(store, fp(250))).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('host guarded-250'),
      details: { hostId: hosts[250]?.id, slot: 'management' },
    });
    // A key no host logs in with, a retired key, an agent host's leftover: allowed.
    await refuseManagementKey(store, 'SHA256:someone-else');
    await refuseManagementKey(store, fp(3));
    await refuseManagementKey(store, fp(7));
    expect({ perHostReads, hostPages }).toEqual({ perHostReads: 0, hostPages: 0 });
  });
});

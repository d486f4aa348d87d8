import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestAuthorizedKeys } from '../../../controller/inventory/ingest-scans';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import type { Store } from '../../../controller/store/store';
import type {
  ScanAuthorizedKeysResult,
  ScannedAuthorizedKey,
} from '../../../shared/hostops/scan-authorized-keys';

const key = (account: string, file: string, fingerprint: string): ScannedAuthorizedKey => ({
  account,
  file,
  line: 1,
  options: [],
  type: 'ssh-ed25519',
  bits: 256,
  fingerprint,
  md5: 'MD5:00',
  comment: account,
  managed: false,
});

const scan = (
  keys: ScannedAuthorizedKey[],
  findings: ScanAuthorizedKeysResult['findings'] = [],
): ScanAuthorizedKeysResult => ({
  keys,
  invalidLines: [],
  files: [],
  patterns: [],
  configErrors: [],
  findings,
  unsafePaths: [],
});

/** A key file the scan could not read holds what it held: the inventory must not drop it. */
describe('ingesting a scan that could not read one key file', () => {
  let dir = '';
  let store: Store;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kw-ingest-unread-'));
    store = openSqliteStore(path.join(dir, 'kw.db'), { synchronous: 'NORMAL' });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the unread file's keys present and still removes keys gone from files it read", async () => {
    const alice = '/home/alice/.ssh/authorized_keys';
    const bob = '/home/bob/.ssh/authorized_keys';
    await ingestAuthorizedKeys(
      store,
      'h1',
      scan([
        key('alice', alice, 'SHA256:a'),
        key('bob', bob, 'SHA256:b1'),
        key('bob', bob, 'SHA256:b2'),
      ]),
      1000,
    );
    // Alice's file grew past the cap; bob's lost a key.
    const synced = await ingestAuthorizedKeys(
      store,
      'h1',
      scan(
        [key('bob', bob, 'SHA256:b1')],
        [
          {
            code: 'FILE_TOO_LARGE',
            path: alice,
            account: 'alice',
            message: 'too large',
            size: 3 * 1024 ** 3,
          },
        ],
      ),
      2000,
    );
    expect(synced.removed).toBe(1);
    const present = await store.inventory.items.list('authorized-key', { hostId: 'h1' });
    expect(present.map((i) => i.fingerprint).sort()).toEqual(['SHA256:a', 'SHA256:b1']);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestConfigs } from '../../../controller/inventory/ingest-scans';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import type { Store } from '../../../controller/store/store';
import type { ScanConfigsResult } from '../../../shared/hostops/scan-configs';

const scanOf = (configPath: string, port: string): ScanConfigsResult => ({
  os: null,
  ssh: { product: 'OpenSSH', serverVersion: '9.2p1', clientVersion: null },
  sshdConfig: {
    path: configPath,
    files: [{ path: configPath, sha256: 'x', size: 1 }],
    errors: [],
    settings: [{ keyword: 'port', values: [port], file: configPath, line: 1 }],
  },
  hostKeys: [],
  findings: [],
});

/**
 * A scheduled scan-full that started before an admin's scan-configs can end after it: the
 * host's config record keeps the later look, not the later end. Before, the older read put
 * back /etc/ssh/sshd_config, and the key edits that followed went to the files it names.
 */
describe("the host's sshd config record when two scans end out of order", () => {
  let dir = '';
  let store: Store;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kw-config-order-'));
    store = openSqliteStore(path.join(dir, 'kw.db'), { synchronous: 'NORMAL' });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps what the scan that looked last read', async () => {
    await ingestConfigs(store, 'h1', scanOf('/srv/sshd/sshd_config', '2222'), 2_000);
    await ingestConfigs(store, 'h1', scanOf('/etc/ssh/sshd_config', '22'), 1_000);
    const rec = await store.inventory.hostConfigs.get('h1');
    expect(rec).toMatchObject({ sshdConfigPath: '/srv/sshd/sshd_config', scannedAt: 2_000 });
    expect(rec?.settings.map((s) => s.values)).toEqual([['2222']]);
    // a newer look replaces it as before
    await ingestConfigs(store, 'h1', scanOf('/etc/ssh/sshd_config', '22'), 3_000);
    expect((await store.inventory.hostConfigs.get('h1'))?.sshdConfigPath).toBe(
      '/etc/ssh/sshd_config',
    );
  });
});

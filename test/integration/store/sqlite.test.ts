import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import { describeStoreContract } from './store-contract';

describeStoreContract('sqlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-sqlite-'));
  const file = path.join(dir, 'keywarden.db');
  const store = openSqliteStore(file);
  const seconds: Array<{ close(): Promise<void> }> = [];
  return {
    store,
    openSecond: async () => {
      const s = openSqliteStore(file);
      seconds.push(s);
      return s;
    },
    cleanup: async () => {
      await store.close();
      for (const s of seconds) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

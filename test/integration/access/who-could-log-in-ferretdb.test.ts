/**
 * "Who could log in to host H as Y on date D" on the MongoDB test server: FerretDB 1.24
 * serves from an index only a find whose filter is exactly one `_id` equality (its SQLite
 * backend pushes nothing else down), so the host's inventory must be read that way (its
 * roster, then each item by `_id`), not by { kind, hostId }, which decodes the whole
 * collection. The driver's command log shows which finds the query sends, and FerretDB's
 * explain shows which of them it pushes down.
 */
import { MongoClient, type CommandStartedEvent, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whoCouldLogIn } from '../../../controller/access/graph/who-could-log-in';
import { ingestAuthorizedKeys } from '../../../controller/inventory/ingest-scans';
import { inventoryCollections } from '../../../controller/store/mongodb/inventory-collections';
import { migrate } from '../../../controller/store/mongodb/migrations';
import { mongoInventoryItems } from '../../../controller/store/mongodb/mongo-inventory-items';
import type { InventoryStore } from '../../../controller/store/inventory-store';
import type { ScannedAuthorizedKey } from '../../../shared/hostops/scan-authorized-keys';
import { startFerretDb, type TestMongo } from '../../helpers/ferretdb';

const T0 = 1_800_000_000_000;
const fp = (i: number) => `SHA256:${String(i).padStart(43, 'k')}`;

describe('who could log in, on FerretDB', () => {
  let mongo: TestMongo;
  let client: MongoClient;
  let store: Pick<InventoryStore, 'items'>;
  const finds: Document[] = [];

  beforeAll(async () => {
    mongo = await startFerretDb();
    client = new MongoClient(mongo.url, { monitorCommands: true });
    await client.connect();
    const db = client.db('who_could_log_in');
    await migrate(db);
    store = { items: mongoInventoryItems(inventoryCollections(db)) };
    client.on('commandStarted', (e: CommandStartedEvent) => {
      if (e.commandName === 'find') finds.push(e.command.filter as Document);
    });
    // Three hosts, two scans each: a line removed between them stays in the history.
    for (const host of ['h1', 'h2', 'h3']) {
      const keys = (n: number): ScannedAuthorizedKey[] =>
        Array.from({ length: n }, (_, i) => ({
          account: i % 2 ? 'deploy' : 'ops',
          file: '/etc/keys',
          line: i + 1,
          options: [],
          type: 'ssh-ed25519',
          bits: 256,
          fingerprint: fp(i),
          md5: 'MD5:00',
          comment: '',
          managed: false,
        }));
      const scan = (n: number) => ({
        keys: keys(n),
        invalidLines: [],
        files: [],
        patterns: [],
        configErrors: [],
        findings: [],
        unsafePaths: [],
      });
      const inventory = { inventory: store } as unknown as Parameters<
        typeof ingestAuthorizedKeys
      >[0];
      await ingestAuthorizedKeys(inventory, host, scan(6), T0);
      await ingestAuthorizedKeys(inventory, host, scan(4), T0 + 100);
    }
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    await mongo?.stop();
  });

  it('reads the host by _id lookups only, which FerretDB serves from its index', async () => {
    finds.length = 0;
    const before = await whoCouldLogIn({ inventory: store } as never, {
      hostId: 'h2',
      account: 'deploy',
      at: T0 + 50,
    });
    const after = await whoCouldLogIn({ inventory: store } as never, {
      hostId: 'h2',
      account: 'deploy',
      at: T0 + 150,
    });
    // Lines 2, 4, 6 are deploy's; line 6 was gone by the second scan.
    expect(before.map((l) => l.line)).toEqual([2, 4, 6]);
    expect(after.map((l) => l.line)).toEqual([2, 4]);
    expect(finds.length).toBeGreaterThan(0);
    for (const filter of finds) {
      expect(Object.keys(filter)).toEqual(['_id']);
      expect(typeof filter._id).toBe('string');
    }
    const db = client.db('who_could_log_in');
    const explain = (filter: Document) =>
      db.command({ explain: { find: 'inventory_items', filter } });
    const byId = await explain(finds[finds.length - 1] as Document);
    const byFields = await explain({ kind: 'authorized-key', hostId: 'h2' });
    expect({ byId: byId.filterPushdown, byFields: byFields.filterPushdown }).toEqual({
      byId: true,
      byFields: false,
    });
  }, 60_000);
});

/** The MongoDB store for benchmarks: a given URL, or a FerretDB started for the run. */
import { openMongoStore } from '../controller/store/mongodb/open-mongo-store';
import type { Store } from '../controller/store/store';
import { startFerretDb } from '../test/helpers/ferretdb';

export async function mongoForBench(): Promise<{
  store: Store;
  server: string;
  stop(): Promise<void>;
}> {
  const url = process.env.KEYWARDEN_BENCH_MONGODB_URL;
  if (url) {
    const store = await openMongoStore(url);
    return { store, server: 'mongodb (KEYWARDEN_BENCH_MONGODB_URL)', stop: () => store.close() };
  }
  const ferret = await startFerretDb();
  const store = await openMongoStore(ferret.url);
  return {
    store,
    server: 'FerretDB v1.24.2, SQLite backend',
    stop: async () => {
      await store.close();
      await ferret.stop();
    },
  };
}

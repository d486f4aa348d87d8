import { invalidConfig } from '../../shared/errors';
import type { Store } from './store';
import { openSqliteStore, type SqliteSynchronous } from './sqlite/open-sqlite-store';

/** `sqlite:PATH` opens the embedded store; `mongodb://` the MongoDB adapter (loaded only then). */
export async function openStore(
  url: string,
  opts: { sqliteSynchronous?: SqliteSynchronous } = {},
): Promise<Store> {
  if (url.startsWith('sqlite:'))
    return openSqliteStore(url.slice('sqlite:'.length), { synchronous: opts.sqliteSynchronous });
  if (/^mongodb(\+srv)?:\/\//.test(url)) {
    const { openMongoStore } = await import('./mongodb/open-mongo-store');
    return openMongoStore(url);
  }
  throw invalidConfig(`KEYWARDEN_STORE=${url}: expected sqlite:PATH or a mongodb:// URL`);
}

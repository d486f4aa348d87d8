import { chmod, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toErrorRecord } from '../../../shared/errors';
import { LocalSession } from '../../../shared/session/local-session';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import { translateError } from '../../../controller/store/sqlite/translate-errors';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kwt-errors-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/**
 * Root reads everything, so the refusal is produced the way it happens on a host: the read
 * runs with an unprivileged effective uid (this file has its own process: pool 'forks').
 */
async function asNobody<T>(fn: () => Promise<T>): Promise<T> {
  if (process.geteuid?.() !== 0) return fn();
  process.seteuid!(65534);
  try {
    return await fn();
  } finally {
    process.seteuid!(0);
  }
}

describe('a local session', () => {
  it('reports a refused read as PERMISSION_DENIED naming the path, not as EACCES', async () => {
    const root = join(dir, 'host');
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(root, 'etc', 'secret'), 'x');
    await chmod(join(root, 'etc', 'secret'), 0o600);
    const session = new LocalSession({ rootPrefix: root });
    const err = await asNobody(() =>
      session.readFile('/etc/secret').then(
        () => null,
        (e: unknown) => e,
      ),
    );
    expect(err).not.toBeNull();
    expect(toErrorRecord(err)).toMatchObject({
      code: 'PERMISSION_DENIED',
      retryable: false,
      details: { path: '/etc/secret', errno: 'EACCES' },
    });
  });
});

describe('the SQLite store', () => {
  it('translates SQLITE_BUSY to STORE_UNAVAILABLE (retryable), keeping the driver error', () => {
    const file = join(dir, 'busy.db');
    const holder = new Database(file);
    holder.pragma('journal_mode = WAL');
    holder.exec('CREATE TABLE t (x)');
    const other = new Database(file);
    other.pragma('busy_timeout = 0');
    holder.exec('BEGIN IMMEDIATE');
    let raw: unknown;
    try {
      other.exec('BEGIN IMMEDIATE');
    } catch (err) {
      raw = err;
    } finally {
      holder.exec('ROLLBACK');
      other.close();
      holder.close();
    }
    expect((raw as { code?: string }).code).toBe('SQLITE_BUSY');
    const e = toErrorRecord(translateError(raw, 'jobs.claim'));
    expect(e).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      retryable: true,
      details: { sqliteCode: 'SQLITE_BUSY' },
    });
  });

  it('a store call that finds the database locked fails as STORE_UNAVAILABLE', async () => {
    const file = join(dir, 'store.db');
    const store = openSqliteStore(file, { synchronous: 'NORMAL' });
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    try {
      // The store waits its busy timeout (10 s) for the lock, then gives up.
      const err = await store.audit
        .append({ at: 1, actor: 'test', action: 'test', subject: 's', details: {} })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(toErrorRecord(err)).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
      await store.close();
    }
  }, 60_000);
});

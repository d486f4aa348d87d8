/**
 * Once per vitest run, before any test file: the prerequisites are checked (a direct
 * `npx vitest run` stops at once with the command to run instead of failing every sshd
 * test slowly), FerretDB is built if it is not yet (so no test hook waits on a Go
 * build), and test accounts a killed run left behind are removed (every scan of this
 * machine would read them). After the run, accounts this run failed to remove go too.
 * One FerretDB serves the whole run (each test gets a database of its own on it): starting
 * one per test cost a process, its SQLite files and its warm-up every time.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  ensureFerretDbBinary,
  SHARED_FERRETDB_ENV,
  startSharedFerretDb,
} from '../helpers/ferretdb';
import { removeStaleTestUsers } from '../helpers/sshd-users';

const run = promisify(execFile);

export async function setup(): Promise<() => Promise<void>> {
  await run(process.execPath, ['scripts/test-prerequisites.mjs'], {
    env: { ...process.env, KEYWARDEN_PREREQ_CHECK_ONLY: '1' },
  }).catch((err: Error & { stderr?: string }) => {
    // Only the script's message: it names what is missing and the command to run.
    throw new Error(err.stderr?.trim() || err.message);
  });
  if (!process.env.KEYWARDEN_TEST_MONGODB_URL) await ensureFerretDbBinary();
  const stale = await removeStaleTestUsers();
  if (stale.length > 0)
    console.log(`removed ${stale.length} test accounts left by an earlier run: ${stale.join(' ')}`);
  let ferretDb: { url: string; stop(): Promise<void> } | null = null;
  if (!process.env.KEYWARDEN_TEST_MONGODB_URL) {
    ferretDb = await startSharedFerretDb();
    // The test workers start after this and inherit the environment.
    process.env[SHARED_FERRETDB_ENV] = ferretDb.url;
  }
  return async () => {
    await ferretDb?.stop();
    const left = await removeStaleTestUsers();
    if (left.length > 0)
      console.warn(`removed ${left.length} test accounts this run left behind: ${left.join(' ')}`);
  };
}

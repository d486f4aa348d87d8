/**
 * better-sqlite3 errors become domain errors here, once, keeping the driver error as
 * `cause` (as controller/store/mongodb/translate-errors.ts does for MongoDB): a database
 * that is busy or locked by another connection past the busy timeout is STORE_UNAVAILABLE
 * (retrying may help), anything else SQLite refused is STORE_FAILURE. Without this a
 * raw `SQLITE_BUSY` became a job's error code, and the same failure read differently on
 * the two stores.
 */
import { KeywardenError, storeFailure, storeUnavailable } from '../../../shared/errors';

/** SQLite's primary result codes that mean "another connection holds the database now". */
const TRANSIENT = /^SQLITE_(BUSY|LOCKED)(_|$)/;

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** A SQLite error as the table's code; anything that is not SQLite's is returned as it is. */
export function translateError(err: unknown, op: string): unknown {
  if (err instanceof KeywardenError) return err;
  const code = sqliteCode(err);
  if (!code) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (TRANSIENT.test(code)) {
    return storeUnavailable(`the SQLite store is busy (${op}): ${message}`, {
      cause: err,
      details: { sqliteCode: code },
    });
  }
  return storeFailure(`the SQLite store failed (${op}): ${message}`, {
    cause: err,
    details: { sqliteCode: code },
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Wraps every method of a repository (and of the repositories nested in it) so nothing
 * untranslated escapes. A synchronous method stays synchronous; a promise is translated
 * when it rejects.
 */
export function guarded<R extends object>(name: string, repo: R): R {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(repo)) {
    const op = `${name}.${key}`;
    if (typeof value === 'function') {
      const fn = value as (...a: unknown[]) => unknown;
      out[key] = (...args: unknown[]) => {
        let result: unknown;
        try {
          result = fn.apply(repo, args);
        } catch (err) {
          throw translateError(err, op);
        }
        if (result instanceof Promise) {
          return result.catch((err: unknown) => {
            throw translateError(err, op);
          });
        }
        return result;
      };
    } else {
      out[key] = isPlainObject(value) ? guarded(op, value) : value;
    }
  }
  return out as R;
}

/**
 * Driver errors become domain errors here, once, keeping the driver error as `cause`:
 * a server that cannot be reached is STORE_UNAVAILABLE (retrying may help), anything
 * else the server refused is STORE_FAILURE.
 */
import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoError,
} from 'mongodb';
import { KeywardenError, storeFailure, storeUnavailable } from '../../../shared/errors';

export function translateError(err: unknown, op: string): KeywardenError {
  if (err instanceof KeywardenError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (
    err instanceof MongoNetworkError ||
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoTopologyClosedError ||
    (err instanceof MongoError && err.hasErrorLabel('RetryableWriteError'))
  ) {
    return storeUnavailable(`the MongoDB store is unreachable (${op}): ${message}`, {
      cause: err,
    });
  }
  return storeFailure(`the MongoDB store failed (${op}): ${message}`, { cause: err });
}

/** Wraps every method of a repository so that nothing untranslated escapes it. */
export function guarded<R extends object>(name: string, repo: R): R {
  const out: Record<string, unknown> = {};
  for (const [key, fn] of Object.entries(repo)) {
    out[key] =
      typeof fn === 'function'
        ? async (...args: unknown[]) => {
            try {
              return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
            } catch (err) {
              throw translateError(err, `${name}.${key}`);
            }
          }
        : fn;
  }
  return out as R;
}

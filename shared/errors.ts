/**
 * Every error Keywarden raises on purpose. Each has a stable string `code` (what other
 * processes match on, never `instanceof`), the HTTP status the API answers with, and
 * whether retrying the same operation can help.
 */
export interface ErrorDetails {
  cause?: unknown;
  /** Structured facts for logs and API bodies: the field, the value, what was expected. */
  details?: Record<string, unknown>;
}

export class KeywardenError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
    message: string,
    opts: ErrorDetails & { httpStatus?: number; retryable?: boolean } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KeywardenError';
    this.code = code;
    this.httpStatus = opts.httpStatus ?? 500;
    this.retryable = opts.retryable ?? false;
    this.details = opts.details;
  }

  toJSON(): {
    code: string;
    message: string;
    retryable: boolean;
    details?: Record<string, unknown>;
  } {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

const make =
  (code: string, httpStatus: number, retryable: boolean) =>
  (message: string, opts: ErrorDetails = {}) =>
    new KeywardenError(code, message, { ...opts, httpStatus, retryable });

/** Bad input from a user or a caller: names the field, the value and what was expected. */
export const invalidInput = make('INVALID_INPUT', 400, false);
export const invalidConfig = make('INVALID_CONFIG', 500, false);
export const notFound = make('NOT_FOUND', 404, false);
export const conflict = make('CONFLICT', 409, false);
export const unauthenticated = make('UNAUTHENTICATED', 401, false);
export const forbidden = make('FORBIDDEN', 403, false);
export const unknownJobType = make('UNKNOWN_JOB_TYPE', 404, false);
/** The store could not be reached or answered with a transient failure. */
export const storeUnavailable = make('STORE_UNAVAILABLE', 503, true);
export const storeFailure = make('STORE_FAILURE', 500, false);
export const jobCancelled = make('JOB_CANCELLED', 409, false);
export const jobTimedOut = make('JOB_TIMED_OUT', 504, true);
export const leaseLost = make('LEASE_LOST', 409, false);
/** A job's worker stopped renewing its lease (it died or lost its store) and attempts are used up. */
export const leaseExpired = make('LEASE_EXPIRED', 409, false);
/**
 * The controller is stopping: its running jobs are aborted and queued again with their
 * attempt given back, to run after the restart or on another controller.
 */
export const controllerStopping = make('CONTROLLER_STOPPING', 503, true);
/** A file on a host changed between read and write: nothing was written. */
export const fileChanged = make('FILE_CHANGED', 409, true);
export const symlinkRefused = make('SYMLINK_REFUSED', 400, false);
export const hostUnreachable = make('HOST_UNREACHABLE', 503, true);
/**
 * The host cannot be reached before `details.runAt` by design (a periodic agent is away
 * until its next connection): the engine queues the job again for then without counting
 * an attempt.
 */
export const waitingForHost = make('WAITING_FOR_HOST', 503, true);
export const credentialRefused = make('CREDENTIAL_REFUSED', 401, false);
export const hostKeyMismatch = make('HOST_KEY_MISMATCH', 409, false);
export const commandFailed = make('COMMAND_FAILED', 500, false);
export const keyBlacklisted = make('KEY_BLACKLISTED', 409, false);
export const enrollmentRefused = make('ENROLLMENT_REFUSED', 403, false);
/** The agent was revoked (by an admin, or its host was deleted): nothing it sends is taken. */
export const agentRevoked = make('AGENT_REVOKED', 403, false);
/** A client certificate that is no longer the agent's (a renewal replaced it, past the grace). */
export const certificateSuperseded = make('CERTIFICATE_SUPERSEDED', 401, false);
/** Too many refused enrollments from one address: wait, then retry with a valid ICB. */
export const enrollmentThrottled = make('ENROLLMENT_THROTTLED', 429, true);
export const internalError = make('INTERNAL', 500, false);
/** An edit on a host that is not in the managed state (monitored hosts are only read). */
export const hostNotManaged = make('HOST_NOT_MANAGED', 409, false);
/**
 * A deployed sshd config passed sshd -t and the reload but a fresh login with the management
 * credential failed afterwards: the previous config was put back.
 */
export const deployRolledBack = make('DEPLOY_ROLLED_BACK', 409, false);

/** Errors that crossed a process boundary arrive as plain objects: recognise them by code. */
export function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    return err.code;
  }
  return undefined;
}

export function isRetryable(err: unknown): boolean {
  if (err instanceof KeywardenError) return err.retryable;
  if (err && typeof err === 'object' && 'retryable' in err) return err.retryable === true;
  // Unknown failures (a thrown TypeError, a dropped socket) are worth another attempt.
  return true;
}

/** Turns anything thrown into the plain `{code, message}` that job records and APIs carry. */
export function toErrorRecord(err: unknown): { code: string; message: string; retryable: boolean } {
  if (err instanceof KeywardenError) {
    return { code: err.code, message: err.message, retryable: err.retryable };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: errorCode(err) ?? 'INTERNAL', message, retryable: isRetryable(err) };
}
/**
 * A host path another user could redirect (sshd's StrictModes rules: every directory on the
 * way owned by root or the account, writable by no one else): nothing was read or written.
 */
export const unsafePath = make('UNSAFE_PATH', 409, false);

/** A file on a host is larger than the cap for its kind: it was not read (a finding about it). */
export const fileTooLarge = make('FILE_TOO_LARGE', 413, false);
/** An sshd_config Include names a file that is already being read: sshd would refuse to start. */
export const includeCycle = make('INCLUDE_CYCLE', 400, false);
/** Reading a host's input hit a cap on work (files, lines, bytes, entries): the rest was not read. */
export const limitExceeded = make('LIMIT_EXCEEDED', 413, false);

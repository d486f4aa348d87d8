/**
 * Every error Keywarden raises on purpose, in one table: each code is a stable string
 * (what other processes match on, never `instanceof`), the HTTP status the API answers
 * with, and whether retrying the same operation can help. A code is a key of the table,
 * so a code that is not in it does not compile; errors that arrive from outside (a
 * driver, the file system, another process) are translated into it once, where they
 * cross into Keywarden, and anything still unknown becomes INTERNAL, not retried.
 */
export interface ErrorSpec {
  readonly status: number;
  readonly retryable: boolean;
  readonly describe: string;
}

export const ERRORS = {
  INVALID_INPUT: {
    status: 400,
    retryable: false,
    describe: 'bad input from a user or a caller: names the field, the value and what was expected',
  },
  BAD_REQUEST: {
    status: 400,
    retryable: false,
    describe: 'a request the HTTP layer could not parse (a malformed body or header)',
  },
  INVALID_CONFIG: { status: 500, retryable: false, describe: 'the configuration is invalid' },
  NOT_FOUND: { status: 404, retryable: false, describe: 'the thing named does not exist' },
  CONFLICT: {
    status: 409,
    retryable: false,
    describe: 'the request conflicts with the current state',
  },
  UNAUTHENTICATED: {
    status: 401,
    retryable: false,
    describe: 'no valid credentials were presented',
  },
  FORBIDDEN: { status: 403, retryable: false, describe: 'the caller may not do this' },
  RATE_LIMITED: {
    status: 429,
    retryable: true,
    describe: 'too many failed attempts from one source: wait `details.retryAfterSeconds`',
  },
  UNKNOWN_JOB_TYPE: { status: 404, retryable: false, describe: 'no job type by that name' },
  STORE_UNAVAILABLE: {
    status: 503,
    retryable: true,
    describe: 'the store could not be reached or answered with a transient failure (busy, locked)',
  },
  STORE_FAILURE: { status: 500, retryable: false, describe: 'the store refused the operation' },
  JOB_CANCELLED: { status: 409, retryable: false, describe: 'the job was cancelled' },
  JOB_TIMED_OUT: { status: 504, retryable: true, describe: 'the job ran past its timeout' },
  LEASE_LOST: {
    status: 409,
    retryable: false,
    describe: 'another worker took the job over; this worker stops touching it',
  },
  LEASE_EXPIRED: {
    status: 409,
    retryable: false,
    describe:
      "a job's worker stopped renewing its lease (it died or lost its store) and attempts are used up",
  },
  CONTROLLER_STOPPING: {
    status: 503,
    retryable: true,
    describe:
      'the controller is stopping: running jobs are queued again with their attempt given back',
  },
  AGENT_RESTARTED: {
    status: 503,
    retryable: true,
    describe: 'the agent restarted while it ran the job: the job may run again',
  },
  FILE_CHANGED: {
    status: 409,
    retryable: true,
    describe: 'a file on a host changed between read and write: nothing was written',
  },
  SYMLINK_REFUSED: {
    status: 400,
    retryable: false,
    describe: 'a path on a host is or goes through a symbolic link: nothing was read or written',
  },
  PERMISSION_DENIED: {
    status: 403,
    retryable: false,
    describe: 'the host refused access to a file or directory to the account Keywarden uses there',
  },
  UNSAFE_PATH: {
    status: 409,
    retryable: false,
    describe:
      'a host path another user could redirect (sshd StrictModes rules): nothing was read or written',
  },
  FILE_TOO_LARGE: {
    status: 413,
    retryable: false,
    describe: 'a file on a host is larger than the cap for its kind: it was not read',
  },
  INCLUDE_CYCLE: {
    status: 400,
    retryable: false,
    describe: 'an sshd_config Include names a file that is already being read',
  },
  LIMIT_EXCEEDED: {
    status: 413,
    retryable: false,
    describe: "reading a host's input hit a cap on work (files, lines, bytes, entries)",
  },
  HOST_UNREACHABLE: { status: 503, retryable: true, describe: 'the host could not be reached' },
  WAITING_FOR_HOST: {
    status: 503,
    retryable: true,
    describe:
      'the host cannot be reached before `details.runAt` by design (a periodic agent): queued again for then',
  },
  HOST_NOT_MANAGED: {
    status: 409,
    retryable: false,
    describe: 'an edit on a host that is not in the managed state (monitored hosts are only read)',
  },
  DEPLOY_ROLLED_BACK: {
    status: 409,
    retryable: false,
    describe:
      'a deployed sshd config broke a fresh management login: the previous config was put back',
  },
  CREDENTIAL_REFUSED: {
    status: 401,
    retryable: false,
    describe: 'the host refused the credential',
  },
  NO_CREDENTIAL: {
    status: 409,
    retryable: false,
    describe:
      'the host has no credential to log in with (no management key yet: discover it first)',
  },
  CREDENTIAL_UNREADABLE: {
    status: 500,
    retryable: false,
    describe: 'a stored secret cannot be decrypted (wrong or missing master key, or tampered)',
  },
  HOST_KEY_MISMATCH: {
    status: 409,
    retryable: false,
    describe: "the host's SSH host key is not the one recorded",
  },
  COMMAND_FAILED: { status: 500, retryable: false, describe: 'a command on a host failed' },
  KEY_BLACKLISTED: { status: 409, retryable: false, describe: 'the key is blacklisted' },
  ENROLLMENT_REFUSED: {
    status: 403,
    retryable: false,
    describe: 'the agent enrollment was refused',
  },
  ENROLLMENT_THROTTLED: {
    status: 429,
    retryable: true,
    describe: 'too many refused enrollments from one address: wait, then retry with a valid ICB',
  },
  AGENT_REVOKED: {
    status: 403,
    retryable: false,
    describe:
      'the agent was revoked (by an admin, or its host was deleted): nothing it sends is taken',
  },
  CERTIFICATE_SUPERSEDED: {
    status: 401,
    retryable: false,
    describe: "a client certificate that is no longer the agent's (a renewal replaced it)",
  },
  CERTIFICATE_EXPIRED: {
    status: 401,
    retryable: false,
    describe: "the agent's certificate expired before it could be renewed: enroll it again",
  },
  TEST_FLAKY: {
    status: 500,
    retryable: true,
    describe: 'the test-only flaky job type fails on purpose (only with test job types enabled)',
  },
  INTERNAL: {
    status: 500,
    retryable: false,
    describe:
      'an unexpected failure: `details.cause` keeps its name, message and errno code; not retried blindly',
  },
  AGENT_UPGRADE_REQUIRED: {
    status: 409,
    retryable: false,
    describe:
      "the host's agent is too old for this controller's protocol: upgrade keywarden-agent on that host",
  },
  SMTP_NOT_CONFIGURED: {
    status: 409,
    retryable: false,
    describe: 'no SMTP server is configured: keywarden notifications smtp set',
  },
  SMTP_FAILED: {
    status: 502,
    retryable: true,
    describe:
      'the SMTP server could not be reached or answered with a temporary failure (4xx, timeout, TLS)',
  },
  SMTP_REJECTED: {
    status: 502,
    retryable: false,
    describe:
      'the SMTP server refused the message or the login for good (5xx): fix the settings or the recipient',
  },
  BACKUP_INVALID: {
    status: 422,
    retryable: false,
    describe:
      'a backup is unreadable, incomplete or does not match its manifest checksums: nothing was restored',
  },
  RESTORE_TARGET_NOT_EMPTY: {
    status: 409,
    retryable: false,
    describe: 'restore writes only into an empty data directory: nothing was written',
  },
  DIRECTORY_UNAVAILABLE: {
    status: 502,
    retryable: true,
    describe:
      'the LDAP directory could not be reached, refused the login or the TLS, or failed mid-search: nothing was changed',
  },
  RECORDING_INVALID: {
    status: 422,
    retryable: false,
    describe:
      'a session recording is malformed or over its limits (size, line length, events): it was not converted',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code);
}

export interface ErrorDetails {
  cause?: unknown;
  /** Structured facts for logs and API bodies: the field, the value, what was expected. */
  details?: Record<string, unknown>;
}

/** The plain form job records, agent results and API bodies carry. */
export interface ErrorRecord {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  details?: Record<string, unknown>;
}

export class KeywardenError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  /**
   * Status and retryable come from the table; `retryable` may be given only for an error
   * that crossed a process boundary and carries the sender's decision.
   */
  constructor(code: ErrorCode, message: string, opts: ErrorDetails & { retryable?: boolean } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KeywardenError';
    this.code = code;
    this.httpStatus = ERRORS[code].status;
    this.retryable = opts.retryable ?? ERRORS[code].retryable;
    this.details = opts.details;
  }

  toJSON(): ErrorRecord {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** The creator of one code: status and retryable from the table. */
export const make =
  (code: ErrorCode) =>
  (message: string, opts: ErrorDetails = {}) =>
    new KeywardenError(code, message, opts);

/** Bad input from a user or a caller: names the field, the value and what was expected. */
export const invalidInput = make('INVALID_INPUT');
export const badRequest = make('BAD_REQUEST');
export const invalidConfig = make('INVALID_CONFIG');
export const notFound = make('NOT_FOUND');
export const conflict = make('CONFLICT');
export const unauthenticated = make('UNAUTHENTICATED');
export const forbidden = make('FORBIDDEN');
export const rateLimited = make('RATE_LIMITED');
export const unknownJobType = make('UNKNOWN_JOB_TYPE');
/** The store could not be reached or answered with a transient failure. */
export const storeUnavailable = make('STORE_UNAVAILABLE');
export const storeFailure = make('STORE_FAILURE');
export const jobCancelled = make('JOB_CANCELLED');
export const jobTimedOut = make('JOB_TIMED_OUT');
export const leaseLost = make('LEASE_LOST');
/** A job's worker stopped renewing its lease (it died or lost its store) and attempts are used up. */
export const leaseExpired = make('LEASE_EXPIRED');
/**
 * The controller is stopping: its running jobs are aborted and queued again with their
 * attempt given back, to run after the restart or on another controller.
 */
export const controllerStopping = make('CONTROLLER_STOPPING');
export const agentRestarted = make('AGENT_RESTARTED');
/** A file on a host changed between read and write: nothing was written. */
export const fileChanged = make('FILE_CHANGED');
export const symlinkRefused = make('SYMLINK_REFUSED');
export const permissionDenied = make('PERMISSION_DENIED');
export const hostUnreachable = make('HOST_UNREACHABLE');
/**
 * The host cannot be reached before `details.runAt` by design (a periodic agent is away
 * until its next connection): the engine queues the job again for then without counting
 * an attempt.
 */
export const waitingForHost = make('WAITING_FOR_HOST');
export const credentialRefused = make('CREDENTIAL_REFUSED');
/** The host has no credential to log in with: retrying cannot help until one exists. */
export const noCredential = make('NO_CREDENTIAL');
export const credentialUnreadable = make('CREDENTIAL_UNREADABLE');
export const hostKeyMismatch = make('HOST_KEY_MISMATCH');
export const commandFailed = make('COMMAND_FAILED');
export const keyBlacklisted = make('KEY_BLACKLISTED');
export const enrollmentRefused = make('ENROLLMENT_REFUSED');
/** The agent was revoked (by an admin, or its host was deleted): nothing it sends is taken. */
export const agentRevoked = make('AGENT_REVOKED');
/** A client certificate that is no longer the agent's (a renewal replaced it, past the grace). */
export const certificateSuperseded = make('CERTIFICATE_SUPERSEDED');
export const certificateExpired = make('CERTIFICATE_EXPIRED');
/** Too many refused enrollments from one address: wait, then retry with a valid ICB. */
export const enrollmentThrottled = make('ENROLLMENT_THROTTLED');
export const testFlaky = make('TEST_FLAKY');
export const internalError = make('INTERNAL');
/** An edit on a host that is not in the managed state (monitored hosts are only read). */
export const hostNotManaged = make('HOST_NOT_MANAGED');
/**
 * A deployed sshd config passed sshd -t and the reload but a fresh login with the management
 * credential failed afterwards: the previous config was put back.
 */
export const deployRolledBack = make('DEPLOY_ROLLED_BACK');
/**
 * A host path another user could redirect (sshd's StrictModes rules: every directory on the
 * way owned by root or the account, writable by no one else): nothing was read or written.
 */
export const unsafePath = make('UNSAFE_PATH');
/** A file on a host is larger than the cap for its kind: it was not read (a finding about it). */
export const fileTooLarge = make('FILE_TOO_LARGE');
/** An sshd_config Include names a file that is already being read: sshd would refuse to start. */
export const includeCycle = make('INCLUDE_CYCLE');
/** Reading a host's input hit a cap on work (files, lines, bytes, entries): the rest was not read. */
export const limitExceeded = make('LIMIT_EXCEEDED');

/** Errors that crossed a process boundary arrive as plain objects: recognise them by code. */
export function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    return err.code;
  }
  return undefined;
}

/**
 * A local file-system error (Node's errno codes) as the table's code, naming the path;
 * anything else is returned as it is. Used where local files are touched (the agent's and
 * a local session's reads and writes), so the agent and the SSH path report alike.
 */
export function fromNodeError(err: unknown, path?: string): unknown {
  if (err instanceof KeywardenError) return err;
  const code = errorCode(err);
  const what = path ?? 'the file';
  const opts = { cause: err, details: { ...(path ? { path } : {}), errno: code } };
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return notFound(`${what} does not exist`, opts);
    case 'EACCES':
    case 'EPERM':
      return permissionDenied(`permission denied on ${what}`, opts);
    case 'ELOOP':
      return symlinkRefused(`${what} is or goes through a symbolic link`, opts);
    case 'EFBIG':
    case 'ERR_FS_FILE_TOO_LARGE':
      return fileTooLarge(`${what} is too large to read`, opts);
    case 'EISDIR':
      return invalidInput(`${what} is a directory, not a regular file`, opts);
    case 'EEXIST':
      return fileChanged(`${what} already exists`, opts);
    default:
      return err;
  }
}

/** Only a safe summary of an unknown cause: its name, message and errno code, never its fields. */
function causeSummary(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const code = errorCode(err);
    return { name: err.name, message: err.message, ...(code ? { code } : {}) };
  }
  return { message: String(err) };
}

/**
 * Turns anything thrown into the plain record job records, agent results and APIs carry.
 * A KeywardenError, or a record that crossed a boundary with a code of the table, keeps
 * its code; a raw file-system errno is translated as `fromNodeError` does; anything else
 * becomes INTERNAL, not retryable, with a summary of the cause in `details.cause`.
 */
export function toErrorRecord(err: unknown): ErrorRecord {
  if (err instanceof KeywardenError) return err.toJSON();
  const translated = fromNodeError(err);
  if (translated instanceof KeywardenError) return translated.toJSON();
  // Errors that crossed a boundary (or an abort reason built as a plain Error with a code).
  const code = errorCode(err);
  if (isErrorCode(code)) {
    const e = err as Partial<ErrorRecord>;
    return {
      code,
      message: typeof e.message === 'string' ? e.message : ERRORS[code].describe,
      retryable: typeof e.retryable === 'boolean' ? e.retryable : ERRORS[code].retryable,
      ...(e.details && typeof e.details === 'object' ? { details: e.details } : {}),
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message, retryable: false, details: { cause: causeSummary(err) } };
}

/** A record from another process (an agent result, a gRPC status) as a KeywardenError. */
export function fromErrorRecord(
  e: { code: string; message: string; retryable?: boolean; details?: Record<string, unknown> },
  opts: { prefix?: string; cause?: unknown } = {},
): KeywardenError {
  const code = e.code;
  const message = `${opts.prefix ?? ''}${e.message}`;
  const cause = opts.cause !== undefined ? { cause: opts.cause } : {};
  if (isErrorCode(code)) {
    return new KeywardenError(code, message, {
      ...cause,
      retryable: e.retryable ?? ERRORS[code].retryable,
      ...(e.details ? { details: e.details } : {}),
    });
  }
  // An unknown code from a newer or older peer is kept in details, but not retried blindly.
  return internalError(message, { ...cause, details: { ...e.details, remoteCode: code } });
}

export function isRetryable(err: unknown): boolean {
  return toErrorRecord(err).retryable;
}

/** The host's agent does not speak what this controller sends: upgrade keywarden-agent there. */
export const agentUpgradeRequired = make('AGENT_UPGRADE_REQUIRED');

/** No SMTP server is configured, so no email can be sent. */
export const smtpNotConfigured = make('SMTP_NOT_CONFIGURED');
/** A temporary SMTP failure: the message is sent again with backoff. */
export const smtpFailed = make('SMTP_FAILED');
/** The SMTP server refused for good (5xx): retrying the same message cannot help. */
export const smtpRejected = make('SMTP_REJECTED');

/** A backup that does not verify (checksum, manifest, archive): refused whole. */
export const backupInvalid = make('BACKUP_INVALID');
/** Restore never overwrites: the target data directory must be empty or absent. */
export const restoreTargetNotEmpty = make('RESTORE_TARGET_NOT_EMPTY');
/** The directory failed during a sync: no person was changed and nothing was revoked. */
export const directoryUnavailable = make('DIRECTORY_UNAVAILABLE');
/** A session recording is not asciicast v2 or is over its limits: nothing was converted. */
export const recordingInvalid = make('RECORDING_INVALID');

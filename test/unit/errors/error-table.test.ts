import { describe, expect, it } from 'vitest';
import * as errors from '../../../shared/errors';
import {
  ERRORS,
  fromErrorRecord,
  fromNodeError,
  isRetryable,
  KeywardenError,
  noCredential,
  toErrorRecord,
} from '../../../shared/errors';
import { fromGrpcError, toGrpcStatus } from '../../../shared/proto/grpc-errors';
import { resultValue } from '../../../controller/agents/agent-driver';
import type { AgentResultRecord } from '../../../controller/store/agent-records';

describe('the error table', () => {
  it('gives every code an HTTP error status, a retryable flag and a description', () => {
    const codes = Object.keys(ERRORS);
    expect(codes.length).toBeGreaterThan(30);
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(code, code).toMatch(/^[A-Z][A-Z_]+$/);
      expect(spec.status, code).toBeGreaterThanOrEqual(400);
      expect(spec.status, code).toBeLessThan(600);
      expect(typeof spec.retryable, code).toBe('boolean');
      expect(spec.describe.length, code).toBeGreaterThan(10);
    }
  });

  it('holds the codes that used to be defined at their call sites', () => {
    for (const code of [
      'NO_CREDENTIAL',
      'CREDENTIAL_UNREADABLE',
      'LEASE_EXPIRED',
      'AGENT_RESTARTED',
      'CERTIFICATE_EXPIRED',
      'BAD_REQUEST',
      'RATE_LIMITED',
      'PERMISSION_DENIED',
      'HOST_NOT_MANAGED',
      'DEPLOY_ROLLED_BACK',
      'UNSAFE_PATH',
      'FILE_TOO_LARGE',
      'INCLUDE_CYCLE',
      'LIMIT_EXCEEDED',
      'ENROLLMENT_THROTTLED',
      'CONTROLLER_STOPPING',
    ]) {
      expect(ERRORS, code).toHaveProperty(code);
    }
  });

  it('builds every creator from the table: its code, status and retryable flag', () => {
    let creators = 0;
    for (const [name, value] of Object.entries(errors)) {
      if (typeof value !== 'function' || name === 'make' || name === 'KeywardenError') continue;
      if (!/^[a-z]/.test(name) || value.length !== 1) continue;
      const made: unknown = (value as (m: string) => unknown)('m');
      if (!(made instanceof KeywardenError)) continue;
      creators++;
      expect(made.httpStatus, name).toBe(ERRORS[made.code].status);
      expect(made.retryable, name).toBe(ERRORS[made.code].retryable);
    }
    expect(creators).toBeGreaterThan(30);
  });

  it('does not retry "no management key yet": NO_CREDENTIAL is not retryable', () => {
    const err = noCredential('host h has no management key yet: discover it first');
    expect(isRetryable(err)).toBe(false);
    expect(err.httpStatus).toBe(409);
  });
});

describe('unknown errors', () => {
  it('become INTERNAL, not retried, with the cause kept (name, message, errno code)', () => {
    const raw = Object.assign(new TypeError('cannot read properties of undefined'), {
      code: 'ERR_SOMETHING',
      secret: 'must not be copied',
    });
    const record = toErrorRecord(raw);
    expect(record).toEqual({
      code: 'INTERNAL',
      message: 'cannot read properties of undefined',
      retryable: false,
      details: {
        cause: {
          name: 'TypeError',
          message: 'cannot read properties of undefined',
          code: 'ERR_SOMETHING',
        },
      },
    });
    expect(JSON.stringify(record)).not.toContain('must not be copied');
    expect(isRetryable(new Error('boom'))).toBe(false);
  });

  it('a raw errno never becomes a job error code: EACCES is PERMISSION_DENIED', () => {
    const eacces = Object.assign(new Error("EACCES: permission denied, open '/root/x'"), {
      code: 'EACCES',
      errno: -13,
    });
    expect(toErrorRecord(eacces)).toMatchObject({
      code: 'PERMISSION_DENIED',
      retryable: false,
      details: { errno: 'EACCES' },
    });
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    expect(toErrorRecord(busy).code).toBe('INTERNAL');
  });

  it('maps the file system errnos to the table once (fromNodeError)', () => {
    const as = (code: string) =>
      (fromNodeError(Object.assign(new Error(code), { code }), '/etc/x') as KeywardenError).code;
    expect(as('ENOENT')).toBe('NOT_FOUND');
    expect(as('EACCES')).toBe('PERMISSION_DENIED');
    expect(as('EPERM')).toBe('PERMISSION_DENIED');
    expect(as('ELOOP')).toBe('SYMLINK_REFUSED');
    expect(as('EFBIG')).toBe('FILE_TOO_LARGE');
    expect(as('ERR_FS_FILE_TOO_LARGE')).toBe('FILE_TOO_LARGE');
  });
});

describe('errors across process boundaries', () => {
  it("an agent's error keeps its code, its status and its details, not a bare 500", () => {
    const record = {
      ok: false,
      output: null,
      error: {
        code: 'FILE_TOO_LARGE',
        message: '/home/a/.ssh/authorized_keys is 9 MiB, over the cap',
        retryable: false,
        details: { path: '/home/a/.ssh/authorized_keys', size: 9437184, limit: 1048576 },
      },
    } as unknown as AgentResultRecord;
    let thrown: unknown;
    try {
      resultValue(record);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(KeywardenError);
    const e = thrown as KeywardenError;
    expect(e.code).toBe('FILE_TOO_LARGE');
    expect(e.httpStatus).toBe(413);
    expect(e.details).toEqual({
      path: '/home/a/.ssh/authorized_keys',
      size: 9437184,
      limit: 1048576,
    });
  });

  it('a code the table does not know comes back INTERNAL, not retried, the code kept', () => {
    const e = fromErrorRecord({
      code: 'SQLITE_BUSY',
      message: 'database is locked',
      retryable: true,
    });
    expect(e.code).toBe('INTERNAL');
    expect(e.retryable).toBe(false);
    expect(e.details).toEqual({ remoteCode: 'SQLITE_BUSY' });
  });

  it('gRPC carries the code, the retryable flag and the details both ways', () => {
    const sent = errors.enrollmentThrottled('too many refused enrollments', {
      details: { retryAfterSeconds: 30, path: '/home/jürgen/.ssh/authorized_keys' },
    });
    const status = toGrpcStatus(sent);
    const back = fromGrpcError({ ...status, message: status.details });
    expect(back.code).toBe('ENROLLMENT_THROTTLED');
    expect(back.retryable).toBe(true);
    expect(back.httpStatus).toBe(429);
    expect(back.details).toEqual({
      retryAfterSeconds: 30,
      path: '/home/jürgen/.ssh/authorized_keys',
    });
  });
});

describe('agent results on the wire', () => {
  it('carry the error details through the protobuf encoding', async () => {
    const { JobResult } = await import('../../../shared/proto/gen/keywarden/agent/v1/agent');
    const error = toErrorRecord(
      errors.fileTooLarge('/home/a/.ssh/authorized_keys is over the cap', {
        details: { path: '/home/a/.ssh/authorized_keys', size: 9437184, limit: 1048576 },
      }),
    );
    const sent = JobResult.fromPartial({
      job: { jobId: 'j1', attempt: 1, step: 0 },
      outcome: { $case: 'error', value: error },
    });
    const received = JobResult.decode(JobResult.encode(sent).finish());
    expect(received.outcome).toEqual({
      $case: 'error',
      value: {
        code: 'FILE_TOO_LARGE',
        message: '/home/a/.ssh/authorized_keys is over the cap',
        retryable: false,
        details: { path: '/home/a/.ssh/authorized_keys', size: 9437184, limit: 1048576 },
      },
    });
  });
});

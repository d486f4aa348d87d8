/**
 * Errors across the gRPC boundary, translated once in each direction: a domain error
 * travels as a gRPC status plus its stable code in metadata, and comes back as a
 * KeywardenError recognised by that code.
 */
import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { ERRORS, fromErrorRecord, KeywardenError, toErrorRecord, type ErrorCode } from '../errors';

/** The gRPC status for a code follows its HTTP status in the table, so both APIs agree. */
const byHttpStatus: Record<number, status> = {
  400: status.INVALID_ARGUMENT,
  401: status.UNAUTHENTICATED,
  403: status.PERMISSION_DENIED,
  404: status.NOT_FOUND,
  409: status.FAILED_PRECONDITION,
  413: status.RESOURCE_EXHAUSTED,
  429: status.RESOURCE_EXHAUSTED,
  503: status.UNAVAILABLE,
  504: status.DEADLINE_EXCEEDED,
};

export function grpcStatusOf(code: ErrorCode): status {
  return byHttpStatus[ERRORS[code].status] ?? status.INTERNAL;
}

export function toGrpcStatus(err: unknown): Partial<StatusObject> {
  const e = toErrorRecord(err);
  const metadata = new Metadata();
  metadata.set('keywarden-code', e.code);
  metadata.set('keywarden-retryable', String(e.retryable));
  // A -bin key: details may hold any character (a path), a text header only printable ASCII.
  if (e.details) metadata.set('keywarden-details-bin', Buffer.from(JSON.stringify(e.details)));
  return { code: grpcStatusOf(e.code), details: e.message, metadata };
}

export function fromGrpcError(err: unknown): KeywardenError {
  const e = err as Partial<ServiceError>;
  const code = e.metadata?.get('keywarden-code')[0];
  const retryable = e.metadata?.get('keywarden-retryable')[0];
  if (typeof code === 'string') {
    const details = parseDetails(e.metadata?.get('keywarden-details-bin')[0]);
    return fromErrorRecord(
      {
        code,
        message: e.details ?? e.message ?? code,
        retryable: retryable === 'true',
        ...(details ? { details } : {}),
      },
      { cause: err },
    );
  }
  const transient = e.code === status.UNAVAILABLE || e.code === status.DEADLINE_EXCEEDED;
  return new KeywardenError(
    transient
      ? 'HOST_UNREACHABLE'
      : e.code === status.UNAUTHENTICATED
        ? 'UNAUTHENTICATED'
        : 'INTERNAL',
    e.details || e.message || 'gRPC call failed',
    { cause: err, retryable: transient },
  );
}

function parseDetails(raw: unknown): Record<string, unknown> | undefined {
  if (!Buffer.isBuffer(raw)) return undefined;
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

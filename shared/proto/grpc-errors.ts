/**
 * Errors across the gRPC boundary, translated once in each direction: a domain error
 * travels as a gRPC status plus its stable code in metadata, and comes back as a
 * KeywardenError recognised by that code.
 */
import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { KeywardenError, toErrorRecord } from '../errors';

const byCode: Record<string, status> = {
  INVALID_INPUT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  FORBIDDEN: status.PERMISSION_DENIED,
  ENROLLMENT_REFUSED: status.PERMISSION_DENIED,
  AGENT_REVOKED: status.PERMISSION_DENIED,
  CERTIFICATE_SUPERSEDED: status.UNAUTHENTICATED,
  ENROLLMENT_THROTTLED: status.RESOURCE_EXHAUSTED,
  STORE_UNAVAILABLE: status.UNAVAILABLE,
  HOST_UNREACHABLE: status.UNAVAILABLE,
};

export function toGrpcStatus(err: unknown): Partial<StatusObject> {
  const e = toErrorRecord(err);
  const metadata = new Metadata();
  metadata.set('keywarden-code', e.code);
  metadata.set('keywarden-retryable', String(e.retryable));
  return { code: byCode[e.code] ?? status.INTERNAL, details: e.message, metadata };
}

export function fromGrpcError(err: unknown): KeywardenError {
  const e = err as Partial<ServiceError>;
  const code = e.metadata?.get('keywarden-code')[0];
  const retryable = e.metadata?.get('keywarden-retryable')[0];
  if (typeof code === 'string') {
    return new KeywardenError(code, e.details ?? e.message ?? code, {
      cause: err,
      retryable: retryable === 'true',
    });
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

import type { ServerDuplexStream } from '@grpc/grpc-js';
import { toGrpcStatus } from '../../shared/proto/grpc-errors';
import type {
  AgentMessage,
  ControllerMessage,
} from '../../shared/proto/gen/keywarden/agent/v1/agent';

/**
 * Ends a server stream with the error's status and code. Not destroy(): grpc-js sends the
 * status from the stream's 'error' handler through end(), which a destroyed stream skips,
 * leaving the agent waiting on an open HTTP/2 stream.
 */
export function endWithError(
  call: ServerDuplexStream<AgentMessage, ControllerMessage>,
  err: unknown,
): void {
  call.emit('error', Object.assign(new Error((err as Error).message), toGrpcStatus(err)));
}

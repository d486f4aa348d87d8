/**
 * Seams the agent's entry point accepts from whoever starts it. The product entry point
 * (main.ts) passes none; test fixtures pass their own (test/helpers/agent-test-main.ts),
 * so faults and slow operations live in the tests rather than in the product.
 */
import type { HostSession } from '../shared/session/host-session';
import type { JobResult } from '../shared/proto/gen/keywarden/agent/v1/agent';

export type RunOperation = (
  session: HostSession,
  operation: string,
  args: unknown,
  signal: AbortSignal,
) => Promise<unknown>;

export interface AgentExtensions {
  /** Wraps how an assignment's host operation runs (default: the shared registry). */
  wrapOperation?: (run: RunOperation) => RunOperation;
  /** Called with each result once it is spooled, just before it is sent. */
  beforeSendResult?: (result: JobResult) => void;
  /** Changes the protocol capabilities the hello announces (to play an older agent). */
  capabilities?: (announced: readonly string[]) => readonly string[];
}

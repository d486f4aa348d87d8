import type { AgentResultRecord, OperationKey } from '../store/agent-records';
import type { AgentResultRepository } from '../store/agent-store';

/**
 * A successful result of the same step in an earlier attempt, when that step ran the
 * same operation: the agent finished it although its attempt was lost (the controller
 * restarted, or the stream dropped before the result arrived), so running it again would
 * do the work twice. Results stored before operations were recorded ('') only ever had
 * step 0, the one operation an attempt could make then.
 */
export async function reusableResult(
  results: AgentResultRepository,
  k: OperationKey,
  operation: string,
): Promise<AgentResultRecord | null> {
  if (k.attempt <= 1) return null;
  const earlier = await results.findSuccessBefore(k);
  if (!earlier) return null;
  const same = earlier.operation === operation || (earlier.operation === '' && k.step === 0);
  return same ? earlier : null;
}

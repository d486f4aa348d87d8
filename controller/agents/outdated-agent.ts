/**
 * What a controller does with work for an agent that does not announce the generic
 * host-operation message (an agent older than that message): it cannot encode the work in
 * anything that agent understands, so each assignment ends at once with a result that
 * says so, and the job fails with AGENT_UPGRADE_REQUIRED (not retried: only an upgrade
 * helps) naming the agent, its version and its host. Nothing is sent to the agent.
 */
import { agentUpgradeRequired } from '../../shared/errors';
import { HOST_OPERATION_CAPABILITY } from '../../shared/proto/host-operation-message';
import type { AssignmentRecord } from '../store/agent-records';
import type { Store } from '../store/store';
import type { AgentEvents } from './agent-events';

export interface OutdatedAgent {
  id: string;
  /** The version its hello reported. */
  version: string;
}

export function outdatedAgentError(agent: OutdatedAgent, a: AssignmentRecord) {
  return agentUpgradeRequired(
    `keywarden-agent ${agent.version || '(version unknown)'} (agent ${agent.id}) on host ${a.hostId} predates the "${HOST_OPERATION_CAPABILITY}" protocol message this controller sends ` +
      `and cannot run ${a.operation}: upgrade keywarden-agent on that host; its jobs fail until then`,
    {
      details: {
        agentId: agent.id,
        agentVersion: agent.version,
        hostId: a.hostId,
        operation: a.operation,
        missingCapability: HOST_OPERATION_CAPABILITY,
      },
    },
  );
}

/** Ends the assignment with the refusal as its result; the waiting driver fails the job. */
export async function refuseForOutdatedAgent(
  ctx: { store: Store; events: AgentEvents; controllerId: string },
  agent: OutdatedAgent,
  a: AssignmentRecord,
): Promise<void> {
  const now = Date.now();
  const stored = await ctx.store.agentFleet.results.insert({
    jobId: a.jobId,
    attempt: a.attempt,
    step: a.step,
    hostId: a.hostId,
    agentId: agent.id,
    operation: a.operation,
    ok: false,
    output: null,
    error: outdatedAgentError(agent, a).toJSON(),
    startedAt: now,
    finishedAt: now,
    receivedAt: now,
    receivedBy: ctx.controllerId,
  });
  await ctx.store.agentFleet.assignments.markEnded(a, now);
  if (stored.created) ctx.events.operationSettled(a, { kind: 'result' });
}

/**
 * The driver for agent hosts. It does not talk to the agent: it writes an assignment
 * for each host operation the job's attempt asks for to the store and waits for its
 * result, so whichever controller holds the host's stream delivers it (woken in-process,
 * polling otherwise), and a host whose stream moves keeps getting its jobs.
 *
 * The operations of one attempt are its steps, numbered from 0 in the order the job asks
 * for them (an edit, then the scan that reads the file back); run-job.ts numbers them and
 * the router passes the step with the call. A reclaimed job (its controller died) first
 * looks for a successful result of the same step in an earlier attempt: the agent may have
 * finished it and sent it after the restart.
 *
 * A periodic agent is away between its management connections. A job for its host leaves
 * its assignment in the store (delivered at the next connection) and gives its attempt
 * back until the agent is due (WAITING_FOR_HOST), instead of holding a worker and timing
 * out; when it runs again it finds the result, or waits for it while the agent is there.
 */
import type { Logger } from 'pino';
import type { KeywardenError } from '../../shared/errors';
import {
  errorCode,
  fromErrorRecord,
  hostUnreachable,
  internalError,
  waitingForHost,
} from '../../shared/errors';
import type { HostCall, HostDriver } from '../hosts/host-driver';
import type { AgentResultRecord, OperationKey } from '../store/agent-records';
import type { HostRecord } from '../store/host-records';
import type { Store } from '../store/store';
import type { AgentEvents } from './agent-events';
import { reusableResult } from './reusable-result';

export function resultValue(r: AgentResultRecord): unknown {
  if (r.ok) return r.output;
  const e = r.error ?? internalError('the agent reported a failure').toJSON();
  // The agent's code keeps its status and details from the table, not a bare 500.
  throw fromErrorRecord(e, { prefix: 'agent: ' });
}

export class AgentDriver implements HostDriver {
  readonly name = 'agent';
  /** Whether each agent seen connects periodically (its mode is fixed at enrollment). */
  private readonly periodic = new Map<string, boolean>();

  constructor(
    private readonly store: Store,
    private readonly events: AgentEvents,
    private readonly log: Logger,
    private readonly pollMs: number,
    private readonly timeoutFor: (jobType: string) => number,
  ) {}

  private async isPeriodic(agentId: string): Promise<boolean> {
    let known = this.periodic.get(agentId);
    if (known === undefined) {
      const agent = await this.store.agentFleet.agents.get(agentId);
      known = agent?.settings.mode === 'periodic';
      if (agent) this.periodic.set(agentId, known);
    }
    return known;
  }

  /**
   * A WAITING_FOR_HOST error when the host's agent connects periodically and is away
   * until a time still to come; null when it is connected, streams, or is late (then
   * the job waits for it as for any agent, under its timeout).
   */
  private async awayError(k: OperationKey, host: HostRecord): Promise<KeywardenError | null> {
    const hostId = host.id;
    // Stream agents are never away by design: only a periodic one's record is read here.
    const periodic = host.agentId ? await this.isPeriodic(host.agentId) : false;
    const agent =
      periodic && host.agentId ? await this.store.agentFleet.agents.get(host.agentId) : null;
    if (!agent || agent.connectionId !== null) return null;
    const runAt = agent.nextConnectionAt;
    if (runAt === null || runAt <= Date.now()) return null;
    return waitingForHost(
      `agent host ${hostId} connects periodically and is away; the job waits for its next management connection at ${new Date(runAt).toISOString()}`,
      { details: { hostId, agentId: agent.id, runAt, ...k } },
    );
  }

  async run({ job, host: record, operation, args, step, signal }: HostCall): Promise<unknown> {
    // The router gives this driver only jobs whose registered host is an agent host.
    if (!record) throw internalError(`job ${job.id}: the agent driver was given no host`);
    const host = record;
    const hostId = host.id;
    const k: OperationKey = { jobId: job.id, attempt: job.attempts, step };
    const { assignments, results } = this.store.agentFleet;
    const earlier = await reusableResult(results, k, operation);
    if (earlier) {
      this.log.info(
        { ...k, from: earlier.attempt },
        'using the result an agent sent for an earlier attempt',
      );
      return resultValue(earlier);
    }
    const existing = await results.get(k);
    if (existing) return resultValue(existing);
    const assignment = await assignments.put(
      { ...k, hostId, jobType: job.type, operation, args, timeoutMs: this.timeoutFor(job.type) },
      Date.now(),
    );
    // The same key again: this attempt was given back at a graceful stop and its stream
    // ended meanwhile. Deliver it again; the agent still runs it or has its result.
    if (assignment.state === 'lost') await assignments.reopenLost(k, Date.now());
    this.events.assignmentWritten(hostId);
    const away = await this.awayError(k, host);
    if (away) throw away;
    return this.waitForResult(k, operation, host, signal);
  }

  private waitForResult(
    k: OperationKey,
    operation: string,
    host: HostRecord,
    signal: AbortSignal,
  ): Promise<unknown> {
    const hostId = host.id;
    const { assignments, results } = this.store.agentFleet;
    return new Promise<unknown>((resolve, reject) => {
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        off();
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      const lost = (reason: string) =>
        finish(() =>
          reject(
            hostUnreachable(`host ${hostId}: ${reason}; the job will be retried by its policy`, {
              details: { hostId, jobId: k.jobId, attempt: k.attempt, step: k.step },
            }),
          ),
        );
      const check = async () => {
        const r = await results.get(k);
        if (r) {
          finish(() => {
            try {
              resolve(resultValue(r));
            } catch (err) {
              reject(err as Error);
            }
          });
          return;
        }
        // A retry after a lost attempt: the agent may send the earlier attempt's result
        // from its spool when it is back; that result answers the job, this attempt stops.
        const earlier = await reusableResult(results, k, operation);
        if (earlier) {
          this.log.info(
            { ...k, from: earlier.attempt },
            'an earlier attempt of this job succeeded on the agent: using its result',
          );
          await assignments.requestCancel(k, Date.now());
          this.events.assignmentWritten(hostId);
          finish(() => resolve(resultValue(earlier)));
          return;
        }
        const a = await assignments.get(k);
        if (a?.state === 'lost') lost('the agent disconnected while running the job');
        // A periodic agent that left before it got this assignment: wait for its return.
        const away = a?.state === 'pending' ? await this.awayError(k, host) : null;
        if (away) finish(() => reject(away));
      };
      const poll = () => {
        if (done) return;
        check()
          .catch((err: unknown) => this.log.warn({ err, ...k }, 'checking for a result failed'))
          .finally(() => {
            if (!done) timer = setTimeout(poll, this.pollMs * (0.8 + 0.4 * Math.random()));
          });
      };
      const off = this.events.onOperation(k, (o) => {
        if (o.kind === 'lost') lost(o.reason);
        else void check().catch(() => undefined);
      });
      const onAbort = () =>
        finish(() => {
          // A graceful stop gives the attempt back: the agent finishes the job and the run
          // after the restart takes its result, so it is not told to stop.
          if (errorCode(signal.reason) === 'CONTROLLER_STOPPING') {
            reject(signal.reason as Error);
            return;
          }
          // Tell the agent to stop; the gateway holding its stream sends the cancel.
          assignments
            .requestCancel(k, Date.now())
            .then(() => this.events.assignmentWritten(hostId))
            .catch((err: unknown) => this.log.warn({ err, ...k }, 'recording a cancel failed'));
          reject(signal.reason as Error);
        });
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(poll, this.pollMs);
    });
  }
}

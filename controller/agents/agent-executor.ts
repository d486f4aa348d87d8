/**
 * Runs host jobs of agent hosts. It does not talk to the agent: it writes an assignment
 * for each host operation the job's attempt asks for to the store and waits for its
 * result, so whichever controller holds the host's stream delivers it (woken in-process,
 * polling otherwise), and a host whose stream moves keeps getting its jobs.
 *
 * The operations of one attempt are its steps, numbered from 0 in the order the job asks
 * for them (an edit, then the scan that reads the file back). A reclaimed job (its
 * controller died) first looks for a successful result of the same step in an earlier
 * attempt: the agent may have finished it and sent it after the restart.
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
import { encodeOperation } from '../../shared/proto/operation-messages';
import type { HostExecutor } from '../hosts/host-executor';
import type { AgentResultRecord, OperationKey } from '../store/agent-records';
import type { JobRecord } from '../store/records';
import type { Store } from '../store/store';
import type { AgentEvents } from './agent-events';
import { reusableResult } from './reusable-result';

export function resultValue(r: AgentResultRecord): unknown {
  if (r.ok) return r.output;
  const e = r.error ?? internalError('the agent reported a failure').toJSON();
  // The agent's code keeps its status and details from the table, not a bare 500.
  throw fromErrorRecord(e, { prefix: 'agent: ' });
}

export class AgentExecutor implements HostExecutor {
  /** Operations asked for so far by each running attempt (its signal is its own). */
  private readonly stepsTaken = new WeakMap<AbortSignal, number>();
  /**
   * The agent managing each host seen (its connection mode is fixed at enrollment), or
   * null for a host without one.
   */
  private readonly agentOf = new Map<string, { id: string; periodic: boolean } | null>();

  constructor(
    private readonly store: Store,
    private readonly events: AgentEvents,
    private readonly log: Logger,
    private readonly pollMs: number,
    private readonly timeoutFor: (jobType: string) => number,
  ) {}

  /** The router's test: is the job's target an agent host? */
  async accepts(job: JobRecord): Promise<boolean> {
    if (!job.hostId) return false;
    return (await this.agentOfHost(job.hostId)) !== null;
  }

  private async agentOfHost(hostId: string): Promise<{ id: string; periodic: boolean } | null> {
    let known = this.agentOf.get(hostId);
    if (known === undefined) {
      const host = await this.store.hosts.get(hostId);
      const agent =
        host?.kind === 'agent' && host.agentId
          ? await this.store.agentFleet.agents.get(host.agentId)
          : null;
      known =
        host?.kind === 'agent'
          ? { id: host.agentId ?? '', periodic: agent?.settings.mode === 'periodic' }
          : null;
      if (host) this.agentOf.set(hostId, known);
    }
    return known;
  }

  /**
   * A WAITING_FOR_HOST error when the host's agent connects periodically and is away
   * until a time still to come; null when it is connected, streams, or is late (then
   * the job waits for it as for any agent, under its timeout).
   */
  private async awayError(k: OperationKey, hostId: string): Promise<KeywardenError | null> {
    // Stream agents are never away by design: only a periodic one's record is read here.
    const known = await this.agentOfHost(hostId);
    const agent = known?.periodic ? await this.store.agentFleet.agents.get(known.id) : null;
    if (!agent || agent.connectionId !== null) return null;
    const runAt = agent.nextConnectionAt;
    if (runAt === null || runAt <= Date.now()) return null;
    return waitingForHost(
      `agent host ${hostId} connects periodically and is away; the job waits for its next management connection at ${new Date(runAt).toISOString()}`,
      { details: { hostId, agentId: agent.id, runAt, ...k } },
    );
  }

  async run(
    job: JobRecord,
    operation: string,
    args: unknown,
    signal: AbortSignal,
  ): Promise<unknown> {
    const hostId = job.hostId as string;
    const step = this.stepsTaken.get(signal) ?? 0;
    this.stepsTaken.set(signal, step + 1);
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
    encodeOperation(operation, args); // refuses an operation agents cannot run, before any write
    const assignment = await assignments.put(
      { ...k, hostId, jobType: job.type, operation, args, timeoutMs: this.timeoutFor(job.type) },
      Date.now(),
    );
    // The same key again: this attempt was given back at a graceful stop and its stream
    // ended meanwhile. Deliver it again; the agent still runs it or has its result.
    if (assignment.state === 'lost') await assignments.reopenLost(k, Date.now());
    this.events.assignmentWritten(hostId);
    const away = await this.awayError(k, hostId);
    if (away) throw away;
    return this.waitForResult(k, operation, hostId, signal);
  }

  private waitForResult(
    k: OperationKey,
    operation: string,
    hostId: string,
    signal: AbortSignal,
  ): Promise<unknown> {
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
        const away = a?.state === 'pending' ? await this.awayError(k, hostId) : null;
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

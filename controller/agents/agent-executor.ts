/**
 * Runs host jobs of agent hosts. It does not talk to the agent: it writes an assignment
 * for the job's attempt to the store and waits for the result, so whichever controller
 * holds the host's stream delivers it (woken in-process, polling otherwise), and a host
 * whose stream moves keeps getting its jobs.
 *
 * A reclaimed job (its controller died) first looks for a successful result of an
 * earlier attempt: the agent may have finished it and sent it after the restart.
 */
import type { Logger } from 'pino';
import { hostUnreachable, KeywardenError } from '../../shared/errors';
import { encodeOperation } from '../../shared/proto/operation-messages';
import type { HostExecutor } from '../hosts/host-executor';
import type { AgentResultRecord } from '../store/agent-records';
import type { JobRecord } from '../store/records';
import type { Store } from '../store/store';
import type { AgentEvents } from './agent-events';

export function resultValue(r: AgentResultRecord): unknown {
  if (r.ok) return r.output;
  const e = r.error ?? {
    code: 'INTERNAL',
    message: 'the agent reported a failure',
    retryable: true,
  };
  throw new KeywardenError(e.code, `agent: ${e.message}`, { retryable: e.retryable });
}

export class AgentExecutor implements HostExecutor {
  private readonly operationOf = new WeakMap<AbortSignal, string>();
  private readonly kinds = new Map<string, boolean>();

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
    let isAgent = this.kinds.get(job.hostId);
    if (isAgent === undefined) {
      const host = await this.store.hosts.get(job.hostId);
      isAgent = host?.kind === 'agent';
      if (host) this.kinds.set(job.hostId, isAgent);
    }
    return isAgent;
  }

  async run(
    job: JobRecord,
    operation: string,
    args: unknown,
    signal: AbortSignal,
  ): Promise<unknown> {
    const hostId = job.hostId as string;
    // Results are stored per job attempt, so one attempt can carry one operation: a second
    // would be answered with the first one's result. Refuse it clearly instead.
    const first = this.operationOf.get(signal);
    if (first !== undefined) {
      throw new KeywardenError(
        'AGENT_ONE_OPERATION_PER_ATTEMPT',
        `${job.type} asked agent host ${hostId} for "${operation}" after "${first}" in the same attempt; agent hosts run one host operation per job attempt`,
        {
          httpStatus: 409,
          retryable: false,
          details: { jobType: job.type, first, second: operation },
        },
      );
    }
    this.operationOf.set(signal, operation);
    const { assignments, results } = this.store.agentFleet;
    const earlier = await results.findSuccessBefore(job.id, job.attempts);
    if (earlier) {
      this.log.info(
        { jobId: job.id, attempt: job.attempts, from: earlier.attempt },
        'using the result an agent sent for an earlier attempt',
      );
      return resultValue(earlier);
    }
    const existing = await results.get(job.id, job.attempts);
    if (existing) return resultValue(existing);
    encodeOperation(operation, args); // refuses an operation agents cannot run, before any write
    await assignments.put(
      {
        jobId: job.id,
        attempt: job.attempts,
        hostId,
        jobType: job.type,
        operation,
        args,
        timeoutMs: this.timeoutFor(job.type),
      },
      Date.now(),
    );
    this.events.assignmentWritten(hostId);
    return this.waitForResult(job, hostId, signal);
  }

  private waitForResult(job: JobRecord, hostId: string, signal: AbortSignal): Promise<unknown> {
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
              details: { hostId, jobId: job.id, attempt: job.attempts },
            }),
          ),
        );
      const check = async () => {
        const r = await results.get(job.id, job.attempts);
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
        const earlier =
          job.attempts > 1 ? await results.findSuccessBefore(job.id, job.attempts) : null;
        if (earlier) {
          this.log.info(
            { jobId: job.id, attempt: job.attempts, from: earlier.attempt },
            'an earlier attempt of this job succeeded on the agent: using its result',
          );
          await assignments.requestCancel(job.id, job.attempts, Date.now());
          this.events.assignmentWritten(hostId);
          finish(() => resolve(resultValue(earlier)));
          return;
        }
        const a = await assignments.get(job.id, job.attempts);
        if (a?.state === 'lost') lost('the agent disconnected while running the job');
      };
      const poll = () => {
        if (done) return;
        check()
          .catch((err: unknown) =>
            this.log.warn({ err, jobId: job.id }, 'checking for a result failed'),
          )
          .finally(() => {
            if (!done) timer = setTimeout(poll, this.pollMs * (0.8 + 0.4 * Math.random()));
          });
      };
      const off = this.events.onAttempt(job.id, job.attempts, (o) => {
        if (o.kind === 'lost') lost(o.reason);
        else void check().catch(() => undefined);
      });
      const onAbort = () =>
        finish(() => {
          // Tell the agent to stop; the gateway holding its stream sends the cancel.
          assignments
            .requestCancel(job.id, job.attempts, Date.now())
            .then(() => this.events.assignmentWritten(hostId))
            .catch((err: unknown) =>
              this.log.warn({ err, jobId: job.id }, 'recording a cancel failed'),
            );
          reject(signal.reason as Error);
        });
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(poll, this.pollMs);
    });
  }
}

/**
 * Runs assignments on this host through LocalSession: at most `limit` at once, each
 * with its timeout and cancellable. Accepted assignments are journaled and results are
 * spooled on disk before they are sent, so a crash loses neither: at start an assignment
 * journaled without a result is reported as interrupted (the controller retries it).
 */
import { runHostOperation } from '../shared/hostops/operation-registry';
import {
  agentRestarted,
  agentUpgradeRequired,
  jobCancelled,
  jobTimedOut,
  toErrorRecord,
  type ErrorRecord,
} from '../shared/errors';
import { decodeHostOperation, toStructValue } from '../shared/proto/host-operation-message';
import {
  JobAssignment,
  JobResult,
  type JobKey,
} from '../shared/proto/gen/keywarden/agent/v1/agent';
import { LocalSession } from '../shared/session/local-session';
import type { RunOperation } from './agent-extensions';
import type { AgentLog } from './log';
import type { StateDir } from './state-dir';

/**
 * The file name of an assignment's journal entry and of its result in the spool. Step 0
 * keeps the name it had before an attempt could run several operations, so a spool written
 * by an older agent is still acknowledged and removed.
 */
export const jobKey = (j: JobKey): string =>
  j.step === 0 ? `${j.jobId}_${j.attempt}` : `${j.jobId}_${j.attempt}_${j.step}`;

export class JobRunner {
  private readonly running = new Map<string, { job: JobKey; abort: AbortController }>();
  private readonly waiting: JobAssignment[] = [];
  private readonly session: LocalSession;
  onResult: (r: JobResult) => void = () => undefined;
  onIdle: () => void = () => undefined;

  constructor(
    private readonly state: StateDir,
    private readonly log: AgentLog,
    rootPrefix: string,
    public limit: number,
    private readonly runOperation: RunOperation = runHostOperation,
  ) {
    this.session = new LocalSession({ rootPrefix });
    for (const { key, value } of state.list<unknown>('journal')) {
      if (state.list('spool').some((s) => s.key === key)) continue;
      const a = JobAssignment.fromJSON(value);
      this.spool(
        a,
        Date.now(),
        agentRestarted('the agent restarted while running the job').toJSON(),
      );
      state.remove('journal', key);
    }
  }

  runningKeys(): JobKey[] {
    return [...[...this.running.values()].map((r) => r.job), ...this.waiting.map((w) => w.job!)];
  }

  busy(): boolean {
    return this.running.size > 0 || this.waiting.length > 0;
  }

  /**
   * false when it is already running, waiting or spooled (a re-delivery). A spooled
   * result is not sent again here: every connection starts by sending the whole spool.
   */
  accept(a: JobAssignment): boolean {
    const key = jobKey(a.job!);
    if (this.running.has(key) || this.waiting.some((w) => jobKey(w.job!) === key)) return false;
    if (this.state.has('spool', key)) return false;
    this.state.put('journal', key, JobAssignment.toJSON(a));
    this.waiting.push(a);
    this.pump();
    return true;
  }

  cancel(j: JobKey): boolean {
    const key = jobKey(j);
    const i = this.waiting.findIndex((w) => jobKey(w.job!) === key);
    if (i >= 0) {
      const [a] = this.waiting.splice(i, 1);
      this.spool(a!, Date.now(), jobCancelled('cancelled before it started').toJSON());
      return true;
    }
    const abort = this.running.get(key)?.abort;
    abort?.abort(jobCancelled('cancelled by the controller'));
    return !!abort;
  }

  private pump(): void {
    while (this.running.size < this.limit && this.waiting.length > 0) {
      const a = this.waiting.shift()!;
      const abort = new AbortController();
      this.running.set(jobKey(a.job!), { job: a.job!, abort });
      void this.execute(a, abort);
    }
  }

  private async execute(a: JobAssignment, abort: AbortController): Promise<void> {
    const key = jobKey(a.job!);
    const started = Date.now();
    const timer = setTimeout(
      () => abort.abort(jobTimedOut(`timed out after ${a.timeoutMs} ms on the agent`)),
      a.timeoutMs || 60_000,
    );
    // Decoded once: the result names the operation that ran.
    const decoded = decodeHostOperation(a.operation);
    try {
      if (!decoded)
        throw agentUpgradeRequired(
          `the controller sent job ${a.job?.jobId ?? '?'} (${a.jobType}) in a message this keywarden-agent does not know: upgrade it`,
          { details: { jobType: a.jobType } },
        );
      const { operation, args } = decoded;
      this.log('info', 'job started', { ...a.job!, operation });
      const aborted = new Promise<never>((_, reject) =>
        abort.signal.addEventListener('abort', () => reject(abort.signal.reason as Error), {
          once: true,
        }),
      );
      const output = await Promise.race([
        this.runOperation(this.session, operation, args, abort.signal),
        aborted,
      ]);
      this.spool(a, started, null, { operation, value: output });
    } catch (err) {
      this.spool(a, started, toErrorRecord(abort.signal.aborted ? abort.signal.reason : err));
    } finally {
      clearTimeout(timer);
      this.running.delete(key);
      this.state.remove('journal', key);
      this.pump();
      if (!this.busy()) this.onIdle();
    }
  }

  private spool(
    a: JobAssignment,
    startedAt: number,
    error: ErrorRecord | null,
    output?: { operation: string; value: unknown },
  ): void {
    const r: JobResult = {
      job: a.job,
      startedAtMs: startedAt,
      finishedAtMs: Date.now(),
      outcome: error
        ? {
            $case: 'error',
            value: {
              code: error.code,
              message: error.message,
              retryable: error.retryable,
              // Only JSON survives a Struct: a Buffer or undefined in details would not.
              ...(error.details
                ? { details: JSON.parse(JSON.stringify(error.details)) as Record<string, unknown> }
                : {}),
            },
          }
        : {
            $case: 'output',
            value: {
              operation: output?.operation ?? '',
              value: toStructValue(output?.value),
            },
          },
    };
    this.state.put('spool', jobKey(a.job!), JobResult.toJSON(r));
    this.log(error ? 'warn' : 'info', error ? 'job failed' : 'job finished', {
      ...a.job!,
      ...(error ? { error } : {}),
    });
    this.onResult(r);
  }
}

/**
 * One agent's management connection (a Connect stream) on this controller: the hello,
 * delivery of assignments and cancels, and ingestion of results, each acknowledged.
 * A result is stored once per operation of a job attempt (job, attempt, step) whatever
 * the number of times it is sent, and only for an assignment the controller made to the
 * host this agent manages: anything else is refused and audited.
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { fromErrorRecord, internalError, type KeywardenError } from '../../shared/errors';
import type { Logger } from 'pino';
import {
  encodeHostOperation,
  fromStructValue,
  HOST_OPERATION_CAPABILITY,
} from '../../shared/proto/host-operation-message';
import {
  ConnectionMode,
  type AgentMessage,
  type ControllerMessage,
  type Hello,
  type JobKey,
  type JobResult,
} from '../../shared/proto/gen/keywarden/agent/v1/agent';
import type { JobQueue } from '../engine/job-queue';
import { endWithError } from './end-with-error';
import type { HelloWriter } from './hello-writer';
import type { AgentRecord, AssignmentRecord, OperationKey } from '../store/agent-records';
import { newId } from '../store/ids';
import { isFinalState } from '../store/records';
import type { Store } from '../store/store';
import type { AgentEvents } from './agent-events';
import { planNextConnection } from '../enrollment/next-connection';
import type { WindowedAudit } from '../auth/windowed-audit';
import { refuseForOutdatedAgent } from './outdated-agent';
import { reusableResult } from './reusable-result';

export interface SessionContext {
  store: Store;
  queue: JobQueue;
  events: AgentEvents;
  log: Logger;
  controllerId: string;
  /** Where refused results are audited (aggregated per agent); plain audit rows without. */
  refusals?: WindowedAudit;
}

const key = (k: OperationKey) => `${k.jobId}:${k.attempt}:${k.step}`;
/** The key as the protocol carries it (an assignment record has more fields). */
const jobKey = (k: OperationKey): JobKey => ({ jobId: k.jobId, attempt: k.attempt, step: k.step });

export class AgentSession {
  readonly connectionId = newId();
  hostId: string | null;
  lastHeardAt = Date.now();
  helloDone = false;
  closed = false;
  /** The serial of the client certificate this stream was opened with. */
  certSerial = '';
  /** When that certificate stops being accepted (it was replaced by a renewal); null: current. */
  certValidUntil: number | null = null;
  /** Set when the stream lost its right (revoked, superseded): nothing more is taken from it. */
  private refusedWith: KeywardenError | null = null;
  private readonly running = new Set<string>();
  /** Spooled results the hello announced and that have not been ingested yet. */
  private spoolLeft = 0;
  /** The version and protocol capabilities the hello announced. */
  private announced = { version: '', hostOperations: true };
  private readonly log: Logger;

  constructor(
    private readonly ctx: SessionContext,
    private readonly writes: HelloWriter,
    readonly agent: AgentRecord,
    private readonly call: ServerDuplexStream<AgentMessage, ControllerMessage>,
  ) {
    this.hostId = agent.hostId;
    this.log = ctx.log.child({ agentId: agent.id, connectionId: this.connectionId });
  }

  get peer(): string {
    return this.call.getPeer();
  }

  send(msg: ControllerMessage): void {
    if (!this.closed && !this.refusedWith) this.call.write(msg);
  }

  /** Ends the stream with the refusal's status (the agent sees its code and reason). */
  refuse(err: KeywardenError): void {
    if (this.refusedWith) return;
    this.refusedWith = err;
    endWithError(this.call, err);
  }

  async onMessage(msg: AgentMessage): Promise<void> {
    if (this.refusedWith) return;
    this.lastHeardAt = Date.now();
    const k = msg.kind;
    if (!k) return;
    switch (k.$case) {
      case 'hello':
        return this.onHello(k.value);
      case 'heartbeat':
        return;
      case 'accepted':
        return;
      case 'progress':
        return;
      case 'result':
        return this.ingestResult(k.value);
      case 'cancelAck': {
        const j = k.value.job;
        if (!j) return;
        await this.ctx.store.agentFleet.assignments.markCancelAcknowledged(j, Date.now());
        this.log.info({ ...j, wasRunning: k.value.wasRunning }, 'agent acknowledged a cancel');
        return;
      }
      case 'drained':
        return;
    }
  }

  private async onHello(hello: Hello): Promise<void> {
    const { store } = this.ctx;
    const now = Date.now();
    for (const j of hello.running) this.running.add(key(j));
    this.spoolLeft = hello.spooledResults;
    this.announced = {
      version: hello.agentVersion,
      hostOperations: hello.capabilities.includes(HOST_OPERATION_CAPABILITY),
    };
    if (!this.announced.hostOperations)
      this.log.warn(
        { version: hello.agentVersion },
        'agent predates the generic host-operation message: its jobs fail until keywarden-agent is upgraded on its host',
      );
    if (this.spoolLeft > 0) {
      // Should a spooled result never come (unreadable on the agent), deliver anyway.
      setTimeout(() => {
        if (this.spoolLeft === 0 || this.closed) return;
        this.spoolLeft = 0;
        this.redeliverOpen().catch((err: unknown) =>
          this.log.warn({ err }, 'redelivering assignments failed'),
        );
      }, 10_000).unref();
    }
    const facts = (hello.facts ?? {}) as unknown as Record<string, unknown>;
    await this.writes.recordConnection(this.agent.id, {
      connectionId: this.connectionId,
      controllerId: this.ctx.controllerId,
      version: hello.agentVersion,
      facts,
    });
    const fresh = await store.agentFleet.agents.get(this.agent.id);
    this.hostId = fresh?.hostId ?? null;
    const mode = hello.mode === ConnectionMode.CONNECTION_MODE_PERIODIC ? 'periodic' : 'stream';
    const settings = { ...this.agent.settings, mode } as AgentRecord['settings'];
    // Told to the agent below; the controller records this very time.
    const next = planNextConnection(settings, now);
    if (!this.hostId) {
      // First connection: discovery creates the host from these facts (once per agent).
      await this.writes.enqueue(
        'agent-without-host',
        { agentId: this.agent.id },
        {
          createdBy: `agent:${this.agent.id}`,
          trigger: 'event',
          dedupeKey: `agent-without-host:${this.agent.id}`,
        },
      );
      // No handle-agent-host without a host to record it: when a periodic agent returns.
      if (mode === 'periodic')
        await store.agentFleet.agents.setNextConnection(this.agent.id, next.atMs);
    } else {
      await this.writes.enqueue(
        'agent-connected',
        {
          agentId: this.agent.id,
          connectionId: this.connectionId,
          controllerId: this.ctx.controllerId,
          mode,
          nextConnectionAt: next.atMs,
        },
        { createdBy: `agent:${this.agent.id}`, trigger: 'event', hostId: this.hostId },
      );
    }
    this.send({
      kind: {
        $case: 'welcome',
        value: {
          agentId: this.agent.id,
          hostId: this.hostId ?? '',
          controllerId: this.ctx.controllerId,
          settings: {
            mode: hello.mode || ConnectionMode.CONNECTION_MODE_STREAM,
            connectIntervalMs: settings.connectIntervalMs,
            maxConcurrentJobs: settings.maxConcurrentJobs,
            heartbeatIntervalMs: settings.heartbeatIntervalMs,
          },
        },
      },
    });
    this.send({ kind: { $case: 'nextConnection', value: next } });
    this.helloDone = true;
    this.log.info({ hostId: this.hostId, mode, version: hello.agentVersion }, 'agent connected');
    // Assignments wait for the spooled results that follow the hello: a result of an
    // earlier attempt makes its retry unnecessary (see deliver).
    if (this.hostId && this.spoolLeft === 0) await this.redeliverOpen();
  }

  /**
   * At (re)connection every open assignment is sent again; the agent drops ones it has.
   * A lost one is not: its attempt already failed and the engine retries it as a new
   * attempt, so running it again would do the work twice.
   */
  async redeliverOpen(): Promise<void> {
    if (!this.hostId) return;
    const open = await this.ctx.store.agentFleet.assignments.listOpenForHost(this.hostId);
    await this.deliver(open.filter((a) => a.state !== 'cancel-acknowledged' && a.state !== 'lost'));
  }

  async deliver(list: AssignmentRecord[]): Promise<void> {
    // Nothing before the welcome: the hello ends by sending every open assignment anyway.
    if (!this.helloDone) return;
    const { assignments, results } = this.ctx.store.agentFleet;
    for (const a of list) {
      if (this.closed) return;
      const isCancel = a.state === 'cancelling' || a.state === 'cancel-sent';
      if (!isCancel && this.spoolLeft > 0) continue; // sent once the spool is in
      if (!isCancel && (await this.jobEnded(a))) continue;
      if (!isCancel && (await reusableResult(results, a, a.operation))) {
        // The agent already did this job (its result arrived after the attempt was lost):
        // the waiting executor takes that result and withdraws this attempt.
        continue;
      }
      const now = Date.now();
      if (isCancel) {
        this.send({
          kind: {
            $case: 'cancel',
            value: {
              job: jobKey(a),
              reason: 'cancelled by the controller',
            },
          },
        });
        await assignments.markCancelSent(a, now);
        continue;
      }
      if (this.running.has(key(a)) && a.connectionId === this.connectionId) continue;
      if (!this.announced.hostOperations) {
        await refuseForOutdatedAgent(
          this.ctx,
          { id: this.agent.id, version: this.announced.version },
          a,
        );
        continue;
      }
      const operation = encodeHostOperation(a.operation, a.args);
      this.send({
        kind: {
          $case: 'assignment',
          value: {
            job: jobKey(a),
            timeoutMs: a.timeoutMs,
            jobType: a.jobType,
            operation,
          },
        },
      });
      this.running.add(key(a));
      await assignments.markDelivered(a, this.connectionId, now);
    }
  }

  /**
   * A job that ended while its assignment waited (cancelled or expired while its periodic
   * agent was away) is not sent: the assignment ends with it.
   */
  private async jobEnded(a: AssignmentRecord): Promise<boolean> {
    const job = await this.ctx.store.jobs.get(a.jobId);
    if (job && !isFinalState(job.state)) return false;
    await this.ctx.store.agentFleet.assignments.markEnded(a, Date.now());
    this.log.info(
      { ...jobKey(a), jobState: job?.state ?? 'gone' },
      'assignment of an ended job withdrawn',
    );
    return true;
  }

  private async ingestResult(r: JobResult): Promise<void> {
    const { store, events } = this.ctx;
    const j = r.job;
    if (!j) return;
    const now = Date.now();
    this.running.delete(key(j));
    const ack = (accepted: boolean, refusal = '') =>
      this.send({ kind: { $case: 'resultAck', value: { job: j, accepted, refusal } } });
    const a = await store.agentFleet.assignments.get(j);
    if (!a || !this.hostId || a.hostId !== this.hostId) {
      // A result whose assignment was purged after it ended was stored then: a duplicate.
      const earlier = a ? null : await store.agentFleet.results.get(j);
      if (earlier && earlier.hostId === this.hostId && earlier.agentId === this.agent.id) {
        this.log.info({ ...j }, 'duplicate result acknowledged, not stored again');
        ack(true);
        return this.spooledResultIngested();
      }
      const refusal = !a
        ? `job ${j.jobId} attempt ${j.attempt} step ${j.step} was never assigned to an agent: result refused`
        : `job ${j.jobId} belongs to another host; agent ${this.agent.id} manages ${this.hostId ?? 'no host yet'}`;
      const entry = {
        at: now,
        actor: `agent:${this.agent.id}`,
        action: 'agent.result-refused',
        subject: j.jobId.slice(0, 64),
        details: {
          attempt: j.attempt,
          step: j.step,
          agentHost: this.hostId,
          jobHost: a?.hostId ?? null,
          reason: refusal,
        },
      };
      const { refusals } = this.ctx;
      if (refusals) await refusals.record(`result:${this.agent.id}`, entry);
      else await store.audit.append(entry);
      this.log.warn({ ...j, jobHost: a?.hostId ?? null }, 'refused a result: ' + refusal);
      ack(false, refusal);
      return this.spooledResultIngested();
    }
    const owner = a.hostId;
    const out = r.outcome;
    const stored = await store.agentFleet.results.insert({
      ...jobKey(j),
      hostId: owner,
      agentId: this.agent.id,
      operation: a.operation,
      ok: out?.$case === 'output',
      output: out?.$case === 'output' ? fromStructValue(out.value.value) : null,
      error:
        out?.$case === 'error'
          ? // Translated once here: a code the table does not know becomes INTERNAL
            // (kept as details.remoteCode); the agent's details travel with it.
            fromErrorRecord({
              code: out.value.code,
              message: out.value.message,
              retryable: out.value.retryable,
              ...(out.value.details ? { details: out.value.details } : {}),
            }).toJSON()
          : out
            ? null
            : internalError('the agent sent a result without an outcome').toJSON(),
      startedAt: r.startedAtMs,
      finishedAt: r.finishedAtMs,
      receivedAt: now,
      receivedBy: this.ctx.controllerId,
    });
    await store.agentFleet.assignments.markEnded(j, now);
    if (stored.created) events.operationSettled(j, { kind: 'result' });
    else this.log.info({ ...j }, 'duplicate result acknowledged, not stored again');
    ack(true);
    await this.spooledResultIngested();
  }

  private async spooledResultIngested(): Promise<void> {
    if (this.spoolLeft === 0) return;
    this.spoolLeft -= 1;
    if (this.spoolLeft === 0) await this.redeliverOpen();
  }

  /** The stream ended: what was delivered on it and has no result is lost. */
  async closeSession(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const now = Date.now();
    const { store, events } = this.ctx;
    await this.writes.recordDisconnect(this.agent.id, this.connectionId);
    if (this.hostId) {
      const open = await store.agentFleet.assignments.listOpenForHost(this.hostId);
      const lost = open.filter(
        (a) => a.state === 'delivered' && a.connectionId === this.connectionId,
      );
      await store.agentFleet.assignments.markLost(this.hostId, this.connectionId, now);
      for (const a of lost) {
        events.operationSettled(a, {
          kind: 'lost',
          reason: 'the agent disconnected while running the job',
        });
      }
    }
    this.log.info('agent disconnected');
  }

  end(): void {
    if (!this.closed) this.call.end();
  }
}

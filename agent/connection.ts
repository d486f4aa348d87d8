/**
 * The management connection: mutual TLS with the agent's own certificate, a hello with
 * what is running and spooled, then assignments in and results out. Results leave the
 * spool only when the controller acknowledges them. Reconnects with exponential backoff
 * and full jitter; a periodic agent disconnects once drained and returns when told.
 */
import * as grpc from '@grpc/grpc-js';
import {
  AgentServiceClient,
  ConnectionMode,
  JobResult,
  type AgentMessage,
  type ControllerMessage,
} from '../shared/proto/gen/keywarden/agent/v1/agent';
import { fromGrpcError } from '../shared/proto/grpc-errors';
import { HOST_OPERATION_CAPABILITY } from '../shared/proto/host-operation-message';
import { renewCertificateIfDue } from './certificate-renewal';
import { collectHostFacts } from './host-facts';
import { jobKey, type JobRunner } from './job-runner';
import type { AgentLog } from './log';
import { reconnectDelayMs } from './reconnect-backoff';
import type { StateDir } from './state-dir';
import { AGENT_VERSION } from './version';

/**
 * How long a periodic agent stays once drained before it leaves: a job that runs several
 * operations gets its next one moments after the previous result, and should not wait a
 * whole connection interval for it.
 */
const DRAINED_QUIET_MS = 2000;

/** What this agent's protocol understands beyond the original messages (agent.proto, Hello). */
export const AGENT_CAPABILITIES: readonly string[] = [HOST_OPERATION_CAPABILITY];

export interface ConnectionOptions {
  rootPrefix: string;
  maxBackoffMs: number;
  /** The host name to report instead of the system's (KEYWARDEN_AGENT_HOSTNAME). */
  hostname?: string;
  beforeSendResult?: (result: JobResult) => void;
  /** The protocol capabilities the hello announces (default: all this agent has). */
  capabilities?: readonly string[];
}

export class AgentConnection {
  private stopping = false;
  private call: grpc.ClientDuplexStream<AgentMessage, ControllerMessage> | null = null;
  private nextAtMs = 0;
  private disconnectWhenDrained = false;
  private wake: (() => void) | null = null;
  private quiet: NodeJS.Timeout | undefined;
  /** The stream was ended to reconnect with a renewed certificate: no backoff. */
  private reconnectNow = false;

  constructor(
    private readonly state: StateDir,
    private readonly runner: JobRunner,
    private readonly log: AgentLog,
    private readonly o: ConnectionOptions,
  ) {
    runner.onResult = (r) => this.sendResult(r);
    runner.onIdle = () => this.maybeDrained();
  }

  private credentials(): grpc.ChannelCredentials {
    return grpc.credentials.createSsl(
      Buffer.from(this.state.read('ca.crt')),
      Buffer.from(this.state.read('agent.key')),
      Buffer.from(this.state.read('agent.crt')),
    );
  }

  async runForever(): Promise<void> {
    let failures = 0;
    let target = 0;
    while (!this.stopping) {
      const controllers = this.state.identity().controllers;
      const addr = controllers[target % controllers.length]!;
      let connected = false;
      try {
        await this.renewIfDue(addr);
        connected = await this.connectOnce(addr);
      } catch (err) {
        this.log('warn', 'connection failed', { controller: addr, error: (err as Error).message });
      }
      if (this.stopping) break;
      let delay: number;
      if (connected && this.reconnectNow) {
        this.reconnectNow = false;
        failures = 0;
        delay = 0;
      } else if (connected && this.disconnectWhenDrained) {
        failures = 0;
        delay = Math.max(0, this.nextAtMs - Date.now());
        this.log('info', 'drained; next management connection scheduled', {
          at: new Date(this.nextAtMs).toISOString(),
        });
      } else {
        failures = connected ? 1 : failures + 1;
        target += connected ? 0 : 1;
        delay = reconnectDelayMs(failures, this.o.maxBackoffMs);
        this.log('info', 'reconnecting', { inMs: Math.round(delay), failures });
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, delay);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }

  stop(): void {
    this.stopping = true;
    this.call?.end();
    this.wake?.();
  }

  /** Resolves when the stream ends; true when the controller welcomed us. */
  private connectOnce(addr: string): Promise<boolean> {
    const client = new AgentServiceClient(addr, this.credentials(), {
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
    });
    const identity = this.state.identity();
    const certAtConnect = this.state.read('agent.crt');
    const call = client.connect();
    this.call = call;
    let welcomed = false;
    let heartbeat: NodeJS.Timeout | undefined;
    this.disconnectWhenDrained = false;
    return new Promise<boolean>((resolve, reject) => {
      const done = (err?: Error) => {
        clearInterval(heartbeat);
        clearTimeout(this.quiet);
        this.quiet = undefined;
        this.call = null;
        client.close();
        if (err && !welcomed) reject(err);
        else resolve(welcomed);
      };
      call.on('data', (m: ControllerMessage) => this.onMessage(m, () => (welcomed = true)));
      call.on('error', (err) => {
        const e = fromGrpcError(err);
        this.log(welcomed ? 'warn' : 'error', 'stream ended with an error', {
          code: e.code,
          error: e.message,
        });
        done(e);
      });
      call.on('end', () => done());
      call.write({
        kind: {
          $case: 'hello',
          value: {
            agentVersion: AGENT_VERSION,
            facts: collectHostFacts(this.o.rootPrefix, this.o.hostname),
            mode:
              identity.settings.mode === 'periodic'
                ? ConnectionMode.CONNECTION_MODE_PERIODIC
                : ConnectionMode.CONNECTION_MODE_STREAM,
            running: this.runner.runningKeys(),
            spooledResults: this.state.list('spool').length,
            capabilities: [...(this.o.capabilities ?? AGENT_CAPABILITIES)],
          },
        },
      });
      for (const s of this.state.list<unknown>('spool'))
        call.write({ kind: { $case: 'result', value: JobResult.fromJSON(s.value) } });
      heartbeat = setInterval(() => {
        call.write({
          kind: {
            $case: 'heartbeat',
            value: { sentAtMs: Date.now(), runningJobs: this.runner.runningKeys().length },
          },
        });
        if (welcomed) this.moveToRenewedCertificate(call, certAtConnect);
      }, identity.settings.heartbeatIntervalMs);
    });
  }

  private onMessage(m: ControllerMessage, welcomed: () => void): void {
    const k = m.kind;
    if (!k) return;
    switch (k.$case) {
      case 'welcome':
        welcomed();
        this.log('info', 'connected', {
          agentId: k.value.agentId,
          hostId: k.value.hostId,
          controller: k.value.controllerId,
        });
        if (k.value.settings?.maxConcurrentJobs)
          this.runner.limit = k.value.settings.maxConcurrentJobs;
        return;
      case 'assignment':
        if (this.runner.accept(k.value))
          this.call?.write({ kind: { $case: 'accepted', value: { job: k.value.job } } });
        return;
      case 'resultAck': {
        const j = k.value.job;
        if (!j) return;
        if (!k.value.accepted)
          this.log('warn', 'controller refused a result', {
            jobId: j.jobId,
            refusal: k.value.refusal,
          });
        this.state.remove('spool', jobKey(j));
        this.maybeDrained();
        return;
      }
      case 'cancel': {
        const j = k.value.job;
        if (!j) return;
        const wasRunning = this.runner.cancel(j);
        this.log('info', 'cancel received', { ...j, wasRunning });
        this.call?.write({ kind: { $case: 'cancelAck', value: { job: j, wasRunning } } });
        return;
      }
      case 'nextConnection':
        this.nextAtMs = k.value.atMs;
        this.disconnectWhenDrained = k.value.disconnectWhenDrained;
        setTimeout(() => this.maybeDrained(), 1000);
        return;
    }
  }

  private sendResult(r: JobResult): void {
    this.o.beforeSendResult?.(r);
    this.call?.write({ kind: { $case: 'result', value: r } });
  }

  private drained(): boolean {
    if (!this.disconnectWhenDrained || !this.call || this.runner.busy()) return false;
    return this.state.list('spool').length === 0;
  }

  /** Periodic mode: leaves once drained for DRAINED_QUIET_MS since the last job ended. */
  private maybeDrained(): void {
    clearTimeout(this.quiet);
    this.quiet = undefined;
    if (!this.drained()) return;
    this.quiet = setTimeout(() => {
      this.quiet = undefined;
      if (!this.drained()) return;
      this.call!.write({ kind: { $case: 'drained', value: {} } });
      this.call!.end();
    }, DRAINED_QUIET_MS);
  }

  /**
   * After a renewal the controller accepts the certificate this stream was opened with
   * only for a grace (KEYWARDEN_AGENT_CERT_GRACE), then closes the stream, losing any job
   * on it. So the agent reconnects with the new one itself, at a moment with no job
   * running and no result unsent.
   */
  private moveToRenewedCertificate(
    call: grpc.ClientDuplexStream<AgentMessage, ControllerMessage>,
    certAtConnect: string,
  ): void {
    // A periodic agent leaves once drained and returns with the new certificate anyway.
    if (this.reconnectNow || this.disconnectWhenDrained || this.runner.busy()) return;
    if (this.state.list('spool').length > 0) return;
    if (this.state.read('agent.crt') === certAtConnect) return;
    this.log('info', 'reconnecting with the renewed client certificate', {});
    this.reconnectNow = true;
    call.end();
  }

  /** Renews the client certificate if it is due (see certificate-renewal.ts). */
  private async renewIfDue(addr: string): Promise<void> {
    await renewCertificateIfDue(this.state, this.log, [addr]);
  }
}

/**
 * The gRPC gateway of one controller: the enrollment port (TLS, no client certificate)
 * and the agent port (client certificate required, checked here so a refusal is a clear
 * UNAUTHENTICATED status and an audit record rather than a silent handshake failure).
 * Every call on the agent port is checked against the agent's record: a revoked agent, an
 * agent whose host was deleted, or a certificate a renewal replaced (after the grace) is
 * refused and audited; streams that lose their right while open are closed at the next
 * sweep of changed agents. It holds the streams of the agents connected to this controller
 * and delivers their assignments: at once when this process writes one, by polling for
 * ones written by other controllers.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { agentRevoked } from '../../shared/errors';
import {
  AgentServiceService,
  EnrollmentServiceService,
  type AgentServiceServer,
  type EnrollmentServiceServer,
  type AgentMessage,
  type ControllerMessage,
} from '../../shared/proto/gen/keywarden/agent/v1/agent';
import { toGrpcStatus } from '../../shared/proto/grpc-errors';
import type { AgentRecord } from '../store/agent-records';
import type { Store } from '../store/store';
import { judgeCertificate } from './certificate-verdict';
import { AgentSession, type SessionContext } from './agent-session';
import { StreamAuthenticator } from './stream-authenticator';
import { endWithError } from './end-with-error';
import { helloWriter, type HelloWriter } from './hello-writer';
import { ENROLL_MAX_MESSAGE_BYTES, RefusalLimiter } from './enrollment-limits';
import { enroll, renewCertificate, type EnrollmentDeps } from './enrollment-service';
import { WindowedAudit } from '../auth/windowed-audit';
import { staticCertificates } from './static-certificates';
import {
  compileGatewayOptions,
  type GatewayOptions,
  type GatewayOptionsInput,
} from './gateway-options';

/** Agents changed this long before the last sweep are read again (clock skew between controllers). */
const SWEEP_OVERLAP_MS = 5000;
const SWEEP_PAGE = 1000;

export class AgentGateway {
  private readonly sessions = new Map<string, AgentSession>();
  private readonly byHost = new Map<string, AgentSession>();
  private readonly woken = new Set<string>();
  /** Ends of streams still being recorded (stop waits for them before the store closes). */
  private readonly closing = new Set<Promise<void>>();
  private servers: grpc.Server[] = [];
  private timer: NodeJS.Timeout | undefined;
  private delivering = false;
  private again = false;
  private fullPass = true;
  private readonly offAssignment: () => void;
  private readonly enrollment: EnrollmentDeps;
  private readonly log: Logger;
  private readonly writes: HelloWriter;
  private readonly refusals: WindowedAudit;
  private readonly sessionContext: SessionContext;
  private readonly authenticator: StreamAuthenticator;
  private lastSweepAt = Date.now();
  private sweeping = false;
  private sweepTimer: NodeJS.Timeout | undefined;

  /** Compiled once, frozen (gateway-options.ts). */
  private readonly options: GatewayOptions;

  constructor(input: GatewayOptionsInput) {
    const o = compileGatewayOptions(input);
    this.options = o;
    this.log = o.log;
    this.writes = helloWriter(o.store, o.queue);
    this.refusals = new WindowedAudit(o.store.audit, o.log);
    this.authenticator = new StreamAuthenticator({
      store: o.store,
      controllerId: o.controllerId,
      certGraceMs: o.certGraceMs,
      refusals: this.refusals,
      log: o.log,
    });
    this.sessionContext = { ...o, refusals: this.refusals };
    this.enrollment = {
      store: o.store,
      ca: o.ca,
      certValidityMs: o.certValidityMs,
      log: o.log,
      refusals: this.refusals,
      limiter: new RefusalLimiter(),
    };
    this.offAssignment = o.events.onAssignment((hostId) => {
      if (!this.byHost.has(hostId)) return;
      this.woken.add(hostId);
      this.kick();
    });
  }

  get store(): Store {
    return this.options.store;
  }

  connectedAgents(): number {
    return this.sessions.size;
  }

  async listen(
    agentAddr: string,
    enrollAddr: string,
  ): Promise<{ agentPort: number; enrollPort: number }> {
    const opts = {
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.max_concurrent_streams': 16,
    };
    // An honest enrollment is a few KB: a larger message is refused by grpc-js unread.
    const enrollServer = new grpc.Server({
      ...opts,
      'grpc.max_receive_message_length': ENROLL_MAX_MESSAGE_BYTES,
    });
    const enrollment: EnrollmentServiceServer = {
      enroll: (call, cb) => {
        enroll(this.enrollment, call.request, call.getPeer()).then(
          (res) => cb(null, res),
          (err: unknown) => cb(toGrpcStatus(err)),
        );
      },
    };
    enrollServer.addService(EnrollmentServiceService, enrollment);
    const agentServer = new grpc.Server(opts);
    const agentService: AgentServiceServer = {
      connect: (call) => this.onConnect(call),
      renewCertificate: (call, cb) => {
        this.authenticator
          .authenticate(call)
          .then((auth) => renewCertificate(this.enrollment, auth.agent.id, call.request))
          .then(
            (res) => cb(null, res),
            (err: unknown) => cb(toGrpcStatus(err)),
          );
      },
    };
    agentServer.addService(AgentServiceService, agentService);
    const tlsOnly = grpc.ServerCredentials.createSsl(
      null,
      [
        {
          cert_chain: Buffer.from(this.options.server.certPem),
          private_key: Buffer.from(this.options.server.keyPem),
        },
      ],
      false,
    );
    // Client certificates are requested and verified against the CA by TLS, but not
    // required at the handshake: authenticate() refuses calls without one, visibly.
    const certs = staticCertificates(
      this.options.ca.certPem,
      this.options.server.certPem,
      this.options.server.keyPem,
    );
    const mutual = grpc.experimental.createCertificateProviderServerCredentials(
      certs,
      certs,
      false,
    );
    const bind = (s: grpc.Server, addr: string, creds: grpc.ServerCredentials) =>
      new Promise<number>((resolve, reject) =>
        s.bindAsync(addr, creds, (err, port) => (err ? reject(err) : resolve(port))),
      );
    const agentPort = await bind(agentServer, agentAddr, mutual);
    this.servers.push(agentServer);
    const enrollPort = await bind(enrollServer, enrollAddr, tlsOnly);
    this.servers.push(enrollServer);
    this.timer = setInterval(() => {
      this.fullPass = true;
      this.kick();
      this.dropSilent();
    }, this.options.pollMs);
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(this.options.pollMs, 1000));
    return { agentPort, enrollPort };
  }

  /**
   * Closes the streams whose certificate lost its right: grace over, or the agent changed
   * (revoked, renewed) on any controller since the last sweep.
   */
  private sweep(): void {
    if (this.sweeping) return;
    this.sweeping = true;
    this.sweepOnce()
      .catch((err: unknown) => this.log.error({ err }, 'checking agent revocations failed'))
      .finally(() => (this.sweeping = false));
  }

  private async sweepOnce(): Promise<void> {
    const now = Date.now();
    const { agents } = this.options.store.agentFleet;
    const recheck = new Map<string, AgentRecord | null>();
    for (const s of this.sessions.values())
      if (s.certValidUntil !== null && now > s.certValidUntil) recheck.set(s.agent.id, null);
    let since = this.lastSweepAt - SWEEP_OVERLAP_MS;
    this.lastSweepAt = now;
    for (;;) {
      const page = await agents.listCredentialChanges(since, SWEEP_PAGE);
      for (const a of page) if (this.sessions.has(a.id)) recheck.set(a.id, a);
      const last = page.at(-1)?.credentialsChangedAt ?? since;
      if (page.length < SWEEP_PAGE || last <= since) break;
      since = last;
    }
    for (const [id, known] of recheck) {
      const agent = known ?? (await agents.get(id));
      const s = this.sessions.get(id);
      if (!s || s.closed) continue;
      const verdict = agent
        ? judgeCertificate(agent, s.certSerial, Date.now(), this.options.certGraceMs)
        : { ok: false as const, error: agentRevoked(`agent ${id} no longer exists`) };
      if (verdict.ok) {
        s.certValidUntil = verdict.validUntil;
        continue;
      }
      await this.authenticator.auditRefusal(s.peer, id, s.certSerial, verdict.error);
      this.log.warn(
        { agentId: id, code: verdict.error.code },
        'closing the stream of an agent that lost its right to connect',
      );
      s.refuse(verdict.error);
    }
  }

  private onConnect(call: grpc.ServerDuplexStream<AgentMessage, ControllerMessage>): void {
    let session: AgentSession | undefined;
    const queued: AgentMessage[] = [];
    let chain = Promise.resolve();
    const handle = (msg: AgentMessage) => {
      // Messages of one stream are handled in order (a result after its hello).
      chain = chain
        .then(() => session?.onMessage(msg))
        .catch((err: unknown) => this.log.error({ err }, 'handling an agent message failed'));
    };
    call.on('data', (msg: AgentMessage) => (session ? handle(msg) : queued.push(msg)));
    call.on('error', () => undefined);
    const finish = () => {
      if (!session) return;
      const s = session;
      if (this.sessions.get(s.agent.id) === s) this.sessions.delete(s.agent.id);
      if (s.hostId && this.byHost.get(s.hostId) === s) this.byHost.delete(s.hostId);
      const closed = chain
        .then(() => s.closeSession())
        .catch((err: unknown) => this.log.warn({ err }, 'recording a disconnect failed'));
      chain = closed;
      this.closing.add(closed);
      void closed.finally(() => this.closing.delete(closed));
    };
    call.on('end', () => {
      finish();
      call.end();
    });
    call.on('close', finish);
    call.on('cancelled', finish);
    this.authenticator.authenticate(call).then(
      async ({ agent, serial, validUntil }) => {
        const agentId = agent.id;
        session = new AgentSession(this.sessionContext, this.writes, agent, call);
        session.certSerial = serial;
        session.certValidUntil = validUntil;
        const previous = this.sessions.get(agentId);
        this.sessions.set(agentId, session);
        if (previous) previous.end();
        for (const m of queued.splice(0)) handle(m);
        await chain;
        if (session.hostId) this.byHost.set(session.hostId, session);
      },
      (err: unknown) => endWithError(call, err),
    );
  }

  private dropSilent(): void {
    const now = Date.now();
    for (const s of this.sessions.values()) {
      if (now - s.lastHeardAt > 3 * s.agent.settings.heartbeatIntervalMs + 5000) {
        this.log.warn(
          { agentId: s.agent.id },
          'agent silent for three heartbeats: closing its stream',
        );
        s.end();
      }
    }
  }

  private kick(): void {
    if (this.delivering) {
      this.again = true;
      return;
    }
    this.delivering = true;
    this.deliverPass()
      .catch((err: unknown) => this.log.error({ err }, 'delivering assignments failed'))
      .finally(() => {
        this.delivering = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async deliverPass(): Promise<void> {
    // Hosts discovered since their connection: learn the host id.
    for (const s of this.sessions.values()) {
      if (s.hostId || !s.helloDone) continue;
      const a = await this.options.store.agentFleet.agents.get(s.agent.id);
      if (a?.hostId) {
        s.hostId = a.hostId;
        this.byHost.set(a.hostId, s);
        await s.redeliverOpen();
      }
    }
    const hosts = this.fullPass ? [...this.byHost.keys()] : [...this.woken];
    this.fullPass = false;
    this.woken.clear();
    if (hosts.length === 0) return;
    const list = await this.options.store.agentFleet.assignments.listActionable(hosts, 5000);
    const byHost = new Map<string, typeof list>();
    for (const a of list) byHost.set(a.hostId, [...(byHost.get(a.hostId) ?? []), a]);
    await Promise.all(
      [...byHost].map(
        ([hostId, items]) => this.byHost.get(hostId)?.deliver(items) ?? Promise.resolve(),
      ),
    );
  }

  async stop(): Promise<void> {
    this.offAssignment();
    clearInterval(this.timer);
    clearInterval(this.sweepTimer);
    for (const s of this.sessions.values()) s.end();
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            const force = setTimeout(() => {
              s.forceShutdown();
              resolve();
            }, 2000);
            s.tryShutdown(() => {
              clearTimeout(force);
              resolve();
            });
          }),
      ),
    );
    // The disconnect writes are group-committed (a turn later): let them land before the
    // store closes, bounded like the shutdown above.
    await Promise.race([
      Promise.all(this.closing),
      new Promise((r) => setTimeout(r, 2000).unref()),
    ]);
    await this.refusals.stop();
  }
}

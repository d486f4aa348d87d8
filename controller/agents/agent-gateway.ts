/**
 * The gRPC gateway of one controller: the enrollment port (TLS, no client certificate)
 * and the agent port (client certificate required, checked here so a refusal is a clear
 * UNAUTHENTICATED status and an audit record rather than a silent handshake failure).
 * It holds the streams of the agents connected to this controller and delivers their
 * assignments: at once when this process writes one, by polling for ones written by
 * other controllers.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { unauthenticated } from '../../shared/errors';
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
import { agentIdOfSubject, type CertificateAuthority } from './certificate-authority';
import { AgentSession, helloWriter, type HelloWriter, type SessionContext } from './agent-session';
import { enroll, renewCertificate, type EnrollmentDeps } from './enrollment-service';
import { staticCertificates } from './static-certificates';

export interface GatewayOptions extends SessionContext {
  ca: CertificateAuthority;
  server: { certPem: string; keyPem: string };
  certValidityMs: number;
  pollMs: number;
}

export class AgentGateway {
  private readonly sessions = new Map<string, AgentSession>();
  private readonly byHost = new Map<string, AgentSession>();
  private readonly woken = new Set<string>();
  private servers: grpc.Server[] = [];
  private timer: NodeJS.Timeout | undefined;
  private delivering = false;
  private again = false;
  private fullPass = true;
  private readonly offAssignment: () => void;
  private readonly enrollment: EnrollmentDeps;
  private readonly log: Logger;
  private readonly writes: HelloWriter;

  constructor(private readonly o: GatewayOptions) {
    this.log = o.log;
    this.writes = helloWriter(o.store, o.queue);
    this.enrollment = { store: o.store, ca: o.ca, certValidityMs: o.certValidityMs, log: o.log };
    this.offAssignment = o.events.onAssignment((hostId) => {
      if (!this.byHost.has(hostId)) return;
      this.woken.add(hostId);
      this.kick();
    });
  }

  get store(): Store {
    return this.o.store;
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
    const enrollServer = new grpc.Server(opts);
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
        this.authenticate(call)
          .then((agent) => renewCertificate(this.enrollment, agent.id, call.request))
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
          cert_chain: Buffer.from(this.o.server.certPem),
          private_key: Buffer.from(this.o.server.keyPem),
        },
      ],
      false,
    );
    // Client certificates are requested and verified against the CA by TLS, but not
    // required at the handshake: authenticate() refuses calls without one, visibly.
    const certs = staticCertificates(
      this.o.ca.certPem,
      this.o.server.certPem,
      this.o.server.keyPem,
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
    }, this.o.pollMs);
    return { agentPort, enrollPort };
  }

  /** The enrolled agent a verified client certificate names, or a refusal. */
  private async authenticate(call: {
    getAuthContext(): { sslPeerCertificate?: { subject?: unknown } } | null;
    getPeer(): string;
  }): Promise<AgentRecord> {
    const cert = call.getAuthContext()?.sslPeerCertificate;
    const agentId = agentIdOfSubject(cert?.subject as { CN?: string } | undefined);
    const agent = agentId ? await this.o.store.agentFleet.agents.get(agentId) : null;
    if (agent) return agent;
    const reason = !cert
      ? 'no valid client certificate (missing, expired or not signed by the Keywarden CA): enroll the agent with an ICB first'
      : `the client certificate names ${agentId ?? 'no agent id'}, which is not an enrolled agent`;
    await this.o.store.audit.append({
      at: Date.now(),
      actor: `peer:${call.getPeer()}`,
      action: 'agent.connection-refused',
      subject: agentId ?? 'unknown-agent',
      details: { reason },
    });
    this.log.warn({ peer: call.getPeer(), reason }, 'agent connection refused');
    throw unauthenticated(reason);
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
      chain = chain
        .then(() => s.closeSession())
        .catch((err: unknown) => this.log.warn({ err }, 'recording a disconnect failed'));
    };
    call.on('end', () => {
      finish();
      call.end();
    });
    call.on('close', finish);
    call.on('cancelled', finish);
    this.authenticate(call).then(
      async (agent) => {
        const agentId = agent.id;
        session = new AgentSession(this.o, this.writes, agent, call);
        const previous = this.sessions.get(agentId);
        this.sessions.set(agentId, session);
        if (previous) previous.end();
        for (const m of queued.splice(0)) handle(m);
        await chain;
        if (session.hostId) this.byHost.set(session.hostId, session);
      },
      (err: unknown) => {
        call.destroy(Object.assign(new Error((err as Error).message), toGrpcStatus(err)));
      },
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
      const a = await this.o.store.agentFleet.agents.get(s.agent.id);
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
    const list = await this.o.store.agentFleet.assignments.listActionable(hosts, 5000);
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
  }
}

/**
 * Who is at the other end of an agent stream: the enrolled agent a verified client
 * certificate names, if that certificate still speaks for it (not revoked, not replaced
 * past its grace, its host not deleted). Every refusal is audited through the windowed
 * audit, one row per agent or address per window.
 */
import type { Logger } from 'pino';
import type { KeywardenError } from '../../shared/errors';
import { unauthenticated } from '../../shared/errors';
import type { WindowedAudit } from '../auth/windowed-audit';
import { revokeAgent } from '../enrollment/agent-revocation';
import type { AgentRecord } from '../store/agent-records';
import type { Store } from '../store/store';
import { agentIdOfSubject } from './certificate-authority';
import { judgeCertificate, normalizeSerial } from './certificate-verdict';
import { peerAddress } from './enrollment-limits';

/** What a verified client certificate authenticates: the agent, and until when. */
export interface Authenticated {
  agent: AgentRecord;
  serial: string;
  validUntil: number | null;
}

export class StreamAuthenticator {
  constructor(
    private readonly deps: {
      store: Store;
      controllerId: string;
      certGraceMs: number;
      refusals: WindowedAudit;
      log: Logger;
    },
  ) {}

  /**
   * The enrolled agent a verified client certificate names, if that certificate still
   * speaks for it; otherwise a refusal, audited (one row per agent or address per window).
   */
  async authenticate(call: {
    getAuthContext(): {
      sslPeerCertificate?: { subject?: unknown; serialNumber?: string };
    } | null;
    getPeer(): string;
  }): Promise<Authenticated> {
    const cert = call.getAuthContext()?.sslPeerCertificate;
    const agentId = agentIdOfSubject(cert?.subject as { CN?: string } | undefined);
    const serial = normalizeSerial(cert?.serialNumber ?? '');
    let agent = agentId ? await this.deps.store.agentFleet.agents.get(agentId) : null;
    let error: KeywardenError;
    if (!cert) {
      error = unauthenticated(
        'no valid client certificate (missing, expired or not signed by the Keywarden CA): enroll the agent with an ICB first',
      );
    } else if (!agent) {
      error = unauthenticated(
        `the client certificate names ${agentId ?? 'no agent id'}, which is not an enrolled agent`,
      );
    } else {
      agent = await this.revokeIfHostDeleted(agent);
      const verdict = judgeCertificate(agent, serial, Date.now(), this.deps.certGraceMs);
      if (verdict.ok) return { agent, serial, validUntil: verdict.validUntil };
      error = verdict.error;
    }
    await this.auditRefusal(call.getPeer(), agentId, serial, error);
    throw error;
  }

  /** An agent bound to a host that no longer exists is revoked (however the host went). */
  private async revokeIfHostDeleted(agent: AgentRecord): Promise<AgentRecord> {
    if (agent.revokedAt !== null || !agent.hostId) return agent;
    if (await this.deps.store.hosts.get(agent.hostId)) return agent;
    await revokeAgent(this.deps.store, agent.id, {
      by: `controller:${this.deps.controllerId}`,
      reason: `its host ${agent.hostId} was deleted`,
    });
    return (await this.deps.store.agentFleet.agents.get(agent.id)) ?? agent;
  }

  async auditRefusal(
    peer: string,
    agentId: string | null,
    serial: string,
    error: KeywardenError,
  ): Promise<void> {
    const addr = peerAddress(peer);
    const first = await this.deps.refusals.record(`connect:${agentId ?? addr}:${error.code}`, {
      at: Date.now(),
      actor: `peer:${addr}`,
      action: 'agent.connection-refused',
      subject: agentId ?? 'unknown-agent',
      details: { reason: error.message, code: error.code, serial: serial || null, peer },
    });
    this.deps.log[first ? 'warn' : 'debug'](
      { peer, agentId, code: error.code, reason: error.message },
      'agent connection refused',
    );
  }
}

/**
 * Enroll (TLS port without client certificates) and RenewCertificate (mutual-TLS port).
 * A token is checked and consumed in one store write, so it enrolls exactly one agent;
 * every refusal is answered with ENROLLMENT_REFUSED naming the reason, and audited.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { enrollmentRefused } from '../../shared/errors';
import type {
  EnrollRequest,
  EnrollResponse,
  RenewCertificateRequest,
  RenewCertificateResponse,
} from '../../shared/proto/gen/keywarden/agent/v1/agent';
import { newId } from '../store/ids';
import type { Store } from '../store/store';
import { issueAgentCertificate, type CertificateAuthority } from './certificate-authority';

export const hashToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

export interface EnrollmentDeps {
  store: Store;
  ca: CertificateAuthority;
  certValidityMs: number;
  log: Logger;
}

const reasons = {
  unknown: 'the enrollment token is not known to this controller',
  used: 'the enrollment token was already used (tokens are single use: create a new ICB)',
  expired: 'the enrollment token has expired (create a new ICB)',
} as const;

export async function enroll(
  deps: EnrollmentDeps,
  req: EnrollRequest,
  peer: string,
): Promise<EnrollResponse> {
  const { store } = deps;
  const now = Date.now();
  const refuse = async (reason: string, details: Record<string, unknown>) => {
    await store.audit.append({
      at: now,
      actor: `agent-enrollment:${peer}`,
      action: 'agent.enrollment-refused',
      subject: req.icbId || 'unknown-icb',
      details: { reason, ...details },
    });
    deps.log.warn({ peer, icbId: req.icbId, reason }, 'agent enrollment refused');
    return enrollmentRefused(reason, { details });
  };
  if (!req.enrollmentToken) throw await refuse('the request carries no enrollment token', {});
  const agentId = `agt_${newId(now)}`;
  // The request is checked before the token is spent, so a broken request keeps it usable.
  let cert;
  try {
    cert = await issueAgentCertificate(deps.ca, req.csrPem, agentId, deps.certValidityMs);
  } catch (err) {
    throw await refuse((err as Error).message, { agentId });
  }
  const used = await store.agentFleet.enrollmentTokens.consume(
    hashToken(req.enrollmentToken),
    agentId,
    now,
  );
  if (!used.ok) {
    throw await refuse(reasons[used.reason], {
      tokenId: used.token?.id ?? null,
      usedByAgent: used.token?.usedByAgent ?? null,
    });
  }
  const facts = (req.facts ?? {}) as unknown as Record<string, unknown>;
  await store.agentFleet.agents.create(
    {
      id: agentId,
      groupId: used.token.groupId,
      enrollmentTokenId: used.token.id,
      settings: used.token.settings,
      certificateSerial: cert.serial,
      certificateNotAfter: cert.notAfter,
      version: req.agentVersion,
      facts,
    },
    now,
  );
  await store.audit.append({
    at: now,
    actor: `agent:${agentId}`,
    action: 'agent.enrolled',
    subject: agentId,
    details: { icbId: used.token.icbId, hostname: facts.hostname ?? null, peer },
  });
  deps.log.info({ agentId, icbId: used.token.icbId, peer }, 'agent enrolled');
  return {
    agentId,
    certificatePem: cert.certPem,
    caCertificatePem: deps.ca.certPem,
    certificateNotAfterMs: cert.notAfter,
  };
}

export async function renewCertificate(
  deps: EnrollmentDeps,
  agentId: string,
  req: RenewCertificateRequest,
): Promise<RenewCertificateResponse> {
  const cert = await issueAgentCertificate(deps.ca, req.csrPem, agentId, deps.certValidityMs);
  const now = Date.now();
  await deps.store.agentFleet.agents.setCertificate(
    agentId,
    { serial: cert.serial, notAfter: cert.notAfter },
    now,
  );
  await deps.store.audit.append({
    at: now,
    actor: `agent:${agentId}`,
    action: 'agent.certificate-renewed',
    subject: agentId,
    details: { serial: cert.serial, notAfter: cert.notAfter },
  });
  return { certificatePem: cert.certPem, certificateNotAfterMs: cert.notAfter };
}

/**
 * Enroll (TLS port without client certificates) and RenewCertificate (mutual-TLS port).
 * A token is checked and consumed in one store write, so it enrolls exactly one agent;
 * every refusal is answered with ENROLLMENT_REFUSED naming the reason, and audited (one
 * row per peer address per minute with a count: anyone can send enrollments). Field sizes
 * are checked first, and a peer past its budget of refusals is turned away with
 * ENROLLMENT_THROTTLED before any work.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { enrollmentRefused, enrollmentThrottled } from '../../shared/errors';
import type {
  EnrollRequest,
  EnrollResponse,
  RenewCertificateRequest,
  RenewCertificateResponse,
} from '../../shared/proto/gen/keywarden/agent/v1/agent';
import { newId } from '../store/ids';
import type { Store } from '../store/store';
import { issueAgentCertificate, type CertificateAuthority } from './certificate-authority';
import {
  checkEnrollSizes,
  ENROLL_FIELD_LIMITS,
  peerAddress,
  type RefusalLimiter,
} from './enrollment-limits';
import { truncated, type WindowedAudit } from '../auth/windowed-audit';

export const hashToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

export interface EnrollmentDeps {
  store: Store;
  ca: CertificateAuthority;
  certValidityMs: number;
  log: Logger;
  refusals: WindowedAudit;
  limiter: RefusalLimiter;
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
  const addr = peerAddress(peer);
  const subject = truncated(req.icbId) || 'unknown-icb';
  const refuse = async (err: Error, details: Record<string, unknown>) => {
    deps.limiter.spend(addr, now);
    const first = await deps.refusals.record(`enroll:${addr}`, {
      at: now,
      actor: `agent-enrollment:${addr}`,
      action: 'agent.enrollment-refused',
      subject,
      details: { reason: err.message, peer, ...details },
    });
    // Repeats within the audit window are logged at debug: a flood must not fill the log.
    deps.log[first ? 'warn' : 'debug'](
      { peer, icbId: subject, reason: err.message },
      'agent enrollment refused',
    );
    return err;
  };
  const waitMs = deps.limiter.blockedFor(addr, now);
  if (waitMs > 0) {
    // Counted in the peer's audit row, but nothing else is done for it.
    const err = enrollmentThrottled(
      `too many refused enrollments from ${addr}: retry in ${Math.ceil(waitMs / 1000)} s with a valid ICB`,
      { details: { peer: addr, retryInMs: waitMs } },
    );
    await deps.refusals.record(`enroll:${addr}`, {
      at: now,
      actor: `agent-enrollment:${addr}`,
      action: 'agent.enrollment-refused',
      subject,
      details: { reason: 'throttled: too many refused enrollments', peer },
    });
    throw err;
  }
  const tooLarge = checkEnrollSizes(req);
  if (tooLarge) throw await refuse(tooLarge, {});
  if (!req.enrollmentToken)
    throw await refuse(enrollmentRefused('the request carries no enrollment token'), {});
  const agentId = `agt_${newId(now)}`;
  // The request is checked before the token is spent, so a broken request keeps it usable.
  let cert;
  try {
    cert = await issueAgentCertificate(deps.ca, req.csrPem, agentId, deps.certValidityMs);
  } catch (err) {
    throw await refuse(err as Error, { agentId });
  }
  const used = await store.agentFleet.enrollmentTokens.consume(
    hashToken(req.enrollmentToken),
    agentId,
    now,
  );
  if (!used.ok) {
    const details = {
      tokenId: used.token?.id ?? null,
      usedByAgent: used.token?.usedByAgent ?? null,
    };
    throw await refuse(enrollmentRefused(reasons[used.reason], { details }), details);
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
  if (req.csrPem.length > ENROLL_FIELD_LIMITS.csrPem)
    throw enrollmentRefused(
      `the renewal request field csrPem is too large: ${req.csrPem.length} characters, at most ${ENROLL_FIELD_LIMITS.csrPem} accepted`,
      { details: { field: 'csrPem', size: req.csrPem.length, max: ENROLL_FIELD_LIMITS.csrPem } },
    );
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

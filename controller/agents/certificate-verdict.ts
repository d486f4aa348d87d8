/**
 * Whether a verified client certificate still speaks for its agent: the agent is not
 * revoked, and the certificate is its current one, or the one its last renewal replaced
 * while the grace lasts (an agent mid-renewal still holds a stream, or a call in flight,
 * made with the old one). Anything else the CA signed for the agent (an older
 * certificate, a copy of a replaced key) is refused, though it has not expired.
 */
import { agentRevoked, certificateSuperseded, type KeywardenError } from '../../shared/errors';
import type { AgentRecord } from '../store/agent-records';

export type CertificateVerdict =
  | {
      ok: true;
      /** When the certificate stops being accepted (null: while current). */ validUntil:
        number | null;
    }
  | { ok: false; error: KeywardenError };

/** Serials compare as numbers: Node prints them upper case, the CA library lower case. */
export const normalizeSerial = (s: string): string => s.toLowerCase().replace(/^0+(?=.)/, '');

export function judgeCertificate(
  agent: AgentRecord,
  serial: string,
  now: number,
  graceMs: number,
): CertificateVerdict {
  if (agent.revokedAt !== null) {
    return {
      ok: false,
      error: agentRevoked(
        `agent ${agent.id} was revoked at ${new Date(agent.revokedAt).toISOString()} (${agent.revokedReason ?? 'no reason given'}): enroll the host again with a new ICB if it should be managed`,
        { details: { agentId: agent.id, revokedAt: agent.revokedAt, revokedBy: agent.revokedBy } },
      ),
    };
  }
  const s = normalizeSerial(serial);
  if (s === normalizeSerial(agent.certificateSerial)) return { ok: true, validUntil: null };
  const supersededAt = agent.certificateSupersededAt;
  if (
    agent.previousCertificateSerial !== null &&
    supersededAt !== null &&
    s === normalizeSerial(agent.previousCertificateSerial)
  ) {
    const validUntil = supersededAt + graceMs;
    if (now <= validUntil) return { ok: true, validUntil };
    return {
      ok: false,
      error: certificateSuperseded(
        `the client certificate (serial ${s}) was replaced by a renewal at ${new Date(supersededAt).toISOString()} and its grace has passed: connect with the renewed certificate`,
        { details: { agentId: agent.id, serial: s, supersededAt } },
      ),
    };
  }
  return {
    ok: false,
    error: certificateSuperseded(
      `the client certificate (serial ${s}) is not the current certificate of agent ${agent.id}: it was replaced by renewals`,
      { details: { agentId: agent.id, serial: s } },
    ),
  };
}

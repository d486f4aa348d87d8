/**
 * What the enrollment port accepts from a caller it does not know yet: bounded fields
 * (checked before any work, the whole message is already bounded by the server's receive
 * limit), and a budget of refusals per peer address, so a peer guessing tokens or sending
 * garbage is cut off cheaply. The budget is a token bucket per address in this process
 * (grpc-js has no rate-limit plugin; a bucket is a few lines and needs no shared state,
 * since each controller guards its own port).
 */
import { enrollmentRefused } from '../../shared/errors';
import type { EnrollRequest } from '../../shared/proto/gen/keywarden/agent/v1/agent';

/** The enrollment server's gRPC receive limit: an honest request is a few KB. */
export const ENROLL_MAX_MESSAGE_BYTES = 64 * 1024;

/** Longest accepted value of each field (characters). */
export const ENROLL_FIELD_LIMITS = {
  icbId: 128,
  enrollmentToken: 256,
  csrPem: 16 * 1024,
  agentVersion: 128,
  'facts.hostname': 255,
  'facts.os': 256,
  'facts.osRelease': 256,
  'facts.arch': 64,
  'facts.sshProduct': 256,
  'facts.hostKeyFingerprint': 256,
  'facts.addresses': 64,
  'facts.addresses[]': 128,
} as const;

/** The first field of an enrollment request that is too large, as a refusal naming it. */
export function checkEnrollSizes(req: EnrollRequest): Error | null {
  const f = req.facts;
  const fields: Array<[keyof typeof ENROLL_FIELD_LIMITS, number]> = [
    ['icbId', req.icbId.length],
    ['enrollmentToken', req.enrollmentToken.length],
    ['csrPem', req.csrPem.length],
    ['agentVersion', req.agentVersion.length],
    ['facts.hostname', f?.hostname.length ?? 0],
    ['facts.os', f?.os.length ?? 0],
    ['facts.osRelease', f?.osRelease.length ?? 0],
    ['facts.arch', f?.arch.length ?? 0],
    ['facts.sshProduct', f?.sshProduct.length ?? 0],
    ['facts.hostKeyFingerprint', f?.hostKeyFingerprint.length ?? 0],
    ['facts.addresses', f?.addresses.length ?? 0],
    ['facts.addresses[]', Math.max(0, ...(f?.addresses ?? []).map((a) => a.length))],
  ];
  for (const [field, size] of fields) {
    const max = ENROLL_FIELD_LIMITS[field];
    if (size > max)
      return enrollmentRefused(
        `the enrollment request field ${field} is too large: ${size} ${field === 'facts.addresses' ? 'entries' : 'characters'}, at most ${max} accepted`,
        { details: { field, size, max } },
      );
  }
  return null;
}

/** The address part of a grpc-js peer ("ipv4:10.0.0.1:5000", "ipv6:[::1]:5000"). */
export function peerAddress(peer: string): string {
  const s = peer.replace(/^ipv[46]:/, '');
  if (s.startsWith('[')) return s.slice(1, Math.max(1, s.indexOf(']')));
  const colon = s.indexOf(':');
  // One colon: address and port. More: an IPv6 address without brackets, kept whole.
  return colon > 0 && colon === s.lastIndexOf(':') ? s.slice(0, colon) : s;
}

/** Refusals allowed per address in a burst, and how fast the allowance comes back. */
export interface RefusalBudget {
  burst: number;
  perMinute: number;
  /** Addresses remembered at most (the oldest are forgotten first). */
  maxAddresses: number;
}

export const DEFAULT_REFUSAL_BUDGET: RefusalBudget = {
  burst: 10,
  perMinute: 10,
  maxAddresses: 10_000,
};

export class RefusalLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly budget: RefusalBudget = DEFAULT_REFUSAL_BUDGET) {}

  private level(addr: string, now: number): number {
    const b = this.buckets.get(addr);
    if (!b) return this.budget.burst;
    const refill = ((now - b.at) / 60_000) * this.budget.perMinute;
    return Math.min(this.budget.burst, b.tokens + refill);
  }

  /** Milliseconds until `addr` may be refused again (0: it may try now). */
  blockedFor(addr: string, now: number): number {
    const level = this.level(addr, now);
    return level >= 1 ? 0 : Math.ceil(((1 - level) / this.budget.perMinute) * 60_000);
  }

  /** One refusal of `addr` spends one token. */
  spend(addr: string, now: number): void {
    const tokens = this.level(addr, now) - 1;
    // Re-inserted, so the map's order is least recently refused first.
    this.buckets.delete(addr);
    if (this.buckets.size >= this.budget.maxAddresses) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    this.buckets.set(addr, { tokens, at: now });
  }
}

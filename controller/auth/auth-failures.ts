/**
 * Failed API authentications (no token, an unknown or a revoked one): each is audited and
 * counted per client address by @fastify/rate-limit. A client over the limit gets 429 with
 * Retry-After for every request, a valid token included, until its window ends: were a
 * correct guess still let through, the limit would not slow guessing at all.
 *
 * The audit log keeps for good, so a flood must not grow it without bound: the failures
 * are audited per client address through windowed-audit.ts, like refused agents — the
 * first at once, the rest of the window as one row with their number and reasons.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { KeywardenError } from '../../shared/errors';
import { rateLimited } from '../../shared/errors';
import type { Store } from '../store/store';
import { WindowedAudit } from './windowed-audit';

export type AuthFailureReason =
  'missing-token' | 'unknown-token' | 'revoked-token' | 'rate-limited';

/** What @fastify/rate-limit's createRateLimit() answers for one counted request. */
export type CountFailure = (
  req: FastifyRequest,
) => Promise<{ isAllowed: true } | { isAllowed: false; isExceeded: boolean; ttl: number }>;

/** Beyond this many blocked clients, expired blocks are pruned before a new one is kept. */
const MAX_CLIENTS = 10_000;

export class AuthFailureGuard {
  private readonly blockedUntil = new Map<string, number>();
  private readonly audits: WindowedAudit;

  constructor(
    private readonly deps: {
      store: Pick<Store, 'audit'>;
      countFailure: CountFailure;
      windowMs: number;
      log: Logger;
      clock?: () => number;
    },
  ) {
    this.audits = new WindowedAudit(deps.store.audit, deps.log, {
      windowMs: deps.windowMs,
      maxKeys: MAX_CLIENTS,
    });
  }

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  /** Refuses (429) a client over the limit before its token is even looked up. */
  refuseIfBlocked(req: FastifyRequest, reply: FastifyReply): void {
    const until = this.blockedUntil.get(req.ip);
    if (until === undefined) return;
    const left = until - this.now();
    if (left <= 0) {
      this.blockedUntil.delete(req.ip);
      return;
    }
    this.audit(req, 'rate-limited');
    throw tooMany(req.ip, left, reply);
  }

  /**
   * Records a failed authentication and answers with `error` (401), or with 429 once the
   * client has failed more often than the limit in the window.
   */
  async fail(
    req: FastifyRequest,
    reply: FastifyReply,
    reason: AuthFailureReason,
    error: KeywardenError,
  ): Promise<never> {
    this.audit(req, reason);
    const counted = await this.deps.countFailure(req);
    if (!counted.isAllowed && counted.isExceeded) {
      if (this.blockedUntil.size >= MAX_CLIENTS) this.pruneBlocked();
      this.blockedUntil.set(req.ip, this.now() + counted.ttl);
      throw tooMany(req.ip, counted.ttl, reply);
    }
    throw error;
  }

  private audit(req: FastifyRequest, reason: AuthFailureReason): void {
    // Not awaited: a refused request is answered at once, the row follows.
    void this.audits.record(req.ip, {
      at: this.now(),
      actor: `client:${req.ip}`,
      action: 'auth.failed',
      subject: req.ip,
      // The path without its query; never the token that was presented.
      details: { reason, method: req.method, path: req.url.split('?')[0] },
    });
  }

  private pruneBlocked(): void {
    const now = this.now();
    for (const [ip, until] of this.blockedUntil) if (until <= now) this.blockedUntil.delete(ip);
  }

  async stop(): Promise<void> {
    this.blockedUntil.clear();
    await this.audits.stop();
  }
}

function tooMany(ip: string, ms: number, reply: FastifyReply): KeywardenError {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  void reply.header('retry-after', String(seconds));
  return rateLimited(`too many failed authentications from ${ip}: retry in ${seconds} s`, {
    details: { retryAfterSeconds: seconds },
  });
}

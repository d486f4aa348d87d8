/**
 * Failed API authentications (no token, an unknown or a revoked one): each is audited and
 * counted per client address by @fastify/rate-limit. A client over the limit gets 429 with
 * Retry-After for every request, a valid token included, until its window ends: were a
 * correct guess still let through, the limit would not slow guessing at all.
 *
 * The audit log keeps for good, so a flood must not grow it without bound: the first
 * failure of a client in a window is written at once (the attack is visible at once), the
 * rest of that window as one row with their count when it ends.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { KeywardenError } from '../../shared/errors';
import { rateLimited } from '../../shared/errors';
import type { Store } from '../store/store';

export type AuthFailureReason =
  'missing-token' | 'unknown-token' | 'revoked-token' | 'rate-limited';

/** What @fastify/rate-limit's createRateLimit() answers for one counted request. */
export type CountFailure = (
  req: FastifyRequest,
) => Promise<{ isAllowed: true } | { isAllowed: false; isExceeded: boolean; ttl: number }>;

interface Window {
  start: number;
  /** Failures after the first (already written) one. */
  more: number;
  reasons: Partial<Record<AuthFailureReason, number>>;
}

/** Beyond this many clients in one window, the others share one row (address "*"). */
const MAX_CLIENTS = 10_000;

export class AuthFailureGuard {
  private readonly blockedUntil = new Map<string, number>();
  private readonly windows = new Map<string, Window>();
  private readonly timer: NodeJS.Timeout;
  private pending = Promise.resolve();

  constructor(
    private readonly o: {
      store: Pick<Store, 'audit'>;
      countFailure: CountFailure;
      windowMs: number;
      log: Logger;
      clock?: () => number;
    },
  ) {
    this.timer = setInterval(() => this.flush(false), Math.max(1000, o.windowMs / 4));
    this.timer.unref();
  }

  private now(): number {
    return (this.o.clock ?? Date.now)();
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
    const counted = await this.o.countFailure(req);
    if (!counted.isAllowed && counted.isExceeded) {
      if (this.blockedUntil.size >= MAX_CLIENTS) this.pruneBlocked();
      this.blockedUntil.set(req.ip, this.now() + counted.ttl);
      throw tooMany(req.ip, counted.ttl, reply);
    }
    throw error;
  }

  private audit(req: FastifyRequest, reason: AuthFailureReason): void {
    const now = this.now();
    const ip = this.windows.has(req.ip) || this.windows.size < MAX_CLIENTS ? req.ip : '*';
    const w = this.windows.get(ip);
    if (w && now - w.start < this.o.windowMs) {
      w.more++;
      w.reasons[reason] = (w.reasons[reason] ?? 0) + 1;
      return;
    }
    if (w) this.writeSummary(ip, w);
    this.windows.set(ip, { start: now, more: 0, reasons: {} });
    this.append({
      at: now,
      actor: `client:${ip}`,
      action: 'auth.failed',
      subject: ip,
      // The path without its query; never the token that was presented.
      details: { reason, method: req.method, path: req.url.split('?')[0], count: 1 },
    });
  }

  private writeSummary(ip: string, w: Window): void {
    if (w.more === 0) return;
    this.append({
      at: this.now(),
      actor: `client:${ip}`,
      action: 'auth.failed',
      subject: ip,
      details: {
        count: w.more,
        reasons: w.reasons,
        from: w.start,
        windowMs: this.o.windowMs,
        summary: 'further failures of this client in the window that started at "from"',
      },
    });
  }

  private append(entry: Parameters<Store['audit']['append']>[0]): void {
    this.pending = this.pending
      .then(() => this.o.store.audit.append(entry))
      .then(
        () => undefined,
        (err: unknown) => this.o.log.error({ err }, 'auditing a failed authentication failed'),
      );
  }

  /** Writes the counts of ended windows (all of them when `all`). */
  flush(all: boolean): Promise<void> {
    const now = this.now();
    for (const [ip, w] of this.windows) {
      if (!all && now - w.start < this.o.windowMs) continue;
      this.writeSummary(ip, w);
      this.windows.delete(ip);
    }
    this.pruneBlocked();
    return this.pending;
  }

  private pruneBlocked(): void {
    const now = this.now();
    for (const [ip, until] of this.blockedUntil) if (until <= now) this.blockedUntil.delete(ip);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(true);
  }
}

function tooMany(ip: string, ms: number, reply: FastifyReply): KeywardenError {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  void reply.header('retry-after', String(seconds));
  return rateLimited(`too many failed authentications from ${ip}: retry in ${seconds} s`, {
    details: { retryAfterSeconds: seconds },
  });
}

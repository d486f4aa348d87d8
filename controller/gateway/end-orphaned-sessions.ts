/**
 * Ends the open sessions whose holding process stopped heartbeating (killed, crashed, its
 * machine gone): what the Session finalizer (live ones: `abandoned`) and the Failed session
 * finalizer (never connected: `failed`) do. The end time is the last heartbeat, the last
 * moment the session is known to have been alive; the ephemeral key's removal is queued
 * (its expiry has already refused it on the host if the controller was down long enough).
 */
import type { JobContext } from '../engine/job-definition';
import type { SessionRecord, SessionState } from '../store/session-records';
import { HEARTBEAT_MS } from './heartbeat';
import { removeAuthorization } from '../jobs/remove-authorization';
import { sessionLogConverter } from '../jobs/session-log-converter';

/** Six missed heartbeats: a loaded controller is late, not dead. */
export const SESSION_STALE_MS = 6 * HEARTBEAT_MS;

export async function endOrphanedSessions(
  ctx: Pick<JobContext, 'store' | 'now' | 'enqueue' | 'log'>,
  from: 'live' | 'connecting',
  to: SessionState,
  reason: (s: SessionRecord) => string,
): Promise<{ ended: string[]; keysRevoked: number }> {
  const now = ctx.now();
  const ended: string[] = [];
  let keysRevoked = 0;
  let after: string | undefined;
  for (;;) {
    const page = await ctx.store.sessions.list(
      { state: [from], lastSeenBefore: now - SESSION_STALE_MS },
      { limit: 200, ...(after ? { after } : {}) },
    );
    for (const s of page.items) {
      const closed = await ctx.store.sessions.update(s.id, [from], {
        state: to,
        reason: reason(s),
        endedAt: s.lastSeenAt,
      });
      if (!closed) continue;
      ended.push(s.id);
      await ctx.store.audit.append({
        at: now,
        actor: 'system',
        action: 'session.end',
        subject: s.id,
        details: { state: to, reason: closed.reason, hostId: s.hostId, account: s.account },
      });
      // What was recorded until the controller died is converted, indexed and scored too.
      if (closed.recordingPath && closed.connectedAt !== null)
        await ctx.enqueue({
          type: sessionLogConverter.type,
          params: { sessionId: s.id },
          dedupeKey: `session-log-converter:${s.id}`,
        });
      if (s.authorizationId) {
        const auth = await ctx.store.authorizations.get(s.authorizationId);
        if (auth?.state === 'active') {
          await ctx.enqueue({
            type: removeAuthorization.type,
            params: { authorizationId: s.authorizationId },
            dedupeKey: `gateway-revoke:${s.authorizationId}`,
          });
          keysRevoked++;
        }
      }
    }
    if (!page.nextCursor) break;
    after = page.nextCursor;
  }
  return { ended, keysRevoked };
}

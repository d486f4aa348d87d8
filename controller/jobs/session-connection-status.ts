import { localGateway } from '../gateway/local-gateway';
import { defineInternalRobot } from './define-internal-robot';

/**
 * The seed's connection status: the proxy sessions dashboard. Each run lists the open
 * sessions of every controller (who, where, from, since, bytes; the API's
 * GET /api/v1/sessions?state=live shows the same at any moment) as its result, and ends the
 * sessions of this controller an admin asked to terminate that its gateway has not ended
 * yet (the gateway's own heartbeat does it within seconds; this is the backstop).
 */
export const sessionConnectionStatus = defineInternalRobot({
  type: 'session-connection-status',
  describe: 'Updates the live gateway sessions dashboard and applies terminate requests',
  intervalMs: 30_000,
  timeoutMs: 2 * 60_000,
  async run(ctx) {
    const page = await ctx.store.sessions.list({ state: ['connecting', 'live'] }, { limit: 500 });
    const gateway = localGateway();
    let terminated = 0;
    for (const s of page.items) {
      if (s.terminateRequestedAt === null) continue;
      const live = gateway?.get(s.id);
      if (!live) continue;
      await live.terminate(
        s.terminateRequestedBy ?? 'admin',
        `the session was terminated by ${s.terminateRequestedBy ?? 'an admin'}`,
      );
      terminated++;
    }
    const now = ctx.now();
    return {
      live: page.items.filter((s) => s.state === 'live').length,
      connecting: page.items.filter((s) => s.state === 'connecting').length,
      terminated,
      sessions: page.items.slice(0, 100).map((s) => ({
        id: s.id,
        person: s.personUid,
        target: s.target,
        from: s.fromAddress,
        state: s.state,
        since: s.connectedAt ?? s.startedAt,
        forSeconds: Math.round((now - (s.connectedAt ?? s.startedAt)) / 1000),
        bytesOut: s.bytesOut,
        bytesIn: s.bytesIn,
        controllerId: s.controllerId,
      })),
    };
  },
});

import { endOrphanedSessions } from '../gateway/end-orphaned-sessions';
import { purgeRecordings } from '../gateway/purge-recordings';
import { defineInternalRobot } from './define-internal-robot';

/**
 * The seed's Session finalizer: gateway sessions that were live when their controller
 * stopped heartbeating (killed mid-session, crashed) get their end time (the last
 * heartbeat) and the state `abandoned`, and their ephemeral key's removal is queued. It
 * also deletes the recordings past their retention (KEYWARDEN_GATEWAY_RECORDING_RETENTION).
 */
export const sessionFinalizer = defineInternalRobot({
  type: 'session-finalizer',
  describe: 'Ends gateway sessions whose controller stopped mid-session; purges old recordings',
  intervalMs: 60_000,
  timeoutMs: 10 * 60_000,
  async run(ctx) {
    const { ended, keysRevoked } = await endOrphanedSessions(
      ctx,
      'live',
      'abandoned',
      (s) =>
        `the controller holding the session (${s.controllerId}) stopped: last heartbeat ${new Date(s.lastSeenAt).toISOString()}`,
    );
    const recordingsPurged = await purgeRecordings(ctx);
    return {
      abandoned: ended.length,
      sessions: ended.slice(0, 100),
      keysRevoked,
      recordingsPurged,
    };
  },
});

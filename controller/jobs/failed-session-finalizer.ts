import { endOrphanedSessions } from '../gateway/end-orphaned-sessions';
import { defineInternalRobot } from './define-internal-robot';

/**
 * The seed's Failed session finalizer: gateway sessions that never connected and whose
 * controller stopped while they were being opened (placing the key, logging in) are
 * recorded as `failed` with the reason. Attempts that fail while the controller runs
 * (refused, key not placed, login refused) are recorded failed at once by the gateway.
 */
export const failedSessionFinalizer = defineInternalRobot({
  type: 'failed-session-finalizer',
  describe: 'Records gateway sessions that never connected before their controller stopped',
  intervalMs: 60_000,
  timeoutMs: 10 * 60_000,
  async run(ctx) {
    const { ended, keysRevoked } = await endOrphanedSessions(
      ctx,
      'connecting',
      'failed',
      (s) =>
        `never connected: the controller opening the session (${s.controllerId}) stopped first (last heartbeat ${new Date(s.lastSeenAt).toISOString()})`,
    );
    return { failed: ended.length, sessions: ended.slice(0, 100), keysRevoked };
  },
});

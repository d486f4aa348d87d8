/** When an agent should connect next: stream agents stay connected, periodic ones return later. */
import type { AgentSettingsRecord } from '../store/agent-records';

export function planNextConnection(
  settings: AgentSettingsRecord,
  now: number,
): { atMs: number; disconnectWhenDrained: boolean } {
  if (settings.mode === 'periodic') {
    return { atMs: now + settings.connectIntervalMs, disconnectWhenDrained: true };
  }
  // A stream agent that loses its stream reconnects at once (with backoff); "now" says so.
  return { atMs: now, disconnectWhenDrained: false };
}

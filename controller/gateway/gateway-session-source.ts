/**
 * The session gateway's sessions as the text pipeline reads them (its SessionSource):
 * metadata from the `sessions` repository (the person's uid, the host's name from the
 * inventory) and the recording files under the data directory (fetched from the store
 * first when another controller recorded the session, shared-recordings.ts).
 */
import path from 'node:path';
import type { SessionSourceFactory } from '../sessions/text/session-source';
import { localRecording } from './shared-recordings';

export const gatewaySessionSource: SessionSourceFactory = ({ store, config }) => ({
  async recording(sessionId) {
    const s = await store.sessions.get(sessionId);
    if (!s?.recordingPath) return null;
    // The job may run on another controller than the one that recorded the session.
    const deps = { store, dataDir: config.dataDir };
    return {
      output:
        (await localRecording(deps, s.recordingPath)) ?? path.join(config.dataDir, s.recordingPath),
      input: s.inputPath
        ? ((await localRecording(deps, s.inputPath)) ?? path.join(config.dataDir, s.inputPath))
        : null,
    };
  },
  async metadata(sessionId) {
    const s = await store.sessions.get(sessionId);
    if (!s) return null;
    const host = s.hostId ? await store.hosts.get(s.hostId) : null;
    return {
      sessionId: s.id,
      hostId: s.hostId,
      hostName: host?.name ?? s.hostId,
      account: s.account,
      person: s.personUid,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
    };
  },
});

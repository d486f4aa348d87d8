/**
 * From a session's recording files to its readable log: read (bounded), then replay the
 * output through a terminal emulator and split it into commands.
 */
import { DEFAULT_RECORDING_LIMITS, readRecording, type RecordingFiles } from './asciicast';
import type { RecordingLimits } from './asciicast';
import { DEFAULT_REPLAY_LIMITS, replayCommands, type ReplayLimits } from './replay-commands';
import type { SessionLog } from './session-log';

export async function convertRecording(
  files: RecordingFiles,
  opts: {
    /** Epoch ms the session started, used when the recording's header has no timestamp. */
    startedAt: number;
    recordingLimits?: RecordingLimits;
    replayLimits?: ReplayLimits;
  },
): Promise<SessionLog> {
  const rec = await readRecording(files, opts.recordingLimits ?? DEFAULT_RECORDING_LIMITS);
  const startMs = rec.timestamp > 0 ? Math.round(rec.timestamp * 1000) : opts.startedAt;
  return replayCommands(rec, startMs, opts.replayLimits ?? DEFAULT_REPLAY_LIMITS);
}

/**
 * Retention of recordings: the files of sessions that started before the retention period
 * are deleted; the session record stays (who, where, when, how many bytes), with its
 * recording paths cleared so the API says the recording is gone rather than failing to read it.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { JobContext } from '../engine/job-definition';

const ENDED = ['ended', 'terminated', 'failed', 'abandoned'] as const;

export async function purgeRecordings(
  ctx: Pick<JobContext, 'store' | 'now' | 'config'>,
): Promise<number> {
  const before = ctx.now() - ctx.config.gatewayRecordingRetentionMs;
  let purged = 0;
  let after: string | undefined;
  for (;;) {
    const page = await ctx.store.sessions.list(
      { state: [...ENDED], startedUntil: before },
      { limit: 500, ...(after ? { after } : {}) },
    );
    for (const s of page.items) {
      if (!s.recordingPath && !s.inputPath) continue;
      for (const rel of [s.recordingPath, s.inputPath]) {
        if (!rel) continue;
        await rm(path.join(ctx.config.dataDir, rel), { force: true });
        await ctx.store.sessionRecordings?.remove(rel);
      }
      await ctx.store.sessions.update(s.id, ENDED, { recordingPath: null, inputPath: null });
      // The readable log and the index hold the same text: they go with the recording.
      await ctx.store.sessionTexts.remove(s.id);
      purged++;
    }
    if (!page.nextCursor) break;
    after = page.nextCursor;
  }
  return purged;
}

import { Type } from '@sinclair/typebox';
import { conflict, notFound } from '../../shared/errors';
import { defineJob } from '../engine/job-definition';
import { boundLog } from '../sessions/text/bound-log';
import { convertRecording } from '../sessions/text/convert-recording';
import { sessionSourceFor } from '../sessions/text/session-source';

/**
 * The seed's "Session gateway: log converter" (with "log processing" and "input log"): a
 * finished session's recording becomes its readable log, commands with their output and
 * times, reconstructed from the terminal stream. Queued by the gateway when a session
 * ends (or by an admin to convert one again); it queues the indexer and the command audit.
 */
export const sessionLogConverter = defineJob({
  type: 'session-log-converter',
  describe: "Convert a finished session's recording into its readable log of commands",
  params: Type.Object(
    { sessionId: Type.String({ minLength: 1, maxLength: 200 }) },
    { additionalProperties: false },
  ),
  runsOn: 'controller',
  timeoutMs: 30 * 60_000,
  adminTriggerable: true,
  // Replaying a recording is CPU work: two at a time leave the rest of the engine room.
  robot: { instances: 2, intervalMs: null },
  idempotent: true,
  async run(params, ctx) {
    const source = sessionSourceFor(ctx);
    const session = await source.metadata(params.sessionId);
    if (!session) throw notFound(`session ${params.sessionId} does not exist`);
    if (session.endedAt === null)
      throw conflict(`session ${params.sessionId} is live: it is converted when it ends`);
    const files = await source.recording(params.sessionId);
    if (!files) throw notFound(`session ${params.sessionId} has no recording`);
    const log = boundLog(await convertRecording(files, { startedAt: session.startedAt }));
    ctx.signal.throwIfAborted();
    await ctx.store.sessionTexts.putLog(session, log, ctx.now());
    const next = { params: { sessionId: session.sessionId }, trigger: 'event' as const };
    await ctx.enqueue({
      type: 'session-texts-indexer',
      ...next,
      dedupeKey: `session-texts-indexer:${session.sessionId}`,
    });
    await ctx.enqueue({
      type: 'command-audit',
      ...next,
      dedupeKey: `command-audit:${session.sessionId}`,
    });
    return {
      sessionId: session.sessionId,
      commands: log.commands.filter((c) => c.command !== '').length,
      truncated: log.commands.filter((c) => c.truncated).length,
      outputBytes: log.outputBytes,
      inputBytes: log.inputBytes,
    };
  },
});

import { Type } from '@sinclair/typebox';
import { notFound } from '../../shared/errors';
import { defineJob } from '../engine/job-definition';
import { indexedText } from '../store/session-text-search';

/**
 * The seed's "Session texts indexer": every text a converted session showed (command
 * lines, output, full-screen views) is made searchable across all recorded sessions.
 * Queued by session-log-converter; indexing again replaces the session's entries.
 */
export const sessionTextsIndexer = defineJob({
  type: 'session-texts-indexer',
  describe: "Make a converted session's commands and their text searchable",
  params: Type.Object(
    { sessionId: Type.String({ minLength: 1, maxLength: 200 }) },
    { additionalProperties: false },
  ),
  runsOn: 'controller',
  timeoutMs: 10 * 60_000,
  adminTriggerable: true,
  robot: { instances: 2, intervalMs: null },
  idempotent: true,
  async run(params, ctx) {
    const rec = await ctx.store.sessionTexts.get(params.sessionId);
    if (!rec) throw notFound(`session ${params.sessionId} has no readable log: convert it first`);
    const commands = rec.log.commands.map((c) => ({
      seq: c.seq,
      command: c.command,
      text: indexedText(c.output, c.screens),
      startedAt: c.startedAt,
    }));
    await ctx.store.sessionTexts.index(rec.session, commands, ctx.now());
    return { sessionId: params.sessionId, commands: commands.length };
  },
});

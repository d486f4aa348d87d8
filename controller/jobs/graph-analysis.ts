import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { analyseAccessGraph } from '../access/graph/build-access-graph';

/**
 * Builds the access graph from the inventory (keys, accounts, hosts; "opens" and
 * "stored in" edges, with their history) and stores it as a snapshot that the access
 * queries load instead of rebuilding it (docs/access-graph.md). Runs hourly as a robot and
 * whenever an admin starts it; the newest `keep` snapshots are kept.
 */
export const graphAnalysis = defineJob({
  type: 'graph-analysis',
  describe: 'Build and store the access graph (who can reach what, directly or through keys)',
  params: Type.Object(
    { keep: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })) },
    { additionalProperties: false },
  ),
  runsOn: 'controller',
  timeoutMs: 30 * 60_000,
  retry: { maxAttempts: 2, baseDelayMs: 30_000, maxDelayMs: 60_000 },
  singleton: true,
  adminTriggerable: true,
  idempotent: true,
  robot: { instances: 1, intervalMs: 3_600_000 },
  async run(params, ctx) {
    const started = ctx.now();
    const { meta, phases } = await analyseAccessGraph(ctx.store.accessGraph, {
      now: started,
      jobId: ctx.job.id,
      keep: params.keep ?? 2,
      // A cancel or timeout stops the read at the next progress report (every ~100k rows).
      onProgress: async (p) => {
        ctx.signal.throwIfAborted();
        await ctx.heartbeat(p);
      },
    });
    return { snapshotId: meta.id, ...meta.stats, bytes: meta.bytes, ...phases };
  },
});

import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { ListingWriter, removeOldListings } from '../listings/listing-file';
import { LISTING_OBJECTS, LISTING_SOURCES, ListingFilter } from '../listings/listing-sources';

/**
 * Gathers object data for a command-line `list` run in batch mode (POST /api/v1/listings)
 * into a CSV or JSON file that GET /api/v1/jobs/:id/file downloads: read a page at a time,
 * written as it is read, at most listingMaxRows rows, progress as rows written. Not
 * startable through POST /api/v1/jobs: the listings route checks that the caller may read
 * what is listed.
 */
export const listingJob = defineJob({
  type: 'listing-job',
  describe: 'Write a batch listing (hosts, keys, key usage, tokens) to a CSV or JSON file',
  params: Type.Object(
    {
      object: Type.Union(LISTING_OBJECTS.map((o) => Type.Literal(o))),
      format: Type.Union([Type.Literal('csv'), Type.Literal('json')]),
      filter: ListingFilter,
    },
    { additionalProperties: false },
  ),
  runsOn: 'controller',
  timeoutMs: 60 * 60_000,
  retry: { maxAttempts: 2, baseDelayMs: 5_000, maxDelayMs: 30_000 },
  // A second run writes the same file again from the start.
  idempotent: true,
  async run(params, ctx) {
    const { dataDir, listingMaxRows, listingRetentionMs } = ctx.config;
    await removeOldListings(dataDir, listingRetentionMs, ctx.now());
    const source = LISTING_SOURCES[params.object];
    const out = await ListingWriter.open(dataDir, ctx.job.id, params.format, source.columns);
    let truncated = false;
    try {
      let after: string | undefined;
      do {
        ctx.signal.throwIfAborted();
        const page = await source.page(ctx.store, params.filter, after);
        for (const row of page.rows) {
          if (out.count >= listingMaxRows) {
            truncated = true;
            break;
          }
          await out.add(row);
        }
        await ctx.heartbeat({ rows: out.count });
        after = page.next ?? undefined;
      } while (after && !truncated);
    } catch (err) {
      await out.abandon();
      throw err;
    }
    const bytes = await out.finish();
    return { object: params.object, format: params.format, rows: out.count, bytes, truncated };
  },
});

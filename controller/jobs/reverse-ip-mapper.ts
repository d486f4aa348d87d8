import { Type } from '@sinclair/typebox';
import { defineJob } from '../engine/job-definition';
import { reverseLookupAll } from '../reverse-dns/reverse-lookup';

/**
 * Associates DNS names with source addresses of key activity: looks each address up (the
 * servers, time limit per lookup and per run, and cache lifetimes are settings: see
 * docs/reports.md) and stores the answer, a missing name too. Queued by
 * internal-reverse-ip-mapper for the addresses that are due, or by an admin for given ones.
 * Addresses not reached before the run's limit are left for the next run.
 */
export const reverseIpMapper = defineJob({
  type: 'reverse-ip-mapper',
  describe: 'Look up DNS names of key-activity source addresses and cache them',
  params: Type.Object(
    {
      addresses: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        minItems: 1,
        maxItems: 500,
        uniqueItems: true,
      }),
    },
    { additionalProperties: false },
  ),
  runsOn: 'controller',
  timeoutMs: 30 * 60_000,
  retry: { maxAttempts: 2, baseDelayMs: 10_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    const c = ctx.config;
    const run = await reverseLookupAll(
      params.addresses,
      {
        servers: c.reverseDnsServers ?? [],
        lookupTimeoutMs: c.reverseDnsTimeoutMs,
        ttlMs: c.reverseDnsTtlMs,
        negativeTtlMs: c.reverseDnsNegativeTtlMs,
      },
      ctx.now() + c.reverseDnsRunLimitMs,
      ctx.now,
      ctx.signal,
    );
    await ctx.store.reverseDns.put(run.records);
    return {
      lookedUp: run.records.length,
      named: run.records.filter((r) => r.name !== null).length,
      failed: Object.fromEntries(
        Object.entries(
          run.records.reduce<Record<string, number>>((m, r) => {
            if (r.error) m[r.error] = (m[r.error] ?? 0) + 1;
            return m;
          }, {}),
        ),
      ),
      left: run.left.length,
      skipped: run.skipped,
    };
  },
});

import { Type } from '@sinclair/typebox';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineJob, withDefault } from '../../engine/job-definition';

/** Fixture (tests and benchmarks): waits, honouring cancellation; 0 ms is a no-op job. */
export const testSleep = defineJob({
  type: 'test-sleep',
  describe: 'Test fixture: sleeps for ms milliseconds',
  params: Type.Object({ ms: withDefault(Type.Integer({ minimum: 0 }), 0) }),
  runsOn: 'controller',
  timeoutMs: 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    if (params.ms > 0) await sleep(params.ms, undefined, { signal: ctx.signal });
    return { slept: params.ms };
  },
});

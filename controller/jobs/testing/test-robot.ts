import { Type } from '@sinclair/typebox';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineJob, withDefault } from '../../engine/job-definition';

/** Fixture (tests): a robot with 2 instances and no interval, whose jobs sleep, to watch limits hold. */
export const testRobot = defineJob({
  type: 'test-robot',
  describe: 'Test fixture: a robot whose jobs sleep for ms milliseconds',
  params: Type.Object({ ms: withDefault(Type.Integer({ minimum: 0 }), 0) }),
  runsOn: 'controller',
  timeoutMs: 60_000,
  retry: { maxAttempts: 1, baseDelayMs: 100, maxDelayMs: 100 },
  adminTriggerable: true,
  idempotent: true,
  robot: { instances: 2, intervalMs: null },
  async run(params, ctx) {
    if (params.ms > 0) await sleep(params.ms, undefined, { signal: ctx.signal });
    return { slept: params.ms };
  },
});

import { Type } from '@sinclair/typebox';
import { defineJob } from '../../engine/job-definition';

/** Fixture (agent tests and bench:fleet): runs one named host operation on the job's host. */
export const testHostOperation = defineJob({
  type: 'test-host-operation',
  describe: 'Test fixture: runs a host operation on the target host and returns its result',
  params: Type.Object({
    operation: Type.String({ minLength: 1 }),
    args: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
  runsOn: 'host',
  timeoutMs: 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 1000 },
  idempotent: true,
  async run(params, ctx) {
    return ctx.runOnHost(params.operation, params.args ?? {});
  },
});

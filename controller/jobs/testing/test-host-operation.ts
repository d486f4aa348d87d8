import { Type } from '@sinclair/typebox';
import { defineJob, type JobContext } from '../../engine/job-definition';

/** Any name: the fixture takes it at run time, and the host router refuses an unknown one. */
type AnyHostOperation = Parameters<JobContext['runOnHost']>[0];

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
    return ctx.runOnHost(params.operation as AnyHostOperation, (params.args ?? {}) as never);
  },
});

import { Type } from '@sinclair/typebox';
import { KeywardenError } from '../../../shared/errors';
import { defineJob, withDefault } from '../../engine/job-definition';

/** Fixture: fails its first `failures` attempts (retryable or not), then succeeds. */
export const testFlaky = defineJob({
  type: 'test-flaky',
  describe: 'Test fixture: fails a given number of attempts',
  params: Type.Object({
    failures: Type.Integer({ minimum: 0 }),
    retryable: withDefault(Type.Boolean(), true),
  }),
  runsOn: 'controller',
  timeoutMs: 10_000,
  retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    if (ctx.job.attempts <= params.failures) {
      // The fixture chooses retryable per call; the table's default is retryable.
      throw new KeywardenError('TEST_FLAKY', `attempt ${ctx.job.attempts} fails on purpose`, {
        retryable: params.retryable,
      });
    }
    return { succeededOnAttempt: ctx.job.attempts };
  },
});

import { Type } from '@sinclair/typebox';
import { defineJob, withDefault } from '../../engine/job-definition';

/**
 * Fixture: a parent with one test-flaky child per entry of `children` (its failure count),
 * and one nested test-parent per entry of `nested` (that child's own children).
 */
export const testParent = defineJob({
  type: 'test-parent',
  describe: 'Test fixture: spawns children and ends when they have',
  params: Type.Object({
    children: Type.Array(Type.Integer({ minimum: 0 })),
    nested: withDefault(Type.Array(Type.Array(Type.Integer({ minimum: 0 }))), []),
  }),
  runsOn: 'controller',
  timeoutMs: 10_000,
  retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    return ctx.spawnChildren([
      ...params.children.map((failures) => ({
        type: 'test-flaky' as const,
        params: { failures, retryable: false },
      })),
      ...params.nested.map((children) => ({ type: 'test-parent' as const, params: { children } })),
    ]);
  },
});

import { Type, type TObject } from '@sinclair/typebox';
import {
  defineJob,
  type JobContext,
  type JobDefinition,
  type RetryPolicy,
} from '../engine/job-definition';

/**
 * The internal-* jobs of the catalogue share one shape: no params, run by the controller,
 * at most one at a time, startable by an admin, safe to run twice, and a robot with one
 * instance on an interval. Only what differs is given here.
 */
export function defineInternalRobot<const T extends string>(def: {
  type: T;
  describe: string;
  intervalMs: number;
  timeoutMs: number;
  retry?: RetryPolicy;
  /** The one robot that reclaims expired leases (see RobotDefaults.watchdog). */
  watchdog?: boolean;
  /** See RobotDefaults.firstRunAfterMs. */
  firstRunAfterMs?: number;
  run(ctx: JobContext): Promise<unknown>;
}): JobDefinition<TObject<Record<string, never>>, T> {
  return defineJob({
    type: def.type,
    describe: def.describe,
    params: Type.Object({}),
    runsOn: 'controller',
    timeoutMs: def.timeoutMs,
    retry: def.retry ?? { maxAttempts: 1, baseDelayMs: 1000, maxDelayMs: 1000 },
    singleton: true,
    adminTriggerable: true,
    idempotent: true,
    robot: {
      instances: 1,
      intervalMs: def.intervalMs,
      ...(def.watchdog ? { watchdog: true } : {}),
      ...(def.firstRunAfterMs ? { firstRunAfterMs: def.firstRunAfterMs } : {}),
    },
    run: (_params, ctx) => def.run(ctx),
  });
}

import { Type } from '@sinclair/typebox';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineJob, withDefault } from '../../engine/job-definition';

/**
 * Fixture for the crash test: appends "<key>\n" to a file once. It declares itself
 * idempotent because it checks the file first, so a job reclaimed after a crash
 * between its effect and its completion does not write the line twice.
 */
export const testEffect = defineJob({
  type: 'test-effect',
  describe: 'Test fixture: records an effect in a file, idempotently',
  params: Type.Object({
    file: Type.String({ minLength: 1 }),
    key: Type.String({ minLength: 1 }),
    ms: withDefault(Type.Integer({ minimum: 0 }), 0),
  }),
  runsOn: 'controller',
  timeoutMs: 60_000,
  retry: { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 500 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    if (params.ms > 0) await sleep(params.ms, undefined, { signal: ctx.signal });
    const seen = existsSync(params.file) ? readFileSync(params.file, 'utf8') : '';
    const already = seen.split('\n').includes(params.key);
    if (!already) appendFileSync(params.file, `${params.key}\n`);
    return { written: !already };
  },
});

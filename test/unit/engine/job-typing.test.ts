/**
 * Queuing a job is checked at compile time against the registry (JobTypes, filled in by
 * controller/jobs/registry.ts). The lines marked @ts-expect-error are the proof: `tsc
 * --noEmit` (part of `npm test`) fails if any of them compiles, that is if an unknown type
 * or wrong params could be queued from code again.
 */
import { Type } from '@sinclair/typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  defineJob,
  type ChildJob,
  type JobContext,
  type JobParams,
  type JobTypeName,
} from '../../../controller/engine/job-definition';
import { JobQueue, type EnqueueOptions } from '../../../controller/engine/job-queue';
import type { Store } from '../../../controller/store/store';
import { buildRegistry } from '../../../controller/jobs/registry';

const opts: EnqueueOptions = { createdBy: 'test', trigger: 'admin' };

/** Never called: only compiled. */
function queueCalls(queue: JobQueue) {
  // @ts-expect-error an unknown job type
  void queue.enqueue('no-such-type', {}, opts);
  // @ts-expect-error a required param left out (discover-agent-host needs agentId)
  void queue.enqueue('discover-agent-host', {}, opts);
  // @ts-expect-error a param of the wrong type
  void queue.enqueue('test-sleep', { ms: 'soon' }, opts);
  // @ts-expect-error a param the type does not declare
  void queue.enqueue('test-sleep', { ms: 1, msx: 2 }, opts);
  void queue.enqueueMany([
    { type: 'test-sleep', params: {}, opts },
    // @ts-expect-error params of another type
    { type: 'discover-agent-host', params: { ms: 1 }, opts },
  ]);
  // What compiles: the declared params, a field with a default left out.
  void queue.enqueue('discover-agent-host', { agentId: 'a1' }, opts);
  void queue.enqueue('test-flaky', { failures: 1 }, opts);
  // A type named at run time (a request) goes through the checked-when-queued path.
  void queue.enqueueByName('from-a-request', {}, opts);
}

/** Never called: only compiled. */
function contextCalls(ctx: JobContext) {
  // @ts-expect-error an unknown job type
  void ctx.enqueue({ type: 'no-such-type', params: {} });
  // @ts-expect-error discover spawning discover-agent-host without its agentId (issue 11)
  void ctx.spawnChildren([{ type: 'discover-agent-host', params: {}, hostId: 'h1' }]);
  void ctx.spawnChildren([
    { type: 'discover-agent-host', params: { agentId: 'a1' }, hostId: 'h1' },
    // @ts-expect-error one wrong child among right ones
    { type: 'test-sleep', params: { ms: 'x' } },
  ]);
  void ctx.enqueue({ type: 'scan-full', params: {}, hostId: 'h1', trigger: 'schedule' });
}

const onFirstHello = (type: string) =>
  defineJob({
    type,
    describe: 'fixture',
    params: Type.Object({ agentId: Type.String() }),
    runsOn: 'controller',
    timeoutMs: 1000,
    on: 'agent-without-host',
    run: async () => null,
  });

/** Never called: only compiled. */
function eventHandlers() {
  defineJob({
    type: 'wrong-handler',
    describe: 'fixture',
    params: Type.Object({ hostId: Type.String() }),
    runsOn: 'controller',
    timeoutMs: 1000,
    // @ts-expect-error an event's params ({ agentId }) must be params the type accepts
    on: 'agent-without-host',
    run: async () => null,
  });
}

describe('job typing', () => {
  it('finds the one type that handles an event, and refuses two', () => {
    const store = {} as Store;
    const queue = new JobQueue(store, { first: onFirstHello('first') });
    expect(queue.handlerOf('agent-without-host')).toBe('first');
    expect(queue.handlerOf('agent-connected')).toBeUndefined();
    expect(() => new JobQueue(store, { a: onFirstHello('a'), b: onFirstHello('b') })).toThrow(
      /agent-without-host is handled by both a and b/,
    );
    // The agent gateway's hellos reach the product's jobs through these two events.
    const product = new JobQueue(store, buildRegistry({ testJobTypes: false }));
    expect(product.handlerOf('agent-without-host')).toBe('discover-agent-host');
    expect(product.handlerOf('agent-connected')).toBe('handle-agent-host');
    expect(eventHandlers).toBeTypeOf('function');
  });

  it('knows every registered type and its params, and no other', () => {
    expectTypeOf<'scan-full'>().toExtend<JobTypeName>();
    expectTypeOf<'no-such-type'>().not.toExtend<JobTypeName>();
    expectTypeOf<JobParams<'discover-agent-host'>>().toEqualTypeOf<{ agentId: string }>();
    expectTypeOf<{ type: 'test-sleep'; params: { ms: number } }>().toExtend<ChildJob>();
    expectTypeOf<{ type: 'test-sleep'; params: { ms: string } }>().not.toExtend<ChildJob>();
    // The types the compiler knows are the types the registry registers.
    const registered = Object.keys(buildRegistry({ testJobTypes: true }));
    expect(registered).toContain('discover-agent-host');
    expect([queueCalls, contextCalls].every((f) => typeof f === 'function')).toBe(true);
  });
});

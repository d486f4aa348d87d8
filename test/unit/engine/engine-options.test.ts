import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../controller/config/load-config';
import { compileEngineOptions } from '../../../controller/engine/engine-options';
import { JobQueue } from '../../../controller/engine/job-queue';
import { buildRegistry } from '../../../controller/jobs/registry';
import type { Store } from '../../../controller/store/store';

// The options are compiled before any store call: an object that is never used will do.
const store = {} as Store;
const config = loadConfig({
  KEYWARDEN_DATA_DIR: '/nonexistent',
  KEYWARDEN_WORKER_CONCURRENCY: '12',
  KEYWARDEN_RESERVED_WORKERS: '4',
});
const queue = new JobQueue(store, buildRegistry({ testJobTypes: false }), Date.now);
const base = { config, store, queue, log: pino({ level: 'silent' }) };

describe('engine options', () => {
  it('take what a caller leaves out from the config, once, frozen', () => {
    const o = compileEngineOptions(base);
    expect(o).toMatchObject({
      concurrency: 12,
      claimBatch: config.claimBatch,
      leaseMs: config.leaseMs,
      pollIntervalMs: config.pollIntervalMs,
      heartbeatMs: config.workerHeartbeatMs,
      bulkWorkers: 8,
      hostRouter: null,
    });
    expect(o.types).toEqual(Object.keys(queue.registry));
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(o.types)).toBe(true);
    expect(() => {
      (o as { concurrency: number }).concurrency = 1;
    }).toThrow(TypeError);
  });

  it('keep one bulk worker when every worker is reserved', () => {
    expect(compileEngineOptions({ ...base, concurrency: 2, reservedWorkers: 5 }).bulkWorkers).toBe(
      1,
    );
  });

  it('refuse a value that cannot work, naming the option', () => {
    for (const [field, over] of [
      ['concurrency', { concurrency: 0 }],
      ['claimBatch', { claimBatch: 1.5 }],
      ['leaseMs', { leaseMs: Number.NaN }],
      ['reservedWorkers', { reservedWorkers: -1 }],
    ] as const) {
      expect(() => compileEngineOptions({ ...base, ...over }), field).toThrow(
        expect.objectContaining({
          code: 'INVALID_CONFIG',
          details: expect.objectContaining({ field }),
        }),
      );
    }
  });

  it('refuse job types nobody registered, so a typo is not an engine that never claims', () => {
    expect(() => compileEngineOptions({ ...base, types: ['scan-ful'] })).toThrow(/scan-ful/);
  });
});

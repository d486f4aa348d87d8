/**
 * The engine's options, compiled once before it starts (raw → defaults → checked → frozen,
 * as Temporal's worker options are): tuning a caller leaves out comes from the controller's
 * config, a value that cannot work stops the start with the option's name, and the engine
 * itself only reads a frozen object — no `??` defaults scattered through its hot paths.
 */
import type { Logger } from 'pino';
import { invalidConfig } from '../../shared/errors';
import { wholeNumberAtLeast } from '../config/option-checks';
import type { Config } from '../config/load-config';
import type { HostRouter } from '../hosts/host-driver';
import type { Store } from '../store/store';
import type { JobQueue } from './job-queue';

/** What a caller gives: the services, and any tuning that differs from the config's. */
export interface EngineOptionsInput {
  config: Config;
  store: Store;
  queue: JobQueue;
  log: Logger;
  /** Reaches the target host of host jobs; without one a host job fails saying so. */
  hostRouter?: HostRouter;
  /** Default: workerConcurrency. */
  concurrency?: number;
  /** Default: claimBatch. */
  claimBatch?: number;
  /** Default: leaseMs. */
  leaseMs?: number;
  /** Default: pollIntervalMs. */
  pollIntervalMs?: number;
  /** Default: workerHeartbeatMs. */
  heartbeatMs?: number;
  /** Job types this engine runs; default: every registered type. */
  types?: string[];
  /** Most jobs of one type running at once in this process (robot instances). */
  limitFor?: (type: string) => number;
  /** Workers kept from the bulk lane (default: reservedWorkers). */
  reservedWorkers?: number;
  clock?: () => number;
}

export interface EngineOptions {
  readonly config: Config;
  readonly store: Store;
  readonly queue: JobQueue;
  readonly log: Logger;
  readonly hostRouter: HostRouter | null;
  readonly concurrency: number;
  readonly claimBatch: number;
  readonly leaseMs: number;
  readonly pollIntervalMs: number;
  readonly heartbeatMs: number;
  readonly types: readonly string[];
  readonly limitFor: ((type: string) => number) | null;
  /** Most bulk-lane jobs running at once: all workers but the reserved ones, at least one. */
  readonly bulkWorkers: number;
  readonly clock: () => number;
}

const atLeastOne = (name: string, value: number) => wholeNumberAtLeast('engine', name, value, 1);

export function compileEngineOptions(input: EngineOptionsInput): EngineOptions {
  const { config } = input;
  const concurrency = atLeastOne('concurrency', input.concurrency ?? config.workerConcurrency);
  const reserved = input.reservedWorkers ?? config.reservedWorkers;
  wholeNumberAtLeast('engine', 'reservedWorkers', reserved, 0);
  const known = new Set(Object.keys(input.queue.registry));
  const types = input.types ?? [...known];
  const unknown = types.filter((t) => !known.has(t));
  if (unknown.length)
    throw invalidConfig(`engine option types names unregistered job types: ${unknown.join(', ')}`, {
      details: { field: 'types', value: unknown, expected: [...known] },
    });
  return Object.freeze({
    config,
    store: input.store,
    queue: input.queue,
    log: input.log,
    hostRouter: input.hostRouter ?? null,
    concurrency,
    claimBatch: atLeastOne('claimBatch', input.claimBatch ?? config.claimBatch),
    leaseMs: atLeastOne('leaseMs', input.leaseMs ?? config.leaseMs),
    pollIntervalMs: atLeastOne('pollIntervalMs', input.pollIntervalMs ?? config.pollIntervalMs),
    heartbeatMs: atLeastOne('heartbeatMs', input.heartbeatMs ?? config.workerHeartbeatMs),
    types: Object.freeze([...types]),
    limitFor: input.limitFor ?? null,
    bulkWorkers: Math.max(1, concurrency - reserved),
    clock: input.clock ?? Date.now,
  });
}

import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { checkJobRequest } from '../auth/host-command-policy';
import {
  defineJob,
  type HostScanSchedule,
  type JobContext,
  type RetryPolicy,
  type RootFields,
} from '../engine/job-definition';
import { inventoryHostId, TargetFields } from '../inventory/host-target';
import { withRecordedSshdConfig } from '../inventory/recorded-sshd-config';

/** What a host job's `run` is handed, besides ctx. */
export interface HostJobTarget<F extends TProperties> {
  /** The id the inventory keeps this host's findings under (a registered host or ssh:host:port). */
  hostId: string;
  /** The params as queued, target fields included. */
  params: Static<TObject<typeof TargetFields & F>>;
  /** The job's own fields, without the target: what the host operation is given. */
  args: Static<TObject<F>>;
  /**
   * Taken before the host is read: ingesting a read, the inventory keeps what edits
   * recorded after this over what the read found.
   */
  observedAt: number;
}

type HostJobInput<T extends string, F extends TProperties> = {
  type: T;
  describe: string;
  /** The job's own params fields; the target fields (hostId, connection) are added. */
  fields: F;
  timeoutMs: number;
  adminTriggerable?: boolean;
  hostScan?: HostScanSchedule;
  rootFields?: RootFields;
  /** Typed `any` for the reason JobDefinition's `run` is (job-definition.ts). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run(target: HostJobTarget<F>, ctx: JobContext): any;
} & ({ idempotent: true; retry?: RetryPolicy } | { idempotent?: false; retry?: never });

/**
 * A job that reads or edits one host: its params are a target (a registered host, or an SSH
 * connection for a host not registered yet) plus its own fields. Before `run`, every attempt
 * resolves the target to its inventory id and checks the host-command policy again, as the
 * API does before queueing (a job queued by a robot or a parent, or stored before a setting
 * was narrowed, is refused here before the host is reached), and takes the observation time.
 * A job queued without the sshd config path uses the one recorded for the host.
 */
export function defineHostJob<const T extends string, F extends TProperties>(
  def: HostJobInput<T, F>,
) {
  const { fields, run, ...rest } = def;
  const schema = Type.Object({ ...TargetFields, ...fields }, { additionalProperties: false });
  // One of the two retry shapes, as given: defineJob resolves it.
  const retry = (def.idempotent ? { idempotent: true, retry: def.retry } : {}) as {
    idempotent: true;
    retry?: RetryPolicy;
  };
  return defineJob({
    ...rest,
    ...retry,
    params: schema,
    runsOn: 'host',
    async run(queued, ctx) {
      const hostId = inventoryHostId(ctx, queued);
      const p = await withRecordedSshdConfig(ctx.store, fields, queued, hostId);
      await checkJobRequest({ config: ctx.config, store: ctx.store }, def, p, hostId);
      const { hostId: _h, connection: _c, ...args } = p;
      // Generic TypeBox statics do not narrow here; the schema has checked the shape.
      const params = p as unknown as HostJobTarget<F>['params'];
      return run({ hostId, params, args: args as Static<TObject<F>>, observedAt: ctx.now() }, ctx);
    },
  });
}

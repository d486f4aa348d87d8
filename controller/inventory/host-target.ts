/**
 * Where a host job runs and under which id its findings are kept. A job targets a
 * registered host (the job's `hostId`, which also routes it to the agent or the agentless
 * pool) or names a `connection` (SSH with credentials in the job, for hosts not registered
 * yet). The inventory keeps the latter under `ssh:<host>:<port>`. The connection's password
 * or private key is stored sealed (controller/secrets/sealed-params.ts).
 */
import { Type, type Static, type TProperties } from '@sinclair/typebox';
import { invalidInput } from '../../shared/errors';
import type { ChildJob, JobContext, JobParams, JobTypeName } from '../engine/job-definition';
import { Sealed } from '../secrets/sealed-params';

export const ConnectionSchema = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    username: Type.String({ minLength: 1 }),
    // Sealed when the job is queued; opened only by the executor that logs in with them.
    password: Type.Optional(Sealed(Type.String())),
    privateKey: Type.Optional(Sealed(Type.String())),
    hostKeyFingerprint: Type.String({ pattern: '^SHA256:[A-Za-z0-9+/]{43}$' }),
    rootPrefix: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type Connection = Static<typeof ConnectionSchema>;

export const TargetFields = {
  /** A registered host; give the same id as the job's hostId (or leave one of them out). */
  hostId: Type.Optional(Type.String({ minLength: 1 })),
  connection: Type.Optional(ConnectionSchema),
};

/** A params schema for a host job: the target fields plus the operation's own. */
export function hostJobParams<P extends TProperties>(fields: P) {
  return Type.Object({ ...TargetFields, ...fields }, { additionalProperties: false });
}

export const TargetSchema = Type.Object(TargetFields, { additionalProperties: false });
export type Target = Static<typeof TargetSchema>;

export function connectionHostId(c: Connection): string {
  return `ssh:${c.host}:${c.port ?? 22}${c.rootPrefix && c.rootPrefix !== '/' ? c.rootPrefix : ''}`;
}

/** The inventory id of a target, when it names one. */
export function targetHostId(t: Target): string | undefined {
  return t.hostId ?? (t.connection && connectionHostId(t.connection));
}

/** The id the job's findings are kept under; a job must name its host one way or another. */
export function inventoryHostId(ctx: Pick<JobContext, 'job'>, params: Target): string {
  const { job } = ctx;
  if (job.hostId && params.hostId && job.hostId !== params.hostId) {
    throw invalidInput(`params.hostId ${params.hostId} differs from the job's host ${job.hostId}`, {
      details: { field: 'hostId', value: params.hostId, expected: job.hostId },
    });
  }
  const id = job.hostId ?? targetHostId(params);
  if (!id) {
    throw invalidInput(`job ${job.id} (${job.type}) names no host: give hostId or connection`, {
      details: { field: 'hostId', expected: 'a registered host id or params.connection' },
    });
  }
  return id;
}

/** A host job's own params: all but the target fields. */
export type OwnParams<T extends JobTypeName> = Omit<JobParams<T>, keyof Target>;

/** The child job for one target of a parent (conf-deploy, relocate-user-keys, blacklist-keys). */
export function childFor<T extends JobTypeName>(
  type: T,
  target: Target,
  params: OwnParams<T>,
): ChildJob {
  const child = {
    type,
    hostId: target.hostId ?? null,
    params: {
      ...(target.hostId ? { hostId: target.hostId } : {}),
      ...(target.connection ? { connection: target.connection } : {}),
      ...params,
    },
  };
  // The caller's params were checked against T's; TypeScript cannot narrow the union for a generic T.
  return child as unknown as ChildJob;
}

/**
 * The driver for jobs that name their connection: an SSH session opened for one host
 * operation from the connection details in the job's params (`connection`), with the host
 * key pinned. The agentless driver (a pool over stored hosts and encrypted management
 * keys) reaches registered hosts; this one stays for jobs that name a connection
 * explicitly. The connection's password or key is stored sealed; it is opened here, for
 * the login only.
 */
import { credentialUnreadable, invalidInput } from '../../shared/errors';
import { runHostOperation } from '../../shared/hostops/operation-registry';
import { SshSession } from '../../shared/session/ssh-session';
import type { JobRecord } from '../store/records';
import { freshLoginCheck } from './fresh-login-check';
import type { JobSecrets } from '../secrets/sealed-params';
import type { HostCall, HostDriver } from './host-driver';

export interface DirectConnection {
  host: string;
  port?: number;
  username: string;
  password?: string;
  privateKey?: string;
  hostKeyFingerprint: string;
  rootPrefix?: string;
}

export function connectionOf(job: JobRecord, params: unknown = job.params): DirectConnection {
  const c = (params as { connection?: DirectConnection } | null)?.connection;
  if (!c) {
    throw invalidInput(
      `job ${job.id} (${job.type}) has no target host: give hostId of a registered host or params.connection`,
      {
        details: {
          field: 'connection',
          expected: '{host, port, username, password|privateKey, hostKeyFingerprint}',
        },
      },
    );
  }
  if (typeof c.password === 'object' || typeof c.privateKey === 'object')
    throw credentialUnreadable(
      `job ${job.id} (${job.type}): its connection credential is sealed and this driver has no master key to open it`,
      { details: { jobId: job.id } },
    );
  return c;
}

export class DirectSshDriver implements HostDriver {
  readonly name = 'direct connection';

  /** Without `secrets`, only connections whose credential is not sealed can be used. */
  constructor(private readonly secrets?: JobSecrets) {}

  async run({ job, operation, args, signal }: HostCall): Promise<unknown> {
    const c = connectionOf(job, this.secrets ? await this.secrets.open(job) : job.params);
    const connect = () =>
      SshSession.connect({
        host: c.host,
        port: c.port,
        username: c.username,
        password: c.password,
        privateKey: c.privateKey,
        hostKeyFingerprint: c.hostKeyFingerprint,
        rootPrefix: c.rootPrefix,
      });
    const session = await connect();
    try {
      // A config deploy proves afterwards that the job's credentials still log in.
      const loginCheck = freshLoginCheck(
        `${c.username}@${c.host}:${c.port ?? 22}`,
        connect,
        signal,
      );
      return await runHostOperation(session, operation, args, signal, { loginCheck });
    } finally {
      await session.close();
    }
  }
}

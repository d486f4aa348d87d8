/**
 * A real engine on a fresh store and a real sshd on loopback, with root allowed in by a
 * key so host jobs reach the host over SSH from `params.connection` (the direct route).
 */
import { readFile } from 'node:fs/promises';
import { connectionHostId, type Connection } from '../../../controller/inventory/host-target';
import type { JobParams, JobTypeName } from '../../../controller/engine/job-definition';
import type { JobRecord } from '../../../controller/store/records';
import type { TestSshd } from '../../helpers/sshd';
import type { generateClientKey } from '../../helpers/sshd';
import type { TestEngine } from '../../helpers/test-engine';

export type ClientKey = Awaited<ReturnType<typeof generateClientKey>>;

export async function rootConnection(sshd: TestSshd, rootKey: ClientKey): Promise<Connection> {
  return {
    host: sshd.address,
    port: sshd.port,
    username: 'root',
    privateKey: await readFile(rootKey.path, 'utf8'),
    hostKeyFingerprint: sshd.hostKeyFingerprint,
  };
}

export const hostIdOf = connectionHostId;

/** Queues a job as an admin would and waits until it has ended. */
export async function runJob<T extends JobTypeName>(
  eng: TestEngine,
  type: T,
  params: JobParams<T>,
  timeoutMs = 30_000,
): Promise<JobRecord> {
  const { job } = await eng.queue.enqueue(type, params, {
    createdBy: 'admin:test',
    trigger: 'admin',
  });
  return eng.waitForState(job.id, ['completed', 'failed', 'cancelled', 'expired'], timeoutMs);
}

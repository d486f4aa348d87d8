/**
 * Monitored hosts are only read: an operation that changes a host runs only on a host in
 * the managed state. The host router asks this before every operation, on the host record
 * it read for the call, whatever the job or driver, so no job can forget it. Scans (and
 * the drivers' own operations, such as the management-key lifecycle) run in every state.
 *
 * A host that is unreachable, or whose host key changed, is judged by the state it returns
 * to (an unreachable managed host keeps its edits queued for retry; the agentless driver stops all
 * work on a host-key mismatch on its own). Jobs that name a `connection` instead of a
 * registered host carry the admin's own credentials and have no state to check.
 */
import { hostNotManaged } from '../../shared/errors';
import { isEditOperation } from '../../shared/hostops/operation-registry';
import { stateBefore } from '../host-states/host-state-effects';
import type { HostRecord, HostState } from '../store/host-records';
import type { JobRecord } from '../store/records';
import type { Store } from '../store/store';

export type HostStateSource = Pick<Store, 'hosts' | 'audit' | 'alerts'>;

/** The state whose rules apply to the host now. */
async function governingState(store: HostStateSource, host: HostRecord): Promise<HostState> {
  if (host.state === 'unreachable') return stateBefore(store, host, 'host.unreachable');
  if (host.state === 'host-key-mismatch') return stateBefore(store, host, 'host.key.mismatch');
  return host.state;
}

/** Throws HOST_NOT_MANAGED when `operation` edits `host` (the job's) and it is not managed. */
export async function refuseEditUnlessManaged(
  store: HostStateSource,
  job: Pick<JobRecord, 'id' | 'type'>,
  host: HostRecord,
  operation: string,
): Promise<void> {
  if (!isEditOperation(operation)) return;
  const state = await governingState(store, host);
  if (state === 'managed') return;
  const shown = state === host.state ? state : `${host.state}, ${state} before`;
  throw hostNotManaged(
    `host ${host.name} (${host.id}) is ${shown}: ${job.type} changes the host (${operation}) and edits need the managed state; ` +
      `scans still run. Switch it with \`keywarden hosts manage ${host.id}\` (POST /api/v1/hosts/${host.id}/manage)`,
    {
      details: {
        hostId: host.id,
        state: host.state,
        governingState: state,
        operation,
        jobId: job.id,
        expected: 'managed',
      },
    },
  );
}

import type { Store } from '../store/store';
import { GroupCommit } from '../engine/group-commit';
import type { JobEvent, JobEvents } from '../engine/job-definition';
import type { EnqueueOptions, JobQueue } from '../engine/job-queue';

/**
 * The writes every hello makes, and the one every disconnect makes, group-committed
 * across the sessions of one gateway: a thousand agents connecting in a second cost a few
 * durable commits, not two thousand (each one an fsync that blocked the event loop), and
 * so do ten thousand streams ending at once (a controller restart, a network cut), which
 * before took one fsync each while the agents were already coming back. A hello still
 * waits for its own writes to be durable before the agent is welcomed.
 */
export interface HelloWriter {
  recordConnection(
    agentId: string,
    conn: Parameters<Store['agentFleet']['agents']['recordConnection']>[1],
  ): Promise<void>;
  /** Records the end of a connection, unless a newer one replaced it. */
  recordDisconnect(agentId: string, connectionId: string): Promise<void>;
  /** Queues the job type that handles `event`; resolves to null when no type does. */
  enqueue<E extends JobEvent>(
    event: E,
    params: JobEvents[E],
    opts: EnqueueOptions,
  ): Promise<unknown>;
}

/** A HelloWriter over `store` and `queue`: one write per turn of the event loop for each kind. */
export function helloWriter(store: Store, queue: JobQueue): HelloWriter {
  type Conn = Parameters<HelloWriter['recordConnection']>[1];
  const connections = new GroupCommit<{ id: string; conn: Conn }, void>(async (items) => {
    await store.agentFleet.agents.recordConnections(items, Date.now());
    return items.map(() => undefined);
  });
  const disconnects = new GroupCommit<{ id: string; connectionId: string }, void>(async (items) => {
    await store.agentFleet.agents.recordDisconnects(items, Date.now());
    return items.map(() => undefined);
  });
  const jobs = new GroupCommit<{ type: string; params: unknown; opts: EnqueueOptions }, unknown>(
    (items) => queue.enqueueManyByName(items),
  );
  return {
    recordConnection: (id, conn) => connections.submit({ id, conn }),
    recordDisconnect: (id, connectionId) => disconnects.submit({ id, connectionId }),
    enqueue: (event, params, opts) => {
      const type = queue.handlerOf(event);
      return type ? jobs.submit({ type, params, opts }) : Promise.resolve(null);
    },
  };
}

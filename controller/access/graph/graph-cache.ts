/**
 * The newest snapshot's graph, loaded once per process and store and shared by every query.
 * A query asks the store for the newest snapshot id at most every RECHECK_MS and loads a
 * newer one when there is: another controller may have run graph-analysis. Concurrent
 * queries wait for one load. A graph-analysis run in this process hands its graph over.
 */
import { notFound } from '../../../shared/errors';
import type {
  AccessGraphRepository,
  AccessGraphSnapshotMeta,
} from '../../store/access-graph-store';
import type { AccessGraph } from './access-graph';
import { decodeGraph } from './graph-codec';

/**
 * How long a loaded graph is answered from without asking the store for a newer one: a
 * snapshot built by another controller shows here within this time. Snapshots are hourly,
 * and a store round trip per query would cost more than the query (~90 ms on FerretDB).
 */
export const RECHECK_MS = 5_000;

type Loaded = { meta: AccessGraphSnapshotMeta; graph: AccessGraph };
interface Slot {
  current: Loaded | null;
  checkedAt: number;
  loading: { id: string; done: Promise<Loaded> } | null;
}

// Per store (its repository object): tests run several controllers in one process.
const slots = new WeakMap<AccessGraphRepository, Slot>();
const slotOf = (repo: AccessGraphRepository): Slot => {
  let s = slots.get(repo);
  if (!s) {
    s = { current: null, checkedAt: 0, loading: null };
    slots.set(repo, s);
  }
  return s;
};

export function rememberGraph(
  repo: AccessGraphRepository,
  meta: AccessGraphSnapshotMeta,
  graph: AccessGraph,
): void {
  const s = slotOf(repo);
  if (!s.current || s.current.meta.createdAt <= meta.createdAt) s.current = { meta, graph };
}

export async function latestGraph(repo: AccessGraphRepository, now = Date.now()): Promise<Loaded> {
  const s = slotOf(repo);
  if (s.current && now - s.checkedAt < RECHECK_MS) return s.current;
  const meta = await repo.latestSnapshot();
  s.checkedAt = now;
  if (!meta)
    throw notFound(
      'no access graph yet: run the graph-analysis job (keywarden jobs run graph-analysis)',
    );
  if (s.current?.meta.id === meta.id) return s.current;
  if (s.loading?.id === meta.id) return s.loading.done;
  const done = (async () => {
    const chunks = await repo.readSnapshot(meta.id);
    if (!chunks)
      throw notFound(`access graph snapshot ${meta.id} was pruned while loading: ask again`);
    const loaded = { meta, graph: await decodeGraph(chunks) };
    rememberGraph(repo, meta, loaded.graph);
    return loaded;
  })();
  s.loading = { id: meta.id, done };
  const clear = () => {
    if (s.loading?.done === done) s.loading = null;
  };
  done.then(clear, clear);
  return done;
}

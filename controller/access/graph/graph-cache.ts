/**
 * The newest snapshot's graph, loaded once per process and shared by every query. Each
 * query asks the store for the newest snapshot id (one indexed read) and loads a newer one
 * when there is: another controller may have run graph-analysis. Concurrent queries wait
 * for one load. A graph-analysis run in this process hands its graph over directly.
 */
import { notFound } from '../../../shared/errors';
import type {
  AccessGraphRepository,
  AccessGraphSnapshotMeta,
} from '../../store/access-graph-store';
import type { AccessGraph } from './access-graph';
import { decodeGraph } from './graph-codec';

let current: { meta: AccessGraphSnapshotMeta; graph: AccessGraph } | null = null;
let loading: {
  id: string;
  done: Promise<{ meta: AccessGraphSnapshotMeta; graph: AccessGraph }>;
} | null = null;

export function rememberGraph(meta: AccessGraphSnapshotMeta, graph: AccessGraph): void {
  if (!current || current.meta.createdAt <= meta.createdAt) current = { meta, graph };
}

export async function latestGraph(
  repo: AccessGraphRepository,
): Promise<{ meta: AccessGraphSnapshotMeta; graph: AccessGraph }> {
  const meta = await repo.latestSnapshot();
  if (!meta)
    throw notFound(
      'no access graph yet: run the graph-analysis job (keywarden jobs run graph-analysis)',
    );
  if (current?.meta.id === meta.id) return current;
  if (loading?.id === meta.id) return loading.done;
  {
    const done = (async () => {
      const chunks = await repo.readSnapshot(meta.id);
      if (!chunks)
        throw notFound(`access graph snapshot ${meta.id} was pruned while loading: ask again`);
      const loaded = { meta, graph: await decodeGraph(chunks) };
      rememberGraph(meta, loaded.graph);
      return loaded;
    })();
    loading = { id: meta.id, done };
    done.then(
      () => {
        if (loading?.done === done) loading = null;
      },
      () => {
        if (loading?.done === done) loading = null;
      },
    );
    return done;
  }
}

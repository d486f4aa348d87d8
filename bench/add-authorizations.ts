/**
 * bench:authorizations — an add-authorizations for a group of BENCH_HOSTS hosts (default
 * 1,000) on the embedded store as a controller runs it (synchronous=FULL): from the API's
 * createAuthorization to every add-authorized-key child queued. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAuthorization } from '../controller/authorizations/create-authorization';
import { placeAuthorization } from '../controller/authorizations/place-authorization';
import type { JobContext } from '../controller/engine/job-definition';
import { JobQueue } from '../controller/engine/job-queue';
import { spawnChildrenOnce } from '../controller/engine/spawn-children';
import { buildRegistry } from '../controller/jobs/registry';
import { NO_OVERRIDES, type NewHost } from '../controller/store/host-records';
import { openSqliteStore } from '../controller/store/sqlite/open-sqlite-store';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 1000);
const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bench';

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-bench-authz-'));
  const store = openSqliteStore(path.join(dir, 'kw.db'));
  const queue = new JobQueue(store, buildRegistry({ testJobTypes: false }));
  try {
    const now = Date.now();
    await store.hostGroups.create(
      { id: 'g', name: 'g', description: '', scanIntervalsMs: NO_OVERRIDES },
      now,
    );
    const hosts: NewHost[] = Array.from({ length: HOSTS }, (_, i) => ({
      id: `h${String(i).padStart(6, '0')}`,
      name: `host-${i}`,
      address: '10.0.0.1',
      port: 22,
      kind: 'agentless',
      state: 'managed',
      groupId: 'g',
      hostKeyFingerprint: null,
      managementAccount: null,
      agentId: null,
      os: null,
      sshProduct: null,
      lastSeenAt: null,
    }));
    await store.hosts.createMany(hosts, now);
    const t0 = performance.now();
    const { authorization, jobId } = await createAuthorization(
      { store, queue },
      { publicKey: KEY, account: 'deploy', groupId: 'g', expiresAt: now + 3_600_000 },
      'bench',
      Date.now(),
    );
    const job = (await store.jobs.get(jobId))!;
    const ctx = {
      store,
      job,
      now: Date.now,
      spawnChildren: (children) => spawnChildrenOnce({ store, queue }, job, children),
    } as Pick<JobContext, 'store' | 'job' | 'now' | 'spawnChildren'>;
    const res = await placeAuthorization(ctx, authorization);
    const queuedMs = performance.now() - t0;
    const children = await store.jobs.countChildren(job.id);
    console.log(
      JSON.stringify({
        bench: 'add-authorizations',
        store: 'sqlite',
        hosts: HOSTS,
        children: children.queued,
        spawned: 'count' in res ? res.count : 0,
        queuedMs: Math.round(queuedMs),
      }),
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

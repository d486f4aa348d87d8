/**
 * Numbered index migrations, recorded in the `migrations` collection. A migration that
 * has landed is never edited: a change is a new entry. Creating an index that exists is
 * a no-op, so two controllers starting at once both succeed.
 *
 * Every query that runs on every tick has an index. No unique index on an optional field
 * (FerretDB and MongoDB disagree on missing values), no TTL, partial or sparse indexes:
 * exclusivity comes from unique `_id`s instead.
 */
import type { Db } from 'mongodb';
import { isDuplicateKey } from './collections';
import { credentialMigrations } from './credential-migrations';
import { agentMigrations } from './agent-migrations';
import { inventoryMigrations } from './inventory-migrations';
import { authorizationMigrations } from './authorization-migrations';
import { accessGraphMigrations } from './access-graph-migrations';
import { accessReviewMigrations } from './access-review-migrations';
import { reportingMigrations } from './reporting-migrations';
import { policyMigrations } from './policy-migrations';
import { notificationMigrations } from './notification-migrations';
import { directoryMigrations } from './directory-migrations';
import { sessionMigrations } from './session-migrations';
import { sessionTextMigrations } from './session-text-migrations';
import { approvalMigrations } from './approval-migrations';
import { archiveMigrations } from './archive-migrations';

interface Migration {
  id: number;
  name: string;
  indexes: Record<string, Array<{ name: string; key: Record<string, 1 | -1>; unique?: boolean }>>;
}

export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'indexes for claiming, the watchdog, parents, lists and lookups',
    indexes: {
      jobs: [
        // claim: due queued jobs of one type, best priority first
        { name: 'claim', key: { state: 1, type: 1, priority: -1, runAt: 1 } },
        // reclaimExpiredLeases
        { name: 'lease', key: { state: 1, leaseUntil: 1 } },
        // expireOverdue
        { name: 'deadline', key: { state: 1, deadline: 1 } },
        // countChildren, finishParentIfDone, listParentsReadyToFinish
        { name: 'parent', key: { parentId: 1, state: 1 } },
        { name: 'awaiting', key: { awaitingChildren: 1, state: 1 } },
        // purgeEnded
        { name: 'finished', key: { state: 1, finishedAt: 1 } },
        // list filters, newest first
        { name: 'list_type', key: { type: 1, _id: -1 } },
        { name: 'list_state', key: { state: 1, _id: -1 } },
        { name: 'list_host', key: { hostId: 1, _id: -1 } },
        { name: 'list_created', key: { createdAt: -1 } },
      ],
      job_claims: [{ name: 'job', key: { jobId: 1 } }],
      workers: [{ name: 'heartbeat', key: { heartbeatAt: 1 } }],
      robot_advances: [{ name: 'type', key: { type: 1 } }],
      tokens: [{ name: 'secret', key: { secretHash: 1 }, unique: true }],
      audit: [
        { name: 'action', key: { action: 1, _id: -1 } },
        { name: 'subject', key: { subject: 1, _id: -1 } },
      ],
      alerts: [
        { name: 'state', key: { state: 1, _id: -1 } },
        { name: 'type', key: { type: 1, _id: -1 } },
        { name: 'purge', key: { state: 1, updatedAt: 1 } },
      ],
    },
  },
  {
    id: 2,
    name: 'hosts, host groups, scan schedule, reporting data, expiring records',
    indexes: {
      hosts: [
        { name: 'state', key: { state: 1, _id: 1 } },
        { name: 'group', key: { groupId: 1 } },
        // update-job-intervals reads only the hosts marked dirty
        { name: 'dirty', key: { scheduleDirty: 1, _id: 1 } },
      ],
      host_groups: [{ name: 'name', key: { name: 1 } }],
      // a scheduler tick reads only the due rows of each registered scan type
      scan_schedule: [
        { name: 'due', key: { scanType: 1, nextDueAt: 1 } },
        { name: 'host', key: { hostId: 1 } },
      ],
      reporting_data: [
        { name: 'kind', key: { kind: 1, _id: -1 } },
        { name: 'created', key: { createdAt: 1 } },
      ],
      expiring_records: [{ name: 'schedule', key: { scheduledJobId: 1, expiresAt: 1 } }],
    },
  },
  ...credentialMigrations,
  ...agentMigrations,
  ...inventoryMigrations,
  {
    id: 5,
    name: 'job lanes: claiming reads one lane of one type',
    indexes: {
      // claim: due queued jobs of one type and lane (records.ts JobLane), best priority first
      jobs: [{ name: 'claim_lane', key: { state: 1, type: 1, lane: 1, priority: -1, runAt: 1 } }],
    },
  },
  ...authorizationMigrations,
  ...accessGraphMigrations,
  {
    id: 44,
    name: "the alert event feed: purge finds an alert's events",
    indexes: { alert_events: [{ name: 'alert', key: { alertId: 1 } }] },
  },
  ...accessReviewMigrations,
  ...reportingMigrations,
  {
    id: 49,
    name: 'key quarantines, export cursors and the audit feed',
    indexes: {
      // the audit feed reads in write order (AuditDoc.feedId)
      audit: [{ name: 'feed', key: { feedId: 1 } }],
      key_quarantines: [
        { name: 'fingerprint', key: { fingerprint: 1 } },
        { name: 'watch', key: { state: 1, watchUntil: 1 } },
      ],
      export_leases: [{ name: 'sink', key: { sinkId: 1, epoch: 1 } }],
    },
  },
  ...policyMigrations,
  ...notificationMigrations,
  ...directoryMigrations,
  ...sessionMigrations,
  ...sessionTextMigrations,
  ...approvalMigrations,
  ...archiveMigrations,
];

export async function migrate(db: Db): Promise<void> {
  const done = db.collection<{ _id: number; name: string; appliedAt: number }>('migrations');
  const applied = new Set((await done.find({}).toArray()).map((m) => m._id));
  for (const m of migrations) {
    if (applied.has(m.id)) continue;
    for (const [coll, specs] of Object.entries(m.indexes)) {
      await db
        .collection(coll)
        .createIndexes(
          specs.map((s) => ({ name: s.name, key: s.key, ...(s.unique ? { unique: true } : {}) })),
        );
    }
    try {
      await done.insertOne({ _id: m.id, name: m.name, appliedAt: Date.now() });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err; // another controller recorded it first
    }
  }
}

import { Type } from '@sinclair/typebox';
import { conflict, invalidInput } from '../../shared/errors';
import { recordFullScanQueued, scanDedupeKey } from '../engine/host-scan-scheduler';
import { defineJob, withDefault } from '../engine/job-definition';

/**
 * Switches a host to monitored (Keywarden reads, never changes keys), usually as part of
 * discovery, and then queues its first full scan when a scan-full job type is registered.
 * That scan is the host's first scheduled one: the scheduler queues nothing more for the
 * host until its intervals have passed.
 */
export const toMonitoredStateHost = defineJob({
  type: 'to-monitored-state-host',
  describe: 'Switches a host to the monitored state',
  params: Type.Object({
    queueFullScan: withDefault(Type.Boolean({ description: 'queue scan-full afterwards' }), false),
  }),
  runsOn: 'controller',
  timeoutMs: 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  adminTriggerable: true,
  idempotent: true,
  async run(params, ctx) {
    const hostId = ctx.job.hostId;
    const host = hostId ? await ctx.store.hosts.get(hostId) : null;
    if (!host)
      throw invalidInput(
        `to-monitored-state-host needs an existing host (got ${hostId ?? 'none'})`,
        {
          details: { field: 'hostId', value: hostId },
        },
      );
    if (host.state === 'host-key-mismatch' || host.state === 'unreachable')
      throw conflict(`host ${host.name} is ${host.state}: it cannot be switched to monitored now`, {
        details: { field: 'state', value: host.state },
      });
    const from = host.state;
    if (from !== 'monitored') {
      await ctx.store.hosts.update(host.id, { state: 'monitored' }, ctx.now());
      await ctx.store.audit.append({
        at: ctx.now(),
        actor: `job:${ctx.job.id}`,
        action: 'host.state',
        subject: host.id,
        details: { from, to: 'monitored' },
      });
    }
    let scanJobId: string | null = null;
    if (params.queueFullScan && ctx.jobTypes.includes('scan-full')) {
      // The scheduler's key: a scheduled full scan queued meanwhile is this one, not a second.
      // Queued as scheduled work (the bulk lane), as discovery's first scan of an agent host:
      // an import of thousands of hosts must not take every worker from admin jobs and robots.
      scanJobId = (
        await ctx.enqueue({
          type: 'scan-full',
          params: {},
          hostId: host.id,
          dedupeKey: scanDedupeKey('scan-full', host.id),
          trigger: 'schedule',
        })
      ).id;
      // It counts as the host's first scheduled scans, of every type a full scan covers.
      await recordFullScanQueued(
        ctx.store,
        ctx.hostScans,
        { ...host, state: 'monitored' },
        scanJobId,
        ctx.now(),
      );
    }
    return { from, to: 'monitored', scanJobId };
  },
});

/**
 * GET /metrics in the Prometheus text format: jobs by type and state, the latency from a
 * job being due to being claimed, robot status and instances, open alerts. Store-backed
 * figures are read at scrape time, so every controller reports the same fleet-wide values;
 * claim latency is this controller's own.
 */
import type { FastifyInstance } from 'fastify';
import { Gauge, Histogram, Registry } from 'prom-client';
import type { ControllerServices } from '../controller-services';
import { listRobots } from '../reports/robots-report';
import { ROBOT_STATUSES } from '../reports/robot-status';
import type { RequireRole } from './auth';
import { diskSpace } from '../health/disk-space';
import { processUsage } from '../health/process-usage';
import { registerMonitorMetrics } from './monitor-metrics';

export function registerMetricsRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): void {
  const registry = new Registry();
  new Gauge({
    name: 'keywarden_jobs',
    help: 'Job records by type and state',
    labelNames: ['type', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await s.store.jobs.countByTypeAndState())
        this.set({ type: r.type, state: r.state }, r.count);
    },
  });
  const claimLatency = new Histogram({
    name: 'keywarden_job_claim_latency_seconds',
    help: 'Time from a job being due (runAt) to a worker of this controller claiming it',
    labelNames: ['type'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const unsubscribe = s.engine.onClaimed((jobs, now) => {
    for (const j of jobs) claimLatency.observe({ type: j.type }, Math.max(0, now - j.runAt) / 1000);
  });
  app.addHook('onClose', async () => unsubscribe());
  const robots = () =>
    listRobots(s.store, s.queue.registry, Date.now(), s.config.scheduleLateAfterMs);
  new Gauge({
    name: 'keywarden_robot_status',
    help: 'Robot status: 1 for the current status of each robot',
    labelNames: ['robot', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await robots())
        for (const status of ROBOT_STATUSES)
          this.set({ robot: r.type, status }, r.status === status ? 1 : 0);
    },
  });
  new Gauge({
    name: 'keywarden_robot_instances',
    help: 'Configured instances (limit) and running instances of each robot',
    labelNames: ['robot', 'kind'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await robots()) {
        this.set({ robot: r.type, kind: 'limit' }, r.enabled ? r.instances : 0);
        this.set({ robot: r.type, kind: 'running' }, r.running);
      }
    },
  });
  new Gauge({
    name: 'keywarden_alerts_open',
    help: 'Open alerts by severity (counted up to 10,000)',
    labelNames: ['severity'],
    registers: [registry],
    async collect() {
      this.reset();
      const counts: Record<string, number> = { info: 0, warning: 0, critical: 0 };
      let after: string | undefined;
      let seen = 0;
      do {
        const page = await s.store.alerts.list({ state: ['open'] }, { limit: 500, after });
        for (const a of page.items) counts[a.severity] = (counts[a.severity] ?? 0) + 1;
        seen += page.items.length;
        after = page.nextCursor ?? undefined;
      } while (after && seen < 10_000);
      for (const [severity, n] of Object.entries(counts)) this.set({ severity }, n);
    },
  });
  new Gauge({
    name: 'keywarden_disk_free_bytes',
    help: "Free space (available to the controller) of this controller's data and backup directories",
    labelNames: ['dir'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const d of await diskSpace(s.config)) this.set({ dir: d.dir }, d.freeBytes);
    },
  });
  new Gauge({
    name: 'keywarden_process_usage',
    help: 'This controller process and its host: resident and heap bytes, CPU seconds, host free and total memory bytes, 1-minute load',
    labelNames: ['measure'],
    registers: [registry],
    collect() {
      this.reset();
      const u = processUsage();
      this.set({ measure: 'resident_memory_bytes' }, u.rssBytes);
      this.set({ measure: 'heap_used_bytes' }, u.heapUsedBytes);
      this.set({ measure: 'cpu_seconds_total' }, u.cpuSecondsTotal);
      this.set({ measure: 'host_free_memory_bytes' }, u.hostFreeMemBytes);
      this.set({ measure: 'host_total_memory_bytes' }, u.hostTotalMemBytes);
      this.set({ measure: 'host_load1' }, u.hostLoad1);
    },
  });
  registerMonitorMetrics(registry, s);
  app.get(
    '/metrics',
    {
      onRequest: auth('auditor'),
      schema: { tags: ['metrics'], summary: 'Prometheus metrics (text format)' },
    },
    async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}

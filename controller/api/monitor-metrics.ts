/**
 * The system monitors' figures in /metrics, beside disk and process usage
 * (metrics-routes.ts): robot lag, the store's tables (rows, bytes, key range used) and
 * size, the agent gateway as its monitor last saw it, and the open alerts of each monitor.
 */
import { Gauge, type Registry } from 'prom-client';
import type { ControllerServices } from '../controller-services';
import { gatewayEndpointOf } from '../health/gateway-endpoints';
import { gatewayStatusOf } from '../health/gateway-status';
import { keyUsedRatio, storeFigures } from '../health/store-figures';
import { robotLags } from '../health/robot-lag';

/** The alert types the monitors raise. */
export const MONITOR_ALERT_TYPES = [
  'schedule-late',
  'disk-space',
  'resource',
  'store',
  'gateway',
  'archive-conciliation',
  'backup',
] as const;

export function registerMonitorMetrics(registry: Registry, s: ControllerServices): void {
  const registers = [registry];
  new Gauge({
    name: 'keywarden_robot_lag_seconds',
    help: 'How far behind its schedule each enabled periodic robot is: late to start, or its run going past its interval (0 when on time)',
    labelNames: ['robot'],
    registers,
    async collect() {
      this.reset();
      for (const { robot, lagMs } of await robotLags(
        s.store,
        Object.keys(s.queue.registry),
        Date.now(),
      ))
        this.set({ robot: robot.type }, lagMs / 1000);
    },
  });
  const figures = () => storeFigures(s.store.storeStats);
  new Gauge({
    name: 'keywarden_store_table_rows',
    help: 'Rows of each store table (SQLite) or documents of each collection (MongoDB); read at most every 5 min',
    labelNames: ['table'],
    registers,
    async collect() {
      this.reset();
      for (const t of (await figures()).tables) this.set({ table: t.table }, t.rows);
    },
  });
  new Gauge({
    name: 'keywarden_store_table_bytes',
    help: 'Bytes of each store table with its indexes (SQLite dbstat, MongoDB collStats)',
    labelNames: ['table'],
    registers,
    async collect() {
      this.reset();
      for (const t of (await figures()).tables)
        if (t.bytes !== null) this.set({ table: t.table }, t.bytes);
    },
  });
  new Gauge({
    name: 'keywarden_store_key_used_ratio',
    help: 'Share of its integer key range each table has used (largest key / limit)',
    labelNames: ['table'],
    registers,
    async collect() {
      this.reset();
      for (const t of (await figures()).tables) {
        const r = keyUsedRatio(t);
        if (r !== null) this.set({ table: t.table }, r);
      }
    },
  });
  new Gauge({
    name: 'keywarden_store_bytes',
    help: 'Size of the whole store (SQLite pages; MongoDB data and indexes)',
    registers,
    async collect() {
      this.set((await figures()).totalBytes);
    },
  });
  new Gauge({
    name: 'keywarden_gateway_up',
    help: "1 when this controller's agent gateway answered its monitor's last TLS handshake, 0 when not (absent before the first check)",
    registers,
    collect() {
      this.reset();
      const st = gatewayStatusOf(s.engine.workerId);
      if (st) this.set(st.check.ok ? 1 : 0);
    },
  });
  new Gauge({
    name: 'keywarden_gateway_handshake_seconds',
    help: "Duration of the gateway monitor's last successful TLS handshake",
    registers,
    collect() {
      this.reset();
      const st = gatewayStatusOf(s.engine.workerId);
      if (st?.check.ok) this.set(st.check.handshakeMs / 1000);
    },
  });
  new Gauge({
    name: 'keywarden_agents_connected',
    help: 'Agents holding a stream to this controller now',
    registers,
    collect() {
      this.reset();
      const ep = gatewayEndpointOf(s.engine.workerId);
      this.set(ep?.state === 'listening' ? ep.connectedAgents() : 0);
    },
  });
  new Gauge({
    name: 'keywarden_monitor_alerts_open',
    help: 'Open alerts of each monitor alert type (counted up to 1,000)',
    labelNames: ['type'],
    registers,
    async collect() {
      this.reset();
      for (const type of MONITOR_ALERT_TYPES)
        this.set(
          { type },
          (await s.store.alerts.list({ state: ['open'], type }, { limit: 1000 })).items.length,
        );
    },
  });
}

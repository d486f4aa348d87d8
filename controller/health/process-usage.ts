/**
 * CPU and memory of this controller process and its host. CPU is a share of one core
 * between two samples: process.cpuUsage() counts CPU time, so other processes' load on
 * the host does not change it.
 */
import { freemem, loadavg, totalmem } from 'node:os';

export interface ProcessUsage {
  rssBytes: number;
  heapUsedBytes: number;
  cpuSecondsTotal: number;
  hostFreeMemBytes: number;
  hostTotalMemBytes: number;
  hostLoad1: number;
}

export function processUsage(): ProcessUsage {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    cpuSecondsTotal: (cpu.user + cpu.system) / 1e6,
    hostFreeMemBytes: freemem(),
    hostTotalMemBytes: totalmem(),
    hostLoad1: loadavg()[0] ?? 0,
  };
}

/** Percent of one core used since the previous call (null on the first). */
export function cpuPercentSince(): () => number | null {
  let last: { cpu: NodeJS.CpuUsage; at: bigint } | null = null;
  return () => {
    const now = { cpu: process.cpuUsage(), at: process.hrtime.bigint() };
    const prev = last;
    last = now;
    if (!prev) return null;
    const wallUs = Number(now.at - prev.at) / 1000;
    const d = process.cpuUsage(prev.cpu);
    return wallUs > 0 ? ((d.user + d.system) / wallUs) * 100 : null;
  };
}

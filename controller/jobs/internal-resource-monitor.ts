import { cpuPercentSince, processUsage } from '../health/process-usage';
import { defineMonitor } from './define-monitor';
import type { MonitorFinding } from './monitor-alerts';

const MiB = 1024 * 1024;
// The CPU share is measured between runs of this robot in this process.
const cpuSinceLastRun = cpuPercentSince();

/**
 * The seed's CPU and Memory Monitor, for the controller process that runs it: a
 * "resource" alert while its CPU use since the last run is above processMaxCpuPercent
 * or its resident memory above processMaxRssBytes; resolved when back under.
 */
export const internalResourceMonitor = defineMonitor({
  type: 'internal-resource-monitor',
  alertType: 'resource',
  describe: "Raises alerts when the controller process's CPU or memory use is above its limit",
  intervalMs: 60_000,
  async check(ctx) {
    const { processMaxCpuPercent: maxCpu, processMaxRssBytes: maxRss } = ctx.config;
    const cpu = cpuSinceLastRun();
    const usage = processUsage();
    const extra = { pid: process.pid, rssBytes: usage.rssBytes, hostLoad1: usage.hostLoad1 };
    const findings: MonitorFinding[] = [];
    if (cpu !== null && cpu > maxCpu)
      findings.push({
        key: `cpu:${process.pid}`,
        subject: 'controller-process',
        severity: 'warning',
        message: `controller process ${process.pid} used ${cpu.toFixed(0)}% of a core since the last check, more than ${maxCpu}%`,
        context: { extra: { ...extra, cpuPercent: Math.round(cpu) } },
      });
    if (usage.rssBytes > maxRss)
      findings.push({
        key: `memory:${process.pid}`,
        subject: 'controller-process',
        severity: 'warning',
        message: `controller process ${process.pid} holds ${(usage.rssBytes / MiB).toFixed(0)} MiB resident, more than ${(maxRss / MiB).toFixed(0)} MiB`,
        context: { extra },
      });
    return {
      findings,
      summary: { cpuPercent: cpu === null ? null : Math.round(cpu), rssBytes: usage.rssBytes },
    };
  },
});

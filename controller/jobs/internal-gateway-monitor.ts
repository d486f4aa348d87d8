import { hostname } from 'node:os';
import { checkGateway } from '../health/gateway-check';
import { gatewayEndpointOf } from '../health/gateway-endpoints';
import { recordGatewayStatus } from '../health/gateway-status';
import { defineMonitor } from './define-monitor';
import type { MonitorFinding } from './monitor-alerts';

/**
 * Agent-gateway health, for the controller that runs it: a real TLS connection to its
 * agent port (controller/health/gateway-check.ts) must complete within
 * gatewayCheckTimeoutMs with a certificate agents accept. A critical "gateway" alert while
 * it does not (or while the gateway could not bind its port at start), resolved once it
 * answers. Reports the agents connected to this controller.
 */
export const internalGatewayMonitor = defineMonitor({
  type: 'internal-gateway-monitor',
  alertType: 'gateway',
  describe: "Raises an alert when this controller's agent gateway does not answer a TLS handshake",
  intervalMs: 60_000,
  async check(ctx, now) {
    const workerId = ctx.job.workerId;
    const ep = gatewayEndpointOf(workerId);
    if (!ep) return { findings: [], summary: { gateway: 'not started in this controller' } };
    const controller = workerId ?? 'unknown';
    // The alert is this host's gateway at its configured address: a restarted controller
    // (a new worker id) resolves the alert its predecessor raised.
    const { host, port } = ctx.config.grpcAddr;
    const key = `${hostname()}/${host.includes(':') ? `[${host}]` : host}:${port}`;
    const finding = (addr: string, message: string, error: string): MonitorFinding => ({
      key,
      subject: `gateway:${addr}`,
      severity: 'critical',
      message,
      context: { extra: { addr, controller, host: hostname(), error } },
    });
    if (ep.state === 'down') {
      recordGatewayStatus(controller, {
        at: now,
        addr: ep.addr,
        check: { ok: false, error: ep.reason },
        connectedAgents: 0,
      });
      return {
        findings: [
          finding(ep.addr, `agent gateway could not listen on ${ep.addr}: ${ep.reason}`, ep.reason),
        ],
        summary: { up: false, addr: ep.addr, error: ep.reason },
      };
    }
    const addr = `${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${ep.port}`;
    const check = await checkGateway(ep, ctx.config.gatewayCheckTimeoutMs);
    const connectedAgents = ep.connectedAgents();
    recordGatewayStatus(controller, { at: now, addr, check, connectedAgents });
    if (!check.ok)
      return {
        findings: [
          finding(addr, `agent gateway at ${addr} does not answer: ${check.error}`, check.error),
        ],
        summary: { up: false, addr, error: check.error, connectedAgents },
      };
    return {
      findings: [],
      summary: {
        up: true,
        addr,
        handshakeMs: Math.round(check.handshakeMs * 10) / 10,
        certificateNotAfter: new Date(check.certificateNotAfter).toISOString(),
        connectedAgents,
      },
    };
  },
});
